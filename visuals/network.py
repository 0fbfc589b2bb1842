"""Interactive network views: self-contained HTML pages drawn with vis-network, offline.

Four views, each a function that returns a ``View`` (node and edge dicts in vis-network's
format plus what the page says):

- ``person_view``: a custody chain step by step, who was responsible, the sources, earlier
  background events, and the persons held at the same facilities at overlapping times;
- ``facility_view``: everyone whose events took place at a facility, where each came from
  and where each went next;
- ``entity_view``: persons, places and organisations of a graph (``graphdata.read_cases``
  for a filtered case set, ``graphdata.read_view_capped`` for the whole store, which lets
  the store choose what is drawn), each person's events drawn as edges to where they
  happened and who was responsible, capped in size.

Colours and shapes come from the schema (``schema.style``). Nodes carry their kind in
``kind``; the page builds its legend from the kinds, lets the reader hide a kind, and
searches names. Above ``PHYSICS_LIMIT`` nodes or ``EDGE_LIMIT`` edges (``needs_layout``)
the positions are computed here (``layout.hub_layout``) and the page draws them without a
force simulation.

pyvis's stock template loads vis-network, bootstrap and tom-select from CDNs and writes the
heading unescaped, so pages are rendered from our own ``template.html`` instead: the
vis-network script that ships inside the pyvis package is inlined, the graph travels as JSON
inside a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped,
and every string from the data is shown as text (tooltips, legend and search results are
built with ``textContent``; vis-network draws labels on a canvas). Large views are written
compactly (``page_data``): an edge that stands for events lists them by number, each event
and source is written once, and the page writes the labels and tooltips from those tables.

Every view goes through ``graphdata.Redactor``: protected persons and confidential sources
are shown under opaque ids and placeholder names unless ``include_confidential``.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from custodygraph.graph import schema
from custodygraph.queries import redact
from custodygraph.queries.custody import Chain
from custodygraph.visuals.graphdata import Graph, Redactor, most_specific

_MARKER = re.compile(r"\{\{(?:TITLE|FOOTER|REDACTED|VIS_JS|DATA)\}\}")

#: above this many nodes the layout is precomputed and the page runs no force simulation
PHYSICS_LIMIT = 500
#: above this many edges too: vis-network simulates each smooth edge as a node of its own,
#: so the time until a page is drawn grows with nodes plus edges. Measured in headless
#: Chromium (``benchmarks/view_bench.py``): 38 nodes and 51 edges (the example cases)
#: 0.6–1.0 s, 100 and 150 1.7–3.2 s, 180 and 578 3.9–5.2 s, 384 and 1,747 13–15 s, the
#: last two drawn in 0.3–0.8 s with positions computed here. At most 200 edges keeps every
#: simulated page within about 3 s.
EDGE_LIMIT = 200
#: the whole-graph view draws at most this many nodes unless told otherwise
DEFAULT_LIMIT = 2000

#: kinds that are not schema labels, with their look
EXTRA_KINDS = {
    "UnknownPlace": {"color": "#d5d8dc", "shape": "dot"},
}
#: relationships drawn between places and organisations in the entity view
STRUCTURE = {"LOCATED_IN": "located in", "PART_OF": "part of", "COMMANDED": "commanded"}
#: kinds that hold the other nodes around them in the precomputed layout
HUB_KINDS = ("Facility", "Organization", "Location")


@dataclass
class View:
    """A graph ready to draw: vis-network node and edge dicts plus what the page says."""

    title: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    redacted: bool = True
    query: str = ""
    #: a sentence the footer adds, such as the size cap
    note: str = ""
    #: the events behind edges that list them (``"events": [positions]``, in the entity
    #: view): type, earliest, latest, date_text, confidence, notes and ``sources``
    #: (positions in ``sources``); such an edge's tooltip is ``edge_text(view, edge)``
    events: list[dict[str, Any]] = field(default_factory=list)
    #: the sources those events cite, each as the line a tooltip shows
    sources: list[str] = field(default_factory=list)


class EventTable:
    """Numbers events and their sources once each, for edges that list their events."""

    def __init__(self):
        self.events: list[dict[str, Any]] = []
        self.sources: list[str] = []
        self._events: dict[Any, int] = {}
        self._sources: dict[Any, int] = {}

    def source(self, src: dict[str, Any]) -> int:
        key = src.get("uid") or id(src)
        number = self._sources.get(key)
        if number is None:
            number = self._sources[key] = len(self.sources)
            self.sources.append(_source_line([src]))
        return number

    def event(self, event: dict[str, Any], sources: Iterable[dict[str, Any]] = ()) -> int:
        """The number of ``event`` (its properties), citing ``sources``."""
        key = event.get("uid") or id(event)
        number = self._events.get(key)
        if number is None:
            number = self._events[key] = len(self.events)
            cites: list[int] = []
            for src in sources:
                i = self.source(src)
                if i not in cites:
                    cites.append(i)
            get = event.get
            self.events.append({"type": get("type"), "earliest": get("earliest"),
                                "latest": get("latest"), "date_text": get("date_text"),
                                "confidence": get("confidence"), "notes": get("notes"),
                                "sources": cites})
        return number


def events_label(events: list[dict[str, Any]]) -> str:
    """The label of an edge that stands for ``events`` (in order): their types, then the
    time they span."""
    types = ", ".join(dict.fromkeys(e.get("type") for e in events))
    lo = hi = None  # as _span computes them, in one pass
    open_end = False
    for e in events:
        early, late = e.get("earliest"), e.get("latest")
        if early and (lo is None or early < lo):
            lo = early
        if late is None:
            open_end = True
        elif hi is None or late > hi:
            hi = late
    return f"{types}\n{dates(lo, None if open_end else hi)}"


def edge_text(view: View, edge: dict[str, Any]) -> str:
    """The tooltip of ``edge``: its ``title``, or for an edge that lists its events one line
    per event (dates, the source's wording, confidence, notes) and then the sources. The page
    builds the same text from the same tables."""
    if "events" not in edge:
        return edge.get("title", "")
    events = [view.events[i] for i in edge["events"]]
    lines = _event_lines(events, notes=True)
    cited = dict.fromkeys(i for e in events for i in e["sources"])
    lines.append("sources: " + ("; ".join(view.sources[i] for i in cited) or "no source"))
    return "\n".join(lines)


def kind_label(kind: str) -> str:
    """A kind as the legend shows it.

    >>> kind_label("SecurityBranch")
    'Security branch'
    """
    words = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", kind).split()
    return " ".join([words[0]] + [w.lower() for w in words[1:]]) if words else kind


def kind_style(kind: str) -> dict[str, str]:
    if kind in EXTRA_KINDS:
        return dict(EXTRA_KINDS[kind])
    return schema.style([kind])


def is_hub(kind: str) -> bool:
    cls = schema.CLASS_BY_LABEL.get(kind)
    return cls is not None and any(issubclass(cls, schema.CLASS_BY_LABEL[k]) for k in HUB_KINDS)


def dates(earliest: str | None, latest: str | None) -> str:
    """Date bounds as a view shows them.

    >>> dates("2018-12-01", "2018-12-31")
    '2018-12-01 – 2018-12-31'
    >>> dates("2020-11-01", None)
    '2020-11-01 – open'
    """
    if earliest and latest and earliest == latest:
        return earliest
    if earliest or latest:
        return f"{earliest or '…'} – {latest or 'open'}"
    return "undated"


_dates = dates  # the name earlier code used


def _source_line(sources: Iterable[dict[str, Any]]) -> str:
    return "; ".join((s.get("title") or "") + (f" ({s['publisher']})" if s.get("publisher")
                                                else "")
                     for s in sources) or "no source"


def _span(values: Iterable[tuple[str | None, str | None]]) -> tuple[str | None, str | None]:
    values = list(values)
    lows = [lo for lo, _ in values if lo]
    highs = [hi for _, hi in values]
    return (min(lows) if lows else None,
            None if not values or None in highs else max(highs))


class Builder:
    """Collects nodes and edges once each, in vis-network's format."""

    def __init__(self):
        self.nodes: dict[str, dict[str, Any]] = {}
        self.edges: list[dict[str, Any]] = []

    def node(self, node_id: str, label: str, kind: str, title: str, *, size: int | None = None,
             names: Iterable[str | None] = (), **extra) -> str:
        if node_id not in self.nodes:
            node = {"id": node_id, "label": label, "kind": kind, "title": title,
                    **kind_style(kind)}
            if size:
                node["size"] = size
            other = [n for n in names if n and n != label]
            if other:
                node["names"] = " | ".join(other)
            node.update(extra)
            self.nodes[node_id] = node
        return node_id

    def edge(self, source: str, target: str, label: str = "", title: str = "", **extra) -> None:
        """An edge; the page draws an arrow unless ``arrows=""`` is given."""
        edge = {"from": source, "to": target}
        if label:
            edge["label"] = label
        if title:
            edge["title"] = title
        edge.update({k: v for k, v in extra.items() if v is not False})
        self.edges.append(edge)

    def view(self, title: str, redacted: bool, query: str, note: str = "") -> View:
        return View(title, list(self.nodes.values()), self.edges, redacted, query, note)


# --- the person view ---------------------------------------------------------------------
def _event_lines(events: Iterable[dict[str, Any]], notes: bool) -> list[str]:
    """One line per event; ``notes`` adds the wording of its date and its notes, which are
    left out for a protected person."""
    lines = []
    for e in events:
        line = f"• {e.get('type')}: {dates(e.get('earliest'), e.get('latest'))}"
        if notes and e.get("date_text"):
            line += f" (“{e['date_text']}”)"
        if e.get("confidence"):
            line += f", confidence {e['confidence']}"
        lines.append(line)
        if notes and e.get("notes"):
            lines.append(f"  {e['notes']}")
    return lines


def person_view(chain: Chain, *, include_confidential: bool = False,
                redactor: Redactor | None = None, codetention=None,
                kinds: dict[str, str] | None = None) -> View:
    """The person, the places of their chain in order, who was responsible, the sources,
    the background events before custody and (given ``codetention``, from
    ``queries.codetention``) the persons held with them.

    ``kinds`` maps organisation uids to their most specific label, for their colours.
    """
    redactor = redactor or Redactor(include_confidential=include_confidential)
    kinds = kinds or {}
    person = chain.person
    hidden = redact.flagged(person.get("protected")) and not include_confidential
    b = Builder()
    me = redactor.uid(person["uid"])
    tip = [person["name"]]
    if person.get("name_ar"):
        tip.append(person["name_ar"])
    if person.get("aliases"):
        tip.append("also written: " + ", ".join(person["aliases"]))
    if person.get("hometown") and not hidden:
        tip.append(f"from {person['hometown']}")
    if person.get("group_size"):
        tip.append(f"a group case: {person['group_size']}")
    tip.append(f"status: {chain.status}")
    if chain.last_seen:
        seen = chain.last_seen
        where = f" at {seen['place']['name']}" if seen.get("place") else ""
        tip.append(f"last seen: {seen['type']}{where}, "
                   f"{dates(seen['earliest'], seen['latest'])}")
    for gap in chain.gaps:
        tip.append(f"gap between steps {gap.after} and {gap.before}: "
                   + (f"no record for {gap.days} days" if gap.days else gap.reason))
    b.node(me, person["name"], "Person", "\n".join(tip), size=30,
           names=[person.get("name_ar"), *(person.get("aliases") or [])])

    def org_node(org: dict[str, Any]) -> str:
        kind = kinds.get(org["uid"], "Organization")
        return b.node(redactor.uid(org["uid"]), org["name"], kind,
                      f"{org['name']}\n{kind_label(kind)}")

    for event in chain.background:
        for org in event.get("organizations") or []:
            b.edge(me, org_node(org), f"{event['type']}\n{dates(event['earliest'], event['latest'])}",
                   f"before custody: {event['type']}\n{dates(event['earliest'], event['latest'])}"
                   + (f"\n“{redactor.text(event['date_text'])}”"
                      if event.get("date_text") and not hidden else ""),
                   dashes=True, color="#aaaaaa")

    previous = me
    for number, step in enumerate(chain.steps, start=1):
        types = ", ".join(step.event_types)
        when = dates(step.earliest, step.latest)
        if step.place:
            kind = schema.FACILITY_KINDS.get(step.place.get("kind") or "", "Location")
            place_id = b.node(redactor.uid(step.place["uid"]), step.place["name"], kind,
                              f"{step.place['name']}\n{kind_label(kind)}")
        else:
            place_id = b.node(f"unknown-place-{number}", f"place unknown ({types})",
                              "UnknownPlace", "The sources do not say where this happened")
        lines = [f"step {number}: {types}", when]
        lines += _event_lines(step.events, notes=not hidden)
        lines.append(f"confidence: {step.confidence}")
        lines.append(f"sources: {_source_line(redactor.source(s) for s in step.sources)}")
        if step.conflicting:
            lines.append("conflicting reports: see the chain")
        b.edge(previous, place_id, f"{number}. {types}\n{when}", redactor.text("\n".join(lines)),
               width=3 if step.conflicting else 2,
               **({"color": "#e74c3c"} if step.conflicting else {}))
        for org in step.organizations:
            b.edge(org_node(org), place_id, "responsible",
                   f"{org['name']} — step {number}: {types}\n{when}", dashes=True)
        for src in step.sources:
            shown = redactor.source(src)
            src_id = b.node(shown["uid"], shown["title"], "Source",
                            _source_line([shown]) + (f"\n{shown['date']}" if shown.get("date")
                                                     else "")
                            + f"\n{shown.get('type') or ''}", size=10)
            b.edge(place_id, src_id, "", f"step {number} is reported by this source",
                   dashes=True, color="#bbbbbb", arrows="")
        previous = place_id

    if codetention is not None:
        for entry in list(codetention.certain) + list(codetention.possible):
            other = entry.person
            other_id = b.node(redactor.uid(other["uid"]), other["name"], "Person",
                              f"{other['name']}\n{entry.certainty} co-detainee: "
                              f"{entry.days} days together", size=14)
            for o in entry.overlaps:
                stay = o.stay
                b.edge(other_id, redactor.uid(o.facility["uid"]),
                       f"{o.certainty}: {dates(o.start, o.end)}",
                       f"held at {o.facility['name']} at the same time as {person['name']}\n"
                       f"{o.certainty}: together {dates(o.start, o.end)}"
                       + (f" ({o.days} days)" if o.days else "")
                       + f"\ntheir stay: {dates(stay['earliest'], stay['latest'])}",
                       dashes=[4, 4], color="#5dade2")
    # an edge to a place not drawn (a co-detainee's overlap at a facility missing from the
    # chain cannot happen, but never draw a dangling edge)
    b.edges = [e for e in b.edges if e["from"] in b.nodes and e["to"] in b.nodes]
    return b.view(f"Custody chain: {person['name']}", not include_confidential,
                  f"custody_chain({me!r})" + (", codetained" if codetention is not None else ""),
                  _codetained_note(codetention))


def _codetained_note(codetention) -> str:
    """What the page says when it draws only the first co-detainees of a kind."""
    if codetention is None:
        return ""
    cut = [f"the first {len(shown)} of {total:,} {kind}"
           for kind, shown, total in (("certain", codetention.certain, codetention.certain_total),
                                      ("possible", codetention.possible,
                                       codetention.possible_total))
           if len(shown) < total]
    if not cut:
        return ""
    return (f"Co-detainees drawn: {' and '.join(cut)}, by days together; "
            "`custodygraph codetained --all` lists every one.")


# --- the facility view -------------------------------------------------------------------
AT_FACILITY = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:AT]->(f:Facility {uid: $uid})
OPTIONAL MATCH (e)-[:SOURCED_FROM]->(s:Source)
RETURN p.uid AS person, p.name AS name, p.protected AS protected,
       e.uid AS event, e.type AS type, e.earliest AS earliest, e.latest AS latest,
       e.date_text AS date_text, e.confidence AS confidence, e.notes AS notes,
       s.uid AS source_uid, s.title AS source_title, s.publisher AS source_publisher,
       s.date AS source_date, s.kind AS source_kind, s.confidential AS source_confidential
"""
FACILITY = """
MATCH (f:Facility {uid: $uid})
OPTIONAL MATCH (f)-[:LOCATED_IN]->(l:Location)
RETURN f.uid AS uid, f.name AS name, f.name_ar AS name_ar, f.aliases AS aliases,
       labels(f) AS labels, l.name AS location
"""


def _place_node(b: Builder, redactor: Redactor, place: dict[str, Any] | None,
                fallback: str) -> str:
    if not place:
        return b.node(fallback, "place unknown", "UnknownPlace",
                      "The sources do not say where this happened")
    kind = schema.FACILITY_KINDS.get(place.get("kind") or "", "Location")
    return b.node(redactor.uid(place["uid"]), place["name"], kind,
                  f"{place['name']}\n{kind_label(kind)}")


def facility_view(store, facility: str, *, include_confidential: bool = False,
                  redactor: Redactor | None = None) -> View:
    """Everyone whose events took place at ``facility`` (a uid, name or alias), with the
    place each came from and the place each went to next, per their custody chains."""
    from custodygraph.queries.custody import outlines
    from custodygraph.queries.search import resolve

    redactor = redactor or Redactor(store, include_confidential)
    uid = resolve(store, facility, ("Facility",), "facility")["uid"]
    info = store.read(FACILITY, {"uid": uid})[0]
    kind = most_specific(info["labels"])
    b = Builder()
    tip = [info["name"], kind_label(kind)]
    if info.get("name_ar"):
        tip.append(info["name_ar"])
    if info.get("location"):
        tip.append(f"in {info['location']}")
    center = b.node(uid, info["name"], kind, "\n".join(tip), size=34,
                    names=[info.get("name_ar"), *(info.get("aliases") or [])])
    events: dict[str, dict[str, dict[str, Any]]] = {}
    names: dict[str, str] = {}
    for row in store.read(AT_FACILITY, {"uid": uid}):
        names[row["person"]] = redact.person_name(row["name"], row["protected"],
                                                  include_confidential)
        event = events.setdefault(row["person"], {}).setdefault(row["event"], {
            "type": row["type"], "earliest": row["earliest"], "latest": row["latest"],
            "date_text": row["date_text"], "confidence": row["confidence"],
            "notes": row["notes"], "sources": {}})
        if row["source_uid"]:
            event["sources"][row["source_uid"]] = redactor.source(redact.source({
                "uid": row["source_uid"], "title": row["source_title"],
                "publisher": row["source_publisher"], "date": row["source_date"],
                "kind": row["source_kind"], "confidential": row["source_confidential"]},
                include_confidential))
    came: dict[str, list[str]] = {}
    went: dict[str, list[str]] = {}
    places: dict[str, str] = {}
    for outline in outlines(store, sorted(events)):
        person = outline.person
        pid = redactor.uid(person)
        steps = outline.steps
        for i, step in enumerate(steps):
            if not step.place or step.place["uid"] != uid:
                continue
            if i > 0:
                prev = steps[i - 1]
                node = _place_node(b, redactor, prev.place, "unknown-origin")
                places[node] = prev.place["name"] if prev.place else "place unknown"
                came.setdefault(node, []).append(
                    f"{names[person]}: {', '.join(prev.event_types)} "
                    f"{dates(prev.earliest, prev.latest)}")
            if i + 1 < len(steps):
                nxt = steps[i + 1]
                node = _place_node(b, redactor, nxt.place, "unknown-destination")
                places[node] = nxt.place["name"] if nxt.place else "place unknown"
                went.setdefault(node, []).append(
                    f"{names[person]}: {', '.join(nxt.event_types)} "
                    f"{dates(nxt.earliest, nxt.latest)}")
        evs = sorted(events[person].values(), key=lambda e: (e["earliest"] or "", e["type"]))
        hidden = redactor.is_protected(person)
        b.node(pid, names[person], "Person",
               f"{names[person]}\nstatus: {outline.status}", size=16)
        lo, hi = _span((e["earliest"], e["latest"]) for e in evs)
        lines = [f"{names[person]} at {info['name']}"] + _event_lines(evs, notes=not hidden)
        sources = {s["uid"]: s for e in evs for s in e["sources"].values()}
        lines.append(f"sources: {_source_line(sources.values())}")
        b.edge(pid, center, f"{', '.join(dict.fromkeys(e['type'] for e in evs))}\n"
                            f"{dates(lo, hi)}", redactor.text("\n".join(lines)))
    for node, people in came.items():
        b.edge(node, center, f"came from: {len(people)}",
               f"before {info['name']}, at {places[node]}:\n" + "\n".join(people),
               width=1 + min(len(people), 12), color="#7fb3d5")
    for node, people in went.items():
        if node == center:
            continue
        b.edge(center, node, f"went next: {len(people)}",
               f"after {info['name']}, at {places[node]}:\n" + "\n".join(people),
               width=1 + min(len(people), 12), color="#f0b27a")
    return b.view(f"Facility: {info['name']}", not include_confidential,
                  f"facility({uid!r})",
                  f"{len(events)} persons with events at this facility.")


# --- the entity view (case sets, the whole graph) ----------------------------------------
#: nodes the entity view shows inside tooltips, not as nodes of their own
_NOT_DRAWN = frozenset({"Event", "Source", "IngestRun"})


def _by_date(event: dict[str, Any]) -> tuple[str, str, str, str]:
    """Events in the order tooltips list them: by earliest date, then type, latest date and
    id (so that the order never depends on the order the store returned them in)."""
    return (event.get("earliest") or "", event.get("type") or "", event.get("latest") or "",
            str(event.get("uid") or ""))


def entity_view(graph: Graph, title: str, query: str, *, limit: int | None = DEFAULT_LIMIT,
                redacted: bool = True, total: int | None = None) -> View:
    """Persons, places and organisations of ``graph`` (already redacted): each person's
    events become edges to the place where they happened and to the organisation
    responsible, with their dates, confidence and sources in the tooltip. Places and
    organisations are linked to the places and organisations above them.

    At most ``limit`` nodes are drawn: places and organisations first, then persons, each
    by number of links; the footer says how many were left out. ``total`` is how many
    persons, places and organisations there are when ``graph`` holds only those chosen
    (``graphdata.read_view_capped``).
    """
    nodes = graph.nodes
    sources = {uid: n.props for uid, n in nodes.items() if "Source" in n.labels}
    # one pass over the relationships: who each event is about, where and by whom it
    # happened, what it cites, and the structure drawn between nodes
    subjects: dict[str, list[str]] = {}
    targets: dict[str, list[tuple[str, str]]] = {}
    cited: dict[str, list[dict[str, Any]]] = {}
    structure = []
    for e in graph.edges:
        rel = e.type
        if rel == "SUBJECT_OF":
            subjects.setdefault(e.target, []).append(e.source)
        elif rel == "AT" or rel == "BY":
            targets.setdefault(e.source, []).append((rel, e.target))
        elif rel == "SOURCED_FROM":
            if e.target in sources:
                cited.setdefault(e.source, []).append(sources[e.target])
        elif rel in STRUCTURE or rel == "FROM":
            structure.append(e)

    b = Builder()
    links: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    unplaced: dict[str, list[dict[str, Any]]] = {}
    for uid, node in nodes.items():
        if "Event" not in node.labels:
            continue
        event = node.props  # type, earliest, latest, date_text, confidence, notes, uid
        where = list(dict.fromkeys(targets.get(uid, ())))
        for person in subjects.get(uid, ()):
            if person not in nodes:
                continue
            if not where:
                unplaced.setdefault(person, []).append(event)
            for rel, target in where:
                if target in nodes:
                    links.setdefault((person, target, rel), []).append(event)

    degree: dict[str, int] = {}
    for (a, t, _) in links:
        degree[a] = degree.get(a, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    for e in structure:
        degree[e.source] = degree.get(e.source, 0) + 1
        degree[e.target] = degree.get(e.target, 0) + 1

    drawn = [uid for uid, n in nodes.items() if _NOT_DRAWN.isdisjoint(n.labels)]
    # a place or organisation is drawn when something links to it or it has no parent drawn
    total = max(total or 0, len(drawn))
    if limit is not None and len(drawn) > limit:
        def rank(uid):
            hub = is_hub(nodes[uid].kind)
            return (0 if hub else 1, -degree.get(uid, 0), uid)
        drawn = sorted(drawn, key=rank)[:limit]
    keep = set(drawn)
    for uid in drawn:
        node = nodes[uid]
        p = node.props
        kind = node.kind
        lines = [node.name, kind_label(kind)]
        if p.get("name_ar"):
            lines.append(p["name_ar"])
        if p.get("aliases"):
            lines.append("also written: " + ", ".join(p["aliases"]))
        if p.get("group_size"):
            lines.append(f"a group case: {p['group_size']}")
        if p.get("notes"):
            lines.append(str(p["notes"]))
        if unplaced.get(uid):
            lines.append("events with no place or organisation:")
            lines += _event_lines(sorted(unplaced[uid], key=_by_date), notes=False)
        size = None
        if "Person" in node.labels:
            size = 14
        elif degree.get(uid, 0) > 3:
            size = min(16 + degree[uid], 40)
        b.node(uid, node.name, kind, "\n".join(lines), size=size,
               names=[p.get("name_ar"), *(p.get("aliases") or [])],
               **({"name_ar": p["name_ar"]} if p.get("name_ar") else {}))
    table = EventTable()
    for (a, t, rel), evs in links.items():
        if a not in keep or t not in keep:
            continue
        evs = sorted(evs, key=_by_date)
        # the two ends say who and where; the tooltip gives the events behind the edge, which
        # the page writes from the event table (``edge_text``): events are shared by edges
        b.edge(a, t, events_label(evs),
               events=[table.event(e, cited.get(e.get("uid"), ())) for e in evs],
               **({"dashes": True} if rel == "BY" else {}))
    for e in structure:
        if e.source in keep and e.target in keep:
            label = STRUCTURE.get(e.type, "from")
            # the page writes the tooltip from the two names and ``relation``
            b.edge(e.source, e.target, "", f"{nodes[e.source].name} {label} "
                                           f"{nodes[e.target].name}",
                   color="#c8c8c8", dashes=e.type == "FROM", width=1, relation=label)
    note = ""
    if len(drawn) < total:
        note = (f"Showing {len(drawn)} of {total} persons, places and organisations "
                f"(size cap {limit}); places and organisations first, then the most linked "
                "persons.")
    view = b.view(title, redacted, query, note)
    view.events, view.sources = table.events, table.sources
    return view


# --- layout and rendering ----------------------------------------------------------------
def needs_layout(view: View) -> bool:
    """Whether ``view`` is too big for the page's force simulation (more than
    ``PHYSICS_LIMIT`` nodes or more than ``EDGE_LIMIT`` edges): its positions are then
    computed here and the page only draws."""
    return len(view.nodes) > PHYSICS_LIMIT or len(view.edges) > EDGE_LIMIT


def precompute_layout(view: View) -> None:
    """Give every node a fixed position (``layout.hub_layout``)."""
    from custodygraph.visuals.layout import hub_layout

    hubs = {n["id"] for n in view.nodes if is_hub(n.get("kind", ""))}
    pos = hub_layout([n["id"] for n in view.nodes],
                     [(e["from"], e["to"]) for e in view.edges], hubs)
    for node in view.nodes:
        node["x"], node["y"] = pos[node["id"]]


def _script_json(data: Any) -> str:
    """JSON that cannot close the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _legend(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    for node in nodes:
        kind = node.get("kind", "")
        if kind not in seen:
            seen[kind] = {"kind": kind, "label": kind_label(kind),
                          "color": node.get("color", "#999"), "shape": node.get("shape", "dot"),
                          "count": 0}
        seen[kind]["count"] += 1
    return list(seen.values())


def footer_text(redacted: bool) -> str:
    return ("Redacted: confidential sources and protected persons are hidden."
            if redacted else
            "NOT REDACTED: this page shows confidential sources and protected persons.")


def _vis_js() -> str:
    """vis-network as it ships inside the pyvis package, found without importing pyvis
    (which would load its templating and graph libraries for nothing)."""
    from importlib.util import find_spec

    spec = find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("the pyvis package, which carries vis-network, is not installed")
    folder = Path(next(iter(spec.submodule_search_locations)))
    return (folder / "lib" / "vis-9.1.2" / "vis-network.min.js").read_text(encoding="utf-8")


#: node keys the page does not use (the Arabic name is in the tooltip and in ``names``)
_NOT_ON_PAGE = ("name_ar",)
#: what an edge written as an array carries outside its style
_EDGE_DATA = frozenset({"from", "to", "label", "title", "events"})


def page_data(view: View) -> dict[str, Any]:
    """The graph as the page carries it, written compactly for large views:

    - a node whose colour and shape are its kind's (as in the legend) leaves them out;
    - an edge names its ends by position in the node list;
    - an edge that lists its events, or that draws a ``relation`` between two nodes, is an
      array ``[from, to, style, event...]``: ``style`` is a position in ``styles`` (its
      vis-network options, and the relation), each ``event`` a position in ``events``. The
      page writes its label and tooltip from ``events`` (``[type, earliest, latest,
      confidence, [source...], date_text, notes]``, types and confidence levels as positions
      in ``words``, trailing empty fields left out) and ``sources`` (one line each), or from
      the names of its ends;
    - any other edge is a vis-network edge object.
    """
    legend = _legend(view.nodes)
    look = {item["kind"]: (item["color"], item["shape"]) for item in legend}
    nodes = []
    for node in view.nodes:
        plain = (node.get("color"), node.get("shape")) == look.get(node.get("kind"))
        nodes.append({k: v for k, v in node.items()
                      if k not in _NOT_ON_PAGE and not (plain and k in ("color", "shape"))})
    index = {n["id"]: i for i, n in enumerate(view.nodes)}
    styles: dict[Any, int] = {}
    shapes: list[dict[str, Any]] = []
    edges: list[Any] = []
    for e in view.edges:
        ends = [index[e["from"]], index[e["to"]]]
        if "events" in e or "relation" in e:
            options = tuple((k, v) for k, v in e.items() if k not in _EDGE_DATA)
            try:
                number = styles.get(options)
            except TypeError:  # an option that is a list
                options = repr(options)
                number = styles.get(options)
            if number is None:
                number = styles[options] = len(shapes)
                shapes.append(dict(o for o in e.items() if o[0] not in _EDGE_DATA))
            edges.append(ends + [number] + list(e.get("events", ())))
        else:
            edges.append(dict(e, **{"from": ends[0], "to": ends[1]}))
    words: dict[str, int] = {}
    events = []
    for ev in view.events:
        row = [words.setdefault(ev["type"], len(words)) if ev["type"] is not None else None,
               ev["earliest"], ev["latest"],
               words.setdefault(ev["confidence"], len(words)) if ev["confidence"] else None,
               ev["sources"], ev["date_text"] or None, ev["notes"] or None]
        while row[-1] is None:
            row.pop()
        events.append(row)
    return {
        "nodes": nodes,
        "edges": edges,
        "legend": legend,
        "styles": shapes,
        "events": events,
        "sources": view.sources,
        "words": list(words),
    }


def render_html(view: View) -> str:
    """The whole page as one self-contained string."""
    from custodygraph import __version__

    template = resources.files("custodygraph.visuals").joinpath("template.html").read_text(
        encoding="utf-8")
    vis_js = _vis_js()
    fixed = needs_layout(view)
    if fixed and any("x" not in n for n in view.nodes):
        precompute_layout(view)
    data = page_data(view)
    data["physics"] = not fixed
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    footer = f"{footer_text(view.redacted)} {view.note}".strip()
    replacements = {
        "{{TITLE}}": html.escape(view.title),
        "{{FOOTER}}": html.escape(f"{footer} Generated {generated} by custodygraph "
                                  f"{__version__} from {view.query}."),
        "{{REDACTED}}": "true" if view.redacted else "false",
        # vis-network must not end the inline <script> early; it contains no "</script"
        "{{VIS_JS}}": vis_js.replace("</script", "<\\/script"),
        "{{DATA}}": _script_json(data),
    }
    # one pass, so text inserted for one marker is never searched for another
    return _MARKER.sub(lambda m: replacements[m.group(0)], template)


def write_html(view: View, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(view), encoding="utf-8")
    return path


__all__ = ["View", "person_view", "facility_view", "entity_view", "render_html",
           "write_html", "page_data", "edge_text", "events_label", "needs_layout",
           "precompute_layout", "PHYSICS_LIMIT", "EDGE_LIMIT", "DEFAULT_LIMIT"]
