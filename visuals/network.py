"""Interactive network views: self-contained HTML pages drawn with vis-network, offline.

Four views, each a function that returns a ``View`` (node and edge dicts in vis-network's
format plus what the page says):

- ``person_view``: a custody chain step by step, who was responsible, the sources, earlier
  background events, and the persons held at the same facilities at overlapping times;
- ``facility_view``: everyone whose events took place at a facility, where each came from
  and where each went next;
- ``entity_view``: persons, places and organisations of a graph (``graphdata.read_cases``
  for a filtered case set, ``graphdata.read_graph`` for the whole store), each person's
  events drawn as edges to where they happened and who was responsible, capped in size.

Colours and shapes come from the schema (``schema.style``). Nodes carry their kind in
``kind``; the page builds its legend from the kinds, lets the reader hide a kind, and
searches names. Above ``PHYSICS_LIMIT`` nodes the positions are computed here
(``layout.hub_layout``) and the page draws them without a force simulation.

pyvis's stock template loads vis-network, bootstrap and tom-select from CDNs and writes the
heading unescaped, so pages are rendered from our own ``template.html`` instead: the
vis-network script that ships inside the pyvis package is inlined, the graph travels as JSON
inside a ``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped,
and every string from the data is shown as text (tooltips, legend and search results are
built with ``textContent``; vis-network draws labels on a canvas).

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
from custodygraph.queries.custody import Chain
from custodygraph.visuals.graphdata import Graph, Redactor, most_specific

_MARKER = re.compile(r"\{\{(?:TITLE|FOOTER|REDACTED|VIS_JS|DATA)\}\}")

#: above this many nodes the layout is precomputed and the page runs no force simulation
PHYSICS_LIMIT = 500
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
        line = f"• {e['type']}: {dates(e.get('earliest'), e.get('latest'))}"
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
    hidden = bool(person.get("protected")) and not include_confidential
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
                   + (f"\n“{event['date_text']}”" if event.get("date_text") and not hidden
                      else ""),
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
                  f"custody_chain({me!r})" + (", codetained" if codetention is not None else ""))


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
    from custodygraph.queries import redact
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
def entity_view(graph: Graph, title: str, query: str, *, limit: int | None = DEFAULT_LIMIT,
                redacted: bool = True) -> View:
    """Persons, places and organisations of ``graph`` (already redacted): each person's
    events become edges to the place where they happened and to the organisation
    responsible, with their dates, confidence and sources in the tooltip. Places and
    organisations are linked to the places and organisations above them.

    At most ``limit`` nodes are drawn: places and organisations first, then persons, each
    by number of links; the footer says how many were left out.
    """
    nodes = graph.nodes
    out: dict[str, list[str]] = {}
    into: dict[str, list[str]] = {}
    for e in graph.edges:
        out.setdefault(e.source, []).append(e)
        into.setdefault(e.target, []).append(e)

    sources = {uid: n.props for uid, n in nodes.items() if "Source" in n.labels}
    b = Builder()
    links: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    unplaced: dict[str, list[dict[str, Any]]] = {}
    for uid, node in nodes.items():
        if "Event" not in node.labels:
            continue
        ev = node.props
        targets = {e.type: e.target for e in out.get(uid, []) if e.type in ("AT", "BY")}
        srcs = [sources[e.target] for e in out.get(uid, []) if e.type == "SOURCED_FROM"
                and e.target in sources]
        event = {"type": ev.get("type"), "earliest": ev.get("earliest"),
                 "latest": ev.get("latest"), "date_text": ev.get("date_text"),
                 "confidence": ev.get("confidence"), "notes": ev.get("notes"),
                 "sources": srcs}
        for e in into.get(uid, []):
            if e.type != "SUBJECT_OF" or e.source not in nodes:
                continue
            if not targets:
                unplaced.setdefault(e.source, []).append(event)
            for rel, target in targets.items():
                if target in nodes:
                    links.setdefault((e.source, target, rel), []).append(event)

    degree: dict[str, int] = {}
    for (a, t, _), _evs in links.items():
        degree[a] = degree.get(a, 0) + 1
        degree[t] = degree.get(t, 0) + 1
    structure = [e for e in graph.edges if e.type in STRUCTURE or e.type == "FROM"]
    for e in structure:
        degree[e.source] = degree.get(e.source, 0) + 1
        degree[e.target] = degree.get(e.target, 0) + 1

    drawn = [uid for uid, n in nodes.items()
             if not ({"Event", "Source", "IngestRun"} & set(n.labels))]
    # a place or organisation is drawn when something links to it or it has no parent drawn
    total = len(drawn)
    if limit is not None and total > limit:
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
            lines += _event_lines(unplaced[uid], notes=False)
        size = None
        if "Person" in node.labels:
            size = 14
        elif degree.get(uid, 0) > 3:
            size = min(16 + degree[uid], 40)
        b.node(uid, node.name, kind, "\n".join(lines), size=size,
               names=[p.get("name_ar"), *(p.get("aliases") or [])])
    for (a, t, rel), evs in links.items():
        if a not in keep or t not in keep:
            continue
        evs = sorted(evs, key=lambda e: (e["earliest"] or "", e["type"] or ""))
        lo, hi = _span((e["earliest"], e["latest"]) for e in evs)
        types = ", ".join(dict.fromkeys(e["type"] for e in evs))
        # the two ends say who and where; the tooltip gives the events behind the edge
        lines = _event_lines(evs, notes=True)
        srcs = {s.get("uid"): s for e in evs for s in e["sources"]}
        lines.append(f"sources: {_source_line(srcs.values())}")
        b.edge(a, t, f"{types}\n{dates(lo, hi)}", "\n".join(lines),
               **({"dashes": True} if rel == "BY" else {}))
    for e in structure:
        if e.source in keep and e.target in keep:
            label = STRUCTURE.get(e.type, "from")
            b.edge(e.source, e.target, "", f"{nodes[e.source].name} {label} "
                                           f"{nodes[e.target].name}",
                   color="#c8c8c8", dashes=e.type == "FROM", width=1)
    note = ""
    if len(drawn) < total:
        note = (f"Showing {len(drawn)} of {total} persons, places and organisations "
                f"(size cap {limit}); places and organisations first, then the most linked "
                "persons.")
    return b.view(title, redacted, query, note)


# --- layout and rendering ----------------------------------------------------------------
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


def render_html(view: View) -> str:
    """The whole page as one self-contained string."""
    from custodygraph import __version__

    template = resources.files("custodygraph.visuals").joinpath("template.html").read_text(
        encoding="utf-8")
    vis_js = resources.files("pyvis").joinpath("lib/vis-9.1.2/vis-network.min.js").read_text(
        encoding="utf-8")
    big = len(view.nodes) > PHYSICS_LIMIT
    if big and any("x" not in n for n in view.nodes):
        precompute_layout(view)
    # edges name their ends by position in the node list, which the page turns back into
    # ids: a large view is a third smaller that way
    index = {n["id"]: i for i, n in enumerate(view.nodes)}
    edges = [dict(e, **{"from": index[e["from"]], "to": index[e["to"]]}) for e in view.edges]
    data = {
        "nodes": view.nodes,
        "edges": edges,
        "legend": _legend(view.nodes),
        "physics": not big,
    }
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
           "write_html", "precompute_layout", "PHYSICS_LIMIT", "DEFAULT_LIMIT"]
