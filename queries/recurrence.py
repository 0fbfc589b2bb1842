"""Which facilities and organisations come up again and again across cases?

Ranked by the number of distinct persons (cases) whose custody events took place at a
facility or were carried out by an organisation. Enlistment, conscription, deployment,
defection and reconciliation do not count: being conscripted into a unit is not being held
by it. Every count comes with the cases behind it.

The shared filters (queries.filters) narrow the events counted (period, event type,
confidence, source), the persons counted (region of the hometown, final status) and the
entries listed (facility or organisation type).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from operator import itemgetter
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES
from custodygraph.queries.filters import (CASE_MARK, EVENT_FILTER, Filters, case_list, check,
                                          event_params, marked_entry, person_scope)
from custodygraph.queries.lists import nested, strings

# Each entry comes with the list of its persons' uids, and its count is the length of that
# list, so no number can stray from its cases. No count() is asked of the engine (FalkorDB
# 4.16 miscounts some); the tests check these lists against a reference implementation.
AT_FACILITY = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:AT]->(n:Facility)
WHERE ($kind IS NULL OR n.kind = $kind) AND """ + EVENT_FILTER + """
RETURN n.uid AS uid, collect(DISTINCT p.uid) AS persons
"""
BY_ORGANIZATION = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:BY]->(n:Organization)
WHERE ($kind IS NULL OR n.kind = $kind) AND """ + EVENT_FILTER + """
RETURN n.uid AS uid, collect(DISTINCT p.uid) AS persons
"""
# Without event filters, the same lists come from what ingest derives onto each person
# (ingest.writer.derive_edges): ``custody_at`` and ``custody_by`` list the facilities and
# organisations of the person's custody events, so no event is read. Persons with events
# but without these lists were written before ingest derived them: then the events are read.
# One scan of the persons reads both lists of every person, with the name and what marks
# the person's case entry (protected: "p", then the group size), in uid order. The long
# lists are the dialect's ``joined``: one string each on FalkorDB, the lists within them
# joined too, read back by queries.lists and checked against the counts returned with them.
PERSON_LISTS = """
MATCH (p:Person) WHERE p.uid IS NOT NULL
WITH p, coalesce(p.custody_at, []) AS at, coalesce(p.custody_by, []) AS by
ORDER BY p.uid
WITH collect(p.uid) AS uids, collect(coalesce(p.name, '')) AS names,
     collect(""" + CASE_MARK + """) AS marks,
     collect({at}) AS at_lists, collect({by}) AS by_lists,
     sum(size(at)) AS at_total, sum(CASE WHEN size(at) > 0 THEN 1 ELSE 0 END) AS at_filled,
     sum(size(by)) AS by_total, sum(CASE WHEN size(by) > 0 THEN 1 ELSE 0 END) AS by_filled
RETURN {uids} AS uids, {names} AS names, {marks} AS marks, {at_lists} AS at,
       {by_lists} AS by, size(uids) AS size, at_total, at_filled, by_total, by_filled
"""
# The same lists by entry (when PERSON_LISTS does not split whole, or persons were merged).
_DERIVED = """
MATCH (p:Person) WHERE p.{lists} IS NOT NULL
WITH p ORDER BY p.uid
UNWIND p.{lists} AS n
WITH n, collect(p.uid) AS members
RETURN n AS uid, {{persons}} AS persons, size(members) AS size
"""
DERIVED_AT = _DERIVED.format(lists="custody_at")
DERIVED_BY = _DERIVED.format(lists="custody_by")
NOT_DERIVED = """
MATCH (p:Person) WHERE p.custody_at IS NULL AND (p)-[:SUBJECT_OF]->(:Event)
RETURN p.uid AS uid LIMIT 1
"""
FACILITIES = """
UNWIND $uids AS u
MATCH (n:Facility {uid: u})
RETURN n.uid AS uid, n.name AS name, n.kind AS kind
"""
ORGANIZATIONS = """
UNWIND $uids AS u
MATCH (n:Organization {uid: u})
RETURN n.uid AS uid, n.name AS name, n.kind AS kind
"""


@dataclass
class Recurring:
    uid: str
    name: str
    kind: str | None
    #: "place" (events happened there: held, seen, handed over) and/or "responsible"
    roles: list[str]
    cases: int
    persons: list[dict[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def recurring(store: Store, *, minimum: int = 1, filters: Filters | None = None,
              include_confidential: bool = False) -> list[Recurring]:
    """Facilities and organisations ranked by the number of distinct persons they recur for.

    A security branch that both held and arrested people is one entry with both roles.
    Each entry lists its persons (protected persons redacted unless ``include_confidential``).
    ``filters`` (queries.filters.Filters) narrows the events, persons and entries counted;
    ``minimum`` leaves out entries with fewer cases. Ties are listed by name.
    """
    filters = check(store, filters or Filters())
    scope = person_scope(store, filters)
    derived = _by_events_only(filters) and not store.read(NOT_DERIVED)
    # persons a reviewer merged (SAME_AS, queries.resolve) are one case: their cluster's
    # representative (smallest uid) stands for them
    from custodygraph.queries.resolve import clusters

    reps = clusters(store)
    cases = (_person_lists(store, scope, include_confidential) if derived and not reps
             else None)
    if cases is None:
        cases = _entry_lists(store, filters, scope, derived, reps, include_confidential)
    return _ranked(store, cases, filters.kind, minimum)


#: the entries of each role: the query that names them, and the one that lists their persons
#: by their events
ROLES = (("place", FACILITIES, AT_FACILITY, DERIVED_AT),
         ("responsible", ORGANIZATIONS, BY_ORGANIZATION, DERIVED_BY))

Cases = dict[str, dict[str, list[dict[str, Any]]]]


def _ranked(store: Store, cases: Cases, kind: str | None, minimum: int) -> list[Recurring]:
    """Entries from their cases (role -> entry uid -> case entries in uid order, and as
    "only_responsible" the responsible entries' cases not among their places'), ranked."""
    found: dict[str, Recurring] = {}
    for role, entries, *_ in ROLES:
        listed = cases[role]
        for row in store.read(entries, {"uids": sorted(listed)}):
            if kind is not None and row["kind"] != kind:
                continue  # the kind filter of the event queries, on the derived lists
            persons = listed[row["uid"]]
            entry = found.get(row["uid"])
            if entry is None:
                found[row["uid"]] = Recurring(row["uid"], row["name"], row["kind"], [role],
                                              len(persons), persons)
                continue
            # a security branch, a place and responsible: its places' cases and the others
            entry.roles.append(role)
            entry.persons = sorted(entry.persons + cases["only_responsible"].get(row["uid"], []),
                                   key=itemgetter("uid"))  # two runs in order: one merge
            entry.cases = len(entry.persons)
    ranked = [entry for entry in found.values() if entry.cases >= minimum]
    ranked.sort(key=lambda r: (-r.cases, r.name))
    return ranked


def _person_lists(store: Store, scope: set[str] | None,
                  include_confidential: bool) -> Cases | None:
    """The cases of every entry from PERSON_LISTS; None when its lists do not split whole."""
    d = store.dialect
    row = store.read(PERSON_LISTS.format(
        at=d.joined("at", inner=True), by=d.joined("by", inner=True), uids=d.joined("uids"),
        names=d.joined("names"), marks=d.joined("marks"), at_lists=d.joined("at_lists"),
        by_lists=d.joined("by_lists")))[0]
    size = row["size"]
    uids, names, marks = (strings(row[key], size) for key in ("uids", "names", "marks"))
    at = nested(row["at"], size, int(row["at_total"]), int(row["at_filled"]))
    by = nested(row["by"], size, int(row["by_total"]), int(row["by_filled"]))
    if uids is None or names is None or marks is None or at is None or by is None:
        return None
    persons = zip(uids, names, marks, at, by)
    if any(a >= b for a, b in zip(uids, uids[1:])):  # not in uid order after all
        persons = sorted(persons)
    places: dict[str, list[dict[str, Any]]] = defaultdict(list)
    responsible: dict[str, list[dict[str, Any]]] = defaultdict(list)
    only_responsible: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for uid, name, mark, at_here, by_here in persons:
        if not (at_here or by_here) or (scope is not None and uid not in scope):
            continue
        # most persons are neither protected nor a group: their entry is plain
        case = marked_entry(uid, name, mark, include_confidential) if mark else {
            "uid": uid, "name": name}
        at_here, by_here = set(at_here), set(by_here)  # each case once in a list
        for facility in at_here:
            places[facility].append(case)
        for organization in by_here:
            responsible[organization].append(case)
        for organization in by_here - at_here:
            only_responsible[organization].append(case)
    return {"place": places, "responsible": responsible, "only_responsible": only_responsible}


def _entry_lists(store: Store, filters: Filters, scope: set[str] | None, derived: bool,
                 reps: dict[str, str], include_confidential: bool) -> Cases:
    """The cases of every entry from lists of persons by entry: from the events, or the
    derived lists (DERIVED_AT, DERIVED_BY); merged persons stand for their cluster."""
    params = event_params(filters, CUSTODY_SIDE_TYPES) | {"kind": filters.kind}
    members: dict[str, dict[str, set[str]]] = {}
    for role, _, by_events, by_person in ROLES:
        lists = members[role] = {}
        for uid, persons in (_derived_lists(store, by_person) if derived
                             else ((row["uid"], row["persons"])
                                   for row in store.read(by_events, params))):
            kept = {reps.get(p, p) for p in persons if scope is None or p in scope}
            if kept:
                lists[uid] = kept
    everyone: set[str] = set()
    for lists in members.values():
        for persons in lists.values():
            everyone |= persons
    names = case_list(store, everyone, include_confidential)
    places = members["place"]
    members["only_responsible"] = {uid: persons - places.get(uid, set())
                                   for uid, persons in members["responsible"].items()}
    return {role: {uid: [names[p] for p in sorted(persons)] for uid, persons in lists.items()}
            for role, lists in members.items()}


def _derived_lists(store: Store, query: str) -> list[tuple[str, list[str]]]:
    """(entry uid, persons) from DERIVED_AT or DERIVED_BY: joined lists where every one
    splits back whole, else the plain lists."""
    rows = store.read(query.format(persons=store.dialect.joined("members")))
    found = [(row["uid"], strings(row["persons"], row["size"])) for row in rows]
    if all(members is not None for _, members in found):
        return found
    return [(row["uid"], row["persons"]) for row in store.read(query.format(persons="members"))]


def _by_events_only(filters: Filters) -> bool:
    """Whether ``filters`` keep every custody event, so that the lists derived onto the
    persons answer (persons, hometowns, outcomes and kinds may be filtered)."""
    return (filters.since is None and filters.until is None and not filters.event_types
            and filters.min_confidence in (None, "low") and not filters.resolved.get("source"))
