"""Kill the embedded server, not the tool, in the middle of an ingest.

The ingest must fail with a message (no traceback); a re-run, which starts a new server,
must end with the graph of an uninterrupted ingest: nothing lost, nothing twice. And a batch
the tool has reported as written must still be there after the server is killed.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from graphdump import dump

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

COUNT_EVENTS = "MATCH (e:Event) RETURN count(e) AS n"


def _ingest(home: Path, path: Path) -> subprocess.Popen:
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home), "NEO4J_URI": ""}
    return subprocess.Popen([sys.executable, "-m", "custodygraph", "ingest", str(path),
                             "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def _server_pid(home: Path) -> int | None:
    try:
        return int((home / "server.pid").read_text())
    except (FileNotFoundError, ValueError):
        return None


def _graph(home: Path):
    from custodygraph.graph.falkor import FalkorStore

    store = FalkorStore(home, graph="custodygraph")
    try:
        return dump(store)
    finally:
        store.close()


@pytest.mark.slow
def test_server_killed_during_ingest_converges_on_rerun(tmp_path):
    from custodygraph.graph.embedded import EmbeddedServer

    path = tmp_path / "events.csv"
    generate.generate(2500, path, seed=11)
    reference_home = tmp_path / "reference"
    started = time.monotonic()
    first = _ingest(reference_home, path)
    assert first.wait(timeout=900) == 0, first.stderr.read()
    duration = time.monotonic() - started
    expected = _graph(reference_home)
    EmbeddedServer(reference_home).stop()
    assert expected[0], "the reference ingest wrote nothing"

    rng = random.Random(5)
    interrupted = 0
    for trial in range(20):
        home = tmp_path / f"trial-{trial}"
        EmbeddedServer(home).ensure_running()
        proc = _ingest(home, path)
        time.sleep(rng.uniform(0.2, duration))
        pid = _server_pid(home)
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        code = proc.wait(timeout=900)
        err = proc.stderr.read()
        assert "Traceback" not in err, f"trial {trial}: {err}"
        if code != 0:
            interrupted += 1
            assert "embedded store" in err, f"trial {trial}: {err}"
        rerun = _ingest(home, path)
        assert rerun.wait(timeout=900) == 0, f"trial {trial}: {rerun.stderr.read()}"
        assert _graph(home) == expected, f"trial {trial}"
        EmbeddedServer(home).stop()
    # the kills landed while ingests were running, not only after they had finished
    assert interrupted >= 5


@pytest.mark.slow
def test_a_batch_reported_written_survives_a_server_kill(tmp_path):
    """Kill the server the moment the tool reports its first batch of events written."""
    from custodygraph.errors import StoreError
    from custodygraph.graph.falkor import FalkorStore
    from custodygraph.ingest import run as ingest_run

    path = tmp_path / "events.csv"
    rows = generate.generate(2500, path, seed=12)
    assert rows > ingest_run.EVENT_BATCH
    home = tmp_path / "home"
    store = FalkorStore(home, graph="custodygraph")
    store.install_schema()
    reported: list[int] = []

    def kill_after_first_batch(done: int, total: int) -> None:
        reported.append(done)
        os.kill(_server_pid(home), signal.SIGKILL)

    with pytest.raises(StoreError):
        ingest_run.ingest_file(store, path, progress=kill_after_first_batch)
    store.close()
    assert reported and 0 < reported[0] < rows
    after = FalkorStore(home, graph="custodygraph")  # starts a new server on the same files
    try:
        assert after.read(COUNT_EVENTS)[0]["n"] >= reported[0]
    finally:
        after.close()
        from custodygraph.graph.embedded import EmbeddedServer
        EmbeddedServer(home).stop()
