"""The graph as views and exports read it: nodes and relationships with all their properties,
and the redaction that every view and export goes through.

``read_graph`` reads everything; ``read_cases`` reads the persons and events a set of filters
(queries.filters) keeps, with what their events link to (places, organisations, sources) and
the places and organisations above those (``PART_OF``, ``LOCATED_IN``).

``Redactor`` hides what is confidential unless ``include_confidential`` is set:

- a protected person keeps only an opaque id (``protected-person-3``) and the name
  ``[protected person]``: names, Arabic name, aliases, name keys, notes, gender, birth year
  and digest are dropped;
- a confidential source keeps an opaque id (``confidential-source-2``), its type and date;
  its title becomes ``[confidential source]`` and its publisher and URL are dropped;
- an event of a protected person gets an opaque id (``protected-event-5``) and loses its
  notes, its record id and the wording of its date (``date_text``), which may name people;
- every id that points at one of these (a derived edge's ``events`` and ``sources`` lists)
  is replaced by the opaque id;
- in free text that stays (notes, the wording of dates, source titles), a protected
  person's names and aliases are replaced by ``[protected person]``.

The opaque ids are numbered in the order of the real ids, so they are the same in every
output made from the same data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from custodygraph.graph import schema
from custodygraph.graph.store import Store
from custodygraph.queries import redact
from custodygraph.queries.redact import names_pattern

# every node but the derived lookup structures (schema.INDEX_LABELS)
ALL_NODES = ("MATCH (n) WHERE "
             + " AND ".join(f"NOT n:{schema.label(name)}" for name in sorted(schema.INDEX_LABELS))
             + " RETURN labels(n) AS labels, properties(n) AS props")
ALL_EDGES = """
MATCH (a)-[r]->(b)
RETURN a.uid AS source, b.uid AS target, type(r) AS type, properties(r) AS props
"""
# {label} is filled from schema.label() only
NODES_BY_UID = """
UNWIND $uids AS u
MATCH (n:{label} {{uid: u}})
RETURN labels(n) AS labels, properties(n) AS props
"""
EDGES_FROM = """
UNWIND $uids AS u
MATCH (a:{label} {{uid: u}})-[r]->(b)
RETURN a.uid AS source, b.uid AS target, labels(b) AS target_labels, type(r) AS type,
       properties(r) AS props
"""

# a flag of any value but false hides (queries.redact.flagged)
PROTECTED = redact.PROTECTED_NAMES
# the names and events of persons a reviewer merged (SAME_AS) with a protected person: the
# whole cluster is hidden as the protected one is
TWINS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})
RETURN p.uid AS uid, p.name AS name, p.name_ar AS name_ar, p.aliases AS aliases
"""
TWIN_EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[:SUBJECT_OF]->(e:Event)
RETURN DISTINCT e.uid AS uid
"""
CONFIDENTIAL = ("MATCH (s:Source) WHERE " + redact.flagged_cypher("s.confidential")
                + " RETURN s.uid AS uid")
PROTECTED_EVENTS = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event) WHERE """ + redact.flagged_cypher("p.protected") + """
RETURN DISTINCT e.uid AS uid
"""

#: the labels nodes are looked up by, most specific role first (a security branch is read
#: as a Facility); every node of the graph has one of them
LOOKUP_LABELS = ("Person", "Event", "Source", "Facility", "Organization", "Location",
                 "IngestRun")
#: how many PART_OF / LOCATED_IN steps above a place or organisation are read
ANCESTOR_DEPTH = 6
#: free-text properties in which a protected person's names are replaced
FREE_TEXT = ("notes", "date_text", "title")
#: the free text of reviewers' decisions (MATCH_REVIEW and SAME_AS edges)
REVIEW_TEXT = ("note", "undo_note")

PROTECTED_ID = "protected-person"
CONFIDENTIAL_ID = "confidential-source"
PROTECTED_EVENT_ID = "protected-event"


@dataclass
class Node:
    uid: str
    labels: list[str]
    props: dict[str, Any]

    @property
    def kind(self) -> str:
        """The most specific label of the schema (``Prison``, ``SecurityBranch``, ``Person``)."""
        return most_specific(self.labels)

    @property
    def name(self) -> str:
        p = self.props
        if "Event" in self.labels:
            return str(p.get("type") or "event")
        return str(p.get("name") or p.get("title") or p.get("file") or self.uid)


@dataclass
class Edge:
    source: str
    target: str
    type: str
    props: dict[str, Any] = field(default_factory=dict)


@dataclass
class Graph:
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    #: False only when confidential data was asked for
    redacted: bool = True

    def add(self, labels: list[str], props: dict[str, Any]) -> None:
        props = {name: value for name, value in props.items()
                 if name not in schema.INDEX_PROPERTIES}
        self.nodes[props["uid"]] = Node(props["uid"], list(labels), props)

    def counts(self) -> dict[str, int]:
        return {"nodes": len(self.nodes), "edges": len(self.edges)}


def most_specific(labels: Iterable[str]) -> str:
    """The label whose class is the most specific among ``labels``.

    >>> most_specific(["Organization", "Facility", "SecurityBranch"])
    'SecurityBranch'
    """
    best = None
    for name in labels:
        cls = schema.CLASS_BY_LABEL.get(name)
        if cls is not None and (best is None or issubclass(cls, best)):
            best = cls
    return best.__label__ if best is not None else (next(iter(labels), "") or "Node")


def _lookup_label(labels: Iterable[str]) -> str:
    labels = set(labels)
    return next((lab for lab in LOOKUP_LABELS if lab in labels), "")


# --- reading --------------------------------------------------------------------------------
def read_graph(store: Store) -> Graph:
    """Every node and relationship of the store, with all their properties."""
    graph = Graph(redacted=False)
    for row in store.read(ALL_NODES):
        if row["props"].get("uid"):
            graph.add(row["labels"], row["props"])
    for row in store.read(ALL_EDGES):
        if row["source"] in graph.nodes and row["target"] in graph.nodes:
            graph.edges.append(Edge(row["source"], row["target"], row["type"],
                                    dict(row["props"] or {})))
    return graph


# What the drawings need, and no more: reading every property of every node and relationship
# of a large graph costs seconds in the client, most of it in lists (name keys, the events
# and sources of derived edges) that no view shows.
VIEW_NODES = {
    "Person": "n.name AS name, n.name_ar AS name_ar, n.aliases AS aliases, "
              "n.protected AS protected, n.group_size AS group_size, n.notes AS notes",
    "Event": "n.type AS type, n.earliest AS earliest, n.latest AS latest, "
             "n.date_text AS date_text, n.confidence AS confidence, n.notes AS notes",
    "Source": "n.title AS title, n.publisher AS publisher, n.date AS date, n.kind AS kind, "
              "n.confidential AS confidential",
    "Facility": "n.name AS name, n.name_ar AS name_ar, n.aliases AS aliases, n.kind AS kind",
    "Organization": "n.name AS name, n.name_ar AS name_ar, n.aliases AS aliases, "
                    "n.kind AS kind",
    "Location": "n.name AS name, n.name_ar AS name_ar, n.aliases AS aliases, "
                "n.level AS level",
}
#: the relationships the drawings use (derived edges repeat what the events say)
VIEW_RELATIONSHIPS = ("SUBJECT_OF", "AT", "BY", "SOURCED_FROM", "FROM", "LOCATED_IN",
                      "PART_OF", "COMMANDED")
# {label}, {columns} and {rel} are filled from schema.label(), VIEW_NODES and schema.rel()
VIEW_NODE_QUERY = "MATCH (n:{label}) RETURN n.uid AS uid, labels(n) AS labels, {columns}"
VIEW_EDGE_QUERY = "MATCH (a)-[:{rel}]->(b) RETURN a.uid AS source, b.uid AS target"


def read_for_view(store: Store) -> Graph:
    """The whole graph with only what the drawings show (see ``VIEW_NODES``)."""
    graph = Graph(redacted=False)
    for label, columns in VIEW_NODES.items():
        query = VIEW_NODE_QUERY.format(label=schema.label(label), columns=columns)
        for row in store.read(query):
            if row["uid"] and row["uid"] not in graph.nodes:
                labels = row.pop("labels")
                graph.add(labels, {k: v for k, v in row.items() if v is not None})
    for rel in VIEW_RELATIONSHIPS:
        for row in store.read(VIEW_EDGE_QUERY.format(rel=schema.rel(rel))):
            if row["source"] in graph.nodes and row["target"] in graph.nodes:
                graph.edges.append(Edge(row["source"], row["target"], rel, {}))
    return graph


# --- the whole graph, capped in the store --------------------------------------------------
# A whole-graph view draws at most ``limit`` persons, places and organisations. The store
# chooses them (places and organisations first, then the most linked persons) and only what
# is drawn is read: the chosen nodes, the persons' events and the sources of those events.
# Reading a 100,000-event store whole to keep 2,000 nodes of it took tens of seconds.

#: the labels of the nodes a view holds the others around (places and organisations); a
#: security branch is both a Facility and an Organization
HUB_LABELS = ("Facility", "Organization", "Location")
# {label} is filled from schema.label() only, {columns} from VIEW_NODES
COUNT_NODES = "MATCH (n:{label}) RETURN count(n) AS n"
COUNT_BOTH = "MATCH (n:{label}:{other}) RETURN count(n) AS n"
VIEW_NODES_BY_UID = """
UNWIND $uids AS u
MATCH (n:{label} {{uid: u}})
RETURN n.uid AS uid, labels(n) AS labels, {columns}
"""
# How linked a node is, counted the way the view draws it: one edge per person and place
# (or organisation) their events link, plus the hometown, command and structure edges.
# (Only events are SUBJECT_OF; leaving their label out spares the engine a check per row.)
PERSON_DEGREE = """
MATCH (p:Person)
OPTIONAL MATCH (p)-[:SUBJECT_OF]->()-[:AT]->(place)
WITH p, count(DISTINCT place) AS places
OPTIONAL MATCH (p)-[:SUBJECT_OF]->()-[:BY]->(org)
WITH p, places, count(DISTINCT org) AS orgs
OPTIONAL MATCH (p)-[s:FROM|COMMANDED]->()
WITH p, places, orgs, count(s) AS others
RETURN p.uid AS uid, places + orgs + others AS degree
ORDER BY degree DESC, uid
LIMIT $limit
"""
HUB_DEGREE = """
MATCH (h:{label})
OPTIONAL MATCH (p:Person)-[:SUBJECT_OF]->()-[:AT]->(h)
WITH h, count(DISTINCT p) AS placed
OPTIONAL MATCH (q:Person)-[:SUBJECT_OF]->()-[:BY]->(h)
WITH h, placed, count(DISTINCT q) AS led
OPTIONAL MATCH (h)-[s:LOCATED_IN|PART_OF|FROM|COMMANDED]-()
WITH h, placed, led, count(s) AS others
RETURN h.uid AS uid, placed + led + others AS degree
ORDER BY degree DESC, uid
LIMIT $limit
"""
# the events of these persons, each with where it happened and who was responsible in the
# same row (the rows are the bulk of what a capped view reads); their sources as pairs
# (collecting them per event made the engine group every row: slower than a second read)
PERSON_EVENTS = """
UNWIND $uids AS u
MATCH (p:Person {{uid: u}})-[:SUBJECT_OF]->(n:Event)
OPTIONAL MATCH (n)-[:AT]->(place)
OPTIONAL MATCH (n)-[:BY]->(org)
RETURN p.uid AS person, n.uid AS uid, {columns}, place.uid AS place, org.uid AS org
"""
PERSON_EVENT_SOURCES = """
UNWIND $uids AS u
MATCH (:Person {uid: u})-[:SUBJECT_OF]->(n:Event)-[:SOURCED_FROM]->(src)
RETURN n.uid AS event, src.uid AS source
"""
PERSON_LINKS = """
UNWIND $uids AS u
MATCH (p:Person {uid: u})-[r:FROM|COMMANDED]->(t)
RETURN p.uid AS source, t.uid AS target, type(r) AS type
"""
HUB_LINKS = """
UNWIND $uids AS u
MATCH (h:{label} {{uid: u}})-[r:LOCATED_IN|PART_OF]->(t)
RETURN h.uid AS source, t.uid AS target, type(r) AS type
"""


def _count(store: Store, query: str) -> int:
    rows = store.read(query)
    return int(rows[0]["n"]) if rows else 0


def _add_view_rows(graph: Graph, rows: Iterable[dict[str, Any]],
                   labels: list[str] | None = None) -> None:
    """Rows of VIEW_NODES columns as nodes (with ``labels``, else each row's own)."""
    for row in rows:
        if row["uid"] and row["uid"] not in graph.nodes:
            graph.add(labels or row["labels"],
                      {k: v for k, v in row.items() if v is not None and k != "labels"})


def _view_nodes_by_uid(store: Store, label: str, uids: Iterable[str]) -> list[dict[str, Any]]:
    uids = sorted(set(uids))
    if not uids:
        return []
    return store.read(VIEW_NODES_BY_UID.format(label=schema.label(label),
                                               columns=VIEW_NODES[label]), {"uids": uids})


def read_view_capped(store: Store, limit: int) -> tuple[Graph, int]:
    """What the whole-graph view draws, chosen and read in the store: at most ``limit``
    persons, places and organisations (places and organisations first, then the persons with
    the most links, ties by uid), the persons' events with the sources of those events, and
    the relationships among them that views draw (``VIEW_RELATIONSHIPS``). Returns the graph
    and how many persons, places and organisations the store holds."""
    limit = max(int(limit), 0)
    graph = Graph(redacted=False)
    facilities = _count(store, COUNT_NODES.format(label=schema.label("Facility")))
    organizations = _count(store, COUNT_NODES.format(label=schema.label("Organization")))
    branches = _count(store, COUNT_BOTH.format(label=schema.label("Facility"),
                                               other=schema.label("Organization")))
    locations = _count(store, COUNT_NODES.format(label=schema.label("Location")))
    hubs_total = facilities + organizations - branches + locations
    persons_total = _count(store, COUNT_NODES.format(label=schema.label("Person")))
    total = hubs_total + persons_total

    if hubs_total <= limit:
        for label in HUB_LABELS:
            query = VIEW_NODE_QUERY.format(label=schema.label(label), columns=VIEW_NODES[label])
            _add_view_rows(graph, store.read(query))
    else:
        # the best ``limit`` of each label, then the best ``limit`` of those (a security
        # branch comes twice, with the same degree)
        degree: dict[str, int] = {}
        label_of: dict[str, str] = {}
        for label in HUB_LABELS:
            rows = store.read(HUB_DEGREE.format(label=schema.label(label)), {"limit": limit})
            for r in rows:
                degree[r["uid"]] = int(r["degree"] or 0)
                label_of.setdefault(r["uid"], label)
        chosen = sorted(degree, key=lambda uid: (-degree[uid], uid))[:limit]
        by_label: dict[str, set[str]] = {}
        for uid in chosen:
            by_label.setdefault(label_of[uid], set()).add(uid)
        for label, uids in by_label.items():
            _add_view_rows(graph, _view_nodes_by_uid(store, label, uids))
    hubs = set(graph.nodes)

    room = limit - len(hubs)
    persons: list[str] = []
    if room > 0 and persons_total:
        if persons_total <= room:
            rows = store.read(VIEW_NODE_QUERY.format(label=schema.label("Person"),
                                                     columns=VIEW_NODES["Person"]))
        else:
            ranked = store.read(PERSON_DEGREE, {"limit": room})
            rows = _view_nodes_by_uid(store, "Person", [r["uid"] for r in ranked])
        _add_view_rows(graph, rows)
        persons = sorted(set(graph.nodes) - hubs)

    edges: list[tuple[str, str, str]] = []
    if persons:
        sources: set[str] = set()
        for row in store.read(PERSON_EVENTS.format(columns=VIEW_NODES["Event"]),
                              {"uids": persons}):
            event = row["uid"]
            edges.append((row.pop("person"), event, "SUBJECT_OF"))
            place, org = row.pop("place"), row.pop("org")
            if place:
                edges.append((event, place, "AT"))
            if org:
                edges.append((event, org, "BY"))
            if event and event not in graph.nodes:
                graph.add(["Event"], {k: v for k, v in row.items() if v is not None})
        for row in store.read(PERSON_EVENT_SOURCES, {"uids": persons}):
            edges.append((row["event"], row["source"], "SOURCED_FROM"))
            sources.add(row["source"])
        _add_view_rows(graph, _view_nodes_by_uid(store, "Source", sources))
        edges += [(r["source"], r["target"], r["type"])
                  for r in store.read(PERSON_LINKS, {"uids": persons})]
    for label in HUB_LABELS:
        uids = sorted(uid for uid in hubs if label in graph.nodes[uid].labels)
        if uids:
            edges += [(r["source"], r["target"], r["type"])
                      for r in store.read(HUB_LINKS.format(label=schema.label(label)),
                                          {"uids": uids})]
    seen = set()
    for source, target, rel in edges:
        if (source, target, rel) in seen or source not in graph.nodes \
                or target not in graph.nodes:
            continue
        seen.add((source, target, rel))
        graph.edges.append(Edge(source, target, rel, {}))
    return graph, total


def _read_nodes(store: Store, by_label: dict[str, set[str]], graph: Graph) -> None:
    for label, uids in by_label.items():
        if label and uids:
            query = NODES_BY_UID.format(label=schema.label(label))
            for row in store.read(query, {"uids": sorted(uids)}):
                graph.add(row["labels"], row["props"])


def _edges_from(store: Store, by_label: dict[str, set[str]]) -> list[dict[str, Any]]:
    rows = []
    for label, uids in by_label.items():
        if label and uids:
            rows += store.read(EDGES_FROM.format(label=schema.label(label)),
                               {"uids": sorted(uids)})
    return rows


CASE_EVENTS = """
MATCH (p:Person)-[:SUBJECT_OF]->(e:Event)
WHERE {filter}
OPTIONAL MATCH (e)-[:AT]->(place)
OPTIONAL MATCH (e)-[:BY]->(o:Organization)
RETURN p.uid AS person, e.uid AS event, place.kind AS place_kind, o.kind AS org_kind
"""


def select_cases(store: Store, filters) -> tuple[set[str], set[str]]:
    """The persons and events the filters keep: events passing the event filters (period,
    type, confidence, source) at a facility or by an organisation of the filter's type, of
    persons in the region and with the outcome asked for. Persons with no such event are
    left out.
    """
    from custodygraph.queries.filters import EVENT_FILTER, Filters, check, event_params, person_scope

    filters = check(store, filters or Filters())
    scope = person_scope(store, filters)
    persons: set[str] = set()
    events: set[str] = set()
    for row in store.read(CASE_EVENTS.format(filter=EVENT_FILTER), event_params(filters)):
        if scope is not None and row["person"] not in scope:
            continue
        if filters.kind and filters.kind not in (row["place_kind"], row["org_kind"]):
            continue
        persons.add(row["person"])
        events.add(row["event"])
    return persons, events


def read_cases(store: Store, filters=None) -> Graph:
    """The persons and events ``filters`` keep, what the events link to, the persons'
    hometowns, and the places and organisations above all of those; with every relationship
    among them."""
    persons, events = select_cases(store, filters)
    return read_around(store, persons, events)


def read_around(store: Store, persons: set[str], events: set[str]) -> Graph:
    """``persons`` and ``events`` with their neighbourhood (see ``read_cases``)."""
    graph = Graph(redacted=False)
    wanted = {"Person": set(persons), "Event": set(events)}
    rows = _edges_from(store, wanted)
    keep: dict[str, str] = {uid: "Person" for uid in persons} | {uid: "Event" for uid in events}
    # what the events point at (places, organisations, sources) and where persons come from
    for row in rows:
        if row["type"] in ("AT", "BY", "SOURCED_FROM", "FROM"):
            keep.setdefault(row["target"], _lookup_label(row["target_labels"]))
    # the places and organisations above them
    frontier = {u for u, lab in keep.items() if lab in ("Facility", "Organization", "Location")}
    for _ in range(ANCESTOR_DEPTH):
        if not frontier:
            break
        by_label: dict[str, set[str]] = {}
        for uid in frontier:
            by_label.setdefault(keep[uid], set()).add(uid)
        found = set()
        for row in _edges_from(store, by_label):
            if row["type"] in ("PART_OF", "LOCATED_IN") and row["target"] not in keep:
                keep[row["target"]] = _lookup_label(row["target_labels"])
                found.add(row["target"])
        frontier = found
    by_label = {}
    for uid, label in keep.items():
        by_label.setdefault(label, set()).add(uid)
    _read_nodes(store, by_label, graph)
    others = {lab: uids for lab, uids in by_label.items() if lab not in ("Person", "Event")}
    seen = set()
    for row in rows + _edges_from(store, others):
        key = (row["source"], row["target"], row["type"])
        if key in seen or row["source"] not in graph.nodes or row["target"] not in graph.nodes:
            continue
        seen.add(key)
        graph.edges.append(Edge(row["source"], row["target"], row["type"],
                                dict(row["props"] or {})))
    return graph


# --- redaction ------------------------------------------------------------------------------


class Redactor:
    """What must be hidden in a store, and how each id and value is shown.

    With ``include_confidential`` every method returns its input unchanged.
    """

    def __init__(self, store: Store | None = None, include_confidential: bool = False):
        self.include_confidential = include_confidential
        self.aliases: dict[str, str] = {}
        self.protected: set[str] = set()
        self.confidential: set[str] = set()
        self._scrubber = redact.Scrubber(())
        if store is not None and not include_confidential:
            persons = store.read(PROTECTED)
            events = store.read(PROTECTED_EVENTS)
            twins = _twins(store, {r["uid"] for r in persons})
            if twins:
                persons += store.read(TWINS, {"uids": twins})
                events += store.read(TWIN_EVENTS, {"uids": twins})
            self._assign(PROTECTED_ID, (r["uid"] for r in persons))
            self._assign(CONFIDENTIAL_ID, (r["uid"] for r in store.read(CONFIDENTIAL)))
            self._assign(PROTECTED_EVENT_ID, (r["uid"] for r in events))
            self.protected = {r["uid"] for r in persons}
            self.confidential = {u for u, a in self.aliases.items()
                                 if a.startswith(CONFIDENTIAL_ID)}
            self._scrubber = redact.Scrubber(persons)

    def _assign(self, prefix: str, uids: Iterable[str]) -> None:
        for number, uid in enumerate(sorted(set(uids)), start=1):
            self.aliases[uid] = f"{prefix}-{number}"

    @property
    def redacting(self) -> bool:
        return not self.include_confidential

    def uid(self, uid: str | None) -> str | None:
        """The id to show for ``uid``."""
        if uid is None or self.include_confidential:
            return uid
        return self.aliases.get(uid, uid)

    def text(self, value: Any) -> Any:
        """Free text with every protected person's names replaced."""
        return self._scrubber.text(value)

    def is_protected(self, uid: str) -> bool:
        return not self.include_confidential and uid in self.protected

    def person_name(self, uid: str, name: str | None) -> str:
        return redact.PROTECTED_PERSON if self.is_protected(uid) else (name or "")

    def source(self, src: dict[str, Any]) -> dict[str, Any]:
        """A source dict as queries return it (title, publisher, ...), with its id shown."""
        out = dict(src)
        if self.include_confidential:
            return out
        if out.get("uid") in self.confidential or redact.flagged(out.get("confidential")):
            out["title"] = redact.CONFIDENTIAL_SOURCE
            out["publisher"] = None
            out.pop("url", None)
        out["uid"] = self.uid(out.get("uid"))
        out["title"] = self.text(out.get("title"))
        return out

    def node_props(self, node: Node) -> dict[str, Any]:
        p = node.props
        uid = self.uid(node.uid)
        if self.include_confidential:
            return dict(p)
        if "Person" in node.labels and node.uid in self.protected:
            return {"uid": uid, "name": redact.PROTECTED_PERSON, "protected": True}
        if "Source" in node.labels and node.uid in self.confidential:
            return {"uid": uid, "title": redact.CONFIDENTIAL_SOURCE, "kind": p.get("kind"),
                    "date": p.get("date"), "confidential": True}
        out = dict(p)
        for key in FREE_TEXT:
            if isinstance(out.get(key), str):
                out[key] = self.text(out[key])
        out["uid"] = uid
        if "Event" in node.labels and uid != node.uid:
            for key in ("notes", "record_id", "date_text", "digest"):
                out.pop(key, None)
        return out

    def edge_props(self, props: dict[str, Any]) -> dict[str, Any]:
        if self.include_confidential:
            return dict(props)
        out = dict(props)
        for key in ("events", "sources"):
            if isinstance(out.get(key), list):
                out[key] = [self.uid(v) for v in out[key]]
        for key in REVIEW_TEXT:  # a reviewer's note may name a protected person
            if isinstance(out.get(key), str):
                out[key] = self.text(out[key])
        return out

    def graph(self, graph: Graph) -> Graph:
        """A copy of ``graph`` as outputs may show it."""
        out = Graph(redacted=self.redacting)
        for node in graph.nodes.values():
            props = self.node_props(node)
            out.nodes[props["uid"]] = Node(props["uid"], list(node.labels), props)
        # self.uid and self.edge_props, inlined: views read tens of thousands of edges, most
        # of them without properties (``aliases`` is empty when nothing is hidden)
        shown = self.aliases.get
        for e in graph.edges:
            out.edges.append(Edge(shown(e.source, e.source), shown(e.target, e.target), e.type,
                                  self.edge_props(e.props) if e.props else {}))
        return out

    def apply(self, graph: Graph) -> Graph:
        """``graph`` itself made as outputs may show it (what ``graph()`` returns, without
        copying every node and edge: for a graph read for one output)."""
        nodes = {}
        for node in graph.nodes.values():
            node.props = self.node_props(node)
            node.uid = node.props["uid"]
            nodes[node.uid] = node
        graph.nodes = nodes
        aliases = self.aliases
        for e in graph.edges:
            if e.source in aliases:
                e.source = aliases[e.source]
            if e.target in aliases:
                e.target = aliases[e.target]
            if e.props:
                e.props = self.edge_props(e.props)
        graph.redacted = self.redacting
        return graph


def _twins(store: Store, protected: set[str]) -> list[str]:
    """The persons not protected themselves whom a reviewer merged (SAME_AS) with a protected
    person: their cluster's representative is protected (queries.resolve.clusters)."""
    from custodygraph.queries.resolve import clusters

    reps = clusters(store)
    return sorted(u for u, rep in reps.items() if rep in protected and u not in protected)


def redacted_graph(store: Store, graph: Graph, include_confidential: bool = False) -> Graph:
    """``graph`` redacted with what ``store`` says is confidential (see ``Redactor``)."""
    return Redactor(store, include_confidential).graph(graph)


__all__ = ["Node", "Edge", "Graph", "Redactor", "read_graph", "read_for_view", "read_cases",
           "read_around", "read_view_capped", "names_pattern",
           "select_cases", "redacted_graph", "most_specific"]
