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

Asked for the first co-detainees only (``limit``), they are ranked from the facilities'
stay tables: ingest keeps every dated stay at a facility, as whole days, in StayTable nodes
(see below), and every stay in the parts of them that the person's stays can meet is
compared at once. Where the tables are not current, the store does the comparing: ingest also stores the stays as
whole days under an indexed key (``stay_key``), so the stays that can overlap are read from
a few ranges of the index, and the store counts and ranks the co-detainees and returns the
first. Either way, their overlaps are worked out here from their stays, as above, and must
agree with the ranking; where neither can rank, every candidate is compared here instead.
"""

from __future__ import annotations

import hashlib
import zlib
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Iterable

from custodygraph.graph.store import Store, read_together
from custodygraph.ingest.vocabulary import HELD_TYPES
from custodygraph.queries.custody import Step, merged_outline, merged_outlines, outlines
from custodygraph.queries.filters import (CASE_MARK, SCAN_ABOVE, case_entry, case_list,
                                          case_list_statement, cases_of, marked_entry)
from custodygraph.queries.lists import SEPARATOR, nested, strings
from custodygraph.queries.persons import find_person
from custodygraph.queries.plain import as_plain
from custodygraph.queries.resolve import cluster_members, clusters

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


#: co-detainees of each kind the command lists, and the person view draws, unless asked for
#: every one
FIRST = 50


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
    #: how many certain and possible co-detainees there are (the lists may hold the first)
    certain_total: int = 0
    possible_total: int = 0

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


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
def stays_of_groups(groups: list[list[dict[str, Any]]]) -> list[Stay]:
    """The stays of a chain from the step groups of its custody part (``step_groups``): what
    ingest stores on the person's HELD_AT edges."""
    return _stays((group[0]["place"], group) for group in groups)


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


# --- the stays as whole days, found by an indexed key ----------------------------------------
# HELD_AT.stay_days holds four numbers per dated stay, in the order of ``stays``: its earliest
# and latest bound and the start and end of its certain part, as days since DAY_ZERO, -1 for
# none. HELD_AT.stay_key places the edge in an index ordered by facility, then by how long its
# stays last, then by when they start, so the stays that may overlap a period are read as a
# few ranges of the index instead of every stay at the facility:
#
#     key = (((facility code) * SLICES + slice) * 32 + class) * 2**17 + day
#
# where the facility code is 22 bits of the CRC-32 of its uid (two facilities may share one;
# the query still matches the facility itself), the slice is the CRC-32 of the person's uid
# modulo SLICES (all the edges of one person are in one slice, so the store can rank the
# slices apart, in parallel, and each reads only its own stays), and for an edge whose stays
# reach from day ``lo`` to day ``hi``:
#
# - class ``(hi - lo).bit_length()`` (0 to 17) and day ``lo``: a stay in class c starts at
#   most 2**c - 1 days before it ends, so one that overlaps [a, b] starts in [a - 2**c + 1, b];
# - OPEN_END and day ``lo`` when the stays run open at the end (they overlap [a, b] when they
#   start by b), OPEN_START and day ``hi`` when open at the start (they overlap when they end
#   on or after a), OPEN_BOTH and day 0 when both;
# - UNKEYED, slice 0 and day 0 for an edge whose stays could not be stored or fall outside
#   the days the key holds (before 1900 or after 2258): the ranked query does not answer
#   when one of these is at a facility it looks at, and the exact one does.
# An edge with no dated stay has no key: it is compared with nothing.
DAY_ZERO = date(1900, 1, 1).toordinal()
DAY_BITS = 17
DAYS = 2 ** DAY_BITS
FACILITY_BITS = 22
LONGEST = DAY_BITS  # the highest length class
UNKEYED, OPEN_BOTH, OPEN_START, OPEN_END = 28, 29, 30, 31
#: the slices of persons the key tells apart, and the statements the ranking is split into
#: (each ranks the slices ``part``, ``part + PARTS``, ...; the server runs them at once, on
#: as many threads as it has: four statements of one slice each answered a little sooner
#: than two of two slices on two cores)
SLICES = 4
PARTS = 4


def _day(text: str | None) -> int:
    """Days since DAY_ZERO, -1 for none; ValueError outside the days a key holds."""
    if not text:
        return -1
    day = date.fromisoformat(text).toordinal() - DAY_ZERO
    if not 0 <= day < DAYS:
        raise ValueError(f"{text} is outside the days a stay key holds")
    return day


def _facility_base(facility: str) -> int:
    return (zlib.crc32(facility.encode("utf-8")) & (2 ** FACILITY_BITS - 1)) * SLICES


def slice_of(person: str) -> int:
    """The slice of the key that holds the stays of ``person`` (a uid)."""
    return zlib.crc32(person.encode("utf-8")) % SLICES


def _key(facility: str, klass: int, day: int, part: int = 0) -> int:
    return ((_facility_base(facility) + part) * 32 + klass) * DAYS + day


def stay_days(here: list[Stay]) -> list[int]:
    """``HELD_AT.stay_days`` of the person's stays at a facility (the dated ones).

    >>> stay_days([Stay({"uid": "f"}, "1900-01-02", None, None, ["event:a"])])
    [1, -1, -1, -1]
    """
    out = []
    for stay in here:
        if _dated(stay):
            certain = stay.certain or (None, None)
            out += [_day(stay.earliest), _day(stay.latest), _day(certain[0]), _day(certain[1])]
    return out


def stay_key(facility: str, here: list[Stay] | None, person: str) -> int | None:
    """``HELD_AT.stay_key`` of the edge of ``person`` to ``facility`` with these stays (None:
    they could not be stored), see above. None when no stay is dated.

    >>> stay_key("f", [Stay({"uid": "f"}, "1900-01-02", "1900-01-05", None, ["e"])], "p") % DAYS
    1
    >>> stay_key("f", None, "p") == _key("f", UNKEYED, 0)
    True
    """
    if here is None:
        return _key(facility, UNKEYED, 0)
    dated = [s for s in here if _dated(s)]
    if not dated:
        return None
    try:
        stay_days(dated)
        starts = [_day(_reach_from(s)) for s in dated]
        ends = [_day(s.latest) for s in dated]
    except ValueError:
        return _key(facility, UNKEYED, 0)
    lo = -1 if -1 in starts else min(starts)
    hi = -1 if -1 in ends else max(ends)
    if lo >= 0 and hi >= 0 and hi < lo:
        return _key(facility, UNKEYED, 0)
    part = slice_of(person)
    if lo < 0 and hi < 0:
        return _key(facility, OPEN_BOTH, 0, part)
    if lo < 0:
        return _key(facility, OPEN_START, hi, part)
    if hi < 0:
        return _key(facility, OPEN_END, lo, part)
    return _key(facility, (hi - lo).bit_length(), lo, part)


def keyed_stays(facility: str, here: list[Stay] | None, person: str
                ) -> tuple[int | None, list[int]]:
    """``HELD_AT.stay_key`` and ``HELD_AT.stay_days`` of the edge of ``person`` to
    ``facility`` with these stays (None: they could not be stored); no days where the key
    cannot place them."""
    key = stay_key(facility, here, person)
    if here is None or key is None or key == _key(facility, UNKEYED, 0):
        return key, []
    return key, stay_days(here)


def key_ranges(facility: str, lo: int, hi: int, parts: Iterable[int] = range(SLICES)
               ) -> list[list[int]]:
    """The ranges of ``stay_key`` where the stays at ``facility`` of the persons in the
    slices ``parts`` that may meet the days from ``lo`` to ``hi`` (-1: open) are, UNKEYED
    aside."""
    last = DAYS - 1
    start = max(lo, 0)
    end = hi if hi >= 0 else last
    out = []
    for part in parts:
        out += [[_key(facility, klass, max(0, start - (2 ** klass - 1)) if lo >= 0 else 0,
                      part), _key(facility, klass, end, part)] for klass in range(LONGEST + 1)]
        out.append([_key(facility, OPEN_END, 0, part), _key(facility, OPEN_END, end, part)])
        out.append([_key(facility, OPEN_START, start, part),
                    _key(facility, OPEN_START, last, part)])
        out.append([_key(facility, OPEN_BOTH, 0, part), _key(facility, OPEN_BOTH, 0, part)])
    return out


# The ranked answer, worked out by the store: for each of the person's dated stays, the
# stays at its facility that the key ranges hold, compared as ``compare`` does (whole days,
# -1 for an open end), then per person: certain when any overlap is certain, and the days of
# the overlaps of that kind; ranked by days, then uid, with the number of persons of each kind.
RANKED = """
UNWIND $mine AS m
UNWIND m.ranges AS w
MATCH (p:Person)-[h:HELD_AT]->(f:Facility)
WHERE h.stay_key >= w[0] AND h.stay_key <= w[1] AND f.uid = m.facility
UNWIND range(0, size(h.stay_days) - 1, 4) AS i
WITH m, p, h.stay_days[i] AS lo, h.stay_days[i + 1] AS hi,
     h.stay_days[i + 2] AS clo, h.stay_days[i + 3] AS chi
WITH p, m.clo >= 0 AND clo >= 0 AS both,
     CASE WHEN m.clo >= clo THEN m.clo ELSE clo END AS cl,
     CASE WHEN m.chi <= chi THEN m.chi ELSE chi END AS ch,
     CASE WHEN m.lo >= lo THEN m.lo ELSE lo END AS pl,
     CASE WHEN hi < 0 THEN m.hi WHEN m.hi < 0 OR hi <= m.hi THEN hi ELSE m.hi END AS ph
WITH p, both AND cl <= ch AS certain, cl, ch, pl, ph
WHERE certain OR pl < 0 OR ph < 0 OR pl <= ph
WITH p, CASE WHEN certain THEN 1 ELSE 0 END AS c,
     CASE WHEN certain THEN ch - cl + 1 WHEN pl >= 0 AND ph >= 0 THEN ph - pl + 1
          ELSE 0 END AS days
WITH p, max(c) AS level, sum(c * days) AS certain_days, sum((1 - c) * days) AS possible_days
WITH p.uid AS uid, level,
     CASE WHEN level = 1 THEN certain_days ELSE possible_days END AS days
WHERE NOT uid IN $excluded
WITH level, uid, days ORDER BY level DESC, days DESC, uid
WITH level, collect([uid, days]) AS ranked
RETURN level, size(ranked) AS total, ranked[0..$limit] AS top
"""
# Edges at the facilities asked about ([uid, UNKEYED key] each) that the key cannot place.
# The facility is matched by uid, so FalkorDB starts from it (with only the key it would
# start from every Person).
UNKEYED_AT = """
UNWIND $facilities AS x
MATCH (:Person)-[h:HELD_AT]->(f:Facility)
WHERE h.stay_key = x[1] AND f.uid = x[0]
RETURN count(h) AS edges
"""
# Runs of an earlier version, whose HELD_AT edges may have no key: the store must be
# answered by the exact query.
RUNS_WITHOUT_KEYS = """
MATCH (r:IngestRun) WHERE r.stay_key_slices IS NULL OR r.stay_key_slices <> $slices
RETURN count(r) AS runs
"""
# The stays of the persons the ranked query put on top, at the person's facilities. HELD_AT
# leads only to a Facility; with the label, FalkorDB would start from each facility and walk
# all its stays for every person.
THEIR_STAYS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[h:HELD_AT]->(f)
WHERE f.uid IN $facilities
RETURN p.uid AS uid, f.uid AS facility, h.events AS events, h.stays AS stays
"""


# --- every stay at a facility at once: the stay tables ------------------------------------
# The store takes about 10 µs a stay to rank (RANKED), and a person held long in a large
# prison has stays of ten thousand persons or more to compare. So ingest also keeps the
# stays of each facility in StayTable nodes (graph.schema): the person and the ``stay_days``
# of each keyed HELD_AT edge there, packed as text (``stay_table``). The edges are cut into
# parts as the key orders them: by the length class of their stays and by the block of
# 2**CHUNK_BITS days their key's day falls in, so a period's stays are in the few parts its
# key ranges reach. The facility's own table (uid ``stays:`` and its uid) lists the parts
# there are (``chunks``, ``klass:block``) and the build they come from (``build``, a digest
# of their content); each part is a table of its own (uid ``stays:klass:block:`` and the
# facility's uid) of the same build. The ranking reads the parts the person's stays can
# meet and compares every stay in them at once (``table_ranking``), with the arithmetic of
# RANKED. Tables are read only when they are current: no statement has written a HELD_AT
# edge to the facility since they were built (the facility carries no ``stays_changed``
# mark, see ingest.writer.DROP_HELD), every part read is of the build its list names, and
# the key could place every stay there.
TABLE_PREFIX = "stays:"
CHUNK_BITS = 9
TABLES = """
UNWIND $tables AS x
MATCH (f:Facility {uid: x[0]})
OPTIONAL MATCH (s:StayTable {uid: x[1]})
RETURN x[0] AS facility, f.stays_changed AS changed, s.build AS build, s.chunks AS chunks,
       s.unkeyed AS unkeyed
"""
# The parts asked for (x: [facility, part uids, build]), read together as one row per
# facility: the parts of the build asked for that were found, and their persons, counts and
# days, each the dialect's joined list (one text on FalkorDB) in the same order of parts
CHUNKS = """
UNWIND $facilities AS x
MATCH (f:Facility {{uid: x[0]}})
UNWIND x[1] AS part
OPTIONAL MATCH (s:StayTable {{uid: part}})
WITH x, f, collect(s) AS found
WITH x, f, [s IN found WHERE s.build = x[2]] AS parts
RETURN x[0] AS facility, f.stays_changed AS changed, size(x[1]) AS asked,
       size(parts) AS found, reduce(n = 0, s IN parts | n + s.edges) AS edges,
       {persons} AS persons, {counts} AS counts, {days} AS days
"""
#: the separator of the persons' uids in a table, that of the dialect's joined lists (a
#: uid that holds one leaves the table unread: its pieces do not come out as many as its
#: edges)
TABLE_SEPARATOR = SEPARATOR
#: statements the parts are read in, at once (the server answers each on a thread)
CHUNK_PARTS = 2


def table_uid(facility: str, chunk: str | None = None) -> str:
    """The uid of the StayTable of ``facility`` (a uid), or of its part ``chunk``."""
    return TABLE_PREFIX + (f"{chunk}:" if chunk else "") + facility


def chunk_of(key: int) -> str:
    """The part of its facility's tables where the edge with ``key`` is (``klass:block``).

    >>> chunk_of(_key("f", 9, 1000)), chunk_of(_key("f", OPEN_END, 511, 3))
    ('9:1', '31:0')
    """
    klass, day = divmod(key % (32 * DAYS), DAYS)
    return f"{klass}:{day >> CHUNK_BITS}"


def _block_ranges(facility: str, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """(length class, first block, last block) of each key range of the days from ``lo``
    to ``hi`` (-1: open) at ``facility``: where its stays that may meet them are."""
    out = []
    for first, last in key_ranges(facility, lo, hi, [0]):
        klass, day = divmod(first % (32 * DAYS), DAYS)
        out.append((klass, day >> CHUNK_BITS, (last % DAYS) >> CHUNK_BITS))
    return out


def chunks_meeting(facility: str, lo: int, hi: int) -> set[str]:
    """The parts of the facility's tables whose stays may meet the days from ``lo`` to
    ``hi`` (-1: open): those the key ranges of those days reach (``key_ranges``)."""
    return {f"{klass}:{block}" for klass, first, last in _block_ranges(facility, lo, hi)
            for block in range(first, last + 1)}


def _by_class(chunks: Iterable[str]) -> dict[int, list[tuple[int, str]]]:
    """The parts ``chunks`` (``klass:block``) by length class, each class's in the order of
    their blocks."""
    out: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for chunk in chunks:
        klass, block = chunk.split(":")
        out[int(klass)].append((int(block), chunk))
    for blocks in out.values():
        blocks.sort()
    return out


def chunks_among(parts: dict[int, list[tuple[int, str]]], facility: str, lo: int, hi: int
                 ) -> set[str]:
    """Those of the parts there are (``_by_class``) that ``chunks_meeting`` names: found
    by the blocks of each range, not by listing every block a long stay reaches."""
    out = set()
    for klass, first, last in _block_ranges(facility, lo, hi):
        blocks = parts.get(klass, ())
        at = bisect_left(blocks, (first, ""))
        while at < len(blocks) and blocks[at][0] <= last:
            out.add(blocks[at][1])
            at += 1
    return out


def _packed(numbers: Iterable[int]) -> str:
    """Whole numbers from -2**31 to 2**31 - 1 as 32-bit little-endian hexadecimal."""
    import numpy as np

    return np.fromiter(numbers, dtype="<i4").tobytes().hex()


def _unpacked(text: str):
    """The numbers ``_packed`` wrote, as a numpy array (read in place, not copied)."""
    import numpy as np

    return np.frombuffer(bytes.fromhex(text), dtype="<i4")


def stay_table(persons: list[str], days: list[list[int]]) -> dict[str, Any]:
    """The properties of a StayTable holding the HELD_AT edges of ``persons`` with their
    ``stay_days``.

    >>> t = stay_table(["person:a", "person:b"], [[0, 9, -1, -1], []])
    >>> t["persons"], t["edges"], t["counts"], t["days"]
    ('person:a\\nperson:b', 2, '0100000000000000', '0000000009000000ffffffffffffffff')
    """
    return {"persons": TABLE_SEPARATOR.join(persons), "edges": len(persons),
            "counts": _packed(len(d) // 4 for d in days),
            "days": _packed(day for d in days for day in d)}


def stay_tables(facility: str, edges: list[tuple[str, int, list[int]]], unkeyed: int
                ) -> list[dict[str, Any]]:
    """The StayTables of a facility with these keyed HELD_AT ``edges`` (person, stay_key,
    stay_days) and ``unkeyed`` edges: its own table, listing the parts, then each part,
    all with the digest of their content as ``build``. The same edges in any order give
    the same tables."""
    parts: dict[str, list[tuple[str, list[int]]]] = defaultdict(list)
    for person, key, days in sorted(edges):
        parts[chunk_of(key)].append((person, days))
    tables = [{"uid": table_uid(facility, chunk),
               **stay_table([p for p, _ in rows], [d for _, d in rows])}
              for chunk, rows in sorted(parts.items())]
    digest = hashlib.sha256(repr((facility, unkeyed, tables)).encode("utf-8")).hexdigest()[:24]
    own = {"uid": table_uid(facility), "chunks": sorted(parts), "unkeyed": unkeyed}
    return [{**table, "build": digest} for table in [own] + tables]


class _Table:
    """A StayTable as read: the edge of each stay, the stays' days as rows of four (-1 for
    none), and the persons of the edges (``keys``)."""

    def __init__(self, persons: str, edges: int, owner, days) -> None:
        import numpy as np

        self.owner, self.days, self.size = owner, days, edges
        # the uids stay in the text, as UTF-8 (where a newline is one byte, never part of
        # another character), and are cut out only for the persons an overlap names
        text = persons.encode("utf-8")
        raw = np.frombuffer(text, dtype=np.uint8)
        cuts = np.flatnonzero(raw == ord(TABLE_SEPARATOR))
        self._starts = np.concatenate(([0], cuts + 1))
        self._ends = np.concatenate((cuts, [len(text)]))
        # zeros after the text, as many as the longest uid has bytes: a window of that
        # width fits from the start of every uid
        longest = int((self._ends - self._starts).max(initial=0))
        self._bytes = np.zeros(len(text) + max(longest, 1), dtype=np.uint8)
        self._bytes[:len(text)] = raw
        # a uid holding a separator makes more pieces than edges; one holding a zero byte
        # could not be told from a shorter one among fixed-width keys
        self.whole = (len(self._starts) == edges or not edges and not text) \
            and b"\0" not in text

    def keys(self, edges):
        """The uids of the persons of ``edges`` (a numpy array of edge numbers) as a numpy
        array of UTF-8 bytes, which sort as the uids do."""
        import numpy as np
        from numpy.lib.stride_tricks import sliding_window_view

        starts = self._starts[edges]
        lengths = self._ends[edges] - starts
        width = max(int(lengths.max(initial=0)), 1)
        # the bytes from each uid's start, as wide as the longest, zero past its end
        out = sliding_window_view(self._bytes, width)[starts]
        out[np.arange(width) >= lengths[:, None]] = 0
        return out.view(f"S{width}").ravel()


def _chunks_statement(d: Any) -> str:
    """CHUNKS with its lists joined by the dialect ``d``."""
    return CHUNKS.format(persons=d.joined("[s IN parts | s.persons]"),
                         counts=d.joined("[s IN parts | s.counts]"),
                         days=d.joined("[s IN parts | s.days]"))


def _text(value: Any) -> str:
    """A joined list of texts as one text (the separators are those of the persons; in
    hexadecimal, ``bytes.fromhex`` passes over them)."""
    return TABLE_SEPARATOR.join(value) if isinstance(value, list) else value or ""


def _read_table(rows: list[dict[str, Any]]) -> _Table | None:
    """The parts of a facility's tables in ``rows`` (of CHUNKS, or each a StayTable's
    properties), read as one table; None unless each reads whole."""
    import numpy as np

    texts, counts, days = [], [], []
    for row in rows:
        edges = row["edges"]
        if edges is None:
            return None
        try:
            these, four = _unpacked(_text(row["counts"])), _unpacked(_text(row["days"]))
        except (TypeError, ValueError):
            return None
        if these.size != edges or (these < 0).any() or four.size != 4 * int(these.sum()):
            return None
        if edges:
            texts.append(_text(row["persons"]))
            counts.append(these)
            days.append(four)
    edges = sum(c.size for c in counts)
    counts_all = np.concatenate(counts) if counts else np.zeros(0, dtype=np.int32)
    days_all = np.concatenate(days) if days else np.zeros(0, dtype=np.int32)
    table = _Table(TABLE_SEPARATOR.join(texts), edges,
                   np.repeat(np.arange(edges), counts_all), days_all.reshape(-1, 4))
    return table if table.whole else None


def _compared(table: _Table, m: dict[str, Any]):
    """Per edge of ``table``: its overlaps with the stay ``m`` (lo, hi, clo, chi) that are
    certain, their days, the days of the possible ones, and all its overlaps; compared as
    RANKED compares them."""
    import numpy as np

    lo, hi, clo, chi = table.days.T
    pl = np.maximum(lo, m["lo"])
    ph = np.where(hi < 0, m["hi"], hi if m["hi"] < 0 else np.minimum(hi, m["hi"]))
    if m["clo"] >= 0:
        cl, ch = np.maximum(clo, m["clo"]), np.minimum(chi, m["chi"])
        certain = (clo >= 0) & (cl <= ch)
    else:
        certain = np.zeros(lo.shape, dtype=bool)
    meets = np.flatnonzero(certain | (pl < 0) | (ph < 0) | (pl <= ph))
    c, pl, ph = certain[meets], pl[meets], ph[meets]
    days = np.where((pl >= 0) & (ph >= 0), ph - pl + 1, 0)
    if m["clo"] >= 0:
        days = np.where(c, ch[meets] - cl[meets] + 1, days)
    edges, size = table.owner[meets], table.size
    return np.stack([np.bincount(edges, weights=c, minlength=size),
                     np.bincount(edges, weights=np.where(c, days, 0), minlength=size),
                     np.bincount(edges, weights=np.where(c, 0, days), minlength=size),
                     np.bincount(edges, minlength=size)]).astype(np.int64)


def _hashed(keys):
    """A 64-bit hash of each of ``keys`` (a numpy array of byte strings), eight bytes at a
    time (cheaper to sort and compare than the keys)."""
    import numpy as np

    width = keys.dtype.itemsize
    words = np.zeros((keys.size, -(-width // 8) * 8), dtype=np.uint8)
    words[:, :width] = keys.view(np.uint8).reshape(keys.size, width)
    hashed = np.zeros(keys.size, dtype=np.uint64)
    for column in words.view(np.uint64).T:
        hashed = (hashed ^ column) * np.uint64(0x100000001B3)
    return hashed


def _numbered(keys):
    """(a number for each of ``keys``, an index of a key of each number): equal numbers for
    equal keys only. ``keys`` is a numpy array of byte strings; they are numbered by their
    hash (``_hashed``), and should two different keys share one, by the keys themselves."""
    import numpy as np

    hashed = _hashed(keys)
    order = np.argsort(hashed)
    ranked = hashed[order]
    new = np.ones(ranked.size, dtype=bool)  # where a number starts, in the order of hashes
    new[1:] = ranked[1:] != ranked[:-1]
    codes = np.empty(ranked.size, dtype=np.intp)
    codes[order] = np.cumsum(new) - 1
    first = order[new]  # one index of each number
    if not (keys[first][codes] == keys).all():
        _, first, codes = np.unique(keys, return_index=True, return_inverse=True)
        codes = codes.reshape(-1)
    return codes, first


def table_ranking(store: Store, directory: list[dict[str, Any]],
                  asked: list[tuple[dict[str, Any], int]], excluded: list[str],
                  limit: int) -> Ranking | None:
    """(totals, tops) as ``_store_ranking`` gives them, from the stay tables: ``directory``
    is the answer of TABLES for the facilities of the person's stays ``asked`` (facility,
    lo, hi, clo, chi: whole days, -1 for none; with the day their reach starts); the parts
    they can meet are read here. The persons ``excluded`` are left out. None when a table
    is missing, not current or does not read whole.

    Each stay asked is compared with every stay in the parts read of its facility as RANKED
    compares them; per person, the level is certain when any overlap is, and the days are
    those of the overlaps of that level.
    """
    import numpy as np

    builds, wanted = {}, {}
    for row in directory:
        if row["changed"] is not None or row["build"] is None or row["unkeyed"]:
            return None
        builds[row["facility"]] = row["build"]
        try:
            wanted[row["facility"]] = _by_class(row["chunks"] or [])
        except (ValueError, AttributeError):  # not a list of parts as written
            return None
    if any(stay["facility"] not in builds for stay, _ in asked):
        return None
    reads: dict[str, set[str]] = defaultdict(set)  # facility -> the parts to read
    for stay, reach in asked:
        reads[stay["facility"]] |= chunks_among(wanted[stay["facility"]], stay["facility"],
                                                reach, stay["hi"])
    parts_of = {f: sorted(table_uid(f, c) for c in chunks) for f, chunks in reads.items()}
    statement = _chunks_statement(store.dialect)
    statements = [(statement, {"facilities": [[f, these[i::CHUNK_PARTS], builds[f]]
                                              for f, these in sorted(parts_of.items())
                                              if these[i::CHUNK_PARTS]]})
                  for i in range(CHUNK_PARTS)]
    read: dict[str, list[dict[str, Any]]] = {facility: [] for facility in builds}
    for rows in read_together(store, [(q, p) for q, p in statements if p["facilities"]]):
        for row in rows:
            if row["changed"] is not None or row["found"] != row["asked"]:
                return None  # written since the list was read, or built again
            read[row["facility"]].append(row)
    tables = {}
    for facility, rows in read.items():  # the parts read of each facility, as one table
        table = tables[facility] = _read_table(rows)
        if table is None:
            return None
    # per facility, per edge: overlaps certain, days certain, days possible, overlaps
    sums: dict[str, Any] = {}
    for m, _ in asked:
        found = _compared(tables[m["facility"]], m)
        if m["facility"] in sums:
            sums[m["facility"]] += found
        else:
            sums[m["facility"]] = found
    # per person, over the facilities (a person has one edge at a facility): the sums are
    # added up by uid
    keys, parts = [], []
    for facility, found in sums.items():
        hit = np.flatnonzero(found[3])
        keys.append(tables[facility].keys(hit))
        parts.append(found[:3, hit])
    everyone = np.concatenate(keys) if keys else np.zeros(0, dtype="S1")
    codes, first = _numbered(everyone)
    uids = everyone[first]
    by_uid = np.zeros((3, uids.size), dtype=np.int64)
    if uids.size:
        joined = np.concatenate(parts, axis=1)
        for i in range(3):
            by_uid[i] = np.bincount(codes, weights=joined[i], minlength=uids.size).astype(np.int64)
    keep = ~np.isin(uids, np.array([u.encode("utf-8") for u in excluded], dtype=bytes))
    totals = {"certain": 0, "possible": 0}
    tops: dict[str, list[tuple[str, int]]] = {"certain": [], "possible": []}
    for name, row in (("certain", 1), ("possible", 2)):
        chosen = np.flatnonzero(keep & ((by_uid[0] > 0) == (name == "certain")))
        days = by_uid[row, chosen]
        totals[name] = int(chosen.size)
        if limit <= 0 or not chosen.size:
            continue
        if chosen.size > limit:  # those with at least the days of the limit-th: ties stay in
            least = -np.partition(-days, limit - 1)[limit - 1]
            chosen, days = chosen[days >= least], days[days >= least]
        # most days first, then by uid (UTF-8 bytes sort as the uids do)
        ranked_here = sorted(zip((-days).tolist(), uids[chosen].tolist()))[:limit]
        tops[name] = [(uid.decode("utf-8"), -negative) for negative, uid in ranked_here]
    return totals, tops


def codetained(store: Store, person: str, *, include_confidential: bool = False,
               limit: int | None = None) -> Codetention:
    """Persons held at the same facilities as ``person`` (uid, name or alias) at overlapping
    times, split into certain and possible co-detainees.

    Each list is ranked by the days of overlap (most first), then by uid; every co-detainee
    comes with each overlap: facility, dates, days and their own stay. Protected persons
    are redacted unless ``include_confidential``.

    With ``limit``, each list holds its first ``limit`` co-detainees, and ``certain_total``
    and ``possible_total`` say how many there are in all. The ranking is then worked out by
    the store from the stays' keys (see above); where it cannot be (a store written by an
    earlier version, or a stay the key cannot place), every candidate is compared here, and
    the answer is the same.
    """
    found = find_person(store, person)
    uid = found["uid"]
    # persons a reviewer merged (SAME_AS) are one person: the person's stays come from the
    # one chain of their cluster, and each other cluster is one co-detainee (``merged``)
    reps = clusters(store)
    group = sorted(m for m, r in reps.items() if r == reps[uid]) if uid in reps else [uid]
    uid = reps.get(uid, uid)  # the cluster is shown as its representative (protected first)
    own = (merged_outline(store, uid, group) if len(group) > 1
           else next(outlines(store, [uid]), None))
    mine = stays(own.steps) if own else []
    merged = _merged_overlaps(store, mine, reps, group)
    if limit is not None:
        answer = ranked(store, uid, mine, limit, include_confidential, merged)
        if answer is not None:
            return answer
    answer = _exhaustive(store, uid, mine, include_confidential, merged)
    if limit is not None:
        answer.certain, answer.possible = answer.certain[:limit], answer.possible[:limit]
    return answer


@dataclass
class _Merged:
    """The persons in SAME_AS clusters, whom the comparison of single persons leaves out, and
    the overlaps of each other cluster (under its representative) with the person's stays."""

    members: frozenset[str] = frozenset()
    overlaps: dict[str, list[Overlap]] = field(default_factory=dict)


def _merged_overlaps(store: Store, mine: list[Stay], reps: dict[str, str],
                     group: list[str]) -> _Merged:
    """Each other cluster's overlaps with ``mine``, from the stays of the one chain of all
    its members' events (clusters are reviewers' decisions, so few)."""
    if not reps:
        return _Merged()
    others = {rep: members for rep, members in cluster_members(reps).items()
              if rep not in group}
    dated = [s for s in mine if _dated(s)]
    found: dict[str, list[Overlap]] = {}
    for chain in merged_outlines(store, others) if dated else ():
        theirs = [s for s in stays(chain.steps) if _dated(s)]
        out = found.setdefault(chain.person, [])
        for a in dated:
            _overlaps(a, [b for b in theirs if b.facility["uid"] == a.facility["uid"]], out)
    return _Merged(frozenset(reps) | frozenset(group), {r: o for r, o in found.items() if o})


def _exhaustive(store: Store, uid: str, mine: list[Stay], include_confidential: bool,
                merged: _Merged = _Merged()) -> Codetention:
    """Every co-detainee of the person ``uid`` with stays ``mine``: each candidate whose
    edge's dates reach those of a stay is compared here; the members of SAME_AS clusters
    come from ``merged``."""
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
            if other == uid or other in merged.members:
                continue
            names[other] = case
            try:
                if not encoded:
                    raise ValueError("no stays stored")
                theirs = decode_stays(a.facility, events, encoded)
            except (ValueError, IndexError, TypeError):  # none, or not as encode_stays wrote
                rebuild.add(other)
                continue
            _overlaps(a, theirs, overlaps.setdefault(other, []))
    for other in rebuild:
        overlaps.pop(other, None)
    for other in outlines(store, sorted(rebuild)):
        theirs = [s for s in stays(other.steps) if _dated(s)]
        for a in dated:
            _overlaps(a, [b for b in theirs if a.facility["uid"] == b.facility["uid"]],
                      overlaps.setdefault(other.person, []))
    overlaps |= merged.overlaps
    names |= case_list(store, {uid} | set(merged.overlaps), include_confidential)
    certain, possible = _ranking(overlaps, names)
    return Codetention(names[uid], dated, certain, possible,
                       [s for s in mine if not _dated(s)], len(certain), len(possible))


def _overlaps(mine: Stay, theirs: list[Stay], out: list[Overlap]) -> None:
    """Append to ``out`` how each dated stay of ``theirs`` overlaps ``mine``, in order."""
    for b in theirs:
        if _dated(b):
            hit = compare(mine, b)
            if hit:
                out.append(hit)


def _level(overlaps: list[Overlap]) -> tuple[str, int]:
    """A co-detainee's certainty and days, from their overlaps."""
    level = "certain" if any(o.certainty == "certain" for o in overlaps) else "possible"
    return level, sum(o.days or 0 for o in overlaps if o.certainty == level)


def _ranking(overlaps: dict[str, list[Overlap]], names: dict[str, dict[str, Any]]
             ) -> tuple[list[CoDetainee], list[CoDetainee]]:
    """The certain and the possible co-detainees, each ranked by days, then uid."""
    certain, possible = [], []
    for other, found_overlaps in overlaps.items():
        if not found_overlaps:
            continue
        level, days = _level(found_overlaps)
        entry = CoDetainee(names[other], level, days, found_overlaps)
        (certain if level == "certain" else possible).append(entry)
    for group in (certain, possible):
        group.sort(key=lambda c: (-c.days, c.person["uid"]))
    return certain, possible


def ranked(store: Store, uid: str, mine: list[Stay], limit: int,
           include_confidential: bool, merged: _Merged = _Merged()) -> Codetention | None:
    """The first ``limit`` certain and possible co-detainees of the person ``uid`` with
    stays ``mine``, and how many there are: ranked from the StayTables of the person's
    facilities where they are current (``table_ranking``), else by the store (RANKED);
    None when neither can rank them (a run without stay keys, a stay the key cannot place)
    or the ranking and the stays of the persons it names disagree: the caller then compares
    every candidate. The members of SAME_AS clusters are left to ``merged``."""
    dated = [s for s in mine if _dated(s)]
    facilities = sorted({a.facility["uid"] for a in dated})
    try:
        asked = [({"facility": a.facility["uid"], "lo": _day(a.earliest), "hi": _day(a.latest),
                   "clo": _day(a.certain[0]) if a.certain else -1,
                   "chi": _day(a.certain[1]) if a.certain else -1}, _day(_reach_from(a)))
                 for a in dated]
    except ValueError:  # outside the days a key holds
        return None
    excluded = sorted(merged.members | {uid})
    runs, tables = read_together(store, [
        (RUNS_WITHOUT_KEYS, {"slices": SLICES}),
        (TABLES, {"tables": [[f, table_uid(f)] for f in facilities]})])
    if runs[0]["runs"]:
        return None
    ranking = table_ranking(store, tables, asked, excluded, limit)
    if ranking is None:
        ranking = _store_ranking(store, facilities, asked, excluded, limit)
    if ranking is None:
        return None
    totals, tops = ranking
    for other, found_overlaps in merged.overlaps.items():  # a cluster: one co-detainee
        name, days = _level(found_overlaps)
        totals[name] += 1
        tops[name].append((other, days))
    for name in tops:
        tops[name] = sorted(tops[name], key=lambda top: (-top[1], top[0]))[:max(limit, 0)]
    listed = [u for name in ("certain", "possible") for u, _ in tops[name]]
    chosen = [u for u in listed if u not in merged.overlaps]  # ranked by a table or the store
    # their stays and every listed person's case entry, read at once
    wanted = set(listed) | {uid}
    statements = [(THEIR_STAYS, {"uids": chosen, "facilities": facilities})]
    if len(wanted) <= SCAN_ABOVE:
        statements.append(case_list_statement(wanted))
    their, *persons = read_together(store, statements)
    names = (cases_of(persons[0], wanted, include_confidential) if persons
             else case_list(store, wanted, include_confidential))
    found: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    for row in their:
        found[(row["uid"], row["facility"])] = (row["events"] or [], row["stays"] or [])
    overlaps: dict[str, list[Overlap]] = {u: [] for u in chosen}
    try:
        for a in dated:
            for other in chosen:
                if (other, a.facility["uid"]) in found:
                    events, encoded = found[(other, a.facility["uid"])]
                    _overlaps(a, decode_stays(a.facility, events, encoded), overlaps[other])
    except (ValueError, IndexError, TypeError):
        return None
    for name in ("certain", "possible"):
        for other, days in tops[name]:
            if other in overlaps and (not overlaps[other]
                                      or _level(overlaps[other]) != (name, days)):
                return None  # the store's ranking is not what the stays say
    overlaps |= {u: merged.overlaps[u] for u in listed if u in merged.overlaps}
    certain, possible = _ranking(overlaps, names)
    return Codetention(names[uid], dated, certain, possible,
                       [s for s in mine if not _dated(s)], totals["certain"],
                       totals["possible"])


Ranking = tuple[dict[str, int], dict[str, list[tuple[str, int]]]]


def _store_ranking(store: Store, facilities: list[str], asked: list[tuple[dict[str, Any], int]],
                   excluded: list[str], limit: int) -> Ranking | None:
    """(totals, tops) of the person's stays ``asked`` (with the day their reach starts),
    ranked by the store (RANKED, one statement per part of the slices, at once); None when
    an edge at one of ``facilities`` is UNKEYED."""
    statements = []
    if facilities:
        unkeyed = [[f, _key(f, UNKEYED, 0)] for f in facilities]
        statements.append((UNKEYED_AT, {"facilities": unkeyed}))
    for part in range(PARTS):  # the slices of persons, ranked apart and at once
        mine_part = [stay | {"ranges": key_ranges(stay["facility"], reach, stay["hi"],
                                                  range(part, SLICES, PARTS))}
                     for stay, reach in asked]
        statements.append((RANKED, {"mine": mine_part, "limit": max(limit, 0),
                                    "excluded": excluded}))
    answers = read_together(store, statements)
    if facilities and answers[0][0]["edges"]:
        return None
    totals = {"certain": 0, "possible": 0}
    tops: dict[str, list[tuple[str, int]]] = {"certain": [], "possible": []}
    for rows in answers[-PARTS:]:  # no person is in two slices: the parts add up
        for row in rows:
            name = "certain" if row["level"] == 1 else "possible"
            totals[name] += int(row["total"])
            tops[name] += [(u, int(d)) for u, d in row["top"]]
    return totals, tops


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
