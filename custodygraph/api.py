"""The Python API: everything the command line does, callable from Python.

>>> from custodygraph import api
>>> [n for n in ("chain", "recurrence", "connect") if n in api.__all__]
['chain', 'recurrence', 'connect']
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
    from custodygraph.queries.codetention import Codetention
    from custodygraph.queries.custody import Chain
    from custodygraph.queries.filters import Filters
    from custodygraph.queries.flows import Flows
    from custodygraph.queries.paths import Path as ConnectingPath
    from custodygraph.queries.recurrence import Recurring
    from custodygraph.queries.responsibility import Responsible
    from custodygraph.queries.search import Hit
    from custodygraph.queries.stats import Statistics

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
           progress=None, allow_new: bool = False, gazetteers=(),
           **reader_options) -> IngestSummary:
    """Check a whole file and write it; see custodygraph.ingest.run.ingest_file."""
    from custodygraph.ingest.run import ingest_file

    return ingest_file(store, path, dry_run=dry_run, progress=progress, allow_new=allow_new,
                       gazetteers=gazetteers, **reader_options)


def chain(store: Store, person: str, *, include_confidential: bool = False,
          gap_days: int | None = None) -> Chain:
    """The custody chain of a person given by uid, name or alias, with its gaps, conflicting
    reports, final status and when the person was last seen. Unless
    ``include_confidential``, its free text is scrubbed of every protected person's names."""
    from custodygraph.queries.custody import GAP_DAYS, custody_chain
    from custodygraph.queries.redact import Scrubber

    return custody_chain(store, person, include_confidential=include_confidential,
                         gap_days=GAP_DAYS if gap_days is None else gap_days,
                         scrub=None if include_confidential else Scrubber.of_store(store))


def recurrence(store: Store, *, minimum: int = 1, filters: Filters | None = None,
               include_confidential: bool = False) -> list[Recurring]:
    """Facilities and organisations ranked by the number of distinct cases."""
    from custodygraph.queries.recurrence import recurring

    return recurring(store, minimum=minimum, filters=filters,
                     include_confidential=include_confidential)


def flows(store: Store, *, filters: Filters | None = None,
          include_confidential: bool = False) -> Flows:
    """Moves between facilities over all chains, and each facility's share of stops."""
    from custodygraph.queries.flows import flows as transfer_flows

    return transfer_flows(store, filters=filters, include_confidential=include_confidential)


def codetained(store: Store, person: str, *, include_confidential: bool = False,
               limit: int | None = None) -> Codetention:
    """Persons held with ``person`` at the same facility at overlapping times: every one, or
    the first ``limit`` certain and possible ones, with how many there are in all."""
    from custodygraph.queries.codetention import codetained as co_detainees

    return co_detainees(store, person, include_confidential=include_confidential, limit=limit)


def responsibility(store: Store, *, filters: Filters | None = None,
                   include_confidential: bool = False) -> list[Responsible]:
    """Units and branches that arrested or held persons, by period, hierarchy and commander."""
    from custodygraph.queries.responsibility import responsibility as responsible

    return responsible(store, filters=filters, include_confidential=include_confidential)


def stats(store: Store, *, filters: Filters | None = None,
          include_confidential: bool = False) -> Statistics:
    """Counts of detained or disappeared persons by status, region and period, with cases."""
    from custodygraph.queries.stats import statistics

    return statistics(store, filters=filters, include_confidential=include_confidential)


def search(store: Store, text: str, *, limit: int = 20,
           include_confidential: bool = False) -> list[Hit]:
    """Persons, facilities, organisations and places by any name, alias or spelling."""
    from custodygraph.queries.search import search as find

    return find(store, text, limit=limit, include_confidential=include_confidential)


def path(store: Store, a: str, b: str, *, max_length: int = 6,
         include_confidential: bool = False) -> ConnectingPath:
    """The shortest connection between two entries, at most ``max_length`` steps long."""
    from custodygraph.queries.paths import shortest_path

    return shortest_path(store, a, b, max_length=max_length,
                         include_confidential=include_confidential)


def filters(**options) -> Filters:
    """Build the shared query filters (see custodygraph.queries.filters.Filters)."""
    from custodygraph.queries.filters import Filters

    return Filters(**options)


# --- views, diagrams and exports (custodygraph.visuals.outputs) ------------------------------
# Each writes where ``output`` says, redacts unless ``include_confidential``, and records how
# it was made in a manifest beside the output (``command``: the command line, if any).

def view(store: Store, person: str, output: str | Path, *, include_confidential: bool = False,
         command: list[str] | None = None) -> Path:
    """Write the interactive page of a person's custody chain, the sources and the persons
    held with them, to ``output`` (one self-contained HTML file)."""
    from custodygraph.visuals.outputs import write_view

    return write_view(store, "person", output, person,
                      include_confidential=include_confidential, command=command)


def view_facility(store: Store, facility: str, output: str | Path, *,
                  include_confidential: bool = False, command: list[str] | None = None) -> Path:
    """Write the interactive page of everyone held at ``facility`` (uid, name or alias),
    where they came from and where they went next."""
    from custodygraph.visuals.outputs import write_view

    return write_view(store, "facility", output, facility,
                      include_confidential=include_confidential, command=command)


def view_cases(store: Store, output: str | Path, *, filters: Filters | None = None,
               limit: int | None = None, include_confidential: bool = False,
               command: list[str] | None = None) -> Path:
    """Write the interactive page of the cases ``filters`` keeps (at most ``limit`` nodes)."""
    from custodygraph.visuals.outputs import write_view

    return write_view(store, "cases", output, filters=filters, limit=limit,
                      include_confidential=include_confidential, command=command)


def view_all(store: Store, output: str | Path, *, limit: int | None = None,
             include_confidential: bool = False, command: list[str] | None = None) -> Path:
    """Write the interactive page of the whole graph, capped at ``limit`` nodes
    (default 2,000)."""
    from custodygraph.visuals.outputs import write_view

    return write_view(store, "all", output, limit=limit,
                      include_confidential=include_confidential, command=command)


def diagram(store: Store, kind: str, output: str | Path, target: str | None = None, *,
            filters: Filters | None = None, limit: int | None = None,
            include_confidential: bool = False, fmt: str | None = None,
            command: list[str] | None = None) -> Path:
    """Draw a static diagram (SVG, PNG or PDF, from ``output``'s suffix or ``fmt``).

    ``kind``: ``person`` or ``timeline`` (``target`` names the person), ``facility``
    (``target`` names it), ``cases``, ``all``, ``flows`` or ``recurring`` (with ``filters``).
    Needs the optional extra ``diagrams`` (matplotlib, arabic-reshaper, python-bidi).
    """
    from custodygraph.visuals.outputs import write_diagram

    return write_diagram(store, kind, output, target, filters=filters, limit=limit,
                         include_confidential=include_confidential, fmt=fmt, command=command)


def export(store: Store, fmt: str, output: str | Path, *, filters: Filters | None = None,
           include_confidential: bool = False, command: list[str] | None = None) -> Path:
    """Export the whole graph, or the cases ``filters`` keeps, as ``fmt``: graphml, gexf,
    json, cypher or ftm (one file), csv or neo4j-admin (a folder of files)."""
    from custodygraph.visuals.outputs import write_export

    return write_export(store, fmt, output, filters=filters,
                        include_confidential=include_confidential, command=command)


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
    from custodygraph.output import to_json

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
            path.write_text(to_json(the_chain.as_dict()) + "\n", encoding="utf-8")
            outputs[f"chain of {person}"] = path
        path = out_dir / "recurring.json"
        path.write_text(to_json([r.as_dict() for r in recurrence(store)]) + "\n",
                        encoding="utf-8")
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
    "Config", "resolve", "connect", "ingest", "chain", "recurrence", "flows", "codetained",
    "responsibility", "stats", "search", "path", "filters", "view", "view_facility",
    "view_cases", "view_all", "diagram", "export", "demo",
    "example_file", "server_status", "server_start", "server_stop", "init_schema",
]


# --- review of person matches (custodygraph.queries.resolve) ---------------------------------
# (``resolve`` is the configuration resolver above, so these are named match_*.)

def match_candidates(store: Store, *, threshold: float | None = None,
                     include_decided: bool = False, include_confidential: bool = False):
    """Candidate pairs of persons with alike names, with their evidence; decided pairs only
    with ``include_decided``. Nothing is merged."""
    from custodygraph.queries.resolve import candidates

    return candidates(store, threshold=threshold, include_decided=include_decided,
                      include_confidential=include_confidential)


def match_decide(store: Store, candidate: str, decision: str, *, by: str | None = None,
                 note: str | None = None):
    """Record a reviewer's decision (same, different, unsure) on a candidate pair; ``same``
    merges the two persons reversibly (a SAME_AS edge)."""
    from custodygraph.queries.resolve import decide

    return decide(store, candidate, decision, by=by, note=note)


def match_undo(store: Store, candidate: str, *, by: str | None = None, note: str | None = None):
    """Reverse the decision on a candidate pair; the decision stays recorded as undone."""
    from custodygraph.queries.resolve import undo

    return undo(store, candidate, by=by, note=note)


def match_auto(store: Store) -> dict:
    """Apply the automatic rule (same person id from the same source); see queries.resolve."""
    from custodygraph.queries.resolve import auto

    return auto(store)


__all__ += ["match_candidates", "match_decide", "match_undo", "match_auto"]
