"""Records into the graph: batched, parameterised, idempotent writes.

An ingest writes the small tables first (locations, organisations, facilities, sources),
then the persons and events in batches. Each part goes through the same phases, and their
order is what makes a killed ingest safe to run again:

1. read the digests already stored for the records, to sort them into created, updated and
   unchanged, and to refuse a record whose kind clashes with the stored node;
2. write the nodes of new and changed records (MERGE on ``uid``); new events are created
   together with their links in one statement;
3. replace the links changed records own (an event's place, organisation, sources, person);
4. recompute the derived edges (HELD_AT, ARRESTED_BY, MEMBER_OF) of every person touched;
5. last, store each record's digest.

A run killed before phase 5 leaves digests that do not match, so the next run redoes those
records; a run killed during phase 5 has already written everything the digests vouch for.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from custodygraph.errors import InvalidInput, Problem
from custodygraph.graph import schema
from custodygraph.graph.store import DEFAULT_BATCH, Store
from custodygraph.ingest import records as rec
from custodygraph.ingest.vocabulary import CONFIDENCE, HELD_TYPES, MEMBER_TYPES

#: event types whose organisation took the person into custody (ARRESTED_BY is derived)
ARREST_TYPES = frozenset({"arrest", "surrender_under_amnesty"})
DERIVED_TYPES = ("HELD_AT", "ARRESTED_BY", "MEMBER_OF")


@dataclass(frozen=True)
class Link:
    """A relationship a record owns: ``field`` of the record holds the target uid(s)."""

    field: str
    type: str
    target: str  # label of the target node
    incoming: bool = False  # the edge points at the record (Person-[:SUBJECT_OF]->Event)


@dataclass(frozen=True)
class Kind:
    """How one record class is written: the label MERGE uses, the labels added, its links."""

    name: str  # name in summaries
    base: str  # label every node of the kind has, used to find existing nodes
    links: tuple[Link, ...] = ()


KINDS: dict[type, Kind] = {
    rec.Location: Kind("Location", "Location", (Link("parent", "PART_OF", "Location"),)),
    rec.Organization: Kind("Organization", "Organization",
                           (Link("parent", "PART_OF", "Organization"),)),
    rec.Facility: Kind("Facility", "Facility", (Link("location", "LOCATED_IN", "Location"),)),
    rec.Source: Kind("Source", "Source"),
    rec.Person: Kind("Person", "Person", (Link("hometown", "FROM", "Location"),)),
    rec.Event: Kind("Event", "Event", (
        Link("person", "SUBJECT_OF", "Person", incoming=True),
        Link("facility", "AT", "Facility"),
        Link("location", "AT", "Location"),
        Link("organization", "BY", "Organization"),
        Link("sources", "SOURCED_FROM", "Source"),
    )),
}

READ_DIGESTS = (
    "UNWIND $uids AS u MATCH (n:{label} {{uid: u}}) "
    "RETURN n.uid AS uid, n.digest AS digest, labels(n) AS labels"
)
UPSERT = "UNWIND $rows AS r MERGE (n:{label} {{uid: r.uid}}) SET {sets}{extra}"
DROP_OUT = "UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}})-[x:{types}]->() DELETE x"
DROP_IN = "UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}})<-[x:{type}]-() DELETE x"
LINK_OUT = (
    "UNWIND $rows AS r MATCH (a:{label} {{uid: r.uid}}) MATCH (b:{target} {{uid: r.target}}) "
    "MERGE (a)-[:{type}]->(b)"
)
LINK_IN = (
    "UNWIND $rows AS r MATCH (a:{label} {{uid: r.uid}}) MATCH (b:{target} {{uid: r.target}}) "
    "MERGE (b)-[:{type}]->(a)"
)
SET_DIGEST = "UNWIND $rows AS r MATCH (n:{label} {{uid: r.uid}}) SET n.digest = r.digest"
PERSON_EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:SUBJECT_OF]->(e:Event)
OPTIONAL MATCH (e)-[:AT]->(f:Facility)
OPTIONAL MATCH (e)-[:BY]->(o:Organization)
OPTIONAL MATCH (e)-[:SOURCED_FROM]->(s:Source)
RETURN p.uid AS person, e.uid AS event, e.type AS type, e.earliest AS earliest,
       e.latest AS latest, e.confidence AS confidence, f.uid AS facility,
       o.uid AS organization, s.uid AS source
"""
DROP_DERIVED = (
    "UNWIND $rows AS r MATCH (p:Person {uid: r.uid})-[h:HELD_AT|ARRESTED_BY|MEMBER_OF]->() "
    "DELETE h"
)
# for persons created in this batch, who have no derived edges yet
CREATE_DERIVED = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r.person}}) MATCH (t:{target} {{uid: r.target}})
CREATE (p)-[:{type} {{derived: true, earliest: r.earliest, latest: r.latest, events: r.events,
                     sources: r.sources, confidence: r.confidence}}]->(t)
"""
WRITE_DERIVED = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r.person}}) MATCH (t:{target} {{uid: r.target}})
MERGE (p)-[h:{type}]->(t)
SET h.derived = true, h.earliest = r.earliest, h.latest = r.latest, h.events = r.events,
    h.sources = r.sources, h.confidence = r.confidence
"""
DERIVED_TARGET = {"HELD_AT": "Facility", "ARRESTED_BY": "Organization", "MEMBER_OF": "Organization"}


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0


@dataclass
class Plan:
    """What writing some records will do, decided before anything is written."""

    counts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    #: records to write, by class, split into new ones and changed ones
    created: dict[type, list[rec.Entity]] = field(default_factory=lambda: defaultdict(list))
    updated: dict[type, list[rec.Entity]] = field(default_factory=lambda: defaultdict(list))
    problems: list[Problem] = field(default_factory=list)
    #: digest of every record to write, computed once
    digests: dict[str, str] = field(default_factory=dict)

    def changed(self, cls: type) -> list[rec.Entity]:
        return self.created.get(cls, []) + self.updated.get(cls, [])

    def add(self, other: "Plan") -> None:
        for name, c in other.counts.items():
            mine = self.counts[name]
            mine.created += c.created
            mine.updated += c.updated
            mine.unchanged += c.unchanged
        self.problems += other.problems


def _labels_of(record: rec.Entity) -> list[str]:
    """Every label the node of ``record`` carries, from the schema's class hierarchy."""
    if isinstance(record, rec.Facility):
        cls = schema.CLASS_BY_LABEL[schema.FACILITY_KINDS[record.kind]]
    elif isinstance(record, rec.Organization):
        cls = schema.CLASS_BY_LABEL[schema.ORGANIZATION_KINDS[record.kind]]
    else:
        cls = schema.CLASS_BY_LABEL[KINDS[type(record)].base]
    return [schema.label(name) for name in cls.inherited_labels()]


ENTITY_CLASSES = (rec.Location, rec.Organization, rec.Facility, rec.Source)


def plan(store: Store, groups: Iterable[tuple[type, list[rec.Entity]]],
         batch_size: int = DEFAULT_BATCH) -> Plan:
    """Compare records with the graph; nothing is written."""
    result = Plan()
    for cls, items in groups:
        kind = KINDS[cls]
        query = READ_DIGESTS.format(label=schema.label(kind.base))
        stored: dict[str, dict[str, Any]] = {}
        for start in range(0, len(items), batch_size):
            uids = [r.uid for r in items[start:start + batch_size]]
            for row in store.read(query, {"uids": uids}):
                stored[row["uid"]] = row
        counts = result.counts[kind.name]
        for record in items:
            row = stored.get(record.uid)
            digest = result.digests[record.uid] = record.digest()
            if row is None:
                counts.created += 1
                result.created[cls].append(record)
                continue
            wanted = set(_labels_of(record))
            if not wanted <= set(row["labels"]):
                w = record.where
                result.problems.append(Problem(
                    w.file, w.line, w.column,
                    f"{record.uid} is stored as {':'.join(sorted(row['labels']))} but this file "
                    f"makes it {':'.join(sorted(wanted))}",
                    "use the type already recorded, or correct the stored record first",
                ))
            elif row["digest"] == digest:
                counts.unchanged += 1
            else:
                counts.updated += 1
                result.updated[cls].append(record)
    return result


def _props(record: rec.Entity, run: str) -> dict[str, Any]:
    row = record.props()
    row["uid"] = record.uid
    if isinstance(record, rec.Event):
        row["run"] = run
    return row


def _write_nodes(store: Store, items: list[rec.Entity], run: str, batch: int) -> None:
    by_labels: dict[tuple[str, ...], list[rec.Entity]] = defaultdict(list)
    for record in items:
        by_labels[tuple(_labels_of(record))].append(record)
    for labels, group in by_labels.items():
        first = _props(group[0], run)
        sets = ", ".join(f"n.{key} = r.{key}" for key in first if key != "uid")
        extra = "".join(f" SET n:{name}" for name in labels[1:])
        query = UPSERT.format(label=labels[0], sets=sets, extra=extra)
        store.write_batches(query, (_props(r, run) for r in group), batch)


def _link_rows(link: Link, items: list[rec.Entity]) -> list[dict[str, str]]:
    pairs = []
    for record in items:
        value = getattr(record, link.field)
        for target in value if isinstance(value, list) else [value]:
            if target:
                pairs.append({"uid": record.uid, "target": target})
    return pairs


def _write_links(store: Store, cls: type, items: list[rec.Entity], batch: int) -> None:
    """Replace the links ``items`` own: drop the ones they had, MERGE the ones they have."""
    if not items:
        return
    kind = KINDS[cls]
    label = schema.label(kind.base)
    rows = [{"uid": r.uid} for r in items]
    out_types = sorted({schema.rel(link.type) for link in kind.links if not link.incoming})
    if out_types:
        store.write_batches(DROP_OUT.format(label=label, types="|".join(out_types)), rows, batch)
    for link in kind.links:
        if link.incoming:
            store.write_batches(DROP_IN.format(label=label, type=schema.rel(link.type)), rows,
                                batch)
    for link in kind.links:
        template = LINK_IN if link.incoming else LINK_OUT
        query = template.format(label=label, target=schema.label(link.target),
                                type=schema.rel(link.type))
        store.write_batches(query, _link_rows(link, items), batch)


# New events: the node and all its links in one statement, one variant per combination of
# the optional links present (MATCH on a missing target would drop the row).
CREATE_EVENTS = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r.person}}){matches}
CREATE (e:Event {{uid: r.uid, {props}}})
CREATE (p)-[:SUBJECT_OF]->(e){creates}
WITH e, r
UNWIND r.sources AS su
MATCH (s:Source {{uid: su}})
CREATE (e)-[:SOURCED_FROM]->(s)
"""
_OPTIONAL_EVENT_LINKS = (  # record field, variable, target label, relationship type
    ("facility", "f", "Facility", "AT"),
    ("location", "l", "Location", "AT"),
    ("organization", "o", "Organization", "BY"),
)


def _create_events(store: Store, events: list[rec.Event], run: str, batch: int,
                   digests: dict[str, str]) -> None:
    """CREATE new events with their links; ``digests`` seals those it holds at once."""
    groups: dict[tuple[bool, ...], list[rec.Event]] = defaultdict(list)
    for event in events:
        groups[tuple(bool(getattr(event, f)) for f, *_ in _OPTIONAL_EVENT_LINKS)].append(event)
    for present, group in groups.items():
        matches = creates = ""
        for (fld, var, target, rtype), here in zip(_OPTIONAL_EVENT_LINKS, present):
            if here:
                matches += f" MATCH ({var}:{schema.label(target)} {{uid: r.{fld}}})"
                creates += f" CREATE (e)-[:{schema.rel(rtype)}]->({var})"
        first = _props(group[0], run)
        props = ", ".join(f"{key}: r.{key}" for key in [*first, "digest"] if key != "uid")
        query = CREATE_EVENTS.format(matches=matches, props=props, creates=creates)
        rows = []
        for event in group:
            row = _props(event, run)
            row.update(person=event.person, facility=event.facility, location=event.location,
                       organization=event.organization, sources=event.sources,
                       digest=digests.get(event.uid))
            rows.append(row)
        store.write_batches(query, rows, batch)


def _write_digests(store: Store, cls: type, items: list[rec.Entity], digests: dict[str, str],
                   batch: int) -> None:
    label = schema.label(KINDS[cls].base)
    rows = [{"uid": r.uid, "digest": digests[r.uid]} for r in items]
    store.write_batches(SET_DIGEST.format(label=label), rows, batch)


def derive_edges(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Direct edges from event rows (one row per event, place, organisation and source).

    Returns rows for WRITE_DERIVED by relationship type. Each edge carries the events and
    sources it stands for, the widest date bounds and the best confidence among them.
    """
    groups: dict[tuple[str, str, str], dict[str, Any]] = {}

    def add(rtype: str, row: dict[str, Any], target: str | None) -> None:
        if not target:
            return
        key = (rtype, row["person"], target)
        edge = groups.setdefault(key, {"person": row["person"], "target": target,
                                       "events": set(), "sources": set(), "earliest": [],
                                       "latest": [], "confidence": set()})
        edge["events"].add(row["event"])
        if row.get("source"):
            edge["sources"].add(row["source"])
        if row.get("earliest"):
            edge["earliest"].append(row["earliest"])
        edge["latest"].append(row.get("latest"))
        if row.get("confidence"):
            edge["confidence"].add(row["confidence"])

    for row in rows:
        if row["type"] in HELD_TYPES:
            add("HELD_AT", row, row.get("facility"))
        if row["type"] in ARREST_TYPES:
            add("ARRESTED_BY", row, row.get("organization"))
        if row["type"] in MEMBER_TYPES:
            add("MEMBER_OF", row, row.get("organization"))

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (rtype, _, _), edge in sorted(groups.items()):
        latest = edge["latest"]
        out[rtype].append({
            "person": edge["person"],
            "target": edge["target"],
            "events": sorted(edge["events"]),
            "sources": sorted(edge["sources"]),
            "earliest": min(edge["earliest"]) if edge["earliest"] else None,
            # an open end in any event leaves the edge open
            "latest": None if (not latest or None in latest) else max(latest),
            "confidence": next((c for c in CONFIDENCE if c in edge["confidence"]), None),
        })
    return out


def _write_derived(store: Store, edges: dict[str, list[dict[str, Any]]], batch: int,
                   template: str) -> None:
    for rtype in DERIVED_TYPES:
        query = template.format(target=schema.label(DERIVED_TARGET[rtype]),
                                type=schema.rel(rtype))
        store.write_batches(query, edges.get(rtype, []), batch)


def rebuild_derived(store: Store, person_uids: list[str], batch: int = DEFAULT_BATCH) -> None:
    """Recompute HELD_AT, ARRESTED_BY and MEMBER_OF for these persons from their events."""
    for start in range(0, len(person_uids), batch):
        uids = person_uids[start:start + batch]
        edges = derive_edges(store.read(PERSON_EVENTS, {"uids": uids}))
        store.write_batches(DROP_DERIVED, [{"uid": u} for u in uids], batch)
        _write_derived(store, edges, batch, WRITE_DERIVED)


def _event_rows(events: Iterable[rec.Event]) -> Iterator[dict[str, Any]]:
    """The rows PERSON_EVENTS would return for these events."""
    for e in events:
        for source in e.sources or [None]:
            yield {"person": e.person, "event": e.uid, "type": e.type, "earliest": e.earliest,
                   "latest": e.latest, "confidence": e.confidence, "facility": e.facility,
                   "organization": e.organization, "source": source}


def write_entities(store: Store, the_plan: Plan, run: str, batch: int = DEFAULT_BATCH) -> None:
    """Write planned locations, organisations, facilities and sources (small tables)."""
    if the_plan.problems:
        raise InvalidInput(the_plan.problems)
    for cls in ENTITY_CLASSES:
        _write_nodes(store, the_plan.changed(cls), run, batch)
    for cls in ENTITY_CLASSES:
        _write_links(store, cls, the_plan.changed(cls), batch)
    for cls in ENTITY_CLASSES:
        _write_digests(store, cls, the_plan.changed(cls), the_plan.digests, batch)


def write_cases(store: Store, the_plan: Plan, run: str, batch: int = DEFAULT_BATCH) -> None:
    """Write planned persons and events, then their derived edges, then their digests.

    Persons created by this plan have, in the graph, exactly the events of this plan: their
    derived edges are computed here and created, and their new events are sealed with their
    digest at once. Should the run die before the person's own digest is written, the next
    run finds the person changed and rebuilds its derived edges from the graph.
    """
    if the_plan.problems:
        raise InvalidInput(the_plan.problems)
    persons = the_plan.changed(rec.Person)
    new_persons = {p.uid for p in the_plan.created.get(rec.Person, [])}
    _write_nodes(store, persons, run, batch)
    _write_links(store, rec.Person, persons, batch)
    created = the_plan.created.get(rec.Event, [])
    sealed = {e.uid: the_plan.digests[e.uid] for e in created if e.person in new_persons}
    _create_events(store, created, run, batch, sealed)
    updated = the_plan.updated.get(rec.Event, [])
    _write_nodes(store, updated, run, batch)
    _write_links(store, rec.Event, updated, batch)
    changed_events = the_plan.changed(rec.Event)
    fresh = derive_edges(_event_rows(e for e in changed_events if e.person in new_persons))
    _write_derived(store, fresh, batch, CREATE_DERIVED)
    touched = {e.person for e in changed_events} | {p.uid for p in persons}
    rebuild_derived(store, sorted(touched - new_persons), batch)
    _write_digests(store, rec.Person, persons, the_plan.digests, batch)
    _write_digests(store, rec.Event, [e for e in changed_events if e.uid not in sealed],
                   the_plan.digests, batch)
