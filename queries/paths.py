"""How are two entries connected? The shortest path between them, of bounded length.

The path may run through persons, events, facilities, organisations and places, along the
relationships in ``PATH_TYPES`` and in either direction. Sources are left out: almost every
event shares a report with many others, so a path through a source says nothing.

The path is found by a breadth-first search from both ends at once, one layer of neighbours
per statement, the side with fewer nodes first: a search that walked every path up to the
length asked for (FalkorDB's ``algo.SPpaths``) ran for minutes through a prison held by
tens of thousands, where this one stops as soon as the two sides meet. The statements are
plain Cypher, the same on both engines.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custodygraph.errors import EntityNotFound, InvalidFilter, NoPath
from custodygraph.graph import schema
from custodygraph.graph.store import Store, read_together
from custodygraph.queries import redact
from custodygraph.queries.persons import find_person
from custodygraph.queries.plain import as_plain
from custodygraph.queries.search import resolve

#: the relationships a path may follow
PATH_TYPES = ("SUBJECT_OF", "AT", "BY", "HELD_AT", "ARRESTED_BY", "MEMBER_OF", "PART_OF",
              "LOCATED_IN", "FROM", "COMMANDED")
DEFAULT_MAX = 6
MAX_ALLOWED = 10


# The neighbours of some nodes of one label along PATH_TYPES, either way: for each, the
# neighbour's uid and labels, and the relationship's type and direction.
NEIGHBOURS = """
UNWIND $uids AS u
MATCH (n:{label} {{uid: u}})-[r:{types}]-(m)
RETURN u AS node, m.uid AS other, labels(m) AS labels, type(r) AS type,
       startNode(r).uid = u AS forward
"""
# What a path shows of each of its nodes.
NODES = """
UNWIND $uids AS u
MATCH (n:{label} {{uid: u}})
RETURN n.uid AS uid, n.name AS name, n.title AS title, labels(n) AS labels, n.type AS type,
       n.kind AS kind, n.earliest AS earliest, n.latest AS latest, n.protected AS protected
"""


@dataclass
class Path:
    start: dict[str, Any]
    end: dict[str, Any]
    #: number of relationships
    length: int
    #: every node in order: uid, label, name (events: type and dates)
    nodes: list[dict[str, Any]]
    #: every relationship in order: type, and the uids it points from and to
    relationships: list[dict[str, Any]]

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _entry(store: Store, text: str) -> dict[str, Any]:
    try:
        return resolve(store, text)
    except EntityNotFound:
        found = find_person(store, text)  # names by words, as every person look-up allows
        return {"uid": found["uid"], "name": found["name"], "kind": "person",
                "label": "Person", "protected": redact.flagged(found["protected"])}


def _node(row: dict[str, Any], include_confidential: bool) -> dict[str, Any]:
    labels = row.get("labels") or []
    label = next((lab for lab in ("Person", "Event", "Facility", "Organization", "Location",
                                  "Source") if lab in labels), labels[0] if labels else None)
    node = {"uid": row["uid"], "label": label}
    if label == "Event":
        node.update(name=row["type"], earliest=row["earliest"], latest=row["latest"])
    elif label == "Person":
        node["name"] = redact.person_name(row["name"], row["protected"], include_confidential)
    else:
        node["name"] = row["name"] or row.get("title")
        if row.get("kind"):
            node["kind"] = row["kind"]
    return node


def shortest_path(store: Store, a: str, b: str, *, max_length: int = DEFAULT_MAX,
                  include_confidential: bool = False) -> Path:
    """The shortest connection between ``a`` and ``b``, each a uid, a name or an alias.

    At most ``max_length`` relationships (1 to MAX_ALLOWED), in either direction. When
    several paths are equally short, the engine picks one. Raises NoPath when there is none,
    EntityNotFound or AmbiguousEntity when a name does not pick one entry.
    """
    if not 1 <= max_length <= MAX_ALLOWED:
        raise InvalidFilter(f"--max-length must be from 1 to {MAX_ALLOWED}, not {max_length}")
    start, end = _entry(store, a), _entry(store, b)
    shown = {}
    for entry in (start, end):
        shown[entry["uid"]] = {"uid": entry["uid"], "label": entry["label"],
                               "name": redact.person_name(entry["name"], entry["protected"],
                                                          include_confidential)}
    if start["uid"] == end["uid"]:
        return Path(shown[start["uid"]], shown[end["uid"]], 0, [shown[start["uid"]]], [])
    found = _search(store, (start["uid"], start["label"]), (end["uid"], end["label"]),
                    max_length)
    if found is None:
        raise NoPath(f"{shown[start['uid']]['name']} and {shown[end['uid']]['name']} are not "
                     f"connected within {max_length} step{'' if max_length == 1 else 's'}; "
                     f"try a larger --max-length (at most {MAX_ALLOWED})")
    uids, rels, labels = found
    rows = {}
    for answer in _by_label(store, NODES, {uid: labels[uid] for uid in uids}):
        rows |= {row["uid"]: row for row in answer}
    nodes = [_node(rows[uid], include_confidential) for uid in uids]
    return Path(shown[start["uid"]], shown[end["uid"]], len(rels), nodes, rels)


def _by_label(store: Store, template: str, labels: dict[str, str]) -> list[list[dict]]:
    """The answers of ``template`` for these nodes (uid -> label), one statement per label
    (so each looks its nodes up by the label's uid index), run at once."""
    groups: dict[str, list[str]] = {}
    for uid, label in labels.items():
        groups.setdefault(label, []).append(uid)
    types = "|".join(schema.rel(t) for t in PATH_TYPES)
    return read_together(store, [(template.format(label=schema.label(label), types=types),
                                  {"uids": uids}) for label, uids in sorted(groups.items())])


def _search(store: Store, start: tuple[str, str], end: tuple[str, str], max_length: int
            ) -> tuple[list[str], list[dict[str, str]], dict[str, str]] | None:
    """A shortest path from ``start`` to ``end`` ((uid, label) each) of at most
    ``max_length`` relationships: its node uids and relationships in order, and the label
    each node was looked up by; None when there is none.

    Breadth-first from both ends, a whole layer at a time, the side with fewer nodes first;
    the first layer where the sides meet gives the length, and of the nodes where they
    meet the smallest uid is taken. Each side keeps, for every node it reached, the node and
    relationship it was reached through.
    """
    labels = {start[0]: start[1], end[0]: end[1]}
    reached: tuple[dict, dict] = ({start[0]: None}, {end[0]: None})
    frontier = ([start[0]], [end[0]])
    depth = [0, 0]
    while depth[0] + depth[1] < max_length:
        side = 0 if len(frontier[0]) <= len(frontier[1]) else 1
        if not frontier[side]:
            return None
        mine, theirs, after, met = reached[side], reached[1 - side], [], []
        for answer in _by_label(store, NEIGHBOURS, {u: labels[u] for u in frontier[side]}):
            for row in answer:
                other = row["other"]
                if other is None or other in mine:
                    continue
                label = next((x for x in row["labels"] if x in schema.LABELS), None)
                if label is None:
                    continue  # not a node of the schema: nothing to look it up by
                ends = (row["node"], other) if row["forward"] else (other, row["node"])
                mine[other] = (row["node"], {"type": row["type"], "from": ends[0],
                                             "to": ends[1]})
                labels[other] = label
                after.append(other)
                if other in theirs:
                    met.append(other)
        depth[side] += 1
        if met:
            return _joined(min(met), reached, labels)
        frontier[side][:] = after
    return None


def _joined(middle: str, reached: tuple[dict, dict], labels: dict[str, str]
            ) -> tuple[list[str], list[dict[str, str]], dict[str, str]]:
    """The path through ``middle`` from what each side of the search reached."""
    uids, rels = [middle], []
    node = middle
    while reached[0][node] is not None:
        node, rel = reached[0][node]
        uids.insert(0, node)
        rels.insert(0, rel)
    node = middle
    while reached[1][node] is not None:
        node, rel = reached[1][node]
        uids.append(node)
        rels.append(rel)
    return uids, rels, labels
