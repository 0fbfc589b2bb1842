"""Where was this person taken, in what order, by whom, and when? The custody chain.

The events of a person are ordered by their date bounds: an event that ends before another
begins comes first. Where the bounds overlap or are missing, the explicit sequence (the order
in the case file or the sequence column) decides. Consecutive events at the same place form
one step. The chain begins at the first custody event (arrest, surrender, detention,
disappearance); earlier events are returned as background.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import networkx as nx

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CONFIDENCE, CUSTODY_TYPES
from custodygraph.queries import redact
from custodygraph.queries.persons import find_person

PERSON = """
MATCH (p:Person {uid: $uid})
OPTIONAL MATCH (p)-[:FROM]->(l:Location)
RETURN p.uid AS uid, p.name AS name, p.name_ar AS name_ar, p.aliases AS aliases,
       p.protected AS protected, p.group_size AS group_size, l.name AS hometown
"""

EVENTS = """
MATCH (p:Person {uid: $uid})-[:SUBJECT_OF]->(e:Event)
OPTIONAL MATCH (e)-[:AT]->(place)
OPTIONAL MATCH (e)-[:BY]->(o:Organization)
OPTIONAL MATCH (e)-[:SOURCED_FROM]->(s:Source)
RETURN e.uid AS uid, e.type AS type, e.earliest AS earliest, e.latest AS latest,
       e.date_text AS date_text, e.date_edtf AS date_edtf, e.sequence AS sequence,
       e.confidence AS confidence, e.notes AS notes,
       place.uid AS place_uid, place.name AS place_name, labels(place) AS place_labels,
       place.kind AS place_kind,
       o.uid AS org_uid, o.name AS org_name,
       s.uid AS source_uid, s.title AS source_title, s.publisher AS source_publisher,
       s.date AS source_date, s.kind AS source_kind, s.confidential AS source_confidential
"""

STATUS_BODY = "body delivered"
STATUS_DIED = "died in custody"
STATUS_RELEASED = "released"
STATUS_HELD = "in custody or disappeared"
STATUS_UNKNOWN = "unknown"


@dataclass
class Step:
    """One place in the chain, with every event that happened there in a row."""

    place: dict[str, Any] | None
    earliest: str | None
    latest: str | None
    event_types: list[str]
    organizations: list[dict[str, Any]]
    sources: list[dict[str, Any]]
    confidence: str | None
    events: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Chain:
    person: dict[str, Any]
    steps: list[Step]
    background: list[dict[str, Any]]
    status: str
    #: true when dates and explicit sequence disagree; the steps then follow the dates
    order_conflict: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _events(rows: list[dict[str, Any]], include_confidential: bool) -> list[dict[str, Any]]:
    """One dict per event from rows that repeat it per organisation and source."""
    events: dict[str, dict[str, Any]] = {}
    for row in rows:
        event = events.get(row["uid"])
        if event is None:
            place = None
            if row["place_uid"]:
                labels = row["place_labels"] or []
                place = {"uid": row["place_uid"], "name": row["place_name"],
                         "kind": row["place_kind"] or ("location" if "Location" in labels
                                                       else None)}
            event = events[row["uid"]] = {
                "uid": row["uid"], "type": row["type"], "earliest": row["earliest"],
                "latest": row["latest"], "date_text": row["date_text"],
                "date_edtf": row["date_edtf"], "sequence": row["sequence"],
                "confidence": row["confidence"], "notes": row["notes"], "place": place,
                "organizations": {}, "sources": {},
            }
        if row["org_uid"]:
            event["organizations"][row["org_uid"]] = {"uid": row["org_uid"],
                                                      "name": row["org_name"]}
        if row["source_uid"]:
            event["sources"][row["source_uid"]] = redact.source({
                "uid": row["source_uid"], "title": row["source_title"],
                "publisher": row["source_publisher"], "date": row["source_date"],
                "kind": row["source_kind"], "confidential": row["source_confidential"],
            }, include_confidential)
    for event in events.values():
        event["organizations"] = sorted(event["organizations"].values(), key=lambda o: o["uid"])
        event["sources"] = sorted(event["sources"].values(), key=lambda s: s["uid"])
    return list(events.values())


def _before(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether ``a`` certainly ends before ``b`` begins."""
    return bool(a["latest"] and b["earliest"] and a["latest"] < b["earliest"])


def order_events(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Order events by date bounds, then by explicit sequence; report a contradiction.

    >>> a = {"uid": "a", "earliest": "2018-01-01", "latest": "2018-12-31", "sequence": 2}
    >>> b = {"uid": "b", "earliest": "2018-06-01", "latest": "2018-06-30", "sequence": 1}
    >>> [e["uid"] for e in order_events([a, b])[0]]
    ['b', 'a']
    """
    graph = nx.DiGraph()
    graph.add_nodes_from(e["uid"] for e in events)
    by_uid = {e["uid"]: e for e in events}
    for a in events:
        for b in events:
            if a is b:
                continue
            if _before(a, b):
                graph.add_edge(a["uid"], b["uid"])
            elif (not _before(b, a) and a["sequence"] is not None and b["sequence"] is not None
                  and a["sequence"] < b["sequence"]):
                graph.add_edge(a["uid"], b["uid"])

    def key(uid: str):
        e = by_uid[uid]
        return (e["earliest"] or "", e["sequence"] if e["sequence"] is not None else 0, uid)

    try:
        order = list(nx.lexicographical_topological_sort(graph, key=key))
        return [by_uid[u] for u in order], False
    except nx.NetworkXUnfeasible:
        dated = sorted(events, key=lambda e: (e["earliest"] or "9999", key(e["uid"])))
        return dated, True


def _lowest(confidences: list[str | None]) -> str | None:
    return next((c for c in reversed(CONFIDENCE) if c in confidences), None)


EVENT_FIELDS = ("uid", "type", "earliest", "latest", "date_text", "date_edtf", "confidence",
                "notes")


def _step(group: list[dict[str, Any]]) -> Step:
    latest = [e["latest"] for e in group]
    return Step(
        place=group[0]["place"],
        earliest=min((e["earliest"] for e in group if e["earliest"]), default=None),
        latest=None if None in latest else max(latest),  # one open end leaves the step open
        event_types=list(dict.fromkeys(e["type"] for e in group)),
        organizations=list({o["uid"]: o for e in group for o in e["organizations"]}.values()),
        sources=list({s["uid"]: s for e in group for s in e["sources"]}.values()),
        confidence=_lowest([e["confidence"] for e in group]),
        events=[{k: e[k] for k in EVENT_FIELDS} for e in group],
    )


def _steps(events: list[dict[str, Any]]) -> list[Step]:
    """Consecutive events at the same place become one step."""
    groups: list[list[dict[str, Any]]] = []
    for event in events:
        previous = groups[-1][-1]["place"] if groups else None
        if event["place"] and previous and previous["uid"] == event["place"]["uid"]:
            groups[-1].append(event)
        else:
            groups.append([event])
    return [_step(group) for group in groups]


def _status(events: list[dict[str, Any]]) -> str:
    types = [e["type"] for e in events]
    if "body_delivery" in types or "burial" in types:
        return STATUS_BODY
    if "death" in types or "death_notification" in types:
        return STATUS_DIED
    if types and types[-1] == "release":
        return STATUS_RELEASED
    if any(t in CUSTODY_TYPES for t in types):
        return STATUS_HELD
    return STATUS_UNKNOWN


def custody_chain(store: Store, person: str, *, include_confidential: bool = False) -> Chain:
    """The ordered custody steps of ``person`` (a uid, name or alias).

    Each step has its place, the organisations responsible, the earliest and latest dates,
    the event types, the sources (confidential ones redacted unless ``include_confidential``)
    and the lowest confidence among its events.
    """
    uid = find_person(store, person)["uid"]
    info = store.read(PERSON, {"uid": uid})[0]
    events, conflict = order_events(_events(store.read(EVENTS, {"uid": uid}),
                                            include_confidential))
    start = next((i for i, e in enumerate(events) if e["type"] in CUSTODY_TYPES), len(events))
    background = [{k: e[k] for k in ("uid", "type", "earliest", "latest", "date_text")}
                  | {"place": e["place"], "organizations": e["organizations"]}
                  for e in events[:start]]
    protected = bool(info["protected"])
    shown = {
        "uid": uid,
        "name": redact.person_name(info["name"], protected, include_confidential),
        "name_ar": None if protected and not include_confidential else info["name_ar"],
        "aliases": [] if protected and not include_confidential else (info["aliases"] or []),
        "hometown": info["hometown"],
        "protected": protected,
        "group_size": info["group_size"],
    }
    return Chain(shown, _steps(events[start:]), background, _status(events), conflict)
