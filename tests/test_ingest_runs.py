"""Ingest runs: idempotent, edits update what changed, and a killed run converges on re-run."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
import yaml

from casegen import generate
from conftest import EXAMPLE
from graphdump import dump


def ingest_json(run, path):
    return json.loads(run("ingest", path, "--json").output)


def test_summary_counts_and_run_record(run, store):
    out = ingest_json(run, EXAMPLE)
    assert out["counts"]["Event"] == {"created": 28, "updated": 0, "unchanged": 0}
    assert out["counts"]["Person"] == {"created": 7, "updated": 0, "unchanged": 0}
    runs = store.read("MATCH (r:IngestRun) RETURN r.file AS file, r.sha256 AS sha, "
                      "r.rows AS rows, r.finished AS finished, r.version AS version")
    assert len(runs) == 1
    assert runs[0]["file"] == EXAMPLE.name and runs[0]["rows"] == 28
    assert runs[0]["sha"] == out["sha256"] and runs[0]["finished"]
    events = store.read("MATCH (e:Event) RETURN DISTINCT e.run AS run")
    assert events == [{"run": out["run"]}]


def test_second_ingest_leaves_the_graph_identical(run, store):
    run("ingest", EXAMPLE)
    before = dump(store)
    out = ingest_json(run, EXAMPLE)
    assert out["run"] is None
    assert dump(store) == before


def test_dry_run_writes_nothing(run, store):
    out = json.loads(run("ingest", EXAMPLE, "--dry-run", "--json").output)
    assert out["dry_run"] is True
    assert out["counts"]["Event"]["created"] == 28
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]


def test_edited_file_updates_only_the_changed_rows(run, store, tmp_path):
    run("ingest", EXAMPLE)
    doc = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    muhannad = next(c for c in doc["cases"] if c["person"]["name"] == "Muhannad al-Ahmad")
    transfer = next(e for e in muhannad["events"] if e["event"] == "transfer")
    transfer["facility"] = "psb-daraa"  # the editor corrects the place of one event
    edited = tmp_path / "edited.yaml"
    edited.write_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")
    out = ingest_json(run, edited)
    assert out["counts"]["Event"] == {"created": 0, "updated": 1, "unchanged": 27}
    chain = json.loads(run("chain", "Muhannad al-Ahmad", "--format", "json").output)
    assert [s["place"]["name"] for s in chain["steps"] if s["place"]] == [
        "Raid Branch 215", "Political Security Branch in Daraa", "Tishreen Military Hospital"]
    held = store.read("MATCH (p:Person {uid: $u})-[h:HELD_AT]->(f:Facility) "
                      "RETURN f.name AS f ORDER BY f", {"u": chain["person"]["uid"]})
    assert [r["f"] for r in held] == ["Political Security Branch in Daraa", "Raid Branch 215"]
    # the edited graph equals a fresh ingest of the edited file
    edited_graph = dump(store)
    store.clear()
    run("ingest", edited)
    assert dump(store) == edited_graph


def _spawn_ingest(home, path):
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home), "NEO4J_URI": ""}
    return subprocess.Popen([sys.executable, "-m", "custodygraph", "ingest", str(path),
                             "--quiet"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@pytest.mark.slow
def test_killed_ingest_converges_on_rerun(tmp_path_factory):
    """SIGKILL the ingest process at random points; a re-run gives the uninterrupted graph."""
    from custodygraph.graph.embedded import EmbeddedServer
    from custodygraph.graph.falkor import FalkorStore

    work = tmp_path_factory.mktemp("kill")
    cases = generate(seed=7, persons=1500)
    path = work / "cases.yaml"
    cases.write(path)
    home = work / "home"
    reference = FalkorStore(home, graph="custodygraph")
    reference.clear()
    started = time.monotonic()
    assert _spawn_ingest(home, path).wait(timeout=600) == 0
    duration = time.monotonic() - started
    expected = dump(reference)
    rng = random.Random(3)
    try:
        for trial in range(20):
            reference.clear()
            proc = _spawn_ingest(home, path)
            time.sleep(rng.uniform(0.0, duration))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert _spawn_ingest(home, path).wait(timeout=600) == 0, f"trial {trial}"
            assert dump(reference) == expected, f"trial {trial}"
    finally:
        reference.close()
        EmbeddedServer(home).stop()


def _generated_csv(path, persons: int, seed: int) -> None:
    import importlib.util

    script = EXAMPLE.parent.parent / "benchmarks" / "generate.py"
    spec = importlib.util.spec_from_file_location("generate", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.generate(persons, path, seed=seed)


@pytest.mark.slow
def test_killed_flat_ingest_converges_on_rerun(tmp_path_factory):
    """The same for a flat file of several write batches, whose persons span batches: a
    re-run after a SIGKILL at any point, and a re-run of a finished ingest, give the graph
    of one uninterrupted ingest."""
    from custodygraph.graph.embedded import EmbeddedServer
    from custodygraph.graph.falkor import FalkorStore

    work = tmp_path_factory.mktemp("kill-flat")
    path = work / "events.csv"
    _generated_csv(path, persons=3500, seed=5)  # about 23,000 rows: three batches
    home = work / "home"
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home), "NEO4J_URI": ""}

    def spawn():
        return subprocess.Popen([sys.executable, "-m", "custodygraph", "ingest", str(path),
                                 "--quiet", "--allow-new"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    reference = FalkorStore(home, graph="custodygraph")
    reference.clear()
    started = time.monotonic()
    assert spawn().wait(timeout=600) == 0
    duration = time.monotonic() - started
    expected = dump(reference)
    assert spawn().wait(timeout=600) == 0
    assert dump(reference) == expected, "a second ingest changed the graph"
    rng = random.Random(11)
    try:
        for trial in range(8):
            reference.clear()
            proc = spawn()
            time.sleep(rng.uniform(0.2 * duration, duration))
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            assert spawn().wait(timeout=600) == 0, f"trial {trial}"
            assert dump(reference) == expected, f"trial {trial}"
    finally:
        reference.close()
        EmbeddedServer(home).stop()


def test_dry_run_into_a_graph_never_loaded_plans_everything_as_new(run, store):
    # nothing was ever written to this graph name, so the engine has no key for it
    out = json.loads(run("ingest", EXAMPLE, "--dry-run", "--json", "--graph", "not-yet").output)
    assert out["dry_run"] is True and out["run"] is None
    assert out["counts"]["Event"] == {"created": 28, "updated": 0, "unchanged": 0}
    assert out["counts"]["Person"]["created"] > 0
    # still nothing there: a query on it says so
    result = run("stats", "--graph", "not-yet", ok=False)
    assert "'not-yet' holds nothing yet" in result.output


def test_the_api_installs_the_schema_before_its_first_write(data_dir):
    # a store opened without install=True: ingest still writes under the indexes and
    # the unique constraints, so a second node with a stored uid is refused
    from custodygraph import api
    from custodygraph.config import resolve
    from custodygraph.errors import StoreError

    with api.connect(resolve(data_dir, graph="api-only")) as store:
        api.ingest(store, EXAMPLE)
        assert store.read("MATCH (e:Event) RETURN count(e) AS n") == [{"n": 28}]
        with pytest.raises(StoreError, match="constraint"):
            store.write("MATCH (p:Person) WITH p LIMIT 1 CREATE (:Person {uid: p.uid})")
