"""The embedded engine's path never imports neomodel or the neo4j driver.

Importing them costs about a third of a second (the driver pulls in numpy), more than a
custody chain takes to answer. Only the Neo4j backend and graph.ogm need them. Each check
runs in a fresh interpreter, so nothing the test session imported can hide an import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("neomodel", "neo4j")

REPORT = """
import json, sys
print("\\nHEAVY " + json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in {heavy!r})))
"""


def run_python(code: str, data_dir) -> tuple[str, list[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["CUSTODYGRAPH_HOME"] = str(data_dir)
    done = subprocess.run([sys.executable, "-c", code + REPORT.format(heavy=HEAVY)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    out, _, heavy = done.stdout.rpartition("\nHEAVY ")
    return out, json.loads(heavy)


def test_a_chain_from_the_command_line_imports_neither(loaded, data_dir):
    code = (
        "from custodygraph.cli import cli\n"
        "cli.main(['chain', 'sd-2021-02-09-06', '--format', 'json'], standalone_mode=False)\n"
    )
    out, heavy = run_python(code, data_dir)
    assert json.loads(out)["person"]["uid"] == "person:sd-2021-02-09-06"
    assert heavy == []


def test_the_embedded_path_modules_import_neither(data_dir):
    code = (
        "import importlib\n"
        "for name in ('custodygraph.api', 'custodygraph.cli', 'custodygraph.graph.falkor',\n"
        "             'custodygraph.graph.schema', 'custodygraph.ingest.run',\n"
        "             'custodygraph.queries.custody', 'custodygraph.queries.resolve',\n"
        "             'custodygraph.queries.search', 'custodygraph.queries.paths',\n"
        "             'custodygraph.visuals.graphdata', 'custodygraph.visuals.network'):\n"
        "    importlib.import_module(name)\n"
        "from custodygraph.graph import schema, falkor_dialect\n"
        "falkor_dialect.index_statements(); falkor_dialect.unique_constraints()\n"
        "schema.style(['Prison', 'Facility']); schema.Prison.inherited_labels()\n"
    )
    _, heavy = run_python(code, data_dir)
    assert heavy == []


def test_the_neo4j_classes_are_there_when_asked_for(data_dir):
    code = (
        "from custodygraph.graph import schema\n"
        "import neomodel\n"
        "assert issubclass(schema.Person.ogm(), neomodel.StructuredNode)\n"
    )
    _, heavy = run_python(code, data_dir)
    assert "neomodel" in heavy and "neo4j" in heavy


def test_the_command_sets_its_start_up_aside_and_collects_as_usual(loaded, data_dir):
    """The command's start-up is loaded with the collector paused and frozen (never scanned
    again); the command itself then runs with the collector on."""
    code = (
        "import gc, sys\n"
        "from custodygraph import cli\n"
        "from custodygraph import __main__ as entry\n"
        "seen = {}\n"
        "def command():\n"
        "    seen.update(enabled=gc.isenabled(), frozen=gc.get_freeze_count(),\n"
        "                store='custodygraph.graph.falkor' in sys.modules)\n"
        "    cli.cli.main(['chain', 'sd-2021-02-09-06', '--format', 'json'],\n"
        "                 standalone_mode=False)\n"
        "cli.main = command\n"
        "entry.main()\n"
        "import json; print(); print(json.dumps(seen))\n"
    )
    out, heavy = run_python(code, data_dir)
    answer, _, seen = out.rstrip("\n").rpartition("\n")
    assert json.loads(answer)["person"]["uid"] == "person:sd-2021-02-09-06"
    seen = json.loads(seen)
    assert seen["enabled"] and seen["store"] and seen["frozen"] > 10_000, seen
    assert heavy == []


def test_python_dash_m_runs_the_command(loaded, data_dir):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["CUSTODYGRAPH_HOME"] = str(data_dir)
    done = subprocess.run([sys.executable, "-m", "custodygraph", "chain", "sd-2021-02-09-06",
                           "--format", "json"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["person"]["uid"] == "person:sd-2021-02-09-06"
