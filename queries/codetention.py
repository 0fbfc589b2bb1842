"""Who was held in the same facility at the same time as this person? Potential witnesses.

A **stay** is a step of a custody chain at a facility with at least one event that places
the person there (arrest, detention, transfer, sighting, surrender). Its date bounds are
those of those events:

- the person was **possibly** there at any time from the earliest to the latest bound, as
  the chain's step gives them (an open end, or an undated event, leaves the stay open);
- the person was **certainly** there from the latest bound of its first event to the earliest
  bound of its last event, when those are in that order: a single event dated to one day,
  or two events at the facility (say a detention and a later sighting) with nothing recorded
  elsewhere in between. A stay given only as a range has no certain part.

Two persons were **certainly** held together when certain parts of their stays at one
facility overlap, and **possibly** when only their possible spans do. A stay with no date at
all is not compared with anything; the answer lists the person's own undated stays.
Overlaps are counted in days, both ends included; an overlap that runs open has no count.

Candidates are found through the derived ``HELD_AT`` edges. Ingest stores on each one the
person's stays at the facility (``stays``, see ``encode_stays``), computed from the whole
chain by the same code as here, and the earliest date those stays reach (``stays_from``), so
one statement per dated stay of the person reads every candidate with their stays and
nothing else (the statements run at once where the store can). For an edge written
before ingest stored stays, the candidate's stays are rebuilt from their chain. Either way
the answer is exactly what the custody chains say.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any, Iterable

from custodygraph.graph.store import Store, read_together
from custodygraph.ingest.vocabulary import HELD_TYPES
from custodygraph.queries.custody import (Step, custody_part, order_events, outlines,
                                          step_groups)
from custodygraph.queries.filters import CASE_MARK, case_entry, case_list, marked_entry
from custodygraph.queries.lists import nested, strings
from custodygraph.queries.persons import find_person

# The persons whose HELD_AT edge to the facility of one of the person's dated stays may
# overlap it: the edge's dates reach the dates the stay reaches ($lo and $hi, null when
# open). Every stay stored on an edge lies within its stays_from ("" when open) and its
# latest; on an edge written before stays were stored, its earliest stands for stays_from
# (as before), and its stays are rebuilt from the chain. An undated edge is kept: Python
# drops what has no date. No condition on p here: FalkorDB would then scan every Person
# instead of starting from the facility (the person asked about is left out in Python).
# No index on these dates either: FalkorDB 4.16 answers a range on an indexed string
# property wrongly (``h.d <= '2016-06-30'`` also returns '2023-08-01').
_CANDIDATE_MATCH = """
MATCH (f:Facility {uid: $facility})<-[h:HELD_AT]-(p:Person)
WHERE ($hi IS NULL OR coalesce(h.stays_from, h.earliest, '') <= $hi)
  AND ($lo IS NULL OR h.latest IS NULL OR h.latest >= $lo)
"""
CANDIDATES = _CANDIDATE_MATCH + """
RETURN p.uid AS uid, p.name AS name, p.protected AS protected, p.group_size AS group_size,
       h.events AS events, h.stays AS stays
"""
# The same candidates in a few long values: a prison's candidates run to thousands, and
# the client decodes every value of a reply on its own. Each column is the dialect's
# ``joined`` (one string on FalkorDB, with the lists of each edge joined within it), read
# back by queries.lists and checked against the counts returned with it. A case entry
# comes as its name and its mark (queries.filters.CASE_MARK); an edge without stored stays
# has an empty list of them.
JOINED_CANDIDATES = _CANDIDATE_MATCH.replace("{", "{{").replace("}", "}}") + """
WITH p, coalesce(h.events, []) AS events, coalesce(h.stays, []) AS stays
WITH collect(p.uid) AS uids, collect(coalesce(p.name, '')) AS names,
     collect(""" + CASE_MARK + """) AS marks,
     collect({events}) AS event_lists, collect({stays}) AS stay_lists,
     sum(size(events)) AS events_total,
     sum(CASE WHEN size(events) > 0 THEN 1 ELSE 0 END) AS events_filled,
     sum(size(stays)) AS stays_total,
     sum(CASE WHEN size(stays) > 0 THEN 1 ELSE 0 END) AS stays_filled
RETURN {uids} AS uids, {names} AS names, {marks} AS marks, {event_lists} AS events,
       {stay_lists} AS stays, size(uids) AS size, events_total, events_filled,
       stays_total, stays_filled
"""


@dataclass
class Stay:
    facility: dict[str, Any]
    #: possible span: earliest and latest bound (None: open or unknown)
    earliest: str | None
    latest: str | None
    #: certain part [start, end], or None
    certain: list[str] | None
    events: list[str]


@dataclass
class Overlap:
    facility: dict[str, Any]
    #: "certain" or "possible"
    certainty: str
    start: str | None
    end: str | None
    #: days in the overlap, both ends included; None when it runs open
    days: int | None
    #: the other person's stay
    stay: dict[str, Any]


@dataclass
class CoDetainee:
    person: dict[str, Any]
    #: "certain" when any overlap is certain, else "possible"
    certainty: str
    #: total days of the overlaps of that certainty (open ones count as none)
    days: int
    overlaps: list[Overlap] = field(default_factory=list)


@dataclass
class Codetention:
    person: dict[str, Any]
    stays: list[Stay]
    certain: list[CoDetainee]
    possible: list[CoDetainee]
    #: the person's stays with no date, which nothing can be compared with
    undated: list[Stay] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def stays(steps: list[Step]) -> list[Stay]:
    """The stays at facilities among a chain's steps (see the module's notes)."""
    return _stays((step.place, step.events) for step in steps)


def _stays(steps: Iterable[tuple[dict[str, Any] | None, list[dict[str, Any]]]]) -> list[Stay]:
    """``stays`` of steps given as (place, events)."""
    out = []
    for place, events in steps:
        if not place or place.get("kind") in (None, "location"):
            continue
        held = [e for e in events if e["type"] in HELD_TYPES]
        if not held:
            continue
        highs = [e["latest"] for e in held]
        earliest = min((e["earliest"] for e in held if e["earliest"]), default=None)
        latest = None if None in highs else max(highs)  # as in the chain: one open end
        first, last = held[0], held[-1]
        certain = None
        if first["latest"] and last["earliest"] and first["latest"] <= last["earliest"]:
            certain = [first["latest"], last["earliest"]]
        out.append(Stay({"uid": place["uid"], "name": place["name"], "kind": place.get("kind")},
                        earliest, latest, certain, [e["uid"] for e in held]))
    return out


def _dated(stay: Stay) -> bool:
    return bool(stay.earliest or stay.latest)


def _meet(a_lo, a_hi, b_lo, b_hi) -> tuple[str | None, str | None] | None:
    """Intersection of two spans whose None ends are open; None when they do not meet."""
    lo = max((x for x in (a_lo, b_lo) if x), default=None)
    hi = min((x for x in (a_hi, b_hi) if x), default=None)
    if lo and hi and hi < lo:
        return None
    return lo, hi


def _days(lo: str | None, hi: str | None) -> int | None:
    if not lo or not hi:
        return None
    return (date.fromisoformat(hi) - date.fromisoformat(lo)).days + 1


def _as_dict(stay: Stay) -> dict[str, Any]:
    """``asdict(stay)``, without its generic recursion (co-detention builds thousands)."""
    return {"facility": dict(stay.facility), "earliest": stay.earliest, "latest": stay.latest,
            "certain": list(stay.certain) if stay.certain is not None else None,
            "events": list(stay.events)}


def compare(mine: Stay, theirs: Stay) -> Overlap | None:
    """How two stays at the same facility overlap, if they do."""
    if mine.certain and theirs.certain:
        both = _meet(*mine.certain, *theirs.certain)
        if both:
            return Overlap(mine.facility, "certain", both[0], both[1], _days(*both),
                           _as_dict(theirs))
    both = _meet(mine.earliest, mine.latest, theirs.earliest, theirs.latest)
    if both is None:
        return None
    return Overlap(mine.facility, "possible", both[0], both[1], _days(*both), _as_dict(theirs))


def _reach_from(stay: Stay) -> str | None:
    """The earliest date the stay's possible span or certain part reaches (None: open).

    Its latest is ``stay.latest``: a certain part ends at the earliest bound of an event
    whose latest bound the stay's ``latest`` covers.
    """
    if stay.earliest is None:
        return None  # no certain part either: its last event has no earliest bound
    return min(stay.earliest, stay.certain[0]) if stay.certain else stay.earliest


# --- the stays stored on HELD_AT edges ----------------------------------------------------
# HELD_AT.stays holds one text per stay at the facility, in the order of the chain:
# "earliest;latest;certain from;certain to;positions", an empty field for none, where
# positions are those of the stay's events in the edge's ``events`` list, in the order of
# the chain (positions, not event ids: redaction replaces the ids in ``events`` only).
# HELD_AT.stays_from is the earliest date any of the dated ones reaches (``_reach_from``),
# "" when one is open there or none is dated ("" sorts before every date).
def person_stays(person: str, events: list[dict[str, Any]]) -> list[Stay]:
    """The stays of a person's chain from all their events (as ``custody.outline`` takes
    them): what ingest stores on the person's HELD_AT edges. The steps are those of
    ``outline``, without building what the stays do not use."""
    ordered, _ = order_events(events)
    return _stays((group[0]["place"], group) for group in step_groups(custody_part(ordered)))


def encode_stays(here: list[Stay], events: list[str]) -> tuple[list[str], str] | None:
    """``HELD_AT.stays`` and ``HELD_AT.stays_from`` of an edge from the person's stays at its
    facility and the edge's ``events``. None (store nothing) unless those stays hold exactly
    these events.

    >>> stay = Stay({"uid": "f"}, "2018-01-01", "2018-01-31", ["2018-01-01", "2018-01-20"],
    ...             ["event:b", "event:a"])
    >>> encode_stays([stay], ["event:a", "event:b"])
    (['2018-01-01;2018-01-31;2018-01-01;2018-01-20;1,0'], '2018-01-01')
    """
    index = {uid: i for i, uid in enumerate(events)}
    encoded, seen, reach = [], set(), []
    for stay in here:
        fields = [stay.earliest or "", stay.latest or "", *(stay.certain or ("", ""))]
        if any(uid not in index for uid in stay.events) or any(";" in f for f in fields):
            return None
        encoded.append(";".join(fields + [",".join(str(index[uid]) for uid in stay.events)]))
        seen.update(stay.events)
        if _dated(stay):  # an undated stay is compared with nothing
            reach.append(_reach_from(stay) or "")
    if not encoded or seen != set(events):
        return None
    return encoded, min(reach, default="")


def decode_stays(facility: dict[str, Any], events: list[str], encoded: list[str]) -> list[Stay]:
    """The stays ``encode_stays`` stored, at ``facility`` (uid, name, kind).

    >>> decode_stays({"uid": "f"}, ["event:a", "event:b"], ["2018-01-01;;;;1,0"])[0].events
    ['event:b', 'event:a']
    """
    out = []
    for text in encoded:
        lo, hi, start, end, positions = text.split(";")
        out.append(Stay(facility, lo or None, hi or None, [start, end] if start else None,
                        [events[int(i)] for i in positions.split(",")]))
    return out


def codetained(store: Store, person: str, *, include_confidential: bool = False) -> Codetention:
    """Persons held at the same facilities as ``person`` (uid, name or alias) at overlapping
    times, split into certain and possible co-detainees.

    Each list is ranked by the days of overlap (most first), then by uid; every co-detainee
    comes with each overlap: facility, dates, days and their own stay. Protected persons
    are redacted unless ``include_confidential``.
    """
    found = find_person(store, person)
    uid = found["uid"]
    own = next(outlines(store, [uid]), None)
    mine = stays(own.steps) if own else []
    dated = [s for s in mine if _dated(s)]
    # per person: their overlaps with my stays, in the order of my stays and then of theirs
    overlaps: dict[str, list[Overlap]] = {}
    names: dict[str, dict[str, Any]] = {}
    rebuild: set[str] = set()  # candidates whose stays are not on their edges
    asked = [{"facility": a.facility["uid"], "lo": _reach_from(a), "hi": a.latest}
             for a in dated]
    statement = _joined_candidates(store.dialect)
    answers = read_together(store, [(statement, params) for params in asked])
    for a, params, (row,) in zip(dated, asked, answers):
        for other, case, events, encoded in _candidates(store, params, row,
                                                        include_confidential):
            if other == uid:
                continue
            names[other] = case
            try:
                if not encoded:
                    raise ValueError("no stays stored")
                theirs = decode_stays(a.facility, events, encoded)
            except (ValueError, IndexError, TypeError):  # none, or not as encode_stays wrote
                rebuild.add(other)
                continue
            for b in theirs:
                if _dated(b):
                    hit = compare(a, b)
                    if hit:
                        overlaps.setdefault(other, []).append(hit)
    for other in rebuild:
        overlaps.pop(other, None)
    for other in outlines(store, sorted(rebuild)):
        theirs = [s for s in stays(other.steps) if _dated(s)]
        for a in dated:
            for b in theirs:
                if a.facility["uid"] == b.facility["uid"]:
                    hit = compare(a, b)
                    if hit:
                        overlaps.setdefault(other.person, []).append(hit)
    names |= case_list(store, {uid}, include_confidential)
    certain, possible = [], []
    for other, found_overlaps in overlaps.items():
        level = "certain" if any(o.certainty == "certain" for o in found_overlaps) else "possible"
        days = sum(o.days or 0 for o in found_overlaps if o.certainty == level)
        entry = CoDetainee(names[other], level, days, found_overlaps)
        (certain if level == "certain" else possible).append(entry)
    for group in (certain, possible):
        group.sort(key=lambda c: (-c.days, c.person["uid"]))
    return Codetention(names[uid], dated, certain, possible,
                       [s for s in mine if not _dated(s)])


def _joined_candidates(d: Any) -> str:
    """JOINED_CANDIDATES with its lists joined by the dialect ``d``."""
    return JOINED_CANDIDATES.format(
        events=d.joined("events", inner=True), stays=d.joined("stays", inner=True),
        uids=d.joined("uids"), names=d.joined("names"), marks=d.joined("marks"),
        event_lists=d.joined("event_lists"), stay_lists=d.joined("stay_lists"))


def _candidates(store: Store, params: dict[str, Any], row: dict[str, Any],
                include_confidential: bool
                ) -> Iterable[tuple[str, dict[str, Any], list[str], list[str] | None]]:
    """(uid, case entry, HELD_AT events, HELD_AT stays) of each candidate: from ``row``,
    the answer of JOINED_CANDIDATES to ``params``, or from CANDIDATES when its lists do not
    split whole."""
    size = row["size"]
    uids, names, marks = (strings(row[key], size) for key in ("uids", "names", "marks"))
    events = nested(row["events"], size, int(row["events_total"] or 0),
                    int(row["events_filled"] or 0))
    stays = nested(row["stays"], size, int(row["stays_total"] or 0),
                   int(row["stays_filled"] or 0))
    if uids is None or names is None or marks is None or events is None or stays is None:
        return [(r["uid"], case_entry(r, include_confidential), r["events"], r["stays"])
                for r in store.read(CANDIDATES, params)]
    return [(uid, marked_entry(uid, name, mark, include_confidential), these, stored)
            for uid, name, mark, these, stored in zip(uids, names, marks, events, stays)]
