"""Pipelined writes on the embedded store: what reads wait for, and what progress reports."""

from __future__ import annotations

import sys
import threading

from conftest import ROOT
from custodygraph.ingest import run as ingest_run

sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

PERSONS = "MATCH (p:Person) RETURN count(p) AS n"
EVENTS = "MATCH (e:Event) RETURN count(e) AS n"


def test_a_read_aside_does_not_wait_for_queued_writes_and_a_read_does(store):
    gate = threading.Event()
    with store.pipelined():
        store.when_written(lambda: gate.wait(timeout=60))  # holds the writer thread
        store.write("CREATE (:Person {uid: 'person:late'})")
        # it answers while the write is held back (were it waiting, it would see the node)
        assert store.read_aside(PERSONS) == [{"n": 0}]
        gate.set()
        assert store.read(PERSONS) == [{"n": 1}]


def test_when_written_runs_after_the_writes_before_it_and_before_those_after(store):
    seen = []
    with store.pipelined():
        store.write("CREATE (:Person {uid: 'person:a'})")
        store.when_written(lambda: seen.append(store.read_aside(PERSONS)[0]["n"]))
        store.write("CREATE (:Person {uid: 'person:b'})")
    assert seen == [1]
    assert store.read(PERSONS) == [{"n": 2}]
    # outside a pipelined block it is called at once
    store.when_written(lambda: seen.append("now"))
    assert seen == [1, "now"]


def test_progress_reports_events_already_written(store, tmp_path):
    path = tmp_path / "events.csv"
    rows = generate.generate(2500, path, seed=5)
    assert rows > ingest_run.EVENT_BATCH
    reported = []

    def progress(done: int, total: int) -> None:
        # called from the writer thread once what it reports is written
        reported.append((done, total, store.read_aside(EVENTS)[0]["n"]))

    ingest_run.ingest_file(store, path, progress=progress)
    assert len(reported) >= 2
    assert [done for done, _, _ in reported] == sorted(done for done, _, _ in reported)
    assert reported[-1][:2] == (rows, rows)
    for done, total, written in reported:
        assert written >= done, (done, written)
