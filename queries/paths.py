"""How are two entries connected? The shortest path between them, of bounded length.

The path may run through persons, events, facilities, organisations and places, along the
relationships in ``PATH_TYPES`` and in either direction. Sources are left out: almost every
event shares a report with many others, so a path through a source says nothing.

The shortest-path statement is engine-specific and comes from the store's dialect.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from custodygraph.errors import EntityNotFound, InvalidFilter, NoPath
from custodygraph.graph.store import Store
from custodygraph.queries import redact
from custodygraph.queries.persons import find_person
from custodygraph.queries.search import resolve

#: the relationships a path may follow
PATH_TYPES = ("SUBJECT_OF", "AT", "BY", "HELD_AT", "ARRESTED_BY", "MEMBER_OF", "PART_OF",
              "LOCATED_IN", "FROM", "COMMANDED")
DEFAULT_MAX = 6
MAX_ALLOWED = 10


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
        return asdict(self)


def _entry(store: Store, text: str) -> dict[str, Any]:
    try:
        return resolve(store, text)
    except EntityNotFound:
        found = find_person(store, text)  # names by words, as every person look-up allows
        return {"uid": found["uid"], "name": found["name"], "kind": "person",
                "label": "Person", "protected": bool(found["protected"])}


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
    statement = store.dialect.shortest_path_statement(start["label"], end["label"],
                                                      list(PATH_TYPES), max_length)
    rows = store.read(statement, {"a": start["uid"], "b": end["uid"]})
    if not rows:
        raise NoPath(f"{shown[start['uid']]['name']} and {shown[end['uid']]['name']} are not "
                     f"connected within {max_length} steps; try a larger --max-length "
                     f"(at most {MAX_ALLOWED})")
    row = rows[0]
    nodes = [_node(n, include_confidential) for n in row["nodes"]]
    rels = [{"type": t, "from": s, "to": e} for t, s, e in row["rels"]]
    return Path(shown[start["uid"]], shown[end["uid"]], len(rels), nodes, rels)
