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

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from functools import partial
from operator import attrgetter
from typing import Any, Iterable, Iterator

from custodygraph.errors import GraphNotLoaded, InvalidInput, Problem
from custodygraph.graph import schema
from custodygraph.graph.store import DEFAULT_BATCH, Store, chunks, read_aside, read_together
from custodygraph.ingest import records as rec
from custodygraph.ingest.vocabulary import CONFIDENCE, CUSTODY_SIDE_TYPES, HELD_TYPES, MEMBER_TYPES
from custodygraph.queries.custody import (CHAIN_RULES, custody_part, order_events,
                                          step_groups, stored_summary, summarize)

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
    #: the property that keeps the record's digest: a gazetteer entry that is both a
    #: facility and an organisation is one node holding two records, each with its digest
    digest: str = "digest"


KINDS: dict[type, Kind] = {
    rec.Location: Kind("Location", "Location", (Link("parent", "PART_OF", "Location"),)),
    rec.Organization: Kind("Organization", "Organization",
                           (Link("parent", "PART_OF", "Organization"),),
                           digest="organization_digest"),
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
    "RETURN n.uid AS uid, n.{digest} AS digest, labels(n) AS labels"
)
# Rows travel as lists, not maps: a row [uid, value, ...] is a third of the text of the same
# row keyed by name, and the engine reads it in half the time. r[0] is always the uid.
# The properties are set as one map over the node's own (``n {.*, ...}``): FalkorDB 4.16
# loses the wrong property when one statement deletes two of a node's properties (setting
# them to null) and the second was its last: an update that left a person's Arabic name
# and notes empty had removed ``protected`` instead (tests/test_later_files.py).
UPSERT = "UNWIND $rows AS r MERGE (n:{label} {{uid: r[0]}}) SET n = n {{.*, {sets}}}{extra}"
# new nodes: the plan found no node with the uid, so there is nothing to MERGE with (a uid
# constraint refuses a node another writer created meanwhile)
CREATE_NODES = "UNWIND $rows AS r CREATE (n:{labels} {{uid: r[0], {props}}})"
DROP_OUT = "UNWIND $uids AS u MATCH (n:{label} {{uid: u}})-[x:{types}]->() DELETE x"
DROP_IN = "UNWIND $uids AS u MATCH (n:{label} {{uid: u}})<-[x:{type}]-() DELETE x"
LINK_OUT = (
    "UNWIND $rows AS r MATCH (a:{label} {{uid: r[0]}}) MATCH (b:{target} {{uid: r[1]}}) "
    "MERGE (a)-[:{type}]->(b)"
)
LINK_IN = (
    "UNWIND $rows AS r MATCH (a:{label} {{uid: r[0]}}) MATCH (b:{target} {{uid: r[1]}}) "
    "MERGE (b)-[:{type}]->(a)"
)
# links of new nodes, which have none yet
CREATE_LINK_OUT = (
    "UNWIND $rows AS r MATCH (a:{label} {{uid: r[0]}}) MATCH (b:{target} {{uid: r[1]}}) "
    "CREATE (a)-[:{type}]->(b)"
)
SET_DIGEST = "UNWIND $rows AS r MATCH (n:{label} {{uid: r[0]}}) SET n.{digest} = r[1]"
PERSON_EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:SUBJECT_OF]->(e:Event)
OPTIONAL MATCH (e)-[:AT]->(f:Facility)
OPTIONAL MATCH (e)-[:AT]->(l:Location)
OPTIONAL MATCH (e)-[:BY]->(o:Organization)
OPTIONAL MATCH (e)-[:SOURCED_FROM]->(s:Source)
RETURN p.uid AS person, e.uid AS event, e.type AS type, e.earliest AS earliest,
       e.latest AS latest, e.sequence AS sequence, e.confidence AS confidence,
       f.uid AS facility, l.uid AS location, o.uid AS organization, s.uid AS source
"""
DROP_DERIVED = (
    "UNWIND $uids AS u MATCH (p:Person {uid: u})-[h:ARRESTED_BY|MEMBER_OF]->() DELETE h"
)
# Every statement that writes HELD_AT edges marks their facilities with a token of its own
# ($changed): the facility's StayTable no longer says who was held there until it is built
# again (``refresh_stay_tables``), and a build that read the edges before another write
# does not take the mark away. HELD_AT leads only to a Facility: with the label, FalkorDB
# could start from the facilities instead of the person.
DROP_HELD = (
    "UNWIND $uids AS u MATCH (p:Person {uid: u})-[h:HELD_AT]->(t) "
    "SET t.stays_changed = $changed DELETE h"
)
# A derived row travels as a list: [person, target, earliest, latest, events, sources,
# confidence, then the extra values of DERIVED_EXTRA] (``_write_derived``).
# for persons created in this batch, who have no derived edges yet
CREATE_DERIVED = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r[0]}}) MATCH (t:{target} {{uid: r[1]}})
CREATE (p)-[:{type} {{derived: true, earliest: r[2], latest: r[3], events: r[4],
                     sources: r[5], confidence: r[6]{create}}}]->(t){after}
"""
WRITE_DERIVED = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r[0]}}) MATCH (t:{target} {{uid: r[1]}})
MERGE (p)-[h:{type}]->(t)
SET h.derived = true, h.earliest = r[2], h.latest = r[3], h.events = r[4],
    h.sources = r[5], h.confidence = r[6]{set}{after}
"""
DERIVED_COLUMNS = ("person", "target", "earliest", "latest", "events", "sources", "confidence")
#: what HELD_AT carries besides: the person's stays at the facility, for co-detention
#: (queries.codetention.encode_stays), and the key and days the store ranks co-detainees by
#: (stay_key, stay_days), as (row keys, CREATE text, SET text, a clause after those: the
#: facility's mark, see DROP_HELD)
DERIVED_EXTRA = {"HELD_AT": (("stays", "stays_from", "stay_key", "stay_days"),
                             ", stays: r[7], stays_from: r[8], stay_key: r[9], stay_days: r[10]",
                             ", h.stays = r[7], h.stays_from = r[8], h.stay_key = r[9], "
                             "h.stay_days = r[10]",
                             "\nSET t.stays_changed = $changed")}
#: derive_edges' key for what is derived onto the Person itself: ``custody_at``, the
#: facilities where the person's custody events (CUSTODY_SIDE_TYPES) took place, and
#: ``custody_by``, the organisations that carried them out (queries.recurrence counts these)
CUSTODY = "custody"
#: and the summary of the person's chain (queries.custody.summarize) that statistics, flows
#: and the outcome filter read: ``chain_status``, ``chain_start``, ``chain_stops``
#: (queries.custody.stored_summary). Each statement marks the CaseTable with a token of its
#: own ($changed), as DROP_HELD marks the facilities: the table is not read until it is
#: built again (``refresh_case_table``).
_MARK_CASES = """
WITH count(*) AS written
MERGE (t:CaseTable {uid: 'cases'})
SET t.changed = $changed
"""
WRITE_CUSTODY = """
UNWIND $rows AS r
MATCH (p:Person {uid: r[0]})
SET p.custody_at = r[1], p.custody_by = r[2], p.chain_status = r[3], p.chain_start = r[4],
    p.chain_stops = r[5], p.chain_rules = $rules""" + _MARK_CASES
# the same for persons left without events, whose summary goes: as one map (see UPSERT: a
# statement that deletes several properties of a node may delete the wrong one)
CLEAR_CUSTODY = """
UNWIND $rows AS r
MATCH (p:Person {uid: r[0]})
SET p = p {.*, custody_at: r[1], custody_by: r[2], chain_status: null, chain_start: null,
           chain_stops: null, chain_rules: $rules}""" + _MARK_CASES
# the persons the events are linked to now
EVENT_PERSONS = """
UNWIND $uids AS u
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event {uid: u})
RETURN e.uid AS event, p.uid AS person
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
    #: digest of every record to write, by class and uid, computed once
    digests: dict[tuple[type, str], str] = field(default_factory=dict)

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


def _stored(read):
    """``read``, where a graph never written to holds no records (a dry run into a graph
    that does not exist yet plans every record as new, and creates nothing)."""

    def rows(query: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            return read(query, params)
        except GraphNotLoaded:
            return []

    return rows


def plan(store: Store, groups: Iterable[tuple[type, list[rec.Entity]]],
         batch_size: int = DEFAULT_BATCH, *, aside: bool = False,
         references: frozenset[type] = frozenset()) -> Plan:
    """Compare records with the graph; nothing is written.

    ``references``: kinds of record the input only names; one already stored and sealed
    with its digest is left as it is (counted unchanged), whatever the input says of it.

    ``aside``: no write still queued can touch these records (an ingest plans the records
    of a batch while the batches before it are being written; none of them wrote these),
    so their stored digests are read without waiting for those writes (``read_aside``).
    """
    read = _stored(partial(read_aside, store) if aside else store.read)
    result = Plan()
    for cls, items in groups:
        kind = KINDS[cls]
        query = READ_DIGESTS.format(label=schema.label(kind.base), digest=kind.digest)
        stored: dict[str, dict[str, Any]] = {}
        for start in range(0, len(items), batch_size):
            uids = [r.uid for r in items[start:start + batch_size]]
            for row in read(query, {"uids": uids}):
                stored[row["uid"]] = row
        counts = result.counts[kind.name]
        for record in items:
            row = stored.get(record.uid)
            digest = result.digests[cls, record.uid] = record.digest()
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
            elif row["digest"] == digest or (cls in references and row["digest"] is not None):
                # a reference leaves a stored record as it is, once a run has sealed it (a run
                # killed before the digest is written left it to be written again)
                counts.unchanged += 1
            else:
                counts.updated += 1
                result.updated[cls].append(record)
    return result


def _write_rows(store: Store, query: str, rows: Iterable[list], batch: int,
                **params: Any) -> None:
    """Run ``query`` once per ``batch`` rows, passed as ``$rows`` with ``params`` (and a
    token of each statement's own where it asks for ``$changed``, see DROP_HELD); the rows
    are made as they are sent, so that a table of 200,000 sources is never built whole."""
    marks = "$changed" in query
    for chunk in chunks(rows, batch):
        store.write(query, {"rows": chunk, **params,
                            **({"changed": uuid.uuid4().hex} if marks else {})})


#: flags an ingest may raise but never lower: a person protected or a source made
#: confidential stays so, whatever a later file says (or leaves out), until someone
#: changes the flag in the store on purpose
STICKY = ("protected", "confidential")


def _sets(names: Iterable[str], first: int = 1) -> str:
    """``name: r[i]`` for each name, numbered from ``first``, as entries of the map UPSERT
    sets; a STICKY flag that hides (``redact.flagged``) keeps its value.

    >>> _sets(["name", "protected"])[:13], _sets(["name", "protected"]).endswith("r[2] END")
    ('name: r[1], p', True)
    """
    from custodygraph.queries.redact import flagged_cypher

    return ", ".join(
        f"{name}: CASE WHEN {flagged_cypher('n.' + name)} THEN n.{name} ELSE r[{i}] END"
        if name in STICKY else f"{name}: r[{i}]"
        for i, name in enumerate(names, start=first))


def _write_nodes(store: Store, items: list[rec.Entity], run: str, batch: int) -> None:
    """MERGE the nodes of ``items`` on their uid and set their properties (events: $run)."""
    by_labels: dict[tuple[str, ...], list[rec.Entity]] = defaultdict(list)
    for record in items:
        by_labels[tuple(_labels_of(record))].append(record)
    for labels, group in by_labels.items():
        names = group[0].prop_names()
        sets = _sets(names)
        if isinstance(group[0], rec.Event):
            sets += ", run: $run"
        extra = "".join(f" SET n:{name}" for name in labels[1:])
        query = UPSERT.format(label=labels[0], sets=sets, extra=extra)
        _write_rows(store, query, ([r.uid, *r.prop_values()] for r in group), batch, run=run)


def _create_nodes(store: Store, cls: type, items: list[rec.Entity], batch: int) -> None:
    """CREATE the nodes of new records, then their outgoing links (not for events).

    The links go in statements of their own: FalkorDB 4.16 applied a ``WITH ... WHERE``
    written after the CREATE to the CREATE itself, and so lost the nodes without a link.
    """
    by_labels: dict[tuple[str, ...], list[rec.Entity]] = defaultdict(list)
    for record in items:
        by_labels[tuple(_labels_of(record))].append(record)
    for labels, group in by_labels.items():
        names = group[0].prop_names()
        props = ", ".join(f"{name}: r[{i}]" for i, name in enumerate(names, start=1))
        query = CREATE_NODES.format(labels=":".join(labels), props=props)
        _write_rows(store, query, ([r.uid, *r.prop_values()] for r in group), batch)
    _create_links(store, cls, items, batch)


def _link_rows(link: Link, items: list[rec.Entity]) -> list[list[str]]:
    pairs = []
    for record in items:
        value = getattr(record, link.field)
        for target in value if isinstance(value, list) else [value]:
            if target:
                pairs.append([record.uid, target])
    return pairs


def _write_links(store: Store, cls: type, items: list[rec.Entity], batch: int) -> None:
    """Replace the links ``items`` own: drop the ones they had, MERGE the ones they have."""
    if not items:
        return
    kind = KINDS[cls]
    label = schema.label(kind.base)
    uids = [r.uid for r in items]
    out_types = sorted({schema.rel(link.type) for link in kind.links if not link.incoming})
    for start in range(0, len(uids), batch):
        chunk = uids[start:start + batch]
        if out_types:
            store.write(DROP_OUT.format(label=label, types="|".join(out_types)), {"uids": chunk})
        for link in kind.links:
            if link.incoming:
                store.write(DROP_IN.format(label=label, type=schema.rel(link.type)),
                            {"uids": chunk})
    for link in kind.links:
        template = LINK_IN if link.incoming else LINK_OUT
        query = template.format(label=label, target=schema.label(link.target),
                                type=schema.rel(link.type))
        _write_rows(store, query, _link_rows(link, items), batch)


def _create_links(store: Store, cls: type, items: list[rec.Entity], batch: int) -> None:
    """The outgoing links of new records, which have none yet (no incoming links)."""
    kind = KINDS[cls]
    label = schema.label(kind.base)
    for link in kind.links:
        assert not link.incoming, "records with incoming links are written otherwise"
        query = CREATE_LINK_OUT.format(label=label, target=schema.label(link.target),
                                       type=schema.rel(link.type))
        _write_rows(store, query, _link_rows(link, items), batch)


# New events: the node and all its links in one statement, one variant per combination of
# the optional links present (MATCH on a missing target would drop the row).
# A row is [uid, person, sources, digest, the targets present..., the properties...].
CREATE_EVENTS = """
UNWIND $rows AS r
MATCH (p:Person {{uid: r[1]}}){matches}
CREATE (e:Event {{uid: r[0], {props}, run: $run, digest: r[3]}})
CREATE (p)-[:SUBJECT_OF]->(e){creates}
WITH e, r
UNWIND r[2] AS su
MATCH (s:Source {{uid: su}})
CREATE (e)-[:SOURCED_FROM]->(s)
"""
_OPTIONAL_EVENT_LINKS = (  # record field, variable, target label, relationship type
    ("facility", "f", "Facility", "AT"),
    ("location", "l", "Location", "AT"),
    ("organization", "o", "Organization", "BY"),
)


_event_targets = attrgetter(*(fld for fld, *_ in _OPTIONAL_EVENT_LINKS))


def _create_events(store: Store, events: list[rec.Event], run: str, batch: int,
                   digests: dict[str, str]) -> None:
    """CREATE new events with their links; ``digests`` seals those it holds at once."""
    groups: dict[tuple[bool, ...], list[list]] = defaultdict(list)
    for event in events:
        targets = _event_targets(event)
        groups[tuple(map(bool, targets))].append([
            event.uid, event.person, event.sources, digests.get(event.uid),
            *filter(None, targets), *event.prop_values()])
    if not events:
        return
    names = events[0].prop_names()
    for present, rows in groups.items():
        matches = creates = ""
        column = 4
        for (_, var, target, rtype), here in zip(_OPTIONAL_EVENT_LINKS, present):
            if here:
                matches += f" MATCH ({var}:{schema.label(target)} {{uid: r[{column}]}})"
                creates += f" CREATE (e)-[:{schema.rel(rtype)}]->({var})"
                column += 1
        props = ", ".join(f"{name}: r[{i}]" for i, name in enumerate(names, start=column))
        query = CREATE_EVENTS.format(matches=matches, props=props, creates=creates)
        _write_rows(store, query, rows, batch, run=run)


def _write_digests(store: Store, cls: type, items: list[rec.Entity],
                   digests: dict[tuple[type, str], str], batch: int) -> None:
    kind = KINDS[cls]
    _write_rows(store, SET_DIGEST.format(label=schema.label(kind.base), digest=kind.digest),
                ([r.uid, digests[cls, r.uid]] for r in items), batch)


def derive_edges(rows: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Direct edges from event rows (one row per event, place, organisation and source).

    Returns rows for WRITE_DERIVED by relationship type. Each edge carries the events and
    sources it stands for, the widest date bounds and the best confidence among them; a
    HELD_AT edge also carries the person's stays at the facility (``_with_stays``), so the
    rows must hold every event of each person they name.
    """
    # (type, person, target) -> [events, sources, earliest, latest, open end, confidences]
    groups: dict[tuple[str, str, str], list] = {}
    events: dict[str, dict[str, dict[str, Any]]] = defaultdict(dict)
    custody: dict[str, tuple[set[str], set[str]]] = {}

    def add(rtype: str, row: dict[str, Any], person: str, target: str | None) -> None:
        if not target:
            return
        key = (rtype, person, target)
        edge = groups.get(key)
        if edge is None:
            edge = groups[key] = [set(), set(), None, None, False, set()]
        edge[0].add(row["event"])
        source, earliest, latest, confidence = (row.get("source"), row.get("earliest"),
                                                row.get("latest"), row.get("confidence"))
        if source:
            edge[1].add(source)
        if earliest and (edge[2] is None or earliest < edge[2]):
            edge[2] = earliest
        if latest is None:
            edge[4] = True  # an open end in any event leaves the edge open
        elif edge[3] is None or latest > edge[3]:
            edge[3] = latest
        if confidence:
            edge[5].add(confidence)

    for row in rows:
        person, kind = row["person"], row["type"]
        events[person].setdefault(row["event"], row)
        at_by = custody.get(person)
        if at_by is None:
            at_by = custody[person] = (set(), set())
        facility, organization = row.get("facility"), row.get("organization")
        if kind in CUSTODY_SIDE_TYPES:
            if facility:
                at_by[0].add(facility)
            if organization:
                at_by[1].add(organization)
        if kind in HELD_TYPES:
            add("HELD_AT", row, person, facility)
        if kind in ARREST_TYPES:
            add("ARRESTED_BY", row, person, organization)
        if kind in MEMBER_TYPES:
            add("MEMBER_OF", row, person, organization)

    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (rtype, person, target), (uids, sources, earliest, latest, open_end, confidences) \
            in sorted(groups.items()):
        out[rtype].append({
            "person": person,
            "target": target,
            "events": sorted(uids),
            "sources": sorted(sources),
            "earliest": earliest,
            "latest": None if open_end else latest,
            "confidence": next((c for c in CONFIDENCE if c in confidences), None),
        })
    chains = {person: _chain(person_rows) for person, person_rows in events.items()}
    _with_stays(out.get("HELD_AT", []), chains)
    out[CUSTODY] = [{"person": person, "at": sorted(at), "by": sorted(by),
                     "summary": summarize(person, *chains[person])}
                    for person, (at, by) in sorted(custody.items())]
    return out


def _chain(rows: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[list]]:
    """A person's events as the chain orders them, and the step groups of its custody part,
    from the person's rows (one per event), computed by the code the chain uses."""
    events = [{"uid": r["event"], "type": r["type"], "earliest": r.get("earliest"),
               "latest": r.get("latest"), "sequence": r.get("sequence"),
               "confidence": r.get("confidence"), "organizations": [], "sources": [],
               # an event at a facility and a location is at the facility
               "place": ({"uid": r["facility"], "name": None, "kind": "facility"}
                         if r.get("facility") else
                         {"uid": r["location"], "name": None, "kind": "location"}
                         if r.get("location") else None)}
              for r in rows.values()]
    ordered, _ = order_events(events)
    return ordered, step_groups(custody_part(ordered))


def _with_stays(held: list[dict[str, Any]], chains: dict[str, tuple[list, list[list]]]) -> None:
    """Add ``stays``, ``stays_from``, ``stay_key`` and ``stay_days`` to HELD_AT rows: the
    stays of the person's custody chain at the facility, computed by the code the chain and
    co-detention use (None when they cannot be stored; co-detention then rebuilds them from
    the chain)."""
    from custodygraph.queries.codetention import encode_stays, keyed_stays, stays_of_groups

    by_person: dict[str, dict[str, list]] = {}
    for edge in held:
        person = edge["person"]
        if person not in by_person:
            found: dict[str, list] = defaultdict(list)
            for stay in stays_of_groups(chains[person][1]):
                found[stay.facility["uid"]].append(stay)
            by_person[person] = found
        here = by_person[person].get(edge["target"], [])
        encoded = encode_stays(here, edge["events"])
        edge["stays"], edge["stays_from"] = encoded if encoded else (None, None)
        edge["stay_key"], edge["stay_days"] = keyed_stays(edge["target"],
                                                          here if encoded else None, person)


def _write_derived(store: Store, edges: dict[str, list[dict[str, Any]]], batch: int,
                   template: str) -> None:
    for rtype in DERIVED_TYPES:
        extra, create, set_, after = DERIVED_EXTRA.get(rtype, ((), "", "", ""))
        query = template.format(target=schema.label(DERIVED_TARGET[rtype]),
                                type=schema.rel(rtype), create=create, set=set_, after=after)
        columns = DERIVED_COLUMNS + extra
        _write_rows(store, query, ([edge[c] for c in columns] for edge in edges.get(rtype, [])),
                    batch)
    custody = edges.get(CUSTODY, [])
    _write_rows(store, WRITE_CUSTODY,
                ([row["person"], row["at"], row["by"], *stored_summary(row["summary"])]
                 for row in custody if row["summary"] is not None), batch, rules=CHAIN_RULES)
    _write_rows(store, CLEAR_CUSTODY, ([row["person"], row["at"], row["by"]]
                                       for row in custody if row["summary"] is None),
                batch, rules=CHAIN_RULES)


def rebuild_derived(store: Store, person_uids: list[str], batch: int = DEFAULT_BATCH,
                    leaving: frozenset[str] = frozenset()) -> None:
    """Recompute HELD_AT, ARRESTED_BY and MEMBER_OF, and the persons' custody lists, for
    these persons from their events, leaving out the events in ``leaving``."""
    for start in range(0, len(person_uids), batch):
        uids = person_uids[start:start + batch]
        rows = [r for r in store.read(PERSON_EVENTS, {"uids": uids}) if r["event"] not in leaving]
        edges = derive_edges(rows)
        listed = {r["person"] for r in edges[CUSTODY]}
        edges[CUSTODY] += [{"person": u, "at": [], "by": [], "summary": None}
                           for u in uids if u not in listed]
        store.write(DROP_HELD, {"uids": uids, "changed": uuid.uuid4().hex})
        store.write(DROP_DERIVED, {"uids": uids})
        _write_derived(store, edges, batch, WRITE_DERIVED)


# The facilities whose StayTable is to be built again: a HELD_AT write marked them
STALE_TABLES = """
MATCH (f:Facility) WHERE f.stays_changed IS NOT NULL
RETURN f.uid AS facility, f.stays_changed AS changed
"""
# The persons, keys and days of every keyed edge at a facility, and the mark it carries,
# read in one statement (so together); {uids}, {keys} and {days} are the dialect's joined
# lists
TABLE_STAYS = """
MATCH (f:Facility {{uid: $facility}})
OPTIONAL MATCH (f)<-[h:HELD_AT]-(p:Person)
WITH f, p, h, h.stay_key IS NOT NULL AND h.stay_key <> $unkeyed AS keyed
WITH f.stays_changed AS changed,
     collect(CASE WHEN keyed THEN p.uid END) AS uids,
     collect(CASE WHEN keyed THEN toString(h.stay_key) END) AS keys,
     collect(CASE WHEN keyed THEN [x IN coalesce(h.stay_days, []) | toString(x)] END) AS days,
     sum(CASE WHEN keyed THEN size(coalesce(h.stay_days, [])) ELSE 0 END) AS total,
     sum(CASE WHEN keyed AND size(coalesce(h.stay_days, [])) > 0 THEN 1 ELSE 0 END) AS filled,
     sum(CASE WHEN h.stay_key = $unkeyed THEN 1 ELSE 0 END) AS unkeyed
RETURN changed, {uids} AS uids, {keys} AS keys, {days} AS days, size(uids) AS size, total,
       filled, unkeyed
"""
# The facility's tables, in place of those it had, written only while the facility still
# carries the mark the edges were read with; the mark goes in the same statement
WRITE_TABLES = """
MATCH (f:Facility {uid: $facility}) WHERE f.stays_changed = $changed
OPTIONAL MATCH (old:StayTable {facility: $facility})
DELETE old
WITH DISTINCT f
SET f.stays_changed = null
WITH f
UNWIND $tables AS t
CREATE (s:StayTable {uid: t.uid, facility: $facility, build: t.build})
SET s.chunks = t.chunks, s.unkeyed = t.unkeyed, s.persons = t.persons, s.edges = t.edges,
    s.counts = t.counts, s.days = t.days
"""


def refresh_stay_tables(store: Store) -> int:
    """Build again the StayTables of every facility a HELD_AT write has marked since they
    were built (queries.codetention); return for how many facilities.

    Run at the end of every ingest, whatever it wrote: a run killed before this leaves the
    marks, and the next one builds those tables. Tables whose facility was written again
    while they were being read stay marked (and unread) until the next build.
    """
    from custodygraph.queries.codetention import UNKEYED, _key, stay_tables
    from custodygraph.queries.lists import nested, strings

    d = store.dialect
    statement = TABLE_STAYS.format(uids=d.joined("uids"), keys=d.joined("keys"),
                                   days=d.joined("[x IN days | " + d.joined("x", inner=True)
                                                 + "]"))
    built = 0
    for stale in store.read(STALE_TABLES):
        facility = stale["facility"]
        params = {"facility": facility, "unkeyed": _key(facility, UNKEYED, 0)}
        (row,) = store.read(statement, params)
        uids, keys = strings(row["uids"], row["size"]), strings(row["keys"], row["size"])
        days = nested(row["days"], row["size"], row["total"], row["filled"])
        # a list that does not split whole (a uid holding a separator): the plain lists
        if uids is None or keys is None or days is None:
            (row,) = store.read(TABLE_STAYS.format(uids="uids", keys="keys", days="days"),
                                params)
            uids, keys, days = row["uids"], row["keys"], row["days"]
        edges = [(uid, int(key), [int(x) for x in these])
                 for uid, key, these in zip(uids, keys, days)]
        store.write(WRITE_TABLES, {"facility": facility, "changed": row["changed"],
                                   "tables": stay_tables(facility, edges, row["unkeyed"])})
        built += 1
    return built


# the persons whose stored summary follows other rules than CHAIN_RULES (written by an
# earlier version), and their summaries written again
OLD_SUMMARIES = """
MATCH (p:Person) WHERE p.chain_status IS NOT NULL AND coalesce(p.chain_rules, 1) <> $rules
RETURN p.uid AS uid
"""
WRITE_SUMMARIES = """
UNWIND $rows AS r
MATCH (p:Person {uid: r[0]})
SET p.chain_status = r[1], p.chain_start = r[2], p.chain_stops = r[3], p.chain_rules = $rules
"""


def refresh_summaries(store: Store, batch: int = DEFAULT_BATCH) -> int:
    """Write again, from their events, the summaries that an earlier version stored by other
    rules (queries.custody.CHAIN_RULES); return for how many persons. Until then the
    questions over all chains read the events instead (queries.custody.summaries)."""
    from custodygraph.queries.custody import outlines, summary_of

    uids = sorted(r["uid"] for r in store.read(OLD_SUMMARIES, {"rules": CHAIN_RULES}))
    for start in range(0, len(uids), batch):
        rows = [[o.person, *stored_summary(summary_of(o))]
                for o in outlines(store, uids[start:start + batch])]
        store.write(WRITE_SUMMARIES, {"rows": rows, "rules": CHAIN_RULES})
    return len(uids)


# Whether the CaseTable is to be built: it is marked, or there is none yet
CASE_TABLE_STATE = """
OPTIONAL MATCH (t:CaseTable {uid: 'cases'})
RETURN t IS NULL AS missing, t.changed AS changed
"""
# The table, written only while it carries the mark the lists were read under (the mark
# goes in the same statement), or made only while there still is none. (Not one statement
# with OPTIONAL MATCH: FalkorDB 4.16 keeps the row of an OPTIONAL MATCH that found nothing
# through a WITH ... WHERE that should drop it.)
_TABLE_PROPERTIES = """
SET c.changed = null, c.persons = $persons, c.size = $size, c.places = $places,
    c.place_sizes = $place_sizes, c.place_members = $place_members,
    c.responsible = $responsible, c.responsible_sizes = $responsible_sizes,
    c.responsible_members = $responsible_members
"""
WRITE_CASE_TABLE = """
MATCH (c:CaseTable {uid: 'cases'}) WHERE c.changed = $changed
""" + _TABLE_PROPERTIES
FIRST_CASE_TABLE = """
OPTIONAL MATCH (t:CaseTable {uid: 'cases'})
WITH count(t) AS tables WHERE tables = 0
CREATE (c:CaseTable {uid: 'cases'})
""" + _TABLE_PROPERTIES


def refresh_case_table(store: Store) -> bool:
    """Build the CaseTable again (queries.recurrence.case_table) if a write of custody
    lists has marked it since it was built, or if there is none; return whether it was.

    Run at the end of every ingest, as ``refresh_stay_tables``. A table whose lists were
    written again while they were being read stays marked (and unread) until the next build.
    """
    from custodygraph.queries.recurrence import (DERIVED_AT, DERIVED_BY, derived_lists,
                                                 case_table, indexed)

    (state,) = store.read(CASE_TABLE_STATE)
    if not state["missing"] and state["changed"] is None:
        return False
    joined = store.dialect.joined("members")
    at_rows, by_rows = read_together(store, [(DERIVED_AT.format(persons=joined), None),
                                             (DERIVED_BY.format(persons=joined), None)])
    table = case_table(indexed({"place": derived_lists(store, DERIVED_AT, at_rows),
                                "responsible": derived_lists(store, DERIVED_BY, by_rows)}))
    if state["missing"]:
        store.write(FIRST_CASE_TABLE, table)
    else:
        store.write(WRITE_CASE_TABLE, {"changed": state["changed"], **table})
    return True


def rebuild_losing(store: Store, events: list[rec.Event], batch: int = DEFAULT_BATCH) -> None:
    """Before changed events move to another person: recompute the derived data of the
    persons they leave, without them. (Afterwards nothing would lead to those persons.)

    Done first, so that a run killed before the events move leaves them changed and
    undigested: the next run finds the same persons and does it again.
    """
    moving = {e.uid: e.person for e in events}
    found = []
    for start in range(0, len(events), batch):
        found += store.read(EVENT_PERSONS, {"uids": [e.uid for e in events[start:start + batch]]})
    left = [(r["person"], r["event"]) for r in found if r["person"] != moving[r["event"]]]
    if left:
        rebuild_derived(store, sorted({person for person, _ in left}), batch,
                        frozenset(event for _, event in left))


def _event_rows(events: Iterable[rec.Event]) -> Iterator[dict[str, Any]]:
    """The rows PERSON_EVENTS would return for these events."""
    for e in events:
        for source in e.sources or [None]:
            yield {"person": e.person, "event": e.uid, "type": e.type, "earliest": e.earliest,
                   "latest": e.latest, "sequence": e.sequence, "confidence": e.confidence,
                   "facility": e.facility, "location": e.location,
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


# the ids stored persons were given (Person.given), and the ids of persons written
STORED_GIVEN = """
UNWIND $uids AS u
MATCH (p:Person {uid: u}) WHERE p.given_id IS NOT NULL
RETURN p.uid AS uid, p.given_id AS given
"""
SET_GIVEN = "UNWIND $rows AS r MATCH (p:Person {uid: r[0]}) SET p.given_id = r[1]"


def given_id_problems(store: Store, uids: set[str], batches, batch: int = DEFAULT_BATCH
                      ) -> list[Problem]:
    """A problem for each person of the input (``uids``; their records in ``batches()``, read
    again only when some of them are stored) whose id makes the uid of a stored person
    given another id ("AL-1" and "al1", or "EL-1": ids are compared without case,
    punctuation and the article): one person, or two, only a person can tell."""
    stored: dict[str, str] = {}
    read = _stored(store.read)
    ordered = sorted(uids)
    for start in range(0, len(ordered), batch):
        for row in read(STORED_GIVEN, {"uids": ordered[start:start + batch]}):
            stored[row["uid"]] = row["given"]
    if not stored:
        return []
    problems = []
    for persons, _ in batches():
        for person in persons:
            theirs = stored.get(person.uid)
            if theirs is not None and person.given is not None and person.given != theirs:
                where = person.where
                problems.append(Problem(
                    where.file, where.line, where.column,
                    f"person id {person.given!r} makes the same uid ({person.uid}) as the "
                    f"stored person id {theirs!r}: ids are compared without case, punctuation "
                    "and the article al/el, so these would be one person",
                    f"write {theirs!r} if this is the same person; otherwise give an id that "
                    "differs in letters or digits"))
                stored.pop(person.uid)  # once per person
    return problems


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
    _create_nodes(store, rec.Person, the_plan.created.get(rec.Person, []), batch)
    _write_nodes(store, the_plan.updated.get(rec.Person, []), run, batch)
    _write_links(store, rec.Person, the_plan.updated.get(rec.Person, []), batch)
    created = the_plan.created.get(rec.Event, [])
    sealed = {e.uid: the_plan.digests[rec.Event, e.uid] for e in created
              if e.person in new_persons}
    _create_events(store, created, run, batch, sealed)
    updated = the_plan.updated.get(rec.Event, [])
    _write_nodes(store, updated, run, batch)
    rebuild_losing(store, updated, batch)
    _write_links(store, rec.Event, updated, batch)
    changed_events = the_plan.changed(rec.Event)
    fresh = derive_edges(_event_rows(e for e in changed_events if e.person in new_persons))
    _write_derived(store, fresh, batch, CREATE_DERIVED)
    touched = {e.person for e in changed_events} | {p.uid for p in persons}
    rebuild_derived(store, sorted(touched - new_persons), batch)
    _write_rows(store, SET_GIVEN, ([p.uid, p.given] for p in persons if p.given), batch)
    _write_digests(store, rec.Person, persons, the_plan.digests, batch)
    _write_digests(store, rec.Event, [e for e in changed_events if e.uid not in sealed],
                   the_plan.digests, batch)
