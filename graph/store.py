"""The store interface every other module uses, whichever engine is behind it.

A store runs parameterised Cypher: ``read`` and ``write`` for single statements and
``write_batches`` for ``UNWIND $rows`` statements over many rows. Values always travel as
parameters; labels and relationship types come from graph.schema only.

Queries are written once in the portable subset both engines run the same way (see the
README). Only schema DDL and full-text search differ; they live in the dialect modules.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Protocol

#: rows per UNWIND statement in batched writes
DEFAULT_BATCH = 5000


@dataclass
class WriteStats:
    """What a write changed, summed over the statements it ran."""

    nodes_created: int = 0
    relationships_created: int = 0
    properties_set: int = 0
    labels_added: int = 0
    statements: int = 0

    def add(self, other: "WriteStats") -> None:
        self.nodes_created += other.nodes_created
        self.relationships_created += other.relationships_created
        self.properties_set += other.properties_set
        self.labels_added += other.labels_added
        self.statements += other.statements


class Store(Protocol):
    """What the rest of custodygraph needs from a graph engine."""

    #: "falkordb" or "neo4j"
    backend: str
    #: the engine's dialect module (graph.falkor_dialect or graph.neo4j_dialect): schema DDL,
    #: full-text search and path statements, the only Cypher that differs between engines
    dialect: Any

    def read(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Run a read-only statement and return its rows as dicts keyed by column."""

    def write(self, query: str, params: dict[str, Any] | None = None) -> WriteStats:
        """Run one write statement atomically."""

    def write_batches(
        self, query: str, rows: Iterable[dict[str, Any]], batch_size: int = DEFAULT_BATCH
    ) -> WriteStats:
        """Run ``query`` once per chunk of ``rows``, passed as ``$rows``."""

    def install_schema(self) -> list[str]:
        """Create the constraints and indexes declared in graph.schema; return what was done."""

    def after_ingest(self) -> None:
        """Make the ingest durable and cheap to restart from (compaction on the embedded engine)."""

    def clear(self) -> None:
        """Delete every node and relationship (tests and the demo use this)."""

    def describe(self) -> str:
        """Where this store is, without any credential."""

    def written(self) -> Any:
        """A token that changes whenever anything is written to the store (by any program),
        or None when the engine gives none: then nothing read is kept between calls."""

    def close(self) -> None:
        """Release connections."""


def chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    """Split ``rows`` into lists of at most ``size`` items, reading the iterable lazily."""
    batch: list[dict[str, Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def read_together(store: Store, statements: list[tuple[str, dict[str, Any] | None]]
                  ) -> list[list[dict[str, Any]]]:
    """The rows of each read statement, in order: run at once where the store can
    (``read_many``), else one after the other."""
    many = getattr(store, "read_many", None)
    if many is not None:
        return many(statements)
    return [store.read(query, params) for query, params in statements]


def read_aside(store: Store, query: str, params: dict[str, Any] | None = None
               ) -> list[dict[str, Any]]:
    """The rows of a read statement that what the store has queued to write cannot change:
    where it pipelines writes (``read_aside``) the read does not wait for them."""
    aside = getattr(store, "read_aside", None)
    return (aside or store.read)(query, params)
