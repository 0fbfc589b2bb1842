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
from typing import Any, Iterable

from custodygraph.graph.store import Store, read_together
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES
from custodygraph.queries.filters import (EVENT_FILTER, Filters, case_list, check, event_params,
                                          every_case, every_case_statements, keeps_every_event,
                                          person_scope)
from custodygraph.queries.lists import SEPARATOR, strings
from custodygraph.queries.plain import as_plain, collector_paused

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
# The same lists, kept whole in one CaseTable (graph.schema.CaseTable) by every ingest
# (ingest.writer.refresh_case_table): read only while no write of custody lists has marked it
CASE_TABLE = """
MATCH (t:CaseTable {uid: 'cases'}) WHERE t.changed IS NULL
RETURN t.persons AS persons, t.size AS size, t.places AS places, t.place_sizes AS place_sizes,
       t.place_members AS place_members, t.responsible AS responsible,
       t.responsible_sizes AS responsible_sizes, t.responsible_members AS responsible_members
"""
#: the CaseTable's properties of each role: its entries, their sizes, their members
TABLE_ROLES = (("place", "places", "place_sizes", "place_members"),
               ("responsible", "responsible", "responsible_sizes", "responsible_members"))
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


@collector_paused
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
    lists, cases = (_derived_cases(store, scope, include_confidential) if derived and not reps
                    else _entry_lists(store, filters, scope, derived, reps,
                                      include_confidential))
    return _ranked(store, lists, cases, filters.kind, minimum)


#: the entries of each role: the query that names them, and the one that lists their persons
#: by their events
ROLES = (("place", FACILITIES, AT_FACILITY, DERIVED_AT),
         ("responsible", ORGANIZATIONS, BY_ORGANIZATION, DERIVED_BY))



@dataclass
class Lists:
    """The persons of every entry: ``everyone`` in uid order, and for each role, each entry's
    persons as their places in ``everyone``, ascending (so in uid order, each once)."""

    everyone: list[str]
    roles: dict[str, dict[str, Any]]  # role -> entry uid -> numpy array of int32


def indexed(lists: dict[str, Iterable[tuple[str, Iterable[str]]]]) -> Lists:
    """``Lists`` from the uids of each entry's persons by role (in any order, repeated or
    not); entries without persons are left out.

    >>> found = indexed({"place": [("f:b", ["p:2", "p:1", "p:2"]), ("f:a", [])]})
    >>> found.everyone, {e: a.tolist() for e, a in found.roles["place"].items()}
    (['p:1', 'p:2'], {'f:b': [0, 1]})
    """
    import numpy as np

    lists = {role: [(uid, list(persons)) for uid, persons in found]
             for role, found in lists.items()}
    everyone = sorted({p for found in lists.values() for _, persons in found for p in persons})
    at = {uid: i for i, uid in enumerate(everyone)}
    return Lists(everyone, {role: {uid: np.unique(np.fromiter(map(at.__getitem__, persons),
                                                              np.int32, len(persons)))
                                   for uid, persons in found if persons}
                            for role, found in lists.items()})


def case_table(lists: Lists) -> dict[str, Any]:
    """The CaseTable's properties: every person's uid joined by newlines, and for each role
    its entries in uid order, their sizes and their members (places in ``everyone``) as
    32-bit little-endian numbers in hexadecimal, entry after entry.

    >>> t = case_table(indexed({"place": [("f:b", ["p:2", "p:1"])], "responsible": []}))
    >>> t["persons"], t["size"], t["places"], t["place_sizes"], t["place_members"]
    ('p:1\\np:2', 2, ['f:b'], [2], '0000000001000000')
    >>> read_table(t).roles["place"]["f:b"].tolist()
    [0, 1]
    """
    import numpy as np

    table: dict[str, Any] = {"persons": SEPARATOR.join(lists.everyone),
                             "size": len(lists.everyone)}
    for role, entries, sizes, members in TABLE_ROLES:
        found = sorted(lists.roles.get(role, {}).items())
        table[entries] = [uid for uid, _ in found]
        table[sizes] = [len(persons) for _, persons in found]
        table[members] = (np.concatenate([persons for _, persons in found]).astype("<i4")
                          .tobytes().hex() if found else "")
    return table


def read_table(row: dict[str, Any]) -> Lists | None:
    """``Lists`` from the CaseTable's properties, or None unless they come out whole: the
    uids split into ``size`` (none holding the separator), and every entry's members
    ascending places in them."""
    import numpy as np

    everyone = strings(row["persons"] or "", row["size"] or 0)
    if everyone is None:
        return None
    roles: dict[str, dict[str, Any]] = {}
    for role, entries, sizes, members in TABLE_ROLES:
        uids, counts = row[entries] or [], row[sizes] or []
        packed = np.frombuffer(bytes.fromhex(row[members] or ""), "<i4").astype(np.int32)
        if len(uids) != len(counts) or len(packed) != sum(counts):
            return None
        found = roles[role] = {}
        for uid, persons in zip(uids, np.split(packed, np.cumsum(counts)[:-1])):
            if (not len(persons) or persons[0] < 0 or persons[-1] >= len(everyone)
                    or (np.diff(persons) <= 0).any()):
                return None
            found[uid] = persons
    return Lists(everyone, roles)


def _ranked(store: Store, lists: Lists, cases: list[dict[str, Any]], kind: str | None,
            minimum: int) -> list[Recurring]:
    """Entries from ``lists`` and the case entries of ``lists.everyone`` (in its order),
    ranked."""
    import numpy as np

    found: dict[str, Recurring] = {}
    members: dict[str, Any] = {}
    named = read_together(store, [(entries, {"uids": sorted(lists.roles[role])})
                                  for role, entries, *_ in ROLES])
    for (role, *_), rows in zip(ROLES, named):
        listed = lists.roles[role]
        for row in rows:
            if kind is not None and row["kind"] != kind:
                continue  # the kind filter of the event queries, on the derived lists
            uid = row["uid"]
            if uid not in found:
                found[uid] = Recurring(uid, row["name"], row["kind"], [role], 0)
                members[uid] = listed[uid]
                continue
            # a security branch, a place and responsible: the cases of both
            found[uid].roles.append(role)
            members[uid] = np.union1d(members[uid], listed[uid])
    for uid, entry in found.items():
        entry.persons = list(map(cases.__getitem__, members[uid].tolist()))
        entry.cases = len(entry.persons)
    ranked = [entry for entry in found.values() if entry.cases >= minimum]
    ranked.sort(key=lambda r: (-r.cases, r.name))
    return ranked


def _scoped(lists: Lists, scope: set[str] | None) -> Lists:
    """``lists`` with only the persons in ``scope`` (all, if None); entries left without
    persons are left out."""
    if scope is None:
        return lists
    import numpy as np

    kept = np.fromiter((p in scope for p in lists.everyone), bool, len(lists.everyone))
    roles = {role: {uid: persons[kept[persons]] for uid, persons in found.items()}
             for role, found in lists.roles.items()}
    return Lists(lists.everyone, {role: {uid: persons for uid, persons in found.items()
                                         if len(persons)}
                                  for role, found in roles.items()})


def _derived_cases(store: Store, scope: set[str] | None, include_confidential: bool
                   ) -> tuple[Lists, list[dict[str, Any]]]:
    """The persons of every entry from the lists derived onto the persons, and their case
    entries: from the CaseTable where it is current, else from the lists themselves (the
    lists and every person's case entry are read at once, graph.store.read_together)."""
    d = store.dialect
    table, *every = read_together(store, [(CASE_TABLE, None), *every_case_statements(d)])
    lists = read_table(table[0]) if table else None
    if lists is None:
        at_rows, by_rows = read_together(store, [
            (DERIVED_AT.format(persons=d.joined("members")), None),
            (DERIVED_BY.format(persons=d.joined("members")), None)])
        lists = indexed({"place": derived_lists(store, DERIVED_AT, at_rows),
                         "responsible": derived_lists(store, DERIVED_BY, by_rows)})
    lists = _scoped(lists, scope)
    every_one = every_case(store, include_confidential, every)
    cases = list(map(every_one.get, lists.everyone))
    missing = {uid for uid, case in zip(lists.everyone, cases) if case is None}
    if missing:  # persons written since every case was read: look them up
        found = case_list(store, missing, include_confidential)
        cases = [found.get(uid, {"uid": uid, "name": ""}) if case is None else case
                 for uid, case in zip(lists.everyone, cases)]
    return lists, cases


def _entry_lists(store: Store, filters: Filters, scope: set[str] | None, derived: bool,
                 reps: dict[str, str], include_confidential: bool
                 ) -> tuple[Lists, list[dict[str, Any]]]:
    """The persons of every entry from the events, or the derived lists (DERIVED_AT,
    DERIVED_BY), and their case entries; merged persons stand for their cluster."""
    params = event_params(filters, CUSTODY_SIDE_TYPES) | {"kind": filters.kind}
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for role, _, by_events, by_person in ROLES:
        found[role] = [(uid, [reps.get(p, p) for p in persons if scope is None or p in scope])
                       for uid, persons in (derived_lists(store, by_person) if derived
                                            else ((row["uid"], row["persons"])
                                                  for row in store.read(by_events, params)))]
    lists = indexed(found)
    names = case_list(store, lists.everyone, include_confidential)
    return lists, [names[uid] for uid in lists.everyone]


def derived_lists(store: Store, query: str, rows: list[dict[str, Any]] | None = None
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
