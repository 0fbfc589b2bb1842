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
    ("Palestine Branch", "security_branch"),
    ("Military Police in Qaboun", "military_police"),
    ("Tishreen Military Hospital", "military_hospital"),
    ("Damascus Central Prison (Adra)", "prison"),
    ("Air Force Intelligence branch at Mezzeh Military Airport", "security_branch"),
]
#: the facilities and organisations are named as the gazetteer names them, so that the names
#: the queries return are those written here; the one the gazetteer does not list is declared
#: outside it (gazetteer: false)
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
            "organizations": [{"id": f"o{i}", "name": n, "type": t} | _unlisted(n)
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


# --- richer case sets: places, stays, conflicting reports and outcomes ------------------------
# ``generate_custody`` leaves ``generate`` untouched. Its cases add what the investigation
# queries need, each known by construction: hometowns in a town → district → governorate
# hierarchy, stays with a certain part (two exactly dated events at one facility), undated
# steps, a second source that places the person elsewhere at the same time, and an outcome.

GOVERNORATES = ("Daraa Governorate", "Damascus Governorate", "Aleppo Governorate")
PARENT_UNIT = ("Fourth Armoured Division", "military_unit")
#: the organisations no gazetteer entry has
UNLISTED = {"Syrian Arab Army"}


def _unlisted(name: str) -> dict:
    return {"gazetteer": False} if name in UNLISTED else {}
#: how the custody of a generated person ends, and the status the chain must report
OUTCOME_STATUS = {
    None: "in custody or disappeared",
    "release": "released",
    "death_notification": "died in custody",
    "body_delivery": "body delivered",
}
UNSEEN = {"disappearance", "death", "death_notification", "body_delivery", "burial"}


@dataclass
class TrueStep:
    """One step of a generated chain, as the chain must show it."""

    facility: str | None  # None: the outcome, at no facility
    earliest: str | None
    latest: str | None
    #: the part of the stay the person was surely there, or None
    certain: tuple[str, str] | None
    source: str
    events: list[str]  # record ids
    types: list[str]


@dataclass
class CustodySet:
    cases: list[dict] = field(default_factory=list)
    #: person id -> the steps of their chain, in order
    steps: dict[str, list[TrueStep]] = field(default_factory=dict)
    #: person id -> (step number, step number) pairs that conflict (numbered from 1)
    conflicts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)
    #: person id -> record id of the last event that shows the person alive
    last_seen: dict[str, str] = field(default_factory=dict)
    #: person id -> governorate of the hometown (None: no hometown)
    governorate: dict[str, str | None] = field(default_factory=dict)
    #: person id -> (organisation name, record id of the arrest, its earliest, its latest)
    arrested_by: dict[str, tuple[str, str, str | None, str | None]] = field(default_factory=dict)

    def document(self) -> dict:
        towns, districts = [], []
        for g, governorate in enumerate(GOVERNORATES):
            districts.append({"id": f"d{g}", "name": f"District {g}", "level": "district",
                              "part_of": f"g{g}"})
            for t in range(2):
                towns.append({"id": f"t{g}{t}", "name": f"Town {g}{t}", "level": "town",
                              "part_of": f"d{g}"})
        return {
            "sources": [{"id": "gen", "title": "Generated cases", "type": "report"},
                        {"id": "witness", "title": "A generated witness", "type": "testimony",
                         "confidential": True}],
            "locations": [{"id": "syria", "name": "Syria", "level": "country"}]
            + [{"id": f"g{g}", "name": name, "level": "governorate", "part_of": "syria"}
               for g, name in enumerate(GOVERNORATES)] + districts + towns,
            "facilities": [{"id": f"f{i}", "name": n, "type": t}
                           for i, (n, t) in enumerate(FACILITIES)],
            "organizations": [{"id": "parent", "name": PARENT_UNIT[0], "type": PARENT_UNIT[1]}]
            + [{"id": f"o{i}", "name": n, "type": t} | ({"part_of": "parent"} if i == 0 else {})
               | _unlisted(n) for i, (n, t) in enumerate(ORGANIZATIONS)],
            "cases": self.cases,
        }

    def write(self, path) -> None:
        path.write_text(yaml.safe_dump(self.document(), allow_unicode=True, sort_keys=False),
                        encoding="utf-8")


def _month_end(day) -> "date":
    from datetime import date, timedelta

    following = date(day.year + (day.month == 12), day.month % 12 + 1, 1)
    return following - timedelta(days=1)


def generate_custody(seed: int, persons: int, *, undated: float = 0.1, stays: float = 0.3,
                     conflicts: float = 0.2) -> CustodySet:
    """Cases whose chains, gaps, conflicts, outcomes and places are known by construction.

    Each person is arrested at a facility, moves through up to four facilities (never the
    same one twice in a row), each step dated to a month, or a stay given by two exact days,
    or undated; every dated step begins after the previous one ends. With probability
    ``conflicts`` a witness places the person at another facility in the month of one step.
    Then the person is released, or the family is told of the death, or the body is
    delivered, or nothing more is known.
    """
    from datetime import date, timedelta

    rng = random.Random(seed)
    out = CustodySet()
    for n in range(persons):
        pid = f"C{seed}-{n}"
        counter = iter(range(1000))

        def rid() -> str:
            return f"{pid}-{next(counter)}"

        hometown = rng.choice([None] + [f"t{g}{t}" for g in range(3) for t in range(2)])
        person = {"id": pid, "name": f"Detainee {seed} {n}"}
        if hometown:
            person["hometown"] = hometown
        out.governorate[pid] = GOVERNORATES[int(hometown[1])] if hometown else None
        cur = date(2011 + rng.randrange(10), 1 + rng.randrange(12), 1 + rng.randrange(28))
        events = [{"record_id": rid(), "event": "enlistment", "organization": "Syrian Arab Army",
                   "date": f"{cur.year - 1}", "sources": ["gen"], "confidence": "medium"}]
        steps: list[TrueStep] = []
        previous = None
        for s in range(rng.randrange(1, 5)):
            facility = rng.choice([i for i in range(len(FACILITIES)) if i != previous])
            previous = facility
            name = FACILITIES[facility][0]
            first_type = "arrest" if s == 0 else rng.choice(["detention", "transfer"])
            base = {"facility": f"f{facility}", "sources": ["gen"],
                    "confidence": rng.choice(["high", "medium", "low"])}
            if s == 0 and rng.random() < 0.5:
                base_org = ORGANIZATIONS[rng.randrange(2)][0]
                base["organization"] = f"o{[o for o, _ in ORGANIZATIONS].index(base_org)}"
            roll = rng.random()
            if roll < undated:
                first = {"record_id": rid(), "event": first_type} | base
                step_events = [first]
                steps.append(TrueStep(name, None, None, None, "gen", [first["record_id"]],
                                      [first_type]))
            elif roll < undated + stays:
                d1 = cur + timedelta(days=rng.randrange(6))
                d2 = d1 + timedelta(days=rng.randrange(41))
                first = {"record_id": rid(), "event": first_type, "date": d1.isoformat()} | base
                seen = {"record_id": rid(), "event": "sighting", "date": d2.isoformat(),
                        "facility": f"f{facility}", "sources": ["gen"], "confidence": "medium"}
                step_events = [first, seen]
                steps.append(TrueStep(name, d1.isoformat(), d2.isoformat(),
                                      (d1.isoformat(), d2.isoformat()), "gen",
                                      [first["record_id"], seen["record_id"]],
                                      [first_type, "sighting"]))
                cur = d2
            else:
                if cur.day > 1:  # the month must begin after the previous step ends
                    cur = _month_end(cur) + timedelta(days=1)
                first = {"record_id": rid(), "event": first_type,
                         "date": f"{cur.year}-{cur.month:02d}"} | base
                step_events = [first]
                lo, hi = cur.replace(day=1), _month_end(cur)
                steps.append(TrueStep(name, lo.isoformat(), hi.isoformat(), None, "gen",
                                      [first["record_id"]], [first_type]))
                cur = hi
            if s == 0:
                org = first.get("organization")
                if org:
                    out.arrested_by[pid] = (ORGANIZATIONS[int(org[1:])][0], first["record_id"],
                                            steps[-1].earliest, steps[-1].latest)
            events += step_events
            cur = cur + timedelta(days=1 + rng.randrange(90))
        # a witness who places the person elsewhere in the month of one step
        monthly = [i for i, st in enumerate(steps) if st.earliest and not st.certain]
        if monthly and rng.random() < conflicts:
            k = rng.choice(monthly)
            near = {steps[j].facility for j in (k - 1, k, k + 1) if 0 <= j < len(steps)}
            other = rng.choice([i for i, (f, _) in enumerate(FACILITIES) if f not in near])
            witness = {"record_id": rid(), "event": "sighting", "facility": f"f{other}",
                       "date": steps[k].earliest[:7], "sources": ["witness"],
                       "confidence": "low"}
            after = steps[k].events[-1]
            at = next(i for i, e in enumerate(events) if e["record_id"] == after) + 1
            events.insert(at, witness)
            steps.insert(k + 1, TrueStep(FACILITIES[other][0], steps[k].earliest,
                                         steps[k].latest, None, "witness",
                                         [witness["record_id"]], ["sighting"]))
            out.conflicts[pid] = [(k + 1, k + 2)]
        else:
            out.conflicts[pid] = []
        outcome = rng.choice(list(OUTCOME_STATUS))
        if outcome:
            when = cur + timedelta(days=rng.randrange(200))
            last = {"record_id": rid(), "event": outcome, "date": when.isoformat(),
                    "sources": ["gen"], "confidence": "high"}
            if outcome == "body_delivery" and hometown:
                last["location"] = hometown
            events.append(last)
            steps.append(TrueStep(None, when.isoformat(), when.isoformat(), None, "gen",
                                  [last["record_id"]], [outcome]))
        out.status[pid] = OUTCOME_STATUS[outcome]
        out.last_seen[pid] = next(e["record_id"] for e in reversed(events)
                                  if e["event"] not in UNSEEN)
        out.cases.append({"person": person, "events": events})
        out.steps[pid] = steps
    return out


# --- references over networkx, computed from what the generator knows ------------------------
def _day(text):
    from datetime import date

    return date.fromisoformat(text)


def reference_gaps(steps: list[TrueStep], gap_days: int = 30) -> list[tuple[int, int, int | None]]:
    """(after, before, days) of each gap; days None for an undated step."""
    out = []
    for i, (a, b) in enumerate(zip(steps, steps[1:]), start=1):
        if not a.earliest or not b.earliest:
            out.append((i, i + 1, None))
        elif (_day(b.earliest) - _day(a.latest)).days > gap_days:
            out.append((i, i + 1, (_day(b.earliest) - _day(a.latest)).days))
    return out


def _custody_graph(cases: CustodySet) -> nx.MultiDiGraph:
    """Persons → facilities they stayed at (one edge per stay, with its dates), facility →
    facility for each move (with the person and the days between the earliest dates)."""
    graph = nx.MultiDiGraph()
    for pid, steps in cases.steps.items():
        stays = [s for s in steps if s.facility]
        for i, stay in enumerate(stays):
            graph.add_edge(("person", pid), ("facility", stay.facility), kind="stay",
                           earliest=stay.earliest, latest=stay.latest, certain=stay.certain,
                           position=("only" if len(stays) == 1 else "first" if i == 0 else
                                     "final" if i == len(stays) - 1 else "intermediate"))
            if i and stays[i - 1].facility != stay.facility:
                a = stays[i - 1]
                days = None
                if a.earliest and stay.earliest:
                    days = (_day(stay.earliest) - _day(a.earliest)).days
                    days = days if days >= 0 else None
                graph.add_edge(("facility", a.facility), ("facility", stay.facility),
                               kind="move", person=pid, days=days)
    return graph


def reference_flows(cases: CustodySet) -> dict[tuple[str, str], dict]:
    """(origin, destination) -> persons, moves, median days and untimed persons."""
    import statistics

    graph = _custody_graph(cases)
    out: dict[tuple[str, str], dict] = {}
    for a, b, data in graph.edges(data=True):
        if data["kind"] != "move":
            continue
        flow = out.setdefault((a[1], b[1]), {"persons": set(), "moves": 0, "days": [],
                                             "untimed": set()})
        flow["persons"].add(data["person"])
        flow["moves"] += 1
        if data["days"] is None:
            flow["untimed"].add(data["person"])
        else:
            flow["days"].append(data["days"])
    for flow in out.values():
        flow["median"] = statistics.median(flow["days"]) if flow["days"] else None
    return out


def reference_stops(cases: CustodySet) -> dict[str, dict[str, set[str]]]:
    """facility -> role -> persons."""
    graph = _custody_graph(cases)
    out: dict[str, dict[str, set[str]]] = {}
    for person, facility, data in graph.edges(data=True):
        if data["kind"] == "stay":
            roles = out.setdefault(facility[1], {r: set() for r in
                                                 ("first", "intermediate", "final", "only")})
            roles[data["position"]].add(person[1])
    return out


def _meet(a_lo, a_hi, b_lo, b_hi):
    lo, hi = max(a_lo, b_lo), min(a_hi, b_hi)
    return (lo, hi) if lo <= hi else None


def reference_codetention(cases: CustodySet, pid: str) -> dict[str, tuple[str, int]]:
    """Other person id -> (certainty, days of overlap of that certainty)."""
    graph = _custody_graph(cases)
    me = ("person", pid)
    found: dict[str, dict[str, int]] = {}
    for _, facility, mine in graph.out_edges(me, data=True):
        if mine["kind"] != "stay" or not mine["earliest"]:
            continue
        for other, _, theirs in graph.in_edges(facility, data=True):
            if other == me or other[0] != "person" or not theirs["earliest"]:
                continue
            level = None
            if mine["certain"] and theirs["certain"]:
                both = _meet(*mine["certain"], *theirs["certain"])
                if both:
                    level = "certain"
            if level is None:
                both = _meet(mine["earliest"], mine["latest"], theirs["earliest"],
                             theirs["latest"])
                if both:
                    level = "possible"
            if level:
                days = (_day(both[1]) - _day(both[0])).days + 1
                entry = found.setdefault(other[1], {"certain": 0, "possible": 0, "any": 0})
                entry[level] += days
                entry["any"] += 1 if level == "certain" else 0
    return {other: ("certain", d["certain"]) if d["any"] else ("possible", d["possible"])
            for other, d in found.items()}


def reference_custody_recurrence(cases: CustodySet, persons: set[str] | None = None
                                 ) -> dict[str, set[str]]:
    """Facility or organisation name -> persons, over the persons given (default: all)."""
    graph = nx.Graph()
    for pid, steps in cases.steps.items():
        if persons is not None and pid not in persons:
            continue
        for step in steps:
            if step.facility:
                graph.add_edge(("person", pid), ("entry", step.facility))
        if pid in cases.arrested_by:
            graph.add_edge(("person", pid), ("entry", cases.arrested_by[pid][0]))
    return {node[1]: {p[1] for p in graph.neighbors(node)}
            for node in graph if node[0] == "entry"}


def _year_label(earliest: str | None, latest: str | None) -> str:
    if not earliest and not latest:
        return "undated"
    first, last = (earliest or "..")[:4], (latest or "..")[:4]
    return first if first == last else f"{first}-{last}"


def reference_responsibility(cases: CustodySet) -> dict[str, dict]:
    """Organisation name -> its own persons by role and by period.

    An organisation is responsible for the generated arrests it carried out, and, when it is
    a security branch that is also a facility, for the arrests, detentions, transfers and
    sightings at it. Each event is filed under the years of its own dates: the two exact days
    of a stay, or the month of a monthly step.
    """
    branches = {name for name, kind in FACILITIES if kind == "security_branch"}
    graph = nx.MultiGraph()
    for pid, steps in cases.steps.items():
        for step in steps:
            if step.facility not in branches:
                continue
            for i, kind in enumerate(step.types):
                if kind not in ("arrest", "detention", "transfer", "sighting"):
                    continue
                day = step.certain[i] if step.certain else None
                lo, hi = (day, day) if day else (step.earliest, step.latest)
                graph.add_edge(("org", step.facility), ("person", pid),
                               role="arrested" if kind == "arrest" else "held",
                               period=_year_label(lo, hi))
        if pid in cases.arrested_by:
            org, record, lo, hi = cases.arrested_by[pid]
            first = steps[0]
            if first.certain:  # the arrest is the first day of a stay
                lo = hi = first.certain[0]
            graph.add_edge(("org", org), ("person", pid), role="arrested",
                           period=_year_label(lo, hi))
    return responsible_by_org(graph)


def responsible_by_org(graph: nx.MultiGraph) -> dict[str, dict]:
    """Organisation -> its persons by role and by period, from a graph whose edges join
    ("org", name) and ("person", id) nodes and carry ``role`` and ``period``."""
    out: dict[str, dict] = {}
    for a, b, data in graph.edges(data=True):
        org, person = (a, b) if a[0] == "org" else (b, a)
        entry = out.setdefault(org[1], {"roles": {}, "periods": {}})
        entry["roles"].setdefault(data["role"], set()).add(person[1])
        entry["periods"].setdefault(data["period"], set()).add(person[1])
    return out
