"""Generated case sets whose right answers are known by construction, and a networkx reference.

Each generated person passes through a random walk of facilities with strictly increasing
dates (or, for undated steps, an explicit order), so the custody chain is known; the
reference implementation counts recurrence on a networkx graph built from the same cases.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import networkx as nx
import yaml

FACILITIES = [
    ("Sednaya Military Prison", "prison"),
    ("Raid Branch 215", "security_branch"),
    ("Palestine Branch 235", "security_branch"),
    ("Military police building in Qaboun", "military_police"),
    ("Tishreen Military Hospital", "military_hospital"),
    ("Adra Central Prison", "prison"),
    ("Air Force Intelligence branch at Mezzeh airport", "security_branch"),
]
ORGANIZATIONS = [
    ("Fourth Division security office", "security_branch"),
    ("Military Intelligence Directorate", "intelligence_agency"),
    ("Syrian Arab Army", "military_unit"),
]


@dataclass
class CaseSet:
    cases: list[dict] = field(default_factory=list)
    #: person id -> ordered facility names of their chain
    chains: dict[str, list[str]] = field(default_factory=dict)

    def document(self) -> dict:
        return {
            "sources": [{"id": "gen", "title": "Generated cases", "type": "report"}],
            "facilities": [{"id": f"f{i}", "name": n, "type": t}
                           for i, (n, t) in enumerate(FACILITIES)],
            "organizations": [{"id": f"o{i}", "name": n, "type": t}
                              for i, (n, t) in enumerate(ORGANIZATIONS)],
            "cases": self.cases,
        }

    def write(self, path) -> None:
        path.write_text(yaml.safe_dump(self.document(), allow_unicode=True, sort_keys=False),
                        encoding="utf-8")


def generate(seed: int, persons: int) -> CaseSet:
    rng = random.Random(seed)
    out = CaseSet()
    for n in range(persons):
        pid = f"G{seed}-{n}"
        year = 2011 + rng.randrange(10)
        month = 1 + rng.randrange(3)
        events = [{"event": "enlistment", "organization": "Syrian Arab Army",
                   "date": f"{year - 1}", "sources": ["gen"], "confidence": "medium"}]
        walk = []
        steps = rng.randrange(1, 5)
        for s in range(steps):
            facility = rng.randrange(len(FACILITIES))
            if walk and walk[-1] == FACILITIES[facility][0]:
                continue  # consecutive stays at one place are one step
            walk.append(FACILITIES[facility][0])
            event = {
                "event": "arrest" if s == 0 else rng.choice(["detention", "transfer"]),
                "facility": f"f{facility}",
                "sources": ["gen"],
                "confidence": rng.choice(["high", "medium", "low"]),
            }
            if rng.random() < 0.8:  # most steps dated, in order; the rest only sequenced
                event["date"] = f"{year}-{month:02d}"
                month += 1 + rng.randrange(2)
                if month > 12:
                    year, month = year + 1, month - 12
            if s == 0 and rng.random() < 0.5:
                org = rng.randrange(len(ORGANIZATIONS) - 1)
                event["organization"] = f"o{org}"
            events.append(event)
        out.cases.append({"person": {"id": pid, "name": f"Person {seed} {n}"},
                          "events": events})
        out.chains[pid] = walk
    return out


def reference_recurrence(cases: CaseSet) -> dict[str, int]:
    """Distinct persons per facility and per responsible organisation, counted by networkx."""
    from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES

    fac = {f"f{i}": name for i, (name, _) in enumerate(FACILITIES)}
    org = {f"o{i}": name for i, (name, _) in enumerate(ORGANIZATIONS)}
    org_by_name = {name: name for name, _ in ORGANIZATIONS}
    graph = nx.DiGraph()
    for case in cases.cases:
        person = ("person", case["person"]["id"])
        for event in case["events"]:
            if event["event"] not in CUSTODY_SIDE_TYPES:
                continue
            if "facility" in event:
                graph.add_edge(person, ("place", fac[event["facility"]]))
            if "organization" in event:
                name = org.get(event["organization"]) or org_by_name[event["organization"]]
                graph.add_edge(person, ("place", name))
    return {node[1]: graph.in_degree(node) for node in graph if node[0] == "place"}
