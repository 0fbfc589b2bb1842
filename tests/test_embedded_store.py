"""The embedded server: durability after SIGKILL, stale files, concurrent starts, and access."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import EXAMPLE

ROOT = Path(__file__).resolve().parent.parent
from custodygraph.cli import cli
from custodygraph.graph.embedded import PIDFILE, SOCKET, EmbeddedServer


def invoke(home: Path, *args):
    result = CliRunner().invoke(cli, [str(a) for a in args],
                                env={"CUSTODYGRAPH_HOME": str(home), "NEO4J_URI": ""},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def home(tmp_path):
    path = tmp_path / "home"
    yield path
    EmbeddedServer(path).stop()


def server_pid(home: Path) -> int:
    return int((home / PIDFILE).read_text())


def wait_dead(pid: int) -> None:
    """Wait until ``pid`` is gone or a zombie (the server may be a child of this process)."""
    for _ in range(500):
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            return
        if state == "Z":
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still alive")


def test_chain_is_the_same_after_sigkill_of_the_server(home):
    invoke(home, "ingest", EXAMPLE)
    before = invoke(home, "chain", "Muhannad al-Ahmad", "--format", "json")
    pid = server_pid(home)
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    after = invoke(home, "chain", "Muhannad al-Ahmad", "--format", "json")
    assert server_pid(home) != pid  # a new server answered
    assert json.loads(after) == json.loads(before)


def test_write_acknowledged_after_compaction_survives_sigkill(home):
    """A write made after the append-only rewrite lives only in the incremental file."""
    from custodygraph.graph.falkor import FalkorStore

    invoke(home, "ingest", EXAMPLE)
    store = FalkorStore(home)
    store.compact()
    assert store.appended() < 1024
    store.write("MERGE (s:Source {uid: $uid}) SET s.title = $t, s.kind = 'report'",
                {"uid": "source:after-compaction", "t": "written after the rewrite"})
    os.kill(server_pid(home), signal.SIGKILL)
    wait_dead(server_pid(home))
    store = FalkorStore(home)
    rows = store.read("MATCH (s:Source {uid: $uid}) RETURN s.title AS t",
                      {"uid": "source:after-compaction"})
    assert rows == [{"t": "written after the rewrite"}]
    store.close()


def test_a_small_ingest_is_replayed_whole_after_sigkill(home):
    """Below COMPACT_ABOVE an ingest leaves its writes in the incremental file: a restart
    replays them onto the snapshot and gives the same graph, property for property."""
    from custodygraph.graph.falkor import COMPACT_ABOVE, FalkorStore
    from graphdump import dump

    invoke(home, "ingest", EXAMPLE)
    store = FalkorStore(home)
    store.compact()  # a snapshot under what follows
    invoke(home, "ingest", ROOT / "tests" / "data" / "samadi-second-record.yaml")
    appended = store.appended()
    assert 0 < appended < COMPACT_ABOVE  # not compacted: the writes wait in the file
    before = dump(store)
    os.kill(server_pid(home), signal.SIGKILL)
    wait_dead(server_pid(home))
    store = FalkorStore(home)
    assert dump(store) == before and len(before[0]) > 50
    store.close()


def test_an_ingest_past_the_threshold_compacts(home, monkeypatch):
    from custodygraph import api
    from custodygraph.config import Config
    from custodygraph.graph import falkor

    monkeypatch.setattr(falkor, "COMPACT_ABOVE", 0)
    with api.connect(Config(data_dir=home), install=True) as store:
        api.ingest(store, EXAMPLE)
        assert store.appended() < 1024


def test_stale_pid_and_socket_files_are_recovered(home):
    invoke(home, "db", "start")
    pid = server_pid(home)
    os.kill(pid, signal.SIGKILL)
    wait_dead(pid)
    # the crash leaves both files behind; make the pid point at nothing we own
    (home / PIDFILE).write_text("999999")
    (home / SOCKET).touch()
    assert "not running" in invoke(home, "db", "status")
    assert "running (pid" in invoke(home, "db", "start")
    assert server_pid(home) not in (pid, 999999)


def test_db_start_stop_status(home):
    assert invoke(home, "db", "status").startswith("not running")
    assert invoke(home, "db", "start").startswith("running (pid")
    pid = server_pid(home)
    assert invoke(home, "db", "start") == f"running (pid {pid}) in {home}\n"  # reused
    assert invoke(home, "db", "stop") == "stopped\n"
    wait_dead(pid)
    assert invoke(home, "db", "stop") == "not running\n"
    assert not (home / SOCKET).exists()


def test_two_commands_at_once_start_one_server(home):
    code = ("import sys; from custodygraph.graph.embedded import EmbeddedServer; "
            "EmbeddedServer(sys.argv[1]).ensure_running()")
    procs = [subprocess.Popen([sys.executable, "-c", code, str(home)]) for _ in range(4)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0, 0, 0]
    servers = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmd = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if b"redis-server" in cmd and str(home).encode() in cmd:
                servers.append(int(entry.name))
    assert servers == [server_pid(home)]


def test_files_are_private_and_there_is_no_tcp_listener(home):
    invoke(home, "db", "start")
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    for name in ("password", "server.conf", PIDFILE):
        assert stat.S_IMODE((home / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE((home / SOCKET).stat().st_mode) & 0o077 == 0
    pid = server_pid(home)
    # no socket of the server process is a listening TCP socket
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        target = os.readlink(fd)
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            assert not (fields[3] == "0A" and fields[9] in inodes), line
    assert inodes  # the check above looked at the server's real sockets


def test_password_is_required_and_never_printed(home):
    import redis

    out = invoke(home, "db", "start") + invoke(home, "db", "status")
    password = (home / "password").read_text().strip()
    assert password not in out
    client = redis.Redis(unix_socket_path=str(home / SOCKET))
    with pytest.raises(redis.exceptions.AuthenticationError):
        client.execute_command("GRAPH.LIST")
    assert password not in (home / "server.log").read_text()
    # the password is not on the server's command line
    assert password.encode() not in Path(f"/proc/{server_pid(home)}/cmdline").read_bytes()


def test_no_range_index_gives_wrong_period_counts(home):
    """FalkorDB 4.16 answers ``<=`` on an indexed string with rows that fail it; the schema
    declares no such index, and installing it drops one an earlier version created."""
    from custodygraph.graph.falkor import FalkorStore

    store = FalkorStore(home, graph="range-index")
    try:
        store.clear()
        days = ["2016-01-01", "2016-06-30", "2017-01-01", "2023-08-01"]
        store.write("UNWIND $d AS d CREATE (:Event {uid: d, earliest: d})", {"d": days})
        query = "MATCH (e:Event) WHERE e.earliest <= $until RETURN count(e) AS n"
        store.graph.query("CREATE INDEX FOR (n:Event) ON (n.earliest)")  # as older versions did
        store.install_schema()
        assert store.read(query, {"until": "2016-06-30"}) == [{"n": 2}]
    finally:
        store.close()


# A peer on the server's socket that answers like a Redis server (each command on its own:
# PONG to PING, OK to the rest), except that for its first seconds it keeps every client
# waiting without a word, as a server replaying a long append-only file does.
SILENT_AT_FIRST = r"""
import socket, sys, threading, time
quiet_until = time.monotonic() + float(sys.argv[2])
listener = socket.socket(socket.AF_UNIX)
listener.bind(sys.argv[1])
listener.listen()

def serve(conn):
    time.sleep(max(0.0, quiet_until - time.monotonic()))
    while command := conn.recv(65536):
        conn.sendall(b"+PONG\r\n" if b"PING" in command.upper() else b"+OK\r\n")
    conn.close()

while True:
    threading.Thread(target=serve, args=(listener.accept()[0],), daemon=True).start()
"""


def test_a_server_too_busy_to_answer_is_waited_for(home):
    """A server that does not answer within the probe's timeout (and its retries) is still
    starting: the wait goes on until it answers."""
    home.mkdir(mode=0o700)
    server = EmbeddedServer(home)
    server.password()
    peer = subprocess.Popen([sys.executable, "-c", SILENT_AT_FIRST, str(server.socket), "4"],
                            stderr=subprocess.DEVNULL)
    try:
        started = time.monotonic()
        server._wait_ready(peer)  # raised redis' TimeoutError before it waited on
        assert time.monotonic() - started >= 3.5
    finally:
        peer.kill()
        peer.wait()
