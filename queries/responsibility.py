"""Which units and branches arrested or held persons, when, within which hierarchy, under whom?

An organisation is responsible for a person when one of the person's custody events was
carried out BY it, or took place AT it (a security branch is both a place and an
organisation). Its role is:

- ``arrested``: an arrest or a surrender under amnesty;
- ``held``: a detention, transfer or sighting, by it or at it;
- ``other``: another custody event it was responsible for (a disappearance, a death, a
  release, a body delivery).

**Periods.** Each event is filed under the year its date bounds fall in, or under the span of
years they allow ("2018-2021") when they cross a year's end, or under "undated". Nothing is
split or guessed, so a person may appear under two periods of one organisation.

**Hierarchy.** Each organisation lists the organisations above it through ``PART_OF`` (at most
``HIERARCHY_DEPTH`` steps, nearest first). An organisation above a responsible one is listed
too, with the cases of its sub-units (``cases_with_subunits``), even when it has none of its
own.

**Commanders.** ``(:Person)-[:COMMANDED {earliest, latest}]->(:Organization)`` edges give who
commanded it and when; each period lists the commanders whose command overlaps it (an open
end overlaps everything after its start).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES, HELD_TYPES
from custodygraph.queries import redact
from custodygraph.queries.filters import (EVENT_FILTER, Filters, case_list, check,
                                          event_params, period_label, person_scope)
from custodygraph.queries.lists import read_joined
from custodygraph.queries.plain import as_plain, collector_paused
from custodygraph.queries.resolve import clusters

#: how many PART_OF steps up the hierarchy is followed
HIERARCHY_DEPTH = 6
ARREST_TYPES = frozenset({"arrest", "surrender_under_amnesty"})

# The persons of each organisation, event type and period come grouped by the store: one row
# per group instead of one per event (a million events make a few thousand groups). The
# period is that of period_label, which reads only the years of the bounds. ``{persons}`` is
# the dialect's ``joined(members)`` (queries.lists.read_joined).
_RETURN = """
WITH o, e.type AS type, left(e.earliest, 4) AS first, left(e.latest, 4) AS last,
     collect(DISTINCT p.uid) AS members
RETURN o.uid AS uid, o.name AS name, o.kind AS kind, type, first, last,
       {persons} AS persons, size(members) AS size
"""
BY_ORGANIZATION = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:BY]->(o:Organization)
WHERE ($kind IS NULL OR o.kind = $kind) AND """ + EVENT_FILTER + _RETURN
AT_ORGANIZATION = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:AT]->(o:Organization)
WHERE ($kind IS NULL OR o.kind = $kind) AND """ + EVENT_FILTER + _RETURN
ANCESTORS = """
UNWIND $uids AS u
MATCH chain = (o:Organization {uid: u})-[:PART_OF*1..%d]->(a:Organization)
RETURN o.uid AS uid, a.uid AS ancestor, a.name AS name, a.kind AS kind, length(chain) AS depth
""" % HIERARCHY_DEPTH
COMMANDERS = """
UNWIND $uids AS u
MATCH (c:Person)-[k:COMMANDED]->(o:Organization {uid: u})
RETURN o.uid AS org, c.uid AS uid, c.name AS name, c.protected AS protected,
       k.earliest AS earliest, k.latest AS latest
"""


@dataclass
class Period:
    period: str
    cases: int
    persons: list[dict[str, Any]]
    #: commanders whose command overlaps the period
    commanders: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Responsible:
    uid: str
    name: str
    kind: str | None
    #: persons it is itself responsible for
    cases: int
    persons: list[dict[str, Any]]
    #: role -> persons ("arrested", "held", "other")
    roles: dict[str, list[dict[str, Any]]]
    periods: list[Period]
    #: the organisations above it, nearest first
    parents: list[dict[str, Any]]
    #: its own cases and those of every sub-unit below it, and those persons
    cases_with_subunits: int
    persons_with_subunits: list[dict[str, Any]]
    #: each sub-unit with cases: uid, name, cases and persons
    subunits: list[dict[str, Any]]
    commanders: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _role(event_type: str) -> str:
    if event_type in ARREST_TYPES:
        return "arrested"
    if event_type in HELD_TYPES:
        return "held"
    return "other"


def _year_span(period: str) -> tuple[str | None, str | None] | None:
    if period == "undated":
        return None
    first, _, last = period.partition("-")
    last = last or first
    return (None if first == ".." else f"{first}-01-01",
            None if last == ".." else f"{last}-12-31")


def _overlaps(span, earliest: str | None, latest: str | None) -> bool:
    lo, hi = span
    return (hi is None or earliest is None or earliest <= hi) and \
           (lo is None or latest is None or latest >= lo)


@collector_paused
def responsibility(store: Store, *, filters: Filters | None = None,
                   include_confidential: bool = False) -> list[Responsible]:
    """Units and branches that arrested or held persons, by role and period, with their
    hierarchy and commanders.

    Ranked by own cases, then cases with sub-units, then name. ``filters`` narrows the events
    (period, type, confidence, source), the persons (region, outcome) and the organisations
    (type: applied to the responsible organisation). Protected persons are redacted unless
    ``include_confidential``.
    """
    filters = check(store, filters or Filters())
    scope = person_scope(store, filters)
    params = event_params(filters, CUSTODY_SIDE_TYPES) | {"kind": filters.kind}
    # persons a reviewer merged (SAME_AS) are one case, under their representative
    reps = clusters(store)
    orgs: dict[str, dict[str, Any]] = {}
    for query, at in ((BY_ORGANIZATION, False), (AT_ORGANIZATION, True)):
        for row in read_joined(store, query, params):
            if at and row["type"] not in HELD_TYPES:
                continue
            persons = row["persons"] if scope is None else \
                [p for p in row["persons"] if p in scope]
            if not persons:
                continue
            if reps:
                persons = {reps.get(p, p) for p in persons}
            org = orgs.setdefault(row["uid"], {"name": row["name"], "kind": row["kind"],
                                               "roles": {}, "periods": {}})
            org["roles"].setdefault(_role(row["type"]), set()).update(persons)
            org["periods"].setdefault(period_label(row["first"], row["last"]),
                                      set()).update(persons)

    parents: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(store.read(ANCESTORS, {"uids": sorted(orgs)}), key=lambda r: r["depth"]):
        chain = parents.setdefault(row["uid"], [])
        if row["ancestor"] not in {p["uid"] for p in chain}:
            chain.append({"uid": row["ancestor"], "name": row["name"], "kind": row["kind"]})
    below: dict[str, dict[str, set[str]]] = {}  # ancestor -> sub-unit -> persons
    for uid, chain in parents.items():
        own = set().union(*orgs[uid]["roles"].values())
        for parent in chain:
            below.setdefault(parent["uid"], {})[uid] = own
            if parent["uid"] not in orgs and not filters.kind:
                orgs[parent["uid"]] = {"name": parent["name"], "kind": parent["kind"],
                                       "roles": {}, "periods": {}}
    for uid in list(orgs):  # the ancestors added above have parents of their own
        if uid not in parents:
            parents[uid] = []
    missing = [u for u in orgs if not parents[u]]
    for row in sorted(store.read(ANCESTORS, {"uids": missing}), key=lambda r: r["depth"]):
        parents[row["uid"]].append({"uid": row["ancestor"], "name": row["name"],
                                    "kind": row["kind"]})

    commanders: dict[str, list[dict[str, Any]]] = {}
    for row in store.read(COMMANDERS, {"uids": sorted(orgs)}):
        commanders.setdefault(row["org"], []).append({
            "uid": row["uid"],
            "name": redact.person_name(row["name"], row["protected"], include_confidential),
            "earliest": row["earliest"], "latest": row["latest"]})
    for found in commanders.values():
        found.sort(key=lambda c: (c["earliest"] or "", c["uid"]))

    everyone = {p for org in orgs.values() for group in org["roles"].values() for p in group}
    names = case_list(store, everyone, include_confidential)

    def cases(uids) -> list[dict[str, Any]]:
        return [names[u] for u in sorted(uids)]

    out = []
    for uid, org in orgs.items():
        own = set().union(*org["roles"].values())
        subunits = below.get(uid, {})
        total = own.union(*subunits.values())
        periods = []
        for label in sorted(org["periods"]):
            span = _year_span(label)
            periods.append(Period(label, len(org["periods"][label]),
                                  cases(org["periods"][label]),
                                  [c for c in commanders.get(uid, []) if span is not None
                                   and _overlaps(span, c["earliest"], c["latest"])]))
        out.append(Responsible(
            uid, org["name"], org["kind"], len(own), cases(own),
            {role: cases(org["roles"][role]) for role in ("arrested", "held", "other")
             if role in org["roles"]},
            periods, parents.get(uid, []), len(total), cases(total),
            [{"uid": s, "name": orgs[s]["name"], "cases": len(p), "persons": cases(p)}
             for s, p in sorted(subunits.items())],
            commanders.get(uid, [])))
    out.sort(key=lambda r: (-r.cases, -r.cases_with_subunits, r.name))
    return out
