"""The embedded backend: a FalkorDB server reached through its native client over a Unix socket."""

from __future__ import annotations

import json
import queue
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable

import redis
from falkordb import FalkorDB
from falkordb.helpers import quote_string
from falkordb.query_result import QueryResult
from json.encoder import encode_basestring

from custodygraph.errors import GraphNotLoaded, StoreError
from custodygraph.graph import falkor_dialect
from custodygraph.graph.embedded import EmbeddedServer
from custodygraph.graph.store import DEFAULT_BATCH, WriteStats, chunks

GRAPH_NAME = "custodygraph"
#: how long an append-only rewrite may take before we report it
REWRITE_TIMEOUT = 1800.0
#: an ingest compacts the append-only file when this much has been appended since the last
#: compaction. A restart replays what was appended (with the indexes of the snapshot in
#: place): at a million events, 36.9 MB of ingest writes replayed in 1.3 s; compacting takes
#: 2.3-5.5 s there, which a small ingest no longer pays.
COMPACT_ABOVE = 64 * 2**20


#: JSON text is a Cypher literal that FalkorDB reads back exactly, as long as it holds no
#: object (JSON quotes map keys, Cypher does not) and no backslash-u escape (FalkorDB keeps
#: those as written); the escapes of quote, backslash, newline, return, tab, backspace and
#: form feed it reads as JSON means them (tests/test_falkor_params.py checks this).
_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False,
                         check_circular=False).encode


def literal(value: Any) -> str:
    """A parameter value as a literal of FalkorDB's ``CYPHER name=value`` header.

    Rows of thousands of values are encoded in one call to the C JSON encoder; a part
    JSON cannot write the way FalkorDB reads it (a map, a control character other than
    the escapes both share, a type JSON lacks) is written piece by piece, strings as the
    falkordb client writes them.

    >>> literal([["a\\"b", 1, None, True], {"k": "v"}])
    '[["a\\\\"b",1,null,true],{`k`:"v"}]'
    """
    try:
        text = _json(value)
    except (TypeError, ValueError):
        return _pieces(value)
    if "{" in text or "\\u" in text:
        return _pieces(value)
    return text


def _pieces(value: Any) -> str:
    kind = type(value)
    if kind is str:
        text = encode_basestring(value)
        return text if "\\u" not in text else quote_string(value)
    if kind is dict:
        return "{" + ",".join([(_KEYS.get(key) or _key(key)) + _pieces(item)
                               for key, item in value.items()]) + "}"
    if kind is list or kind is tuple:
        return "[" + ",".join([_pieces(item) if type(item) in _SCALARS else literal(item)
                               for item in value]) + "]"
    if value is None:
        return "null"
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        return str(value)
    if isinstance(value, bytes):
        return quote_string(value)
    for base in (str, dict, list):  # subclasses, written as their base type
        if isinstance(value, base):
            return _pieces(base(value))
    return str(value)


#: the types _pieces writes directly, without a try at JSON first
_SCALARS = (str, dict, type(None), bool, int)


#: map keys as written in a literal (the same few keys come back on every row)
_KEYS: dict[str, str] = {}


def _key(key: Any) -> str:
    text = f"`{_name(key)}`:"
    if type(key) is str and len(_KEYS) < 1024:
        _KEYS[key] = text
    return text


def _name(key: Any) -> str:
    name = key.decode() if isinstance(key, bytes) else str(key)
    if not name or "`" in name:
        raise ValueError(f"a parameter or map key must be non-empty and free of backticks: "
                         f"{name!r}")
    return name


def with_params(query: str, params: dict[str, Any] | None) -> str:
    """The query with its parameters in front, as FalkorDB takes them."""
    if not params:
        return query
    head = " ".join(f"`{_name(key)}`={literal(value)}" for key, value in params.items())
    return f"CYPHER {head} {query}"


def _stats(result) -> WriteStats:
    return WriteStats(
        nodes_created=int(result.nodes_created),
        relationships_created=int(result.relationships_created),
        properties_set=int(result.properties_set),
        labels_added=int(result.labels_added),
        statements=1,
    )


def _names(header: list) -> list[str]:
    """The column names of a reply's header ([type, name] pairs, or names)."""
    names = [col[1] if isinstance(col, (list, tuple)) else col for col in header]
    return [n.decode() if isinstance(n, bytes) else n for n in names]


def _rows(result) -> list[dict[str, Any]]:
    names = _names(result.header)
    return [dict(zip(names, row)) for row in result.result_set]


class _NotPlain(Exception):
    """A reply holds a value other than null, text, number, boolean or list."""


def _plain(cell: list) -> Any:
    """A value of a compact reply, of the types ``_NotPlain`` names, as the client reads it
    (falkordb.query_result.parse_scalar)."""
    kind, value = cell
    if kind == 2:  # text
        return value if type(value) is str else (
            value.decode() if isinstance(value, bytes) else str(value))
    if kind == 1:  # null
        return None
    if kind == 3:  # integer
        return value if type(value) is int else int(value)
    if kind == 6:  # list: of texts mostly (uids, dates), read without a call each
        return [item if item_kind == 2 and type(item) is str else _plain([item_kind, item])
                for item_kind, item in value]
    if kind == 4:  # boolean
        return (value.decode() if isinstance(value, bytes) else value) == "true"
    if kind == 5:  # float
        return float(value)
    raise _NotPlain(kind)


def _reply_rows(graph, reply: list) -> list[dict[str, Any]]:
    """The rows of a compact reply to a read. Plain values are read here, in a fraction of
    the client's time per value (a custody chain is about 200 of them); a reply holding an
    error, a node, an edge, a path, a map or a temporal value goes through the client."""
    if not reply or isinstance(reply[0], redis.exceptions.ResponseError) \
            or isinstance(reply[-1], redis.exceptions.ResponseError) or len(reply) < 3:
        return _rows(QueryResult(graph, reply))
    names = _names(reply[0])
    try:
        return [dict(zip(names, [value if kind == 2 and type(value) is str
                                 else _plain([kind, value]) for kind, value in row]))
                for row in reply[1]]
    except _NotPlain:
        return _rows(QueryResult(graph, reply))


@contextmanager
def _lost_connection():
    """Turn a dropped connection (the server was stopped or killed) into a StoreError."""
    try:
        yield
    except redis.exceptions.ConnectionError as exc:
        raise StoreError(f"lost the connection to the embedded store ({exc}); "
                         "run `custodygraph db status` and try again") from None


#: threads that send the statements of ``read_many`` (the server answers on one thread per
#: core; a reply is decoded while the others are worked out)
READERS = 4


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
        self._pipe: _Pipe | None = None
        self._readers = None  # the threads of read_many, started once (see there)

    @contextmanager
    def pipelined(self):
        """Within this block, writes are sent by a second thread, in order, while the caller
        goes on preparing the next ones (the server is another process, so both cores work).

        The graph goes through the same statements in the same order as without the block:
        a read first waits for every write before it (``read_aside`` does not, for what those
        writes cannot touch), the first write the server refuses
        is raised at the next read, write or the end of the block, and no later write is
        sent after it. ``write`` returns no counts here (``statements`` is 1).
        """
        if self._pipe is not None:
            yield self
            return
        pipe = self._pipe = _Pipe(self)
        try:
            yield self
        except BaseException:
            self._pipe = None
            pipe.close()
            raise
        self._pipe = None
        pipe.close()
        pipe.check()

    def flush(self) -> None:
        """Wait for the writes of a pipelined block sent so far; raise the first refused."""
        if self._pipe is not None:
            self._pipe.wait()

    def when_written(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` once every write before it is written: at once, or in a
        pipelined block from the writer thread, so the caller need not wait for it."""
        if self._pipe is not None:
            self._pipe.put(callback)
        else:
            callback()

    def _run(self, method, query: str, params: dict[str, Any] | None):
        return self._send(method, with_params(query, params))

    def _send(self, method, text: str):
        try:
            return method(text)
        except redis.exceptions.ResponseError as exc:
            if "empty key" in str(exc):  # the graph was never written to
                raise GraphNotLoaded(
                    f"the graph {self.graph_name!r} holds nothing yet: load a file into it "
                    "with `custodygraph ingest FILE`, or name another with --graph"
                ) from None
            raise StoreError(f"the embedded store refused a query: {exc}") from None
        except redis.exceptions.ConnectionError as exc:
            raise StoreError(
                f"lost the connection to the embedded store ({exc}); "
                "run `custodygraph db status` and try again"
            ) from None

    def read(self, query: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        self.flush()
        return self._read(query, params)

    def _read(self, query: str, params: dict[str, Any] | None) -> list[dict[str, Any]]:
        graph = self.graph

        def ask(text: str) -> list[dict[str, Any]]:
            reply = graph.execute_command("GRAPH.RO_QUERY", graph.name, text, "--compact")
            return _reply_rows(graph, reply)

        return self._run(ask, query, params)

    def read_aside(self, query: str, params: dict[str, Any] | None = None
                   ) -> list[dict[str, Any]]:
        """``read`` without waiting for the writes queued in a pipelined block (it runs on
        a connection of its own meanwhile): only for what those writes cannot touch."""
        return self._read(query, params)

    def read_many(self, statements: list[tuple[str, dict[str, Any] | None]]
                  ) -> list[list[dict[str, Any]]]:
        """The rows of several read statements, run at once: the server answers each on a
        thread of its own (one per core), and the replies are decoded as they come."""
        self.flush()
        if len(statements) < 2:
            return [self.read(query, params) for query, params in statements]
        if self._readers is None:
            # kept for the store's life: starting a thread costs about a millisecond on a
            # busy machine, more than a chain takes to answer
            from concurrent.futures import ThreadPoolExecutor

            self._readers = ThreadPoolExecutor(READERS, thread_name_prefix="custodygraph-read")
        # the first statement is run here, the others by the readers meanwhile
        replies = [self._readers.submit(self._read, query, params)
                   for query, params in statements[1:]]
        first = self._read(*statements[0])
        return [first] + [reply.result() for reply in replies]

    def write(self, query: str, params: dict[str, Any] | None = None) -> WriteStats:
        if self._pipe is not None:
            self._pipe.put(with_params(query, params))
            return WriteStats(statements=1)
        return _stats(self._run(self.graph.query, query, params))

    def write_batches(
        self, query: str, rows: Iterable[dict[str, Any]], batch_size: int = DEFAULT_BATCH
    ) -> WriteStats:
        total = WriteStats()
        for batch in chunks(rows, batch_size):
            total.add(self.write(query, {"rows": batch}))
        return total

    def install_schema(self) -> list[str]:
        with _lost_connection():
            return self._install_schema()

    def _install_schema(self) -> list[str]:
        done = []
        steps = [(statement, falkor_dialect.is_missing_index, "drop")
                 for statement in falkor_dialect.drop_retired_statements()]
        steps += [(statement, falkor_dialect.is_already_exists, "create")
                  for statement in (falkor_dialect.index_statements()
                                    + falkor_dialect.fulltext_statements())]
        for statement, already_done, verb in steps:
            try:
                self.graph.query(statement)
                done.append(statement)
            except redis.exceptions.ResponseError as exc:
                if not already_done(str(exc)):
                    raise StoreError(f"could not {verb} an index ({statement}): {exc}") from None
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
        """Compact the append-only file and wait, when more than COMPACT_ABOVE bytes have
        been appended since the last compaction: a restart loads the snapshot and replays
        at most that much."""
        self.flush()
        with _lost_connection():
            if self.appended() > COMPACT_ABOVE:
                self._compact()

    def compact(self) -> None:
        """Compact the append-only file now and wait for it."""
        self.flush()
        with _lost_connection():
            self._compact()

    def written(self) -> tuple:
        """The server's run id, how often it compacted its append-only file and that file's
        size: every write is appended to the file before it is acknowledged, so the size
        grows with each one; a compaction or a restart changes the other two."""
        self.flush()
        with _lost_connection():
            info = self.db.connection.info("server", "persistence")
        return info["run_id"], info["aof_rewrites"], info["aof_base_size"], info["aof_current_size"]

    def appended(self) -> int:
        """Bytes of the append-only file written since its last compaction."""
        info = self.db.connection.info("persistence")
        return max(0, int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0)))

    def _compact(self) -> None:
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
        self.flush()
        with _lost_connection():
            self._clear()

    def _clear(self) -> None:
        try:
            self.graph.delete()
        except redis.exceptions.ResponseError as exc:
            if "empty key" not in str(exc).lower() and "invalid graph" not in str(exc).lower():
                raise StoreError(f"could not clear the graph: {exc}") from None
        self.graph = self.db.select_graph(self.graph_name)
        self._install_schema()

    def describe(self) -> str:
        return f"embedded FalkorDB at {self.server.data_dir}"

    def close(self) -> None:
        if self._pipe is not None:
            self._pipe.close()
        if self._readers is not None:
            self._readers.shutdown(wait=True, cancel_futures=True)
            self._readers = None
        try:
            self.db.connection.close()
        except redis.exceptions.RedisError:
            pass


class _Pipe:
    """The writer thread of ``FalkorStore.pipelined``: statements in order, stop at the first
    the server refuses."""

    #: characters of statements waiting to be sent; the caller blocks when it is this far
    #: ahead (a statement larger than this is still queued once the queue is empty). An
    #: ingest prepares a batch's statements in bursts (derived edges come after the events),
    #: and with room for only 3 statements the server sat idle between them.
    AHEAD = 8 * 2**20

    def __init__(self, store: FalkorStore):
        self.store = store
        self.error: BaseException | None = None
        self.queue: queue.Queue[str | Callable[[], None] | None] = queue.Queue()
        self.room = threading.Condition()
        self.queued = 0  # characters in the queue
        self.thread = threading.Thread(target=self._work, name="custodygraph-writer",
                                       daemon=True)
        self.thread.start()

    def _work(self) -> None:
        while True:
            text = self.queue.get()
            try:
                if text is None:
                    return
                if self.error is None:
                    if callable(text):  # when_written
                        text()
                    else:
                        self.store._send(self.store.graph.query, text)
            except BaseException as exc:  # raised in the caller's thread by check()
                self.error = exc
            finally:
                if isinstance(text, str):
                    with self.room:
                        self.queued -= len(text)
                        self.room.notify()
                self.queue.task_done()

    def put(self, text: str | Callable[[], None]) -> None:
        self.check()
        if isinstance(text, str):
            with self.room:
                while self.queued and self.queued + len(text) > self.AHEAD:
                    self.room.wait()
                self.queued += len(text)
        self.queue.put(text)

    def wait(self) -> None:
        self.queue.join()
        self.check()

    def check(self) -> None:
        if self.error is not None:
            error, self.error = self.error, None
            self.error = StoreError("an earlier write was refused; nothing after it was sent")
            raise error

    def close(self) -> None:
        """Send what is queued, then stop the thread."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
