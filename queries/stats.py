"""How many persons, with what outcome, from where, since when? Counts with their cases.

The persons counted are those with at least one **custody event** (arrest, surrender,
detention, transfer, sighting, trial, disappearance) that passes the filters: these are the
persons detained or disappeared. With ``--event-type`` the chosen types count instead.
Persons with no such event are not counted, and are listed as ``not_counted``.

Each counted person is then filed:

- by **status**: the final status of their custody chain (in custody or disappeared, died in
  custody, body delivered, released, unknown);
- by **region**: the governorate their hometown lies in (through ``PART_OF``), or
  "unknown" when no hometown or no governorate above it is recorded;
- by **period**: the year of the first custody event of their chain, or the span of years
  its date bounds allow ("2018-2021"), or "undated".

The **summary** puts it the way reports do: "5 persons from Daraa Governorate detained or
disappeared since 2018-07-01; 3 of them died in custody (2 bodies delivered to their
families), 2 still in custody or disappeared, none released." A case that stands for a group
of persons counts as one case and is named in ``group_cases`` with its size.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CUSTODY_TYPES
from custodygraph.queries.custody import (STATUS_BODY, STATUS_DIED, STATUS_HELD,
                                          STATUS_RELEASED, STATUSES, Summary, merged_outlines,
                                          summaries, summary_of)
from custodygraph.queries.filters import (EVENT_FILTER, REGION_DEPTH, Filters, case_list,
                                          check, event_params, keeps_every_event, period_label,
                                          person_scope)
from custodygraph.queries.plain import as_plain, collector_paused
from custodygraph.queries.resolve import cluster_members, clusters

COUNTED = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)
WHERE """ + EVENT_FILTER + """
RETURN DISTINCT p.uid AS uid
"""
EVERYONE = "MATCH (p:Person) RETURN p.uid AS uid"
GOVERNORATES = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:FROM]->(:Location)-[:PART_OF*0..%d]->(g:Location)
WHERE g.level = 'governorate'
RETURN DISTINCT p.uid AS uid, g.uid AS region, g.name AS name
""" % REGION_DEPTH
REGION_NAME = "MATCH (l:Location {uid: $uid}) RETURN l.name AS name"

UNKNOWN_REGION = "unknown"


@dataclass
class Count:
    label: str
    cases: int
    persons: list[dict[str, Any]]


@dataclass
class Statistics:
    #: persons counted: with a custody event passing the filters
    cases: int
    persons: list[dict[str, Any]]
    by_status: list[Count]
    by_region: list[Count]
    by_period: list[Count]
    #: the report-style sentence, built from the figures below
    summary: str
    died: Count
    bodies_delivered: Count
    in_custody: Count
    released: Count
    group_cases: list[dict[str, Any]] = field(default_factory=list)
    not_counted: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _counts(groups: dict[str, set[str]], names, order=None) -> list[Count]:
    labels = order or sorted(groups, key=lambda g: (-len(groups[g]), g))
    return [Count(label, len(groups.get(label, ())),
                  [names[u] for u in sorted(groups.get(label, ()))])
            for label in labels if order is None or groups.get(label)]


def _number(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@collector_paused
def statistics(store: Store, *, filters: Filters | None = None,
               include_confidential: bool = False) -> Statistics:
    """Counts of detained or disappeared persons by status, region and period, each with its
    cases, and the summary sentence a report would print.

    ``filters`` narrows the custody events that make a person count (period, type,
    confidence, source) and the persons (region of the hometown, outcome). Protected persons
    are redacted unless ``include_confidential``.
    """
    filters = check(store, filters or Filters())
    scope = person_scope(store, filters)
    if keeps_every_event(filters):
        # every event counts: a person with a custody event is one whose chain has a start
        chains = [s for s in summaries(store) if s.start is not None
                  and (scope is None or s.person in scope)]
        counted = {s.person for s in chains}
    else:
        types = None if filters.event_types else CUSTODY_TYPES
        counted = {r["uid"] for r in store.read(COUNTED, event_params(filters, types))}
        if scope is not None:
            counted &= scope
        chains = list(summaries(store, sorted(counted)))
    reps = clusters(store)
    if reps:  # persons a reviewer merged (SAME_AS) are one case, with one chain
        chains, counted = _merged(store, chains, counted, reps)
    status: dict[str, set[str]] = {}
    period: dict[str, set[str]] = {}
    for chain in chains:
        status.setdefault(chain.status, set()).add(chain.person)
        label = period_label(*chain.start) if chain.start else "undated"
        period.setdefault(label, set()).add(chain.person)
    region: dict[str, set[str]] = {}
    placed: set[str] = set()
    members = {m: r for m, r in reps.items() if r in counted}
    governorates = {}
    for row in store.read(GOVERNORATES, {"uids": sorted(counted | set(members))}):
        governorates.setdefault(row["uid"], []).append(row)
    for uid in sorted(counted):
        # a merged case: its representative's hometown, else that of the first member with one
        rows = governorates.get(uid) or next(
            (governorates[m] for m in sorted(members) if members[m] == uid and m in governorates),
            [])
        for row in rows:
            region.setdefault(row["name"], set()).add(uid)
            placed.add(uid)
    if counted - placed:
        region[UNKNOWN_REGION] = counted - placed

    everyone = {r["uid"] for r in store.read(EVERYONE)}
    if scope is not None:
        everyone &= scope
    everyone = {reps.get(u, u) for u in everyone}
    names = case_list(store, everyone, include_confidential)

    def count(label: str, uids) -> Count:
        return Count(label, len(uids), [names[u] for u in sorted(uids)])

    died = status.get(STATUS_DIED, set()) | status.get(STATUS_BODY, set())
    result = Statistics(
        len(counted), [names[u] for u in sorted(counted)],
        _counts(status, names, STATUSES), _counts(region, names),
        sorted(_counts(period, names), key=lambda c: c.label), "",
        count("died in custody", died), count(STATUS_BODY, status.get(STATUS_BODY, set())),
        count(STATUS_HELD, status.get(STATUS_HELD, set())),
        count(STATUS_RELEASED, status.get(STATUS_RELEASED, set())),
        [names[u] for u in sorted(counted) if "group_size" in names[u]],
        [names[u] for u in sorted(everyone - counted)],
    )
    result.summary = _summary(store, filters, result)
    return result


def _merged(store: Store, chains: list[Summary], counted: set[str], reps: dict[str, str]
            ) -> tuple[list[Summary], set[str]]:
    """The chains and counted persons with each SAME_AS cluster as one person: counted when
    one of its members is, under its representative, with the chain of all their events (as
    ``custody_chain`` gives it)."""
    counted = {reps.get(u, u) for u in counted}
    wanted = {rep: members for rep, members in cluster_members(reps).items() if rep in counted}
    merged = [summary_of(found) for found in merged_outlines(store, wanted)]
    return [c for c in chains if c.person not in reps] + merged, counted


def _summary(store: Store, filters: Filters, s: Statistics) -> str:
    where = ""
    if filters.resolved.get("region"):
        rows = store.read(REGION_NAME, {"uid": filters.resolved["region"]})
        where = f" from {rows[0]['name']}" if rows else ""
    when = ""
    if filters.since and filters.until:
        when = f" between {filters.since} and {filters.until}"
    elif filters.since:
        when = f" since {filters.since}"
    elif filters.until:
        when = f" until {filters.until}"
    text = f"{_number(s.cases, 'person', 'persons')}{where} detained or disappeared{when}"
    if not s.cases:
        return text + "."
    bodies = s.bodies_delivered.cases
    text += f"; {s.died.cases} of them died in custody"
    if bodies:
        text += f" ({_number(bodies, 'body', 'bodies')} delivered to their families)"
    text += (f", {s.in_custody.cases} still in custody or disappeared, "
             f"{s.released.cases or 'none'} released.")
    if s.group_cases:
        sizes = ", ".join(g.get("group_size", "?") for g in s.group_cases)
        text += (f" {_number(len(s.group_cases), 'case stands', 'cases stand')} for a group "
                 f"of persons ({sizes}) and counts once.")
    return text
