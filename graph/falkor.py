"""The embedded backend: a FalkorDB server reached through its native client over a Unix socket."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import redis
from falkordb import FalkorDB

from custodygraph.errors import StoreError
from custodygraph.graph import falkor_dialect
from custodygraph.graph.embedded import EmbeddedServer
from custodygraph.graph.store import DEFAULT_BATCH, WriteStats, chunks

GRAPH_NAME = "custodygraph"
#: how long an append-only rewrite may take before we report it
REWRITE_TIMEOUT = 1800.0


def _stats(result) -> WriteStats:
    return WriteStats(
        nodes_created=int(result.nodes_created),
        relationships_created=int(result.relationships_created),
        properties_set=int(result.properties_set),
        labels_added=int(result.labels_added),
        statements=1,
    )


def _rows(result) -> list[dict[str, Any]]:
    names = [col[1] if isinstance(col, (list, tuple)) else col for col in result.header]
    names = [n.decode() if isinstance(n, bytes) else n for n in names]
    return [dict(zip(names, row)) for row in result.result_set]


class FalkorStore:
    """The default store: starts the embedded server on first use and reuses it afterwards."""

    backend = "falkordb"
    #: engine-specific statement builders (search, shortest path, DDL)
    dialect = falkor_dialect

    def __init__(self, data_dir: Path, graph: str = GRAPH_NAME):
        self.server = EmbeddedServer(data_dir)
        self.server.ensure_running()
        try:
            self.db = FalkorDB(
                unix_socket_path=str(self.server.socket), password=self.server.password()
            )
            self.graph = self.db.select_graph(graph)
        except redis.exceptions.RedisError as exc:
            raise StoreError(f"could not reach the embedded store: {exc}") from None
        self.graph_name = graph

    def _run(self, method, query: str, params: dict[str, Any] | None):
        try:
            return method(query, params or {})
        except redis.exceptions.ResponseError as exc:
            raise StoreError(f"the embedded store refused a query: {exc}") from None
        except redis.exceptions.ConnectionError as exc:
            raise StoreError(
                f"lost the connection to the embedded store ({exc}); "
                "run `custodygraph db status` and try again"
            ) from None

    def read(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return _rows(self._run(self.graph.ro_query, query, params))

    def write(self, query: str, params: dict[str, Any] | None = None) -> WriteStats:
        return _stats(self._run(self.graph.query, query, params))

    def write_batches(
        self, query: str, rows: Iterable[dict[str, Any]], batch_size: int = DEFAULT_BATCH
    ) -> WriteStats:
        total = WriteStats()
        for batch in chunks(rows, batch_size):
            total.add(self.write(query, {"rows": batch}))
        return total

    def install_schema(self) -> list[str]:
        done = []
        for statement in falkor_dialect.index_statements() + falkor_dialect.fulltext_statements():
            try:
                self.graph.query(statement)
                done.append(statement)
            except redis.exceptions.ResponseError as exc:
                if not falkor_dialect.is_already_exists(str(exc)):
                    raise StoreError(f"could not create an index ({statement}): {exc}") from None
        for lab, prop in falkor_dialect.unique_constraints():
            try:
                self.db.connection.execute_command(
                    "GRAPH.CONSTRAINT", "CREATE", self.graph_name, "UNIQUE", "NODE", lab,
                    "PROPERTIES", "1", prop,
                )
                done.append(f"UNIQUE {lab}.{prop}")
            except redis.exceptions.ResponseError as exc:
                if not falkor_dialect.is_already_exists(str(exc)):
                    raise StoreError(f"could not create a constraint on {lab}.{prop}: {exc}") from None
        return done

    def after_ingest(self) -> None:
        """Compact the append-only file and wait, so a restart loads a snapshot, not a replay."""
        import time

        conn = self.db.connection
        try:
            conn.execute_command("BGREWRITEAOF")
        except redis.exceptions.ResponseError as exc:
            if "already in progress" not in str(exc):
                raise StoreError(f"could not compact the append-only file: {exc}") from None
        deadline = time.monotonic() + REWRITE_TIMEOUT
        while time.monotonic() < deadline:
            info = conn.info("persistence")
            if not info.get("aof_rewrite_in_progress") and not info.get("aof_rewrite_scheduled"):
                if info.get("aof_last_bgrewrite_status", "ok") != "ok":
                    raise StoreError("compacting the append-only file failed; see the server log")
                return
            time.sleep(0.05)
        raise StoreError("compacting the append-only file did not finish in time")

    def clear(self) -> None:
        """Empty the graph; its indexes and constraints are installed again."""
        try:
            self.graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise StoreError(f"could not clear the graph: {exc}") from None
        self.graph = self.db.select_graph(self.graph_name)
        self.install_schema()

    def describe(self) -> str:
        return f"embedded FalkorDB at {self.server.data_dir}"

    def close(self) -> None:
        try:
            self.db.connection.close()
        except redis.exceptions.RedisError:
            pass
