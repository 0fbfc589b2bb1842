"""The production backend: Neo4j through the official driver, with managed transactions.

Selected when ``NEO4J_URI`` is set or ``--neo4j URI`` is given. ``NEO4J_USERNAME``,
``NEO4J_PASSWORD`` and ``NEO4J_DATABASE`` work as in Neo4j's own tools. Routing URIs
(``neo4j://``, ``neo4j+s://``) reach clusters and Aura. Every write runs in
``execute_write``, which retries transient errors.
"""

from __future__ import annotations

from typing import Any, Iterable

from custodygraph.errors import StoreError
from custodygraph.graph import neo4j_dialect
from custodygraph.graph.store import DEFAULT_BATCH, WriteStats, chunks


def _stats(summary) -> WriteStats:
    c = summary.counters
    return WriteStats(
        nodes_created=c.nodes_created,
        relationships_created=c.relationships_created,
        properties_set=c.properties_set,
        labels_added=c.labels_added,
        statements=1,
    )


CLEAR = "MATCH (n) CALL { WITH n DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"


class Neo4jStore:
    backend = "neo4j"
    #: engine-specific statement builders (search, shortest path, DDL)
    dialect = neo4j_dialect

    def __init__(self, uri: str, user: str | None, password: str | None, database: str | None):
        import neo4j

        self._neo4j = neo4j
        self.uri = uri
        self.database = database or None
        auth = (user or "neo4j", password) if password is not None else None
        try:
            self.driver = neo4j.GraphDatabase.driver(uri, auth=auth)
            self.driver.verify_connectivity()
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError, ValueError) as exc:
            raise StoreError(f"could not connect to Neo4j at {uri}: {exc}") from None

    def _session(self):
        return self.driver.session(database=self.database)

    def _guard(self, work):
        neo4j = self._neo4j
        try:
            return work()
        except (neo4j.exceptions.Neo4jError, neo4j.exceptions.DriverError) as exc:
            raise StoreError(f"Neo4j refused a query: {exc}") from None

    def read(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        def work():
            with self._session() as session:
                return session.execute_read(lambda tx: tx.run(query, params or {}).data())

        return self._guard(work)

    def write(self, query: str, params: dict[str, Any] | None = None) -> WriteStats:
        def tx_work(tx):
            return _stats(tx.run(query, params or {}).consume())

        def work():
            with self._session() as session:
                return session.execute_write(tx_work)

        return self._guard(work)

    def write_batches(
        self, query: str, rows: Iterable[dict[str, Any]], batch_size: int = DEFAULT_BATCH
    ) -> WriteStats:
        total = WriteStats()
        for batch in chunks(rows, batch_size):
            total.add(self.write(query, {"rows": batch}))
        return total

    def install_schema(self) -> list[str]:
        done = self._guard(lambda: neo4j_dialect.install_with_neomodel(self.driver, self.database))
        for statement in neo4j_dialect.fulltext_statements():
            self.write(statement)
            done.append(statement)
        return done

    def after_ingest(self) -> None:
        """Neo4j makes committed transactions durable itself; nothing to do."""

    def clear(self) -> None:
        """Delete everything in batches; CALL IN TRANSACTIONS needs an auto-commit transaction."""

        def work():
            with self._session() as session:
                session.run(CLEAR).consume()

        self._guard(work)

    def written(self) -> None:
        return None  # no cheap token: readers keep nothing between calls

    def describe(self) -> str:
        return f"Neo4j at {self.uri}" + (f" (database {self.database})" if self.database else "")

    def close(self) -> None:
        self.driver.close()
