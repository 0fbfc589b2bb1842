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

Candidates are found through the derived ``HELD_AT`` edges, whose date bounds span every
event at the facility; their stays are then rebuilt from their chains, so the answer is
exactly what their custody chains say.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import HELD_TYPES
from custodygraph.queries.custody import Step, outlines
from custodygraph.queries.filters import case_list
from custodygraph.queries.persons import find_person

# No condition on q here: FalkorDB would then scan every Person instead of starting from
# the facility (the person asked about is left out in Python).
CANDIDATES = """
MATCH (f:Facility {uid: $facility})<-[h:HELD_AT]-(q:Person)
WHERE (h.earliest IS NOT NULL OR h.latest IS NOT NULL)
  AND ($end IS NULL OR h.earliest IS NULL OR h.earliest <= $end)
  AND ($start IS NULL OR h.latest IS NULL OR h.latest >= $start)
RETURN q.uid AS uid
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
    out = []
    for step in steps:
        place = step.place
        if not place or place.get("kind") in (None, "location"):
            continue
        held = [e for e in step.events if e["type"] in HELD_TYPES]
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


def compare(mine: Stay, theirs: Stay) -> Overlap | None:
    """How two stays at the same facility overlap, if they do."""
    if mine.certain and theirs.certain:
        both = _meet(*mine.certain, *theirs.certain)
        if both:
            return Overlap(mine.facility, "certain", both[0], both[1], _days(*both),
                           asdict(theirs))
    both = _meet(mine.earliest, mine.latest, theirs.earliest, theirs.latest)
    if both is None:
        return None
    return Overlap(mine.facility, "possible", both[0], both[1], _days(*both), asdict(theirs))


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
    candidates: set[str] = set()
    for stay in dated:
        rows = store.read(CANDIDATES, {"facility": stay.facility["uid"],
                                       "start": stay.earliest, "end": stay.latest})
        candidates.update(r["uid"] for r in rows if r["uid"] != uid)
    overlaps: dict[str, list[Overlap]] = {}
    for other in outlines(store, sorted(candidates)):
        theirs = [s for s in stays(other.steps) if _dated(s)]
        for a in dated:
            for b in theirs:
                if a.facility["uid"] == b.facility["uid"]:
                    hit = compare(a, b)
                    if hit:
                        overlaps.setdefault(other.person, []).append(hit)
    names = case_list(store, set(overlaps) | {uid}, include_confidential)
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
