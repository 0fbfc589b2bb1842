"""Views, diagrams and exports from a store to files, each with its manifest.

The functions the API exposes (``custodygraph.api.view``, ``view_facility``, ``view_cases``,
``view_all``, ``diagram``, ``export``) are thin wrappers around these. Each reads what it
needs, redacts it (``graphdata.Redactor``) unless ``include_confidential``, writes the
output where it was asked to go and records how it was made (``manifest.record``).
"""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.visuals import manifest
from custodygraph.visuals.graphdata import Redactor, read_cases, read_graph, read_view_capped
from custodygraph.visuals.manifest import OutputError, Provenance

VIEWS = ("person", "facility", "cases", "all")
DIAGRAMS = ("person", "timeline", "facility", "cases", "all", "flows", "recurring")
EXPORTS = ("graphml", "gexf", "csv", "json", "cypher", "neo4j-admin", "ftm")
#: exports that write a folder of files rather than one file
FOLDER_EXPORTS = ("csv", "neo4j-admin")


def filters_record(filters) -> dict[str, Any]:
    """The filters that are set, as the manifest records them."""
    if filters is None:
        return {}
    data = asdict(filters)
    data.pop("resolved", None)
    return {k: list(v) if isinstance(v, tuple) else v for k, v in data.items()
            if v not in (None, (), [], "")}


# the confidential flags of the sources a --source text may name (queries.filters.SOURCE)
SOURCE_FLAGS = (
    "MATCH (s:Source) WHERE s.uid = $text OR s.uid = $uid OR s.title = $text "
    "RETURN s.confidential AS confidential"
)


def shown_filters(store: Store, filters, include_confidential: bool):
    """``filters`` as outputs record and print them: a source filter that names a
    confidential source (by title or id) reads "[confidential source]"."""
    from dataclasses import replace

    from custodygraph.ingest.keys import make_uid
    from custodygraph.queries import redact

    if filters is None or not filters.source or include_confidential:
        return filters
    rows = store.read(SOURCE_FLAGS, {"text": filters.source,
                                     "uid": make_uid("source", filters.source)})
    if any(redact.flagged(r["confidential"]) for r in rows):
        return replace(filters, source=redact.CONFIDENTIAL_SOURCE)
    return filters


def _source_words(command: list[str] | None, filters, shown) -> list[str] | None:
    """The command line with the words of a --source that named a confidential source
    replaced, as ``shown_filters`` replaced it."""
    if command is None or filters is None or shown is None or shown.source == filters.source:
        return command
    secret = filters.source
    return [shown.source if word == secret else
            f"{word.split('=', 1)[0]}={shown.source}" if word.startswith("--source=")
            and word.split("=", 1)[1] == secret else word for word in command]


def _command(command: list[str] | None, include_confidential: bool, secret: str | None,
             shown: str | None) -> list[str] | None:
    """The command line, with the words that named a protected person replaced."""
    if command is None or not secret or not shown or include_confidential:
        return command
    return [shown if word == secret else word for word in command]


def _provenance(store: Store, command, query: dict[str, Any]) -> Provenance:
    return Provenance(command=command, query=query, store=manifest.store_description(store))


def _person(store: Store, person: str, redactor: Redactor) -> tuple[dict, str | None]:
    """The person asked for, and what to record instead of the words used, if protected."""
    from custodygraph.queries.persons import find_person

    found = find_person(store, person)
    if redactor.is_protected(found["uid"]):
        return found, redactor.uid(found["uid"])
    return found, None


@contextmanager
def gc_paused():
    """Run a block without Python's cycle collector. Building a large view makes hundreds of
    thousands of small dicts and lists, none of them in a cycle, and the collector walked
    them all again and again: half the time of a whole-graph view. They are freed as usual
    when the last reference goes, and the collector runs again after the block."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


# --- views ----------------------------------------------------------------------------------
def build_view(store: Store, what: str, target: str | None = None, *, filters=None,
               limit: int | None = None, include_confidential: bool = False,
               codetained: bool = True):
    """The ``visuals.network.View`` of ``what`` (one of VIEWS), the query it records, and
    the words of the command that named a protected person with what to show instead."""
    redactor = Redactor(store, include_confidential)
    view, query, words = _build_view(store, what, target, redactor, filters, limit,
                                     include_confidential, codetained)
    if what in ("person", "facility"):  # the others read the Arabic names with the nodes
        add_arabic(store, view, redactor)
    return view, query, words


def _build_view(store, what, target, redactor, filters, limit, include_confidential,
                codetained):
    from custodygraph.visuals import network

    if what == "person":
        from custodygraph.queries.codetention import FIRST, codetained as co_detainees
        from custodygraph.queries.custody import custody_chain

        found, shown = _person(store, target, redactor)
        chain = custody_chain(store, found["uid"], include_confidential=include_confidential)
        together = (co_detainees(store, found["uid"], include_confidential=include_confidential,
                                 limit=FIRST) if codetained else None)
        orgs = {o["uid"] for st in chain.steps for o in st.organizations} | {
            o["uid"] for e in chain.background for o in e.get("organizations") or []}
        view = network.person_view(chain, include_confidential=include_confidential,
                                   redactor=redactor, codetention=together,
                                   kinds=organization_kinds(store, orgs))
        query = {"function": "custody_chain", "person": redactor.uid(found["uid"]),
                 "codetained": codetained}
        return view, query, (target if shown else None, shown)
    if what == "facility":
        view = network.facility_view(store, target, include_confidential=include_confidential,
                                     redactor=redactor)
        return view, {"function": "facility", "facility": target}, (None, None)
    if what == "cases":
        graph = redactor.graph(read_cases(store, filters))
        limit = network.DEFAULT_LIMIT if limit is None else limit
        shown = shown_filters(store, filters, include_confidential)
        view = network.entity_view(graph, "Case set" + _filter_title(shown),
                                   f"cases({_filter_text(shown)})", limit=limit,
                                   redacted=redactor.redacting)
        return view, {"function": "cases", "filters": filters_record(shown),
                      "limit": limit}, (None, None)
    if what == "all":
        limit = network.DEFAULT_LIMIT if limit is None else limit
        # the store chooses the nodes to draw: only those are read and redacted
        graph, total = read_view_capped(store, limit)
        view = network.entity_view(redactor.apply(graph), "Whole graph", "whole graph",
                                   limit=limit, redacted=redactor.redacting, total=total)
        return view, {"function": "whole graph", "limit": limit}, (None, None)
    raise OutputError(f"unknown view {what!r}; choose one of {', '.join(VIEWS)}")


ARABIC = """
UNWIND $uids AS u
MATCH (n:{label} {{uid: u}})
WHERE n.name_ar IS NOT NULL
RETURN n.uid AS uid, n.name_ar AS name_ar
"""


def arabic_names(store: Store, uids) -> dict[str, str]:
    """The Arabic names of these places, organisations and persons (protected persons are
    never asked for: their ids in a redacted view are not uids)."""
    from custodygraph.graph import schema

    found: dict[str, str] = {}
    uids = sorted(set(uids))
    for label in ("Facility", "Organization", "Location", "Person"):
        for row in store.read(ARABIC.format(label=schema.label(label)), {"uids": uids}):
            found[row["uid"]] = row["name_ar"]
    return found


def add_arabic(store: Store, view, redactor: Redactor) -> None:
    """Give the view's nodes their Arabic names (tooltip, search, static labels)."""
    ids = [n["id"] for n in view.nodes if not redactor.is_protected(n["id"])]
    names = arabic_names(store, ids)
    for node in view.nodes:
        text = names.get(node["id"])
        if not text or node.get("name_ar"):
            continue
        node["name_ar"] = text
        if text not in (node.get("title") or ""):
            node["title"] = f"{node.get('title') or ''}\n{text}".strip()
        if text not in (node.get("names") or ""):
            node["names"] = " | ".join(x for x in (text, node.get("names")) if x)


ORG_LABELS = """
UNWIND $uids AS u
MATCH (o:Organization {uid: u})
RETURN o.uid AS uid, labels(o) AS labels
"""


def organization_kinds(store: Store, uids) -> dict[str, str]:
    from custodygraph.visuals.graphdata import most_specific

    if not uids:
        return {}
    return {r["uid"]: most_specific(r["labels"])
            for r in store.read(ORG_LABELS, {"uids": sorted(uids)})}


def _filter_text(filters) -> str:
    return ", ".join(f"{k}={v}" for k, v in filters_record(filters).items())


def _filter_title(filters) -> str:
    text = _filter_text(filters)
    return f" ({text})" if text else ": every case"


def write_view(store: Store, what: str, output: str | Path, target: str | None = None, *,
               filters=None, limit: int | None = None, include_confidential: bool = False,
               command: list[str] | None = None) -> Path:
    """Write the interactive page of ``what`` to ``output`` and its manifest."""
    from custodygraph.visuals.network import write_html

    path = manifest.file_target(output)
    with gc_paused():
        view, query, (secret, shown) = build_view(store, what, target, filters=filters,
                                                  limit=limit,
                                                  include_confidential=include_confidential)
        write_html(view, path)
    words = _source_words(_command(command, include_confidential, secret, shown), filters,
                          shown_filters(store, filters, include_confidential))
    manifest.record([path], _provenance(store, words, query), fmt="html",
                    redacted=view.redacted,
                    counts={"nodes": len(view.nodes), "edges": len(view.edges)})
    return path


# --- diagrams -------------------------------------------------------------------------------
def write_diagram(store: Store, what: str, output: str | Path, target: str | None = None, *,
                  filters=None, limit: int | None = None, include_confidential: bool = False,
                  fmt: str | None = None, command: list[str] | None = None) -> Path:
    """Write the static diagram of ``what`` (one of DIAGRAMS) as SVG, PNG or PDF."""
    from custodygraph.visuals import diagrams

    path = manifest.file_target(output)
    fmt = diagrams.output_format(path, fmt)
    secret = shown = None
    filters_shown = shown_filters(store, filters, include_confidential)
    source = manifest.store_label(store)
    redacted = not include_confidential
    if what == "timeline":
        from custodygraph.queries.custody import custody_chain

        redactor = Redactor(store, include_confidential)
        found, shown = _person(store, target, redactor)
        secret = target if shown else None
        chain = custody_chain(store, found["uid"], include_confidential=include_confidential)
        for step in chain.steps:
            step.sources = [redactor.source(s) for s in step.sources]
        diagrams.timeline_diagram(chain, path, fmt=fmt, redacted=redacted)
        query = {"function": "custody_chain", "person": redactor.uid(found["uid"])}
        counts = {"steps": len(chain.steps)}
    elif what == "flows":
        from custodygraph.queries.flows import flows

        result = flows(store, filters=filters, include_confidential=include_confidential)
        text = _filter_text(filters_shown)
        places = {p["uid"] for f in result.flows for p in (f.origin, f.destination)}
        diagrams.flows_diagram(result, path, fmt=fmt, redacted=redacted,
                               arabic=arabic_names(store, places),
                               source=f"custody chains in {source}"
                                      + (f"; filters: {text}" if text else ""))
        query = {"function": "flows", "filters": filters_record(filters_shown)}
        counts = {"flows": len(result.flows)}
    elif what == "recurring":
        from custodygraph.queries.recurrence import recurring

        result = recurring(store, filters=filters, include_confidential=include_confidential)
        text = _filter_text(filters_shown)
        diagrams.recurring_diagram(result, path, fmt=fmt, redacted=redacted,
                                   arabic=arabic_names(store, [r.uid for r in result]),
                                   source=f"custody events in {source}"
                                          + (f"; filters: {text}" if text else ""))
        query = {"function": "recurring", "filters": filters_record(filters_shown)}
        counts = {"entries": len(result)}
    elif what in VIEWS:
        with gc_paused():
            view, query, (secret, shown) = build_view(
                store, what, target, filters=filters, limit=limit,
                include_confidential=include_confidential, codetained=False)
        diagrams.network_diagram(view, path, fmt=fmt,
                                 source=_view_source(view, source))
        counts = {"nodes": len(view.nodes), "edges": len(view.edges)}
    else:
        raise OutputError(f"unknown diagram {what!r}; choose one of {', '.join(DIAGRAMS)}")
    words = _source_words(_command(command, include_confidential, secret, shown), filters,
                          filters_shown)
    manifest.record([path], _provenance(store, words, query), fmt=fmt, redacted=redacted,
                    counts=counts)
    return path


def _view_source(view, store_label: str) -> str:
    sources = sorted({n["label"] for n in view.nodes if n.get("kind") == "Source"})
    return "; ".join(sources) if sources else f"{view.query} in {store_label}"


# --- exports --------------------------------------------------------------------------------
def write_export(store: Store, fmt: str, output: str | Path, *, filters=None,
                 include_confidential: bool = False, command: list[str] | None = None
                 ) -> Path:
    """Export the graph (or the case set ``filters`` keeps) in ``fmt`` (one of EXPORTS).

    csv and neo4j-admin write a folder of files at ``output``; the others one file.
    """
    from custodygraph.visuals import exports

    if fmt not in EXPORTS:
        raise OutputError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORTS)}")
    redactor = Redactor(store, include_confidential)
    whole = filters is None or filters.is_empty()
    graph = redactor.graph(read_graph(store) if whole else read_cases(store, filters))
    shown = shown_filters(store, filters, include_confidential)
    query = {"function": "whole graph" if whole else "cases",
             "filters": filters_record(shown)}
    provenance = _provenance(store, _source_words(command, filters, shown), query)
    meta = {"query": query, "store": provenance.store}
    if fmt in FOLDER_EXPORTS:
        folder = manifest.folder_target(output)
        if fmt == "csv":
            files = [manifest.inside(folder, "nodes.csv"), manifest.inside(folder, "edges.csv")]
            exports.write_csv(graph, files[0], files[1])
        else:
            files = exports.write_neo4j_admin(graph, folder)
        manifest.record(files, provenance, fmt=fmt, redacted=graph.redacted,
                        counts=graph.counts(), folder=folder)
        return folder
    path = manifest.file_target(output)
    if fmt == "graphml":
        exports.write_graphml(graph, path)
    elif fmt == "gexf":
        exports.write_gexf(graph, path)
    elif fmt == "json":
        exports.write_json(graph, path, meta)
    elif fmt == "cypher":
        exports.write_cypher(graph, path, meta)
    elif fmt == "ftm":
        exports.write_ftm(graph, path)
    manifest.record([path], provenance, fmt=fmt, redacted=graph.redacted,
                    counts=graph.counts())
    return path
