"""The Python API: everything the command line does, callable from Python.

>>> from custodygraph import api
>>> sorted(n for n in api.__all__ if not n.startswith("_"))[:3]
['Config', 'chain', 'connect']
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterator

from typing import TYPE_CHECKING

from custodygraph.config import DEMO_GRAPH, Config, resolve
from custodygraph.graph import open_store
from custodygraph.graph.embedded import EmbeddedServer, ServerStatus
from custodygraph.graph.store import Store

# Each function imports what it needs, so a quick read command does not pay for the
# readers, the schema declarations or the view machinery.
if TYPE_CHECKING:
    from custodygraph.ingest.run import IngestSummary
    from custodygraph.queries.custody import Chain
    from custodygraph.queries.recurrence import Recurring

EXAMPLE = "syria-direct-2021-02-09.yaml"


@contextmanager
def connect(config: Config | None = None, *, install: bool = False) -> Iterator[Store]:
    """Open the configured store and close it afterwards.

    ``install`` first creates any missing constraint and index (writers want that; readers
    do not need to pay for it).
    """
    store = open_store(config or resolve())
    try:
        if install:
            store.install_schema()
        yield store
    finally:
        store.close()


def ingest(store: Store, path: str | Path, *, dry_run: bool = False,
           progress=None, **reader_options) -> IngestSummary:
    """Check a whole file and write it; see custodygraph.ingest.run.ingest_file."""
    from custodygraph.ingest.run import ingest_file

    return ingest_file(store, path, dry_run=dry_run, progress=progress, **reader_options)


def chain(store: Store, person: str, *, include_confidential: bool = False) -> Chain:
    """The custody chain of a person given by uid, name or alias."""
    from custodygraph.queries.custody import custody_chain

    return custody_chain(store, person, include_confidential=include_confidential)


def recurrence(store: Store, *, minimum: int = 1,
               include_confidential: bool = False) -> list[Recurring]:
    """Facilities and organisations ranked by the number of distinct cases."""
    from custodygraph.queries.recurrence import recurring

    return recurring(store, minimum=minimum, include_confidential=include_confidential)


def view(store: Store, person: str, output: str | Path, *,
         include_confidential: bool = False) -> Path:
    """Write the interactive person view to ``output`` (a self-contained HTML file)."""
    from custodygraph.visuals.network import person_view, write_html

    the_chain = chain(store, person, include_confidential=include_confidential)
    return write_html(person_view(the_chain, include_confidential=include_confidential), output)


def example_file() -> Path:
    """The example case file that ships with the package."""
    return Path(str(resources.files("custodygraph.examples").joinpath(EXAMPLE)))


@dataclass
class DemoResult:
    data_dir: Path
    graph: str
    summary: IngestSummary
    outputs: dict[str, Path]


def demo(config: Config | None = None) -> DemoResult:
    """Load the example cases into a graph of their own and write every output once.

    The demo uses the embedded engine in the configured data directory, in the graph
    ``custodygraph-demo``, so example cases never mix with an investigator's data.
    """
    import json

    base = config or resolve()
    demo_config = Config(data_dir=base.data_dir, graph=DEMO_GRAPH)
    out_dir = base.data_dir / "demo"
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: dict[str, Path] = {}
    with connect(demo_config, install=True) as store:
        summary = ingest(store, example_file())
        for person in ("Muhannad al-Ahmad", "Moath al-Smadi"):
            the_chain = chain(store, person)
            path = out_dir / f"chain-{the_chain.person['uid'].split(':')[-1]}.json"
            path.write_text(json.dumps(the_chain.as_dict(), ensure_ascii=False, indent=2) + "\n",
                            encoding="utf-8")
            outputs[f"chain of {person}"] = path
        path = out_dir / "recurring.json"
        path.write_text(json.dumps([r.as_dict() for r in recurrence(store)], ensure_ascii=False,
                                   indent=2) + "\n", encoding="utf-8")
        outputs["recurring facilities and organisations"] = path
        outputs["network view of Muhannad al-Ahmad"] = view(
            store, "Muhannad al-Ahmad", out_dir / "view-muhannad-al-ahmad.html")
    return DemoResult(base.data_dir, DEMO_GRAPH, summary, outputs)


def server_status(config: Config | None = None) -> ServerStatus:
    return EmbeddedServer((config or resolve()).data_dir).status()


def server_start(config: Config | None = None) -> ServerStatus:
    server = EmbeddedServer((config or resolve()).data_dir)
    server.ensure_running()
    return server.status()


def server_stop(config: Config | None = None) -> bool:
    return EmbeddedServer((config or resolve()).data_dir).stop()


def init_schema(config: Config | None = None) -> list[str]:
    """Create the declared constraints and indexes; returns what was done."""
    store = open_store(config or resolve())
    try:
        return store.install_schema()
    finally:
        store.close()


__all__ = [
    "Config", "resolve", "connect", "ingest", "chain", "recurrence", "view", "demo",
    "example_file", "server_status", "server_start", "server_stop", "init_schema",
]
