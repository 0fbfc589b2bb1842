"""The graph store: one interface (graph.store), two engines, and the schema (graph.schema,
declared in plain Python; graph.ogm builds its neomodel classes for the Neo4j backend)."""

from __future__ import annotations

from custodygraph.config import Config
from custodygraph.graph.store import Store, WriteStats


def open_store(config: Config) -> Store:
    """Open the store ``config`` names: Neo4j if it has a URI, else the embedded engine."""
    if config.neo4j_uri:
        from custodygraph.graph.neo4j import Neo4jStore
        from custodygraph.config import DEFAULT_GRAPH
        from custodygraph.errors import StoreError

        if config.graph != DEFAULT_GRAPH:
            raise StoreError("on Neo4j, choose the database with NEO4J_DATABASE, not a graph name")

        return Neo4jStore(
            config.neo4j_uri, config.neo4j_user, config.neo4j_password, config.neo4j_database
        )
    from custodygraph.graph.falkor import FalkorStore

    return FalkorStore(config.data_dir, config.graph)


__all__ = ["open_store", "Store", "WriteStats"]
