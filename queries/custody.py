"""Where was this person taken, in what order, by whom, and when? The custody chain.

The events of a person are ordered by their date bounds: an event that ends before another
begins comes first. Where the bounds overlap or are missing, the explicit sequence (the order
in the case file or the sequence column) decides. Consecutive events at the same place form
one step. The chain begins at the first custody event (arrest, surrender, detention,
disappearance); earlier events are returned as background.

Three things are flagged rather than smoothed over:

- **gaps**: no record places the person anywhere between two steps for more than
  ``GAP_DAYS`` days (from the earlier step's latest date to the later step's earliest), or a
  step has no date at all, so its time relative to its neighbours is unknown;
- **conflicts**: two sources with no source in common place the person at two different
  facilities at overlapping times; both reports stay in the chain, side by side, and neither
  is chosen;
- the **final status** (in custody or disappeared, died in custody, body delivered, released,
  unknown), the event that settled it, and the last event that shows the person alive or
  seen.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable, Iterator

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CONFIDENCE, CUSTODY_TYPES, HELD_TYPES
from custodygraph.queries import redact
from custodygraph.queries.persons import find_person
from custodygraph.queries.plain import as_plain

# an event's place, organisation and sources, and the columns a chain reads of them
_EVENT_DETAILS = """
OPTIONAL MATCH (e)-[:AT]->(place)
OPTIONAL MATCH (e)-[:BY]->(o:Organization)
OPTIONAL MATCH (e)-[:SOURCED_FROM]->(s:Source)
"""
_EVENT_COLUMNS = """
       e.uid AS uid, e.type AS type, e.earliest AS earliest, e.latest AS latest,
       e.date_text AS date_text, e.date_edtf AS date_edtf, e.sequence AS sequence,
       e.confidence AS confidence, e.notes AS notes,
       place.uid AS place_uid, place.name AS place_name, labels(place) AS place_labels,
       place.kind AS place_kind,
       o.uid AS org_uid, o.name AS org_name,
       s.uid AS source_uid, s.title AS source_title, s.publisher AS source_publisher,
       s.date AS source_date, s.kind AS source_kind, s.confidential AS source_confidential
"""

# the events of every person of the SAME_AS cluster (queries.resolve): merged persons are one
EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:SUBJECT_OF]->(e:Event)""" + _EVENT_DETAILS + "RETURN" + _EVENT_COLUMNS

# the names and flags of the persons of a SAME_AS cluster: the cluster is protected when any
# of them is, and free text is scrubbed of every name it has
MEMBERS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})
RETURN p.uid AS uid, p.name AS name, p.name_ar AS name_ar, p.aliases AS aliases,
       p.protected AS protected
"""

# The whole chain of one person in one statement: the person (looked up by uid), the persons
# one SAME_AS edge away, and one row per event, place, organisation and source (the event
# columns are EVENTS's). A person with no event gives one row whose event columns are null.
CHAIN = """
MATCH (p:Person {uid: $uid})
OPTIONAL MATCH (p)-[:FROM]->(l:Location)
OPTIONAL MATCH (p)-[:SAME_AS]-(m:Person)
WITH p, l, collect(DISTINCT m.uid) AS same_as
OPTIONAL MATCH (p)-[:SUBJECT_OF]->(e:Event)""" + _EVENT_DETAILS + """RETURN p.uid AS person_uid, p.name AS person_name, p.name_ar AS person_name_ar,
       p.aliases AS person_aliases, p.protected AS person_protected,
       p.group_size AS person_group_size, l.name AS hometown, same_as,""" + _EVENT_COLUMNS

STATUS_BODY = "body delivered"
STATUS_DIED = "died in custody"
STATUS_RELEASED = "released"
STATUS_HELD = "in custody or disappeared"
STATUS_UNKNOWN = "unknown"
#: every final status, from the most to the least settled
STATUSES = (STATUS_BODY, STATUS_DIED, STATUS_RELEASED, STATUS_HELD, STATUS_UNKNOWN)
#: event types that say the person was dead; they never show the person alive
DEATH_TYPES = frozenset({"death", "death_notification", "body_delivery", "burial"})
#: event types that show nothing about where the person was; neither does a death
UNSEEN_TYPES = DEATH_TYPES | {"disappearance"}
#: longer than this without any record between two steps is a gap
GAP_DAYS = 30

# Every event of every person (or of the persons in $uids), for the queries that need all
# chains at once (flows, statistics, the outcome filter). Places are told apart by ``level``,
# which only locations have.
ALL_EVENTS = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)
OPTIONAL MATCH (e)-[:AT]->(place)
RETURN p.uid AS person, e.uid AS uid, e.type AS type, e.earliest AS earliest,
       e.latest AS latest, e.sequence AS sequence, e.confidence AS confidence,
       place.uid AS place_uid, place.name AS place_name, place.kind AS place_kind,
       place.level AS place_level
"""
SOME_EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:SUBJECT_OF]->(e:Event)
OPTIONAL MATCH (e)-[:AT]->(place)
RETURN p.uid AS person, e.uid AS uid, e.type AS type, e.earliest AS earliest,
       e.latest AS latest, e.sequence AS sequence, e.confidence AS confidence,
       place.uid AS place_uid, place.name AS place_name, place.kind AS place_kind,
       place.level AS place_level
"""


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
    #: true when a report of this step conflicts with a report of another (see Chain.conflicts)
    conflicting: bool = False


@dataclass
class Gap:
    """Unknown whereabouts between step ``after`` and step ``before`` (numbered from 1)."""

    after: int
    before: int
    #: "no record between the steps" or "undated step"
    reason: str
    #: the dates between which nothing places the person (None for an undated step)
    start: str | None = None
    end: str | None = None
    days: int | None = None


@dataclass
class Conflict:
    """Two reports from different sources that place the person in two facilities at once."""

    #: the step numbers (from 1) that hold the two reports
    steps: list[int]
    #: the two events side by side: uid, type, place, dates and sources of each
    reports: list[dict[str, Any]]
    #: the dates both reports allow
    overlap: list[str | None]


@dataclass
class Chain:
    person: dict[str, Any]
    steps: list[Step]
    background: list[dict[str, Any]]
    status: str
    #: true when dates and explicit sequence disagree; the steps then follow the dates
    order_conflict: bool = False
    gaps: list[Gap] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: the event that settled the status (death, body delivery, release), if any
    status_event: dict[str, Any] | None = None
    #: the last event that shows the person alive or seen, with its date bounds
    last_seen: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _events(rows: list[dict[str, Any]], include_confidential: bool) -> list[dict[str, Any]]:
    """One dict per event from rows that repeat it per organisation and source; confidential
    sources are numbered in the order of their uids (redact.SourceIds)."""
    events: dict[str, dict[str, Any]] = {}
    ids = None if include_confidential else redact.SourceIds()
    if ids is not None:
        for uid in sorted({row["source_uid"] for row in rows if row["source_uid"]
                           and redact.flagged(row["source_confidential"])}):
            ids.shown(uid, True)
    for row in rows:
        event = events.get(row["uid"])
        place = None
        if row["place_uid"] and (event is None or event["place"] is None
                                 or event["place"]["uid"] != row["place_uid"]):
            labels = row["place_labels"] or []
            place = {"uid": row["place_uid"], "name": row["place_name"],
                     "kind": row["place_kind"] or ("location" if "Location" in labels
                                                   else None)}
        if event is not None:
            _prefer_facility(event, place)
        else:
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
            }, include_confidential, ids)
    for event in events.values():
        event["organizations"] = sorted(event["organizations"].values(), key=lambda o: o["uid"])
        # by the uid shown: a confidential source's place among the others says nothing
        event["sources"] = sorted(event["sources"].values(), key=lambda s: s["uid"])
    return list(events.values())


def _prefer_facility(event: dict[str, Any], place: dict[str, Any] | None) -> None:
    """An event linked to a facility and to a location takes place at the facility, as its
    derived HELD_AT edge says, whichever row the engine returns first."""
    if place is None or place["kind"] in (None, "location"):
        return
    if event["place"] is None or event["place"]["kind"] in (None, "location"):
        event["place"] = place


def order_events(events: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], bool]:
    """Order events by date bounds, then by explicit sequence; report a contradiction.

    >>> a = {"uid": "a", "earliest": "2018-01-01", "latest": "2018-12-31", "sequence": 2}
    >>> b = {"uid": "b", "earliest": "2018-06-01", "latest": "2018-06-30", "sequence": 1}
    >>> [e["uid"] for e in order_events([a, b])[0]]
    ['b', 'a']
    """
    by_uid = {e["uid"]: e for e in events}
    after: dict[str, list[str]] = {uid: [] for uid in by_uid}
    # a comes before b when it certainly ends before b begins, or when neither certainly
    # does and a's sequence is lower (written out: a chain compares every pair of events)
    for a in events:
        a_earliest, a_latest, a_sequence = a["earliest"], a["latest"], a["sequence"]
        successors = after[a["uid"]]
        for b in events:
            if a is b:
                continue
            if a_latest and b["earliest"] and a_latest < b["earliest"]:
                successors.append(b["uid"])
            elif not (b["latest"] and a_earliest and b["latest"] < a_earliest) \
                    and a_sequence is not None and b["sequence"] is not None \
                    and a_sequence < b["sequence"]:
                successors.append(b["uid"])

    def key(uid: str):
        e = by_uid[uid]
        return (e["earliest"] or "", e["sequence"] if e["sequence"] is not None else 0, uid)

    order = _topological(after, key)
    if order is not None:
        return [by_uid[u] for u in order], False
    dated = sorted(events, key=lambda e: (e["earliest"] or "9999", key(e["uid"])))
    return dated, True


def _topological(after: dict[str, list[str]], key) -> list[str] | None:
    """Kahn's algorithm taking, of the nodes free to come next, the one with the smallest
    ``key``; None when the edges make a cycle. (networkx's lexicographical topological sort,
    without importing networkx on every command.)

    >>> _topological({"a": ["b"], "b": [], "c": []}, key=lambda n: n)
    ['a', 'b', 'c']
    >>> _topological({"a": ["b"], "b": ["a"]}, key=lambda n: n) is None
    True
    """
    waiting = {node: 0 for node in after}
    for targets in after.values():
        for target in targets:
            waiting[target] += 1
    ready = [(key(node), node) for node, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order = []
    while ready:
        _, node = heapq.heappop(ready)
        order.append(node)
        for target in after[node]:
            waiting[target] -= 1
            if waiting[target] == 0:
                heapq.heappush(ready, (key(target), target))
    return order if len(order) == len(after) else None


def _lowest(confidences: list[str | None]) -> str | None:
    return next((c for c in reversed(CONFIDENCE) if c in confidences), None)


EVENT_FIELDS = ("uid", "type", "earliest", "latest", "date_text", "date_edtf", "confidence",
                "notes", "place", "sources")


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
        events=[{k: e.get(k) for k in EVENT_FIELDS} for e in group],
    )


def step_groups(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    """The events of each step: consecutive events at the same place are one step."""
    groups: list[list[dict[str, Any]]] = []
    for event in events:
        previous = groups[-1][-1]["place"] if groups else None
        if event["place"] and previous and previous["uid"] == event["place"]["uid"]:
            groups[-1].append(event)
        else:
            groups.append([event])
    return groups


def _steps(events: list[dict[str, Any]]) -> list[Step]:
    return [_step(group) for group in step_groups(events)]


def custody_part(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ordered events from the first custody event on: the part of the chain in steps."""
    start = next((i for i, e in enumerate(events) if e["type"] in CUSTODY_TYPES), len(events))
    return events[start:]


def _status(events: list[dict[str, Any]]) -> str:
    return final_status(events)[0]


def final_status(events: list[dict[str, Any]]) -> tuple[str, dict[str, Any] | None]:
    """The final status of a person from their ordered events, and the event that settled it.

    The events are read in order. A custody event puts the person in custody, a release
    takes them out of it (until the next custody event). A death or death notification is
    a death in custody unless the person had been released since their last custody event
    (a death with no custody event known, such as a notice from the civil registry, counts:
    it is how deaths in detention are most often learnt of); a body delivery or burial
    after it makes it "body delivered". What happens after a release without a new custody
    event (conscription, a death at the front) leaves the person released.

    >>> [final_status([{"type": t} for t in types])[0] for types in (
    ...     ["arrest", "release"], ["arrest", "release", "arrest"],
    ...     ["arrest", "release", "conscription"], ["arrest", "release", "death"],
    ...     ["arrest", "release", "arrest", "death"], ["death_notification"],
    ...     ["arrest", "death", "body_delivery"], ["arrest", "release", "body_delivery"])]
    ... # doctest: +NORMALIZE_WHITESPACE
    ['released', 'in custody or disappeared', 'released', 'released',
     'died in custody', 'died in custody', 'body delivered', 'released']
    """
    state, settled = STATUS_UNKNOWN, None
    for e in events:
        kind = e["type"]
        if kind in CUSTODY_TYPES:
            if state not in (STATUS_DIED, STATUS_BODY):
                state, settled = STATUS_HELD, None
        elif kind == "release":
            if state not in (STATUS_DIED, STATUS_BODY):
                state, settled = STATUS_RELEASED, e
        elif kind in ("death", "death_notification"):
            if state in (STATUS_HELD, STATUS_UNKNOWN):
                state, settled = STATUS_DIED, e
            elif state == STATUS_DIED:
                settled = e
        elif kind in ("body_delivery", "burial"):
            if state in (STATUS_HELD, STATUS_UNKNOWN, STATUS_DIED, STATUS_BODY):
                state, settled = STATUS_BODY, e
    return state, settled


def last_seen(events: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The last of the ordered events that shows the person alive or seen somewhere."""
    seen = [e for e in events if e["type"] not in UNSEEN_TYPES]
    return _brief(seen[-1]) if seen else None


def _brief(event: dict[str, Any] | None) -> dict[str, Any] | None:
    if event is None:
        return None
    return {"uid": event["uid"], "type": event["type"], "earliest": event["earliest"],
            "latest": event["latest"], "date_text": event.get("date_text"),
            "place": event.get("place")}


def _days(start: str, end: str) -> int:
    return (date.fromisoformat(end) - date.fromisoformat(start)).days


def find_gaps(steps: list[Step], gap_days: int = GAP_DAYS) -> list[Gap]:
    """Gaps between consecutive steps: an undated step, or more than ``gap_days`` days
    from one step's latest date to the next step's earliest."""
    gaps = []
    for number, (a, b) in enumerate(zip(steps, steps[1:]), start=1):
        if not (a.earliest or a.latest) or not (b.earliest or b.latest):
            gaps.append(Gap(number, number + 1, "undated step"))
        elif a.latest and b.earliest and _days(a.latest, b.earliest) > gap_days:
            gaps.append(Gap(number, number + 1, "no record between the steps", a.latest,
                            b.earliest, _days(a.latest, b.earliest)))
    return gaps


def _at_facility(event: dict[str, Any]) -> bool:
    place = event.get("place")
    return bool(place and place.get("kind") not in (None, "location")
                and event["type"] in HELD_TYPES and event["earliest"])


def _overlap(a: dict[str, Any], b: dict[str, Any]) -> list[str | None] | None:
    """The dates both events allow, or None when their bounds do not meet (open end: None)."""
    start = max(a["earliest"], b["earliest"])
    ends = [x for x in (a["latest"], b["latest"]) if x]
    end = min(ends) if ends else None
    if end is not None and end < start:
        return None
    return [start, end]


def find_conflicts(steps: list[Step]) -> list[Conflict]:
    """Reports from disjoint sources placing the person at different facilities at overlapping
    times. Marks the steps involved as ``conflicting``."""
    located = [(number, event, {s["uid"] for s in event["sources"]})
               for number, step in enumerate(steps, start=1)
               for event in step.events if _at_facility(event)]
    conflicts = []
    for i, (na, a, sa) in enumerate(located):
        for nb, b, sb in located[i + 1:]:
            if a["place"]["uid"] == b["place"]["uid"] or not sa or not sb or sa & sb:
                continue
            both = _overlap(a, b)
            if both is None:
                continue
            conflicts.append(Conflict([na, nb], [_report(a), _report(b)], both))
            steps[na - 1].conflicting = steps[nb - 1].conflicting = True
    return conflicts


def _report(event: dict[str, Any]) -> dict[str, Any]:
    return {"uid": event["uid"], "type": event["type"], "place": event["place"],
            "earliest": event["earliest"], "latest": event["latest"],
            "date_text": event.get("date_text"), "sources": event["sources"]}


def custody_chain(store: Store, person: str, *, include_confidential: bool = False,
                  gap_days: int = GAP_DAYS, scrub: redact.Scrubber | None = None) -> Chain:
    """The ordered custody steps of ``person`` (a uid, name or alias).

    Each step has its place, the organisations responsible, the earliest and latest dates,
    the event types, the sources (confidential ones redacted unless ``include_confidential``)
    and the lowest confidence among its events. The chain also lists its gaps (more than
    ``gap_days`` days without a record, or an undated step), its conflicting reports, the
    final status with the event that settled it, and when the person was last seen.

    Unless ``include_confidential``, the free text of a protected person's chain (notes, date
    wordings, source titles) is scrubbed of the person's names, and of every name ``scrub``
    knows: ``api.chain`` passes one of every protected person of the store
    (``redact.Scrubber.of_store``), since any note may name one.
    """
    rows = store.read(CHAIN, {"uid": person})  # most often a uid: one statement in all
    if not rows:
        rows = store.read(CHAIN, {"uid": find_person(store, person)["uid"]})
    head = rows[0]
    uid = head["person_uid"]
    info = {"protected": head["person_protected"], "name": head["person_name"],
            "name_ar": head["person_name_ar"], "aliases": head["person_aliases"],
            "hometown": head["hometown"], "group_size": head["person_group_size"]}
    members = [uid]
    persons = [info]
    if head["same_as"]:  # merged by a reviewer: the events of the whole SAME_AS cluster
        from custodygraph.queries.resolve import cluster_of

        members = cluster_of(store, uid, head["same_as"])
        rows, persons = store.read_many([(EVENTS, {"uids": members}),
                                         (MEMBERS, {"uids": members})])
    # a merged record that is protected protects the whole cluster
    protected = any(redact.flagged(p["protected"]) for p in persons)
    events, conflict = order_events(_events([r for r in rows if r["uid"] is not None],
                                            include_confidential))
    if protected and not include_confidential:  # the notes may name the person
        _scrub(events, redact.Scrubber(persons))
    if scrub is not None and not include_confidential:
        _scrub(events, scrub)
    start = next((i for i, e in enumerate(events) if e["type"] in CUSTODY_TYPES), len(events))
    background = [{k: e[k] for k in ("uid", "type", "earliest", "latest", "date_text")}
                  | {"place": e["place"], "organizations": e["organizations"]}
                  for e in events[:start]]
    if protected and not include_confidential and len(members) > 1:
        # shown as the cluster's representative: its smallest protected uid
        from custodygraph.queries.resolve import representative

        uid = representative(members, {p["uid"] for p in persons
                                        if redact.flagged(p["protected"])})
    shown = {
        "uid": uid,
        "name": redact.person_name(info["name"], protected, include_confidential),
        "name_ar": None if protected and not include_confidential else info["name_ar"],
        "aliases": [] if protected and not include_confidential else (info["aliases"] or []),
        "hometown": info["hometown"],
        "protected": protected,
        "group_size": info["group_size"],
    }
    if len(members) > 1:  # merged by a reviewer's decision (custodygraph resolve)
        shown["same_as"] = [m for m in members if m != uid]
    steps = _steps(events[start:])
    status, settled = final_status(events)
    return Chain(shown, steps, background, status, conflict, gaps=find_gaps(steps, gap_days),
                 conflicts=find_conflicts(steps), status_event=_brief(settled),
                 last_seen=last_seen(events))


def _scrub(events: list[dict[str, Any]], scrub: redact.Scrubber) -> None:
    """Replace the names ``scrub`` knows in the free text of ``events``: notes, date
    wordings, and the titles and publishers of their sources."""
    for event in events:
        event["notes"], event["date_text"] = scrub.text(event["notes"]), scrub.text(
            event["date_text"])
        for src in event["sources"]:
            src["title"], src["publisher"] = scrub.text(src["title"]), scrub.text(
                src["publisher"])


def _bulk_events(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Events by person from ALL_EVENTS rows (one row per event and place)."""
    by_person: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        events = by_person.setdefault(row["person"], {})
        place = None
        if row["place_uid"]:
            place = {"uid": row["place_uid"], "name": row["place_name"],
                     "kind": "location" if row["place_level"] is not None or not row["place_kind"]
                     else row["place_kind"]}
        if row["uid"] in events:
            _prefer_facility(events[row["uid"]], place)
            continue
        events[row["uid"]] = {
            "uid": row["uid"], "type": row["type"], "earliest": row["earliest"],
            "latest": row["latest"], "sequence": row["sequence"],
            "confidence": row["confidence"], "place": place, "organizations": [],
            "sources": [],
        }
    return {person: list(events.values()) for person, events in by_person.items()}


@dataclass
class Outline:
    """A chain without its provenance, as the queries over all chains need it."""

    person: str
    #: every event, ordered as in the chain (background first)
    events: list[dict[str, Any]]
    #: the steps from the first custody event on
    steps: list[Step]
    status: str


def outlines(store: Store, persons: list[str] | None = None,
             batch: int = 5000) -> Iterator[Outline]:
    """The chain outline of every person (or of ``persons``), built from one bulk read.

    The order of events and the steps are exactly those of ``custody_chain``.
    """
    if persons is None:
        chunks = [store.read(ALL_EVENTS)]
    else:
        chunks = (store.read(SOME_EVENTS, {"uids": persons[i:i + batch]})
                  for i in range(0, len(persons), batch))
    for rows in chunks:
        for person, events in sorted(_bulk_events(rows).items()):
            yield outline(person, events)


def merged_outline(store: Store, person: str, members: list[str]) -> Outline | None:
    """The outline of one chain from the events of every member of a SAME_AS cluster (as
    ``custody_chain`` reads them), under ``person``; None when they have no event."""
    return next(merged_outlines(store, {person: members}), None)


def merged_outlines(store: Store, clusters: dict[str, list[str]],
                    batch: int = 5000) -> Iterator[Outline]:
    """``merged_outline`` of each cluster (representative -> members), in the order of the
    representatives; clusters without events are left out."""
    rep_of = {m: rep for rep, members in clusters.items() for m in members}
    members = sorted(rep_of)
    events: dict[str, list[dict[str, Any]]] = {}
    for i in range(0, len(members), batch):
        rows = store.read(SOME_EVENTS, {"uids": members[i:i + batch]})
        for person, found in _bulk_events(rows).items():
            events.setdefault(rep_of[person], []).extend(found)
    for rep in sorted(events):
        yield outline(rep, events[rep])


def outline(person: str, events: list[dict[str, Any]]) -> Outline:
    """The outline of one person's chain from all their events, each with ``uid``, ``type``,
    ``earliest``, ``latest``, ``sequence``, ``confidence`` and ``place`` (None, or ``uid``,
    ``name`` and ``kind``, which is ``"location"`` for a location)."""
    ordered, _ = order_events(events)
    return Outline(person, ordered, _steps(custody_part(ordered)), final_status(ordered)[0])


# --- what ingest keeps of each chain ---------------------------------------------------------
# Statistics, flows and the outcome filter need little of a chain: its final status, the
# dates of its first custody event and its stops at facilities. Ingest computes these from
# the events of every person it writes (ingest.writer.derive_edges) and keeps them on the
# person (``stored_summary``), so that these questions read one row per person instead of
# every event: ``chain_status``; ``chain_start``, "earliest;latest" of the first custody
# event ("" without one, an empty part for a missing bound); ``chain_stops``, one
# "earliest;facility uid" per step at a facility, in order.
_SUMMARY_MATCH = "MATCH (p:Person) WHERE p.chain_status IS NOT NULL"
_SOME_MATCH = "UNWIND $uids AS u MATCH (p:Person {uid: u}) WHERE p.chain_status IS NOT NULL"
_SUMMARY_ROWS = """
RETURN p.uid AS person, p.chain_status AS status, p.chain_start AS start,
       p.chain_stops AS stops
"""
ALL_SUMMARIES = _SUMMARY_MATCH + _SUMMARY_ROWS
SOME_SUMMARIES = _SOME_MATCH + _SUMMARY_ROWS
# The same as four long lists in one row, joined by the dialect (queries.lists): the client
# decodes every value of a row on its own, which took seconds for 150,000 persons.
_JOINED_SUMMARIES = """
WITH p, coalesce(p.chain_stops, []) AS stops
WITH collect(p.uid) AS uids, collect(p.chain_status) AS statuses,
     collect(coalesce(p.chain_start, '')) AS starts, collect({stops}) AS stop_lists,
     sum(size(stops)) AS stops_total, sum(CASE WHEN size(stops) > 0 THEN 1 ELSE 0 END) AS filled
RETURN {uids} AS uids, {statuses} AS statuses, {starts} AS starts, {stop_lists} AS stops,
       size(uids) AS size, stops_total, filled
"""
JOINED_ALL_SUMMARIES = _SUMMARY_MATCH + _JOINED_SUMMARIES
JOINED_SOME_SUMMARIES = _SOME_MATCH.replace("{", "{{").replace("}", "}}") + _JOINED_SUMMARIES
#: the rules of ``final_status`` that stored summaries follow (``chain_rules``; none: 1).
#: 2: a death after a release is no death in custody, and a release stays final unless
#: custody resumes
CHAIN_RULES = 2
#: a person with events but no summary, or one made by other rules, was written by an
#: earlier version: the events are read (until an ingest writes the summaries again,
#: ingest.writer.refresh_summaries)
UNSUMMARISED = """
MATCH (p:Person)
WHERE (p.chain_status IS NULL OR coalesce(p.chain_rules, 1) <> $rules)
  AND (p)-[:SUBJECT_OF]->(:Event)
RETURN p.uid AS uid LIMIT 1
"""


@dataclass(frozen=True)
class Summary:
    """What the questions over all chains read of one chain."""

    person: str
    status: str
    #: earliest and latest date of the first custody event; None without custody events
    start: tuple[str | None, str | None] | None
    #: the steps at facilities, in order: (facility uid, the step's earliest date)
    stops: tuple[tuple[str, str | None], ...]


def summarize(person: str, ordered: list[dict[str, Any]],
              groups: list[list[dict[str, Any]]] | None = None) -> Summary:
    """The summary of a chain from its ordered events (``order_events``); ``groups``, the
    ``step_groups`` of its custody part, when the caller already has them."""
    part = custody_part(ordered)
    if groups is None:
        groups = step_groups(part)
    stops = []
    for group in groups:
        place = group[0]["place"]
        if place and place.get("kind") not in (None, "location"):
            stops.append((place["uid"],
                          min((e["earliest"] for e in group if e["earliest"]), default=None)))
    start = (part[0]["earliest"], part[0]["latest"]) if part else None
    return Summary(person, final_status(ordered)[0], start, tuple(stops))


def summary_of(outline_: Outline) -> Summary:
    """The summary of an outline (the same as ``summarize`` over its events)."""
    first = outline_.steps[0].events[0] if outline_.steps else None
    return Summary(outline_.person, outline_.status,
                   (first["earliest"], first["latest"]) if first else None,
                   tuple((s.place["uid"], s.earliest) for s in outline_.steps
                         if s.place and s.place.get("kind") not in (None, "location")))


def stored_summary(summary: Summary | None) -> tuple:
    """``chain_status``, ``chain_start`` and ``chain_stops`` as ingest stores them (see
    above); all None for a person without events.

    >>> stored_summary(Summary("p", "released", ("2018-01-01", None),
    ...                        (("facility:a", "2018-01-01"), ("facility:b", None))))
    ('released', '2018-01-01;', ['2018-01-01;facility:a', ';facility:b'])
    """
    if summary is None:
        return None, None, None
    start = f"{summary.start[0] or ''};{summary.start[1] or ''}" if summary.start else ""
    return summary.status, start, [f"{day or ''};{uid}" for uid, day in summary.stops]


def _summary(person: str, status: str, start: str, stops: list[str]) -> Summary:
    """The Summary behind what ``stored_summary`` gave."""
    lo, _, hi = start.partition(";")
    return Summary(person, status, (lo or None, hi or None) if start else None,
                   tuple((uid, day or None) for day, _, uid in
                         (stop.partition(";") for stop in stops)))


def _read_summaries(store: Store, persons: list[str] | None) -> list[Summary]:
    """The stored summaries of every person with one (or of ``persons``): read as joined
    lists, or row by row when one of them does not split whole."""
    from custodygraph.queries.lists import nested, strings

    d = store.dialect
    query = JOINED_ALL_SUMMARIES if persons is None else JOINED_SOME_SUMMARIES
    query = query.format(uids=d.joined("uids"), statuses=d.joined("statuses"),
                         starts=d.joined("starts"), stop_lists=d.joined("stop_lists"),
                         stops=d.joined("stops", inner=True))
    params = None if persons is None else {"uids": persons}
    for row in store.read(query, params):
        size = row["size"]
        uids, statuses, starts = (strings(row[key], size)
                                  for key in ("uids", "statuses", "starts"))
        stops = nested(row["stops"], size, int(row["stops_total"] or 0),
                       int(row["filled"] or 0))
        if uids is not None and statuses is not None and starts is not None \
                and stops is not None:
            return list(map(_summary, uids, statuses, starts, stops))
    rows = store.read(ALL_SUMMARIES if persons is None else SOME_SUMMARIES, params)
    return [_summary(r["person"], r["status"], r["start"] or "", r["stops"] or [])
            for r in rows]


def summaries(store: Store, persons: list[str] | None = None,
              batch: int = 5000) -> Iterator[Summary]:
    """The summary of every person with events (or of ``persons``), in uid order: read from
    what ingest stored, or built from the events when some person lacks it."""
    if store.read(UNSUMMARISED, {"rules": CHAIN_RULES}):
        yield from map(summary_of, outlines(store, persons, batch))
        return
    if persons is None:
        found = _read_summaries(store, None)
    else:
        found = [s for i in range(0, len(persons), batch)
                 for s in _read_summaries(store, persons[i:i + batch])]
    yield from sorted(found, key=lambda s: s.person)
