"""The baselines the benchmark suite compares custodygraph with.

- ``per_record``: the object-mapper way, one parameterised statement (one round trip) per
  event with its links, through the ``falkordb`` client;
- ``bulk_csvs`` + ``bulk_load``: FalkorDB's own bulk loader (the ``falkordb-bulk-loader``
  package), fed node and edge CSVs converted from the flat file;
- ``NxGraph``: the chain and recurrence questions answered in pure Python with networkx.

All three use the same reduced model: Person, Event and Facility nodes, SUBJECT_OF and AT
edges. custodygraph writes more than that (sources, organisations, places, derived edges,
dates, digests), so every ratio here is conservative for custodygraph.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator
from urllib.parse import quote

PERSON = "MERGE (p:Person {uid: $person}) ON CREATE SET p.name = $name"
#: one event with its person and, when it has one, its facility: a single round trip
EVENT_AT = (
    "MERGE (p:Person {uid: $person}) ON CREATE SET p.name = $name "
    "MERGE (f:Facility {uid: $facility}) ON CREATE SET f.name = $facility_name "
    "CREATE (e:Event {uid: $uid, type: $type, date: $date, sequence: $sequence, "
    "confidence: $confidence}) "
    "CREATE (p)-[:SUBJECT_OF]->(e) CREATE (e)-[:AT]->(f)"
)
EVENT_ONLY = (
    "MERGE (p:Person {uid: $person}) ON CREATE SET p.name = $name "
    "CREATE (e:Event {uid: $uid, type: $type, date: $date, sequence: $sequence, "
    "confidence: $confidence}) "
    "CREATE (p)-[:SUBJECT_OF]->(e)"
)
INDEXES = ("CREATE INDEX FOR (p:Person) ON (p.uid)", "CREATE INDEX FOR (f:Facility) ON (f.uid)",
           "CREATE INDEX FOR (e:Event) ON (e.uid)")


def _key(text: str) -> str:
    return " ".join(text.lower().split())


def records(path: Path) -> Iterator[dict]:
    """The flat file's rows, reduced to what the baselines store."""
    with open(path, encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            facility = row["facility"].strip()
            yield {
                "uid": "event:" + row["record_id"].lower(),
                "person": "person:" + row["person_id"].lower(),
                "name": row["person"],
                "type": row["event"],
                "date": row["date"],
                "sequence": int(row["sequence"] or 0),
                "confidence": row["confidence"],
                "facility": ("facility:" + _key(facility)) if facility else "",
                "facility_name": facility,
            }


# --- (a) one round trip per record -----------------------------------------------------------
def per_record(db, graph_name: str, path: Path, limit: int) -> tuple[int, float]:
    """Write the first ``limit`` events one statement each; returns (rows, seconds)."""
    graph = db.select_graph(graph_name)
    for statement in INDEXES:
        graph.query(statement)
    rows = 0
    started = time.perf_counter()
    for rec in records(path):
        if rows >= limit:
            break
        graph.query(EVENT_AT if rec["facility"] else EVENT_ONLY, rec)
        rows += 1
    return rows, time.perf_counter() - started


# --- (b) FalkorDB's bulk loader --------------------------------------------------------------
def bulk_csvs(path: Path, out: Path) -> dict[str, Path]:
    """Convert the flat file into the bulk loader's node and edge CSVs (first column the id)."""
    out.mkdir(parents=True, exist_ok=True)
    files = {name: out / f"{name}.csv" for name in ("Person", "Event", "Facility", "SUBJECT_OF",
                                                    "AT")}
    handles = {name: open(p, "w", encoding="utf-8", newline="") for name, p in files.items()}
    try:
        w = {name: csv.writer(fh, quoting=csv.QUOTE_MINIMAL) for name, fh in handles.items()}
        w["Person"].writerow(["uid", "name"])
        w["Event"].writerow(["uid", "type", "date", "sequence", "confidence"])
        w["Facility"].writerow(["uid", "name"])
        w["SUBJECT_OF"].writerow(["src", "dst"])
        w["AT"].writerow(["src", "dst"])
        persons: set[str] = set()
        facilities: set[str] = set()
        for rec in records(path):
            if rec["person"] not in persons:
                persons.add(rec["person"])
                w["Person"].writerow([rec["person"], rec["name"]])
            w["Event"].writerow([rec["uid"], rec["type"], rec["date"], rec["sequence"],
                                 rec["confidence"]])
            w["SUBJECT_OF"].writerow([rec["person"], rec["uid"]])
            if rec["facility"]:
                if rec["facility"] not in facilities:
                    facilities.add(rec["facility"])
                    w["Facility"].writerow([rec["facility"], rec["facility_name"]])
                w["AT"].writerow([rec["uid"], rec["facility"]])
    finally:
        for fh in handles.values():
            fh.close()
    return files


def bulk_command() -> str:
    script = Path(sys.executable).with_name("falkordb-bulk-insert")
    return str(script) if script.exists() else (shutil.which("falkordb-bulk-insert") or "")


def bulk_load(socket: Path, password: str, graph_name: str, files: dict[str, Path]) -> float:
    """Run ``falkordb-bulk-insert`` over the Unix socket of a throwaway server; seconds."""
    command = bulk_command()
    if not command:
        raise RuntimeError("falkordb-bulk-insert is not installed "
                           "(pip install falkordb-bulk-loader)")
    url = f"unix://{socket}?password={quote(password, safe='')}"
    argv = [command, graph_name, "-u", url,
            "-N", "Person", str(files["Person"]), "-N", "Event", str(files["Event"]),
            "-N", "Facility", str(files["Facility"]),
            "-R", "SUBJECT_OF", str(files["SUBJECT_OF"]), "-R", "AT", str(files["AT"])]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ))
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"falkordb-bulk-insert failed ({done.returncode}): "
                           f"{(done.stderr or done.stdout).strip()[-600:]}")
    return elapsed


# --- networkx --------------------------------------------------------------------------------
class NxGraph:
    """Persons, events and facilities in a networkx DiGraph, loaded from the flat file."""

    def __init__(self, path: Path):
        import networkx as nx

        g = nx.DiGraph()
        for rec in records(path):
            g.add_node(rec["person"], kind="Person", name=rec["name"])
            g.add_node(rec["uid"], kind="Event", type=rec["type"], date=rec["date"],
                       sequence=rec["sequence"], confidence=rec["confidence"])
            g.add_edge(rec["person"], rec["uid"], type="SUBJECT_OF")
            if rec["facility"]:
                g.add_node(rec["facility"], kind="Facility", name=rec["facility_name"])
                g.add_edge(rec["uid"], rec["facility"], type="AT")
        self.g = g

    def chain(self, person: str) -> list[tuple]:
        """The person's events in order, each with its facility."""
        g = self.g
        steps = []
        for event in g.successors(person):
            data = g.nodes[event]
            places = [g.nodes[f]["name"] for f in g.successors(event)]
            steps.append((data["sequence"], data["date"], data["type"],
                          places[0] if places else None))
        steps.sort(key=lambda s: (s[0], s[1]))
        return steps

    def recurrence(self) -> list[tuple[str, int]]:
        """Facilities by number of distinct persons, most first."""
        g = self.g
        ranking = []
        for node, data in g.nodes(data=True):
            if data["kind"] != "Facility":
                continue
            persons = {p for e in g.predecessors(node) for p in g.predecessors(e)}
            ranking.append((data["name"], len(persons)))
        ranking.sort(key=lambda r: (-r[1], r[0]))
        return ranking
