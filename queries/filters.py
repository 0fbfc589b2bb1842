"""Filters shared by the queries over many cases: period, region, type, outcome, confidence, source.

A ``Filters`` value is checked once (``check``) and then applied in two places:

- on events, inside Cypher: ``EVENT_FILTER`` is a fixed ``WHERE`` fragment whose values all
  travel as parameters (``event_params``); an unset filter is a null parameter and lets every
  event through;
- on persons, in Python: the region of the hometown and the final status (``person_scope``).

Period: an event matches when its date bounds overlap the period (``since`` and ``until``
are inclusive; an open end overlaps everything after its start). An event with no date at
all does not match a period, since nothing says it falls in it.

Region: the person's hometown lies in the region, following ``PART_OF`` up to
``REGION_DEPTH`` levels (town → district → governorate → country).

Outcome: the person's final status, as the custody chain computes it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from custodygraph.errors import InvalidFilter
from custodygraph.graph.store import Store, read_together
from custodygraph.queries.plain import collector_paused
from custodygraph.ingest.vocabulary import CONFIDENCE, EVENT_SYNONYMS, EVENT_TYPES, choose
from custodygraph.queries import redact
from custodygraph.queries.lists import strings

#: how many PART_OF steps a hometown may lie below its region
REGION_DEPTH = 6

#: --outcome values and the final statuses each one selects
OUTCOMES: dict[str, tuple[str, ...]] = {
    "in_custody": ("in custody or disappeared",),
    "died": ("died in custody", "body delivered"),
    "body_delivered": ("body delivered",),
    "released": ("released",),
    "unknown": ("unknown",),
}



def kinds() -> tuple[str, ...]:
    """The facility and organisation types a ``kind`` filter accepts (from the schema)."""
    from custodygraph.graph import schema

    return tuple(sorted(set(schema.FACILITY_KINDS) | set(schema.ORGANIZATION_KINDS)))

EVENT_FILTER = """
($since IS NULL OR ((e.earliest IS NOT NULL OR e.latest IS NOT NULL)
                    AND (e.latest IS NULL OR e.latest >= $since)))
AND ($until IS NULL OR ((e.earliest IS NOT NULL OR e.latest IS NOT NULL)
                        AND (e.earliest IS NULL OR e.earliest <= $until)))
AND ($types IS NULL OR e.type IN $types)
AND e.confidence IN $confidences
AND ($source IS NULL OR (e)-[:SOURCED_FROM]->(:Source {uid: $source}))
"""

IN_REGION = (
    "MATCH (p:Person)-[:FROM]->(:Location)-[:PART_OF*0..%d]->(:Location {uid: $region}) "
    "RETURN DISTINCT p.uid AS uid" % REGION_DEPTH
)
SOURCE = (
    "MATCH (s:Source) WHERE s.uid = $text OR s.uid = $uid OR s.title = $text "
    "RETURN s.uid AS uid ORDER BY s.uid"
)


@dataclass(frozen=True)
class Filters:
    """What to keep. Every field left at its default keeps everything."""

    #: ISO date, or a year or a month (taken from its first day)
    since: str | None = None
    #: ISO date, or a year or a month (taken to its last day)
    until: str | None = None
    #: a location (uid or name): the person's hometown lies in it
    region: str | None = None
    #: facility or organisation type of the entry counted (see ``kinds()``)
    kind: str | None = None
    #: event types to keep (synonyms accepted)
    event_types: tuple[str, ...] = ()
    #: a key of OUTCOMES
    outcome: str | None = None
    #: high, medium or low: keep events at least this sure
    min_confidence: str | None = None
    #: a source (uid, case-file id or exact title)
    source: str | None = None
    #: filled by ``check``: the uids the region and source resolve to
    resolved: dict[str, str] = field(default_factory=dict, compare=False)

    def is_empty(self) -> bool:
        return self == Filters()


def _day(text: str, end: bool, what: str) -> str:
    """An ISO day from YYYY, YYYY-MM or YYYY-MM-DD; ``end`` picks the last day of the span.

    >>> _day("2018-02", True, "until")
    '2018-02-28'
    >>> _day("2018", False, "since")
    '2018-01-01'
    """
    m = re.fullmatch(r"(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", text.strip())
    try:
        if not m:
            raise ValueError
        year, month, day = int(m[1]), m[2], m[3]
        if day:
            return date(year, int(month), int(day)).isoformat()
        if month:
            first = date(year, int(month), 1)
            if not end:
                return first.isoformat()
            following = date(year + (first.month == 12), first.month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1).isoformat()
        return date(year, 12, 31).isoformat() if end else date(year, 1, 1).isoformat()
    except ValueError:
        raise InvalidFilter(f"--{what} {text!r} is not a date; write 2018, 2018-07 or "
                            "2018-07-15") from None


def check(store: Store, filters: Filters) -> Filters:
    """Validate ``filters`` and resolve names to uids; raise InvalidFilter or EntityNotFound."""
    from custodygraph.queries.search import resolve

    since = _day(filters.since, False, "since") if filters.since else None
    until = _day(filters.until, True, "until") if filters.until else None
    if since and until and until < since:
        raise InvalidFilter(f"--until {filters.until} falls before --since {filters.since}")
    types = []
    for value in filters.event_types:
        try:
            types.append(choose(value, EVENT_TYPES, EVENT_SYNONYMS))
        except ValueError as exc:
            raise InvalidFilter(f"--event-type: {exc}") from None
    if filters.kind and filters.kind not in kinds():
        raise InvalidFilter(f"--kind: unknown type {filters.kind!r}; valid types: "
                            f"{', '.join(kinds())}")
    if filters.outcome and filters.outcome not in OUTCOMES:
        raise InvalidFilter(f"--outcome: unknown outcome {filters.outcome!r}; valid outcomes: "
                            f"{', '.join(OUTCOMES)}")
    if filters.min_confidence and filters.min_confidence not in CONFIDENCE:
        raise InvalidFilter(f"--min-confidence: {filters.min_confidence!r} is not one of "
                            f"{', '.join(CONFIDENCE)}")
    resolved: dict[str, str] = {}
    if filters.region:
        resolved["region"] = resolve(store, filters.region, ("Location",), "place")["uid"]
    if filters.source:
        from custodygraph.errors import EntityNotFound
        from custodygraph.ingest.keys import make_uid

        uid = make_uid("source", filters.source)
        rows = store.read(SOURCE, {"text": filters.source, "uid": uid})
        by_id = [r for r in rows if r["uid"] in (filters.source, uid)]
        rows = by_id[:1] or rows  # an id names one source; a title may name several
        if not rows:
            raise EntityNotFound(f"no source is called {filters.source!r}; give its uid, its "
                                 "id in the case file or its exact title")
        if len(rows) > 1:  # one title, several sources: choosing one would hide the others
            raise InvalidFilter(f"--source: {len(rows)} sources are called "
                                f"{filters.source!r}: {', '.join(r['uid'] for r in rows)}; "
                                "give the uid of the one you mean")
        resolved["source"] = rows[0]["uid"]
    return replace(filters, since=since, until=until, event_types=tuple(types),
                   resolved=resolved)


def event_params(filters: Filters, types: frozenset[str] | None = None) -> dict[str, Any]:
    """Parameters of EVENT_FILTER. ``types``: the event types the query looks at anyway."""
    wanted = set(filters.event_types) if filters.event_types else None
    if types is not None:
        wanted = set(types) if wanted is None else wanted & set(types)
    level = CONFIDENCE.index(filters.min_confidence) if filters.min_confidence else 2
    return {
        "since": filters.since,
        "until": filters.until,
        "types": sorted(wanted) if wanted is not None else None,
        "confidences": list(CONFIDENCE[:level + 1]),
        "source": filters.resolved.get("source"),
    }


def event_matches(event: dict[str, Any], filters: Filters) -> bool:
    """EVENT_FILTER in Python, for events already read (without the source condition).

    >>> event_matches({"type": "arrest", "earliest": None, "latest": None,
    ...                "confidence": "low"}, Filters(since="2018-01-01"))
    False
    >>> event_matches({"type": "arrest", "earliest": None, "latest": "2019-06-30",
    ...                "confidence": "low"}, Filters(until="2019-03-31"))
    True
    """
    p = event_params(filters)
    lo, hi = event["earliest"], event["latest"]
    if p["since"] and (not (lo or hi) or (hi is not None and hi < p["since"])):
        return False
    if p["until"] and (not (lo or hi) or (lo is not None and lo > p["until"])):
        return False
    if p["types"] is not None and event["type"] not in p["types"]:
        return False
    return event.get("confidence") in p["confidences"]


def person_scope(store: Store, filters: Filters) -> set[str] | None:
    """The persons the region and outcome filters keep, or None when neither is set."""
    scope: set[str] | None = None
    if filters.resolved.get("region"):
        scope = {r["uid"] for r in store.read(IN_REGION, {"region": filters.resolved["region"]})}
    if filters.outcome:
        from custodygraph.queries.custody import summaries

        wanted = OUTCOMES[filters.outcome]
        persons = sorted(scope) if scope is not None else None
        chosen = {s.person for s in summaries(store, persons) if s.status in wanted}
        scope = chosen if scope is None else scope & chosen
    return scope


def keeps_every_event(filters: Filters) -> bool:
    """Whether ``filters`` keep every event (persons, hometowns, outcomes and kinds may be
    filtered), so that what ingest derived onto the persons from all their events answers."""
    return (filters.since is None and filters.until is None and not filters.event_types
            and filters.min_confidence in (None, "low") and not filters.resolved.get("source"))


def period_label(earliest: str | None, latest: str | None) -> str:
    """The year an event falls in, or the span of years its bounds allow.

    >>> period_label("2018-12-01", "2018-12-31")
    '2018'
    >>> period_label("2018-07-01", "2021-02-28")
    '2018-2021'
    >>> period_label("2020-08-01", None)
    '2020-..'
    >>> period_label(None, None)
    'undated'
    """
    if not earliest and not latest:
        return "undated"
    first = earliest[:4] if earliest else ".."
    last = latest[:4] if latest else ".."
    return first if first == last else f"{first}-{last}"


# --- the cases behind a number ---------------------------------------------------------------
PERSONS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})
RETURN p.uid AS uid, p.name AS name, p.protected AS protected, p.group_size AS group_size
"""
#: what a case entry says besides uid and name, as one string: "" for most persons, else
#: "p" (protected) or "-" (not), then the group size, if any (``marked_entry`` reads it).
#: A person is protected unless the flag is missing or false: a flag of any other value
#: (written by hand, say "yes") redacts, as it would if the comparison failed.
_NOT_PROTECTED = "(p.protected IS NULL OR p.protected = false)"
CASE_MARK = (
    f"CASE WHEN {_NOT_PROTECTED} AND p.group_size IS NULL THEN '' "
    f"ELSE (CASE WHEN {_NOT_PROTECTED} THEN '-' ELSE 'p' END) "
    "+ coalesce(toString(p.group_size), '') END"
)


# every person's uid and name as two lists (a row per person costs the client far more);
# the lists stay aligned since no value is ever null. ``{uids}`` and ``{names}`` are the
# dialect's ``joined``: one string each on FalkorDB
EVERY_NAME = """
MATCH (p:Person) WHERE p.uid IS NOT NULL
WITH collect(p.uid) AS uids, collect(coalesce(p.name, '')) AS names
RETURN {uids} AS uids, {names} AS names, size(uids) AS size
"""
# and, read at the same time, the few persons whose CASE_MARK is not "": those its first
# branch does not take (where that test is null too, as the CASE does)
MARKED_CASES = f"""
MATCH (p:Person) WHERE p.uid IS NOT NULL
  AND NOT coalesce({_NOT_PROTECTED} AND p.group_size IS NULL, false)
RETURN p.uid AS uid, coalesce(p.name, '') AS name, {CASE_MARK} AS mark
"""


def every_case_statements(dialect: Any, joined: bool = True
                          ) -> list[tuple[str, dict[str, Any] | None]]:
    """The statements ``every_case`` reads (EVERY_NAME with its lists joined by
    ``dialect``, or plain; MARKED_CASES), to read at once (graph.store.read_together)."""
    spell = dialect.joined if joined else (lambda expression: expression)
    return [(EVERY_NAME.format(uids=spell("uids"), names=spell("names")), None),
            (MARKED_CASES, None)]


@collector_paused
def every_case(store: Store, include_confidential: bool = False,
               rows: list[list[dict[str, Any]]] | None = None) -> dict[str, dict[str, Any]]:
    """The case entry of every person, by uid, from the rows of ``every_case_statements``
    (read here unless given); the plain lists are read when the joined ones do not split
    whole (a name holding the separator)."""
    if rows is None:
        rows = read_together(store, every_case_statements(store.dialect))
    (named,), marked = rows
    uids, names = strings(named["uids"], named["size"]), strings(named["names"], named["size"])
    if uids is None or names is None:
        (named,) = store.read(every_case_statements(store.dialect, joined=False)[0][0])
        uids, names = named["uids"], named["names"]
    out = {uid: {"uid": uid, "name": name} for uid, name in zip(uids, names)}
    for row in marked:
        out[row["uid"]] = marked_entry(row["uid"], row["name"], row["mark"],
                                       include_confidential)
    return out


#: above this many persons, reading every person is quicker than looking each one up
SCAN_ABOVE = 2000
SOURCE_EVENTS = "MATCH (e:Event)-[:SOURCED_FROM]->(:Source {uid: $source}) RETURN e.uid AS uid"


def case_list(store: Store, uids, include_confidential: bool = False) -> dict[str, dict[str, Any]]:
    """``{uid: {"uid", "name"}}`` for these persons, protected names redacted unless asked.

    A case that stands for a group of persons also carries its ``group_size``.
    """
    wanted = uids if isinstance(uids, (set, frozenset)) else set(uids)
    if len(wanted) > SCAN_ABOVE:
        every = every_case(store, include_confidential)
        return {uid: every[uid] for uid in wanted if uid in every}
    return cases_of(store.read(*case_list_statement(wanted)), wanted, include_confidential)


def case_list_statement(wanted: set[str]) -> tuple[str, dict[str, Any]]:
    """The statement ``case_list`` reads the persons ``wanted`` with (at most SCAN_ABOVE of
    them), for a caller to read with others at once; ``cases_of`` reads its rows."""
    return PERSONS, {"uids": sorted(wanted)}


def cases_of(rows: list[dict[str, Any]], wanted: set[str], include_confidential: bool = False
             ) -> dict[str, dict[str, Any]]:
    """``case_list`` of the persons ``wanted`` from the rows of ``case_list_statement``."""
    return {row["uid"]: case_entry(row, include_confidential)
            for row in rows if row["uid"] in wanted}


def marked_entry(uid: str, name: str, mark: str,
                 include_confidential: bool = False) -> dict[str, Any]:
    """The case entry of a person from their ``CASE_MARK`` ("" for most: uid and name).

    >>> marked_entry("person:a", "A", "p", False)["name"] != "A", marked_entry("x", "X", "-12")
    (True, {'uid': 'x', 'name': 'X', 'group_size': '12'})
    """
    if not mark:
        return {"uid": uid, "name": name}
    return case_entry({"uid": uid, "name": name, "protected": mark[:1] == "p",
                       "group_size": mark[1:] or None}, include_confidential)


def case_entry(row: dict[str, Any], include_confidential: bool = False) -> dict[str, Any]:
    """One case of a list from its ``uid``, ``name``, ``protected`` and ``group_size``."""
    entry = {"uid": row["uid"], "name": redact.person_name(row["name"], row["protected"],
                                                           include_confidential)}
    if row["group_size"]:
        entry["group_size"] = row["group_size"]
    return entry


def source_events(store: Store, filters: Filters) -> set[str] | None:
    """The events the source filter keeps, or None when it is not set."""
    source = filters.resolved.get("source")
    if not source:
        return None
    return {r["uid"] for r in store.read(SOURCE_EVENTS, {"source": source})}
