"""Two ingests and four readers at once on one embedded store: consistent, and no errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from casegen import generate
from conftest import EXAMPLE
from graphdump import dump


def command(home, *args):
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home), "NEO4J_URI": ""}
    return subprocess.Popen([sys.executable, "-m", "custodygraph", *map(str, args)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


READER = """
import json, sys
from custodygraph import api
from custodygraph.config import resolve
expected = json.loads(sys.argv[2])
with api.connect(resolve(sys.argv[1])) as store:
    for _ in range(int(sys.argv[3])):
        chain = api.chain(store, "Muhannad al-Ahmad").as_dict()
        assert chain == expected, "chain changed while other cases were being loaded"
        top = api.recurrence(store)[0]
        assert top.cases == len(top.persons)
print("ok")
"""


@pytest.mark.slow
def test_two_ingests_and_four_readers(tmp_path):
    from custodygraph.graph.embedded import EmbeddedServer
    from custodygraph.graph.falkor import FalkorStore

    home = tmp_path / "home"
    files = []
    for seed in (11, 12):
        cases = generate(seed=seed, persons=400)
        path = tmp_path / f"cases-{seed}.yaml"
        cases.write(path)
        files.append(path)
    try:
        assert command(home, "ingest", EXAMPLE, "--quiet").wait(timeout=300) == 0
        expected = command(home, "chain", "Muhannad al-Ahmad", "--format", "json")
        out, _ = expected.communicate(timeout=120)
        procs = [command(home, "ingest", f, "--quiet") for f in files]
        env = {**os.environ, "NEO4J_URI": ""}
        procs += [subprocess.Popen([sys.executable, "-c", READER, str(home), out, "25"],
                                   env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   text=True) for _ in range(4)]
        for proc in procs:
            stdout, stderr = proc.communicate(timeout=600)
            assert proc.returncode == 0, stderr
        # the result equals loading the same files one after the other
        concurrent = dump(FalkorStore(home))
        sequential_home = tmp_path / "sequential"
        for path in (EXAMPLE, *files):
            assert command(sequential_home, "ingest", path, "--quiet").wait(timeout=300) == 0
        assert concurrent == dump(FalkorStore(sequential_home))
        assert json.loads(out)["person"]["name"] == "Muhannad al-Ahmad"
    finally:
        EmbeddedServer(home).stop()
        EmbeddedServer(tmp_path / "sequential").stop()
