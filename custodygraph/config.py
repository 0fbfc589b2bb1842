"""Where the data lives and which engine serves it.

The embedded store lives in ``--data-dir``, else ``$CUSTODYGRAPH_HOME``, else the platform's
user data directory. Neo4j is used instead when ``--neo4j URI`` is given or ``NEO4J_URI`` is set.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


DEFAULT_GRAPH = "custodygraph"
#: the graph the demo loads, so it never mixes example cases into an investigator's data
DEMO_GRAPH = "custodygraph-demo"


@dataclass(frozen=True)
class Config:
    data_dir: Path
    graph: str = DEFAULT_GRAPH
    neo4j_uri: str | None = None
    neo4j_user: str | None = None
    neo4j_password: str | None = None
    neo4j_database: str | None = None

    @property
    def backend(self) -> str:
        return "neo4j" if self.neo4j_uri else "falkordb"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("custodygraph", appauthor=False))


def resolve(data_dir: str | os.PathLike | None = None, neo4j_uri: str | None = None,
            graph: str | None = None) -> Config:
    """Build the configuration from explicit arguments, then the environment, then defaults."""
    home = data_dir or os.environ.get("CUSTODYGRAPH_HOME") or default_data_dir()
    uri = neo4j_uri or os.environ.get("NEO4J_URI") or None
    return Config(
        data_dir=Path(home).expanduser().absolute(),
        graph=graph or DEFAULT_GRAPH,
        neo4j_uri=uri,
        neo4j_user=os.environ.get("NEO4J_USERNAME"),
        neo4j_password=os.environ.get("NEO4J_PASSWORD"),
        neo4j_database=os.environ.get("NEO4J_DATABASE"),
    )
