"""Shared fixtures: one real embedded FalkorDB server per test session, an empty graph per test."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

sys.path.insert(0, str(Path(__file__).resolve().parent))

from custodygraph.cli import cli  # noqa: E402
from custodygraph.config import Config  # noqa: E402
from custodygraph.graph.embedded import EmbeddedServer  # noqa: E402
from custodygraph.graph.falkor import FalkorStore  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "syria-direct-2021-02-09.yaml"


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    """A data directory whose embedded server lives for the whole session."""
    path = tmp_path_factory.mktemp("store") / "home"
    yield path
    EmbeddedServer(path).stop()


@pytest.fixture(scope="session")
def session_store(data_dir):
    store = FalkorStore(data_dir)
    yield store
    store.close()


@pytest.fixture
def store(session_store):
    """The session's store with an empty graph (schema installed)."""
    session_store.clear()
    return session_store


@pytest.fixture
def config(data_dir):
    return Config(data_dir=data_dir)


class Run:
    """Invoke the CLI in-process against the session's data directory."""

    def __init__(self, data_dir: Path):
        self.env = {"CUSTODYGRAPH_HOME": str(data_dir), "NEO4J_URI": ""}

    def __call__(self, *args: str, ok: bool = True):
        result = CliRunner().invoke(cli, [str(a) for a in args], env=self.env,
                                    catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result


@pytest.fixture
def run(store, data_dir):
    """Run CLI commands on an empty graph."""
    return Run(data_dir)


@pytest.fixture
def loaded(run):
    """The example cases loaded through the CLI."""
    run("ingest", EXAMPLE)
    return run
