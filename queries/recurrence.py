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

from dataclasses import dataclass, field
from itertools import islice
from operator import itemgetter, lt
from typing import Any

from custodygraph.graph.store import Store, read_together
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES
from custodygraph.queries.filters import (EVENT_FILTER, Filters, case_list, check, event_params,
                                          every_case, every_case_statement, keeps_every_event,
                                          person_scope)
from custodygraph.queries.lists import strings
from custodygraph.queries.plain import as_plain

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
# The lists of persons are long (every case of a prison): ``{persons}`` is the dialect's
# ``joined(members)``, one string on FalkorDB, read back by queries.lists.strings. The
# persons come in uid order, as the case lists are given (checked, and sorted if not).
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
        return as_plain(self)


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
    derived = keeps_every_event(filters) and not store.read(NOT_DERIVED)
    # persons a reviewer merged (SAME_AS, queries.resolve) are one case: their cluster's
    # representative (smallest uid) stands for them
    from custodygraph.queries.resolve import clusters

    reps = clusters(store)
    cases = (_derived_cases(store, scope, include_confidential) if derived and not reps
             else _entry_lists(store, filters, scope, derived, reps, include_confidential))
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


def _derived_cases(store: Store, scope: set[str] | None,
                   include_confidential: bool) -> Cases:
    """The cases of every entry from the lists derived onto the persons: both lists and
    every person's case entry are read at once (graph.store.read_together)."""
    d = store.dialect
    at_rows, by_rows, (every,) = read_together(store, [
        (DERIVED_AT.format(persons=d.joined("members")), None),
        (DERIVED_BY.format(persons=d.joined("members")), None),
        (every_case_statement(d), None)])
    cases = every_case(store, include_confidential, every)
    members: dict[str, dict[str, list[str]]] = {}
    for role, rows, query in (("place", at_rows, DERIVED_AT), ("responsible", by_rows, DERIVED_BY)):
        lists = members[role] = {}
        for uid, persons in _derived_lists(store, query, rows):
            if scope is not None:
                persons = [p for p in persons if p in scope]
            if not all(map(lt, persons, islice(persons, 1, None))):
                persons = sorted(set(persons))  # each case once, in uid order
            if persons:
                lists[uid] = persons
    members["only_responsible"] = _only_responsible(members)
    out = {role: {uid: list(map(cases.get, persons)) for uid, persons in lists.items()}
           for role, lists in members.items()}
    if any(None in persons for lists in out.values() for persons in lists.values()):
        # persons written since every case was read: look them up
        missing = {p for lists in members.values() for persons in lists.values()
                   for p in persons if p not in cases}
        found = case_list(store, missing, include_confidential)
        cases |= {p: found.get(p, {"uid": p, "name": ""}) for p in missing}
        out = {role: {uid: list(map(cases.get, persons)) for uid, persons in lists.items()}
               for role, lists in members.items()}
    return out


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
    members["only_responsible"] = _only_responsible(members)
    return {role: {uid: [names[p] for p in sorted(persons)] for uid, persons in lists.items()}
            for role, lists in members.items()}


def _only_responsible(members: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """For each entry in both roles (a security branch that held and arrested people), the
    persons it is responsible for but did not hold, in uid order."""
    places = members["place"]
    return {uid: sorted(set(persons).difference(places[uid]))
            for uid, persons in members["responsible"].items() if uid in places}


def _derived_lists(store: Store, query: str, rows: list[dict[str, Any]] | None = None
                   ) -> list[tuple[str, list[str]]]:
    """(entry uid, persons) from DERIVED_AT or DERIVED_BY (its joined answer ``rows``, read
    here unless given): joined lists where every one splits back whole, else the plain
    lists."""
    if rows is None:
        rows = store.read(query.format(persons=store.dialect.joined("members")))
    found = [(row["uid"], strings(row["persons"], row["size"])) for row in rows]
    if all(members is not None for _, members in found):
        return found
    return [(row["uid"], row["persons"]) for row in store.read(query.format(persons="members"))]
