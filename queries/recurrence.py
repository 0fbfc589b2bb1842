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

from dataclasses import asdict, dataclass, field
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES
from custodygraph.queries.filters import (EVENT_FILTER, Filters, case_list, check, event_params,
                                          person_scope)
from custodygraph.queries.lists import strings

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
# persons come in uid order, which makes sorting them again cheap (nothing relies on it).
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
    found: dict[str, Recurring] = {}
    # the persons of each entry, each once (every list read holds a person once)
    persons: dict[str, list[str]] = {}
    params = event_params(filters, CUSTODY_SIDE_TYPES) | {"kind": filters.kind}
    derived = _by_events_only(filters) and not store.read(NOT_DERIVED)
    for role, query, entries in (
            ("place", DERIVED_AT if derived else AT_FACILITY, FACILITIES),
            ("responsible", DERIVED_BY if derived else BY_ORGANIZATION, ORGANIZATIONS)):
        kept_lists: dict[str, list[str]] = {}
        for uid, members in (_derived_lists(store, query) if derived
                             else ((row["uid"], row["persons"])
                                   for row in store.read(query, params))):
            kept = members if scope is None else [p for p in members if p in scope]
            if kept:
                kept_lists[uid] = kept
        for row in store.read(entries, {"uids": sorted(kept_lists)}):
            if derived and filters.kind is not None and row["kind"] != filters.kind:
                continue  # the kind filter of the event queries, on the derived lists
            kept = kept_lists[row["uid"]]
            before = persons.get(row["uid"])  # a security branch: a place and responsible
            persons[row["uid"]] = kept if before is None else list(set(before) | set(kept))
            entry = found.setdefault(row["uid"], Recurring(
                row["uid"], row["name"], row["kind"], [], 0))
            entry.roles.append(role)
    # persons a reviewer merged (SAME_AS, queries.resolve) are one case: their cluster's
    # representative (smallest uid) stands for them
    from custodygraph.queries.resolve import clusters

    reps = clusters(store)
    if reps:
        persons = {uid: list({reps.get(p, p) for p in members})
                   for uid, members in persons.items()}
    everyone: set[str] = set()
    for members in persons.values():
        everyone.update(members)
    names = case_list(store, everyone, include_confidential)
    ranked = []
    for uid, entry in found.items():
        entry.persons = [names[p] for p in sorted(persons[uid])]
        entry.cases = len(entry.persons)
        if entry.cases >= minimum:
            ranked.append(entry)
    ranked.sort(key=lambda r: (-r.cases, r.name))
    return ranked


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
