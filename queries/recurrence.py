"""Which facilities and organisations come up again and again across cases?

Ranked by the number of distinct persons (cases) whose custody events took place at a
facility or were carried out by an organisation. Enlistment, conscription, deployment,
defection and reconciliation do not count: being conscripted into a unit is not being held
by it. Every count comes with the cases behind it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES
from custodygraph.queries import redact

# Rows, not aggregates: the counting is done in Python so that every number is built from
# the very list of cases returned with it.
AT_FACILITY = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:AT]->(n:Facility)
WHERE e.type IN $types
RETURN DISTINCT n.uid AS uid, n.name AS name, n.kind AS kind,
       p.uid AS person, p.name AS person_name, p.protected AS protected
"""
BY_ORGANIZATION = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)-[:BY]->(n:Organization)
WHERE e.type IN $types
RETURN DISTINCT n.uid AS uid, n.name AS name, n.kind AS kind,
       p.uid AS person, p.name AS person_name, p.protected AS protected
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


def recurring(store: Store, *, minimum: int = 1,
              include_confidential: bool = False) -> list[Recurring]:
    """Facilities and organisations ranked by the number of distinct persons they recur for.

    A security branch that both held and arrested people is one entry with both roles.
    Each entry lists its persons (protected persons redacted unless ``include_confidential``).
    """
    found: dict[str, Recurring] = {}
    persons: dict[str, dict[str, dict[str, str]]] = {}
    params = {"types": sorted(CUSTODY_SIDE_TYPES)}
    for role, query in (("place", AT_FACILITY), ("responsible", BY_ORGANIZATION)):
        for row in store.read(query, params):
            entry = found.setdefault(row["uid"], Recurring(
                row["uid"], row["name"], row["kind"], [], 0))
            if role not in entry.roles:
                entry.roles.append(role)
            persons.setdefault(row["uid"], {})[row["person"]] = {
                "uid": row["person"],
                "name": redact.person_name(row["person_name"], row["protected"],
                                           include_confidential),
            }
    ranked = []
    for uid, entry in found.items():
        entry.persons = sorted(persons[uid].values(), key=lambda p: p["uid"])
        entry.cases = len(entry.persons)
        if entry.cases >= minimum:
            ranked.append(entry)
    ranked.sort(key=lambda r: (-r.cases, r.name))
    return ranked
