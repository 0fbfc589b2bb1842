"""Exchange formats: GraphML, GEXF, CSV, JSON, a Cypher script, neo4j-admin import files and
FollowTheMoney entities.

Every exporter takes a ``graphdata.Graph`` that has already been through the ``Redactor``
and writes to a path or an open text file handle; none of them reads the store. Property
values keep their types where the format has them; a list becomes a JSON array in formats
whose attributes are scalars (GraphML, GEXF, CSV).

- **GraphML / GEXF** (networkx's writers; Gephi, yEd, Cytoscape): one node per graph node
  with ``label`` (its name), ``class`` (its most specific label) and ``labels``; one edge per
  relationship with ``type``. The graph carries ``redacted``.
- **CSV**: ``nodes.csv`` (uid, class, labels, name, then every property) and ``edges.csv``
  (source, target, type, then every property). A text cell that a spreadsheet would run as
  a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, or their
  full-width forms) is written with a leading apostrophe, which spreadsheets show as text.
- **JSON**: ``{"meta": ..., "nodes": [...], "edges": [...]}`` with typed properties.
- **Cypher script**: statements for Neo4j 5 that recreate the graph: uniqueness constraints
  first, then ``UNWIND [...] AS row MERGE ...`` batches whose rows are written as Cypher
  literals (strings single-quoted with backslash, quote and every control character
  escaped). It needs no parameters, and running it twice changes nothing.
- **neo4j-admin import**: a folder with one node file per label group, one relationship
  file per type, with typed headers (``aliases:string[]``, ``protected:boolean``) and
  ``IMPORT.txt`` giving the command. These files are for neo4j-admin, not spreadsheets:
  values are written exactly, without the formula guard of the CSV export.
- **FollowTheMoney** (Aleph): one entity per line as JSON (see ``ftm_entities`` for the
  mapping).
"""

from __future__ import annotations

import csv
import json
import math
import re
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

from custodygraph.graph import schema
from custodygraph.visuals.graphdata import Graph, Node, _lookup_label

#: rows per UNWIND statement in the Cypher script
CYPHER_BATCH = 500
#: the characters neo4j-admin may split arrays on, in order of preference
ARRAY_DELIMITERS = ("|", ";", "¦", "\u001f")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@contextmanager
def _text_out(target: str | Path | IO[str]) -> Iterator[IO[str]]:
    if hasattr(target, "write"):
        yield target  # type: ignore[misc]
    else:
        with open(target, "w", encoding="utf-8", newline="") as fh:
            yield fh


def _scalar(value: Any) -> Any:
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


# --- networkx: GraphML and GEXF --------------------------------------------------------------
def to_networkx(graph: Graph):
    """A networkx MultiDiGraph of ``graph`` with scalar attributes (lists as JSON)."""
    import networkx as nx

    g = nx.MultiDiGraph(redacted=graph.redacted)
    for node in graph.nodes.values():
        attrs = {k: _scalar(v) for k, v in node.props.items() if v is not None and k != "uid"}
        g.add_node(node.uid, label=node.name, **{"class": node.kind}, labels=";".join(node.labels),
                   **attrs)
    for i, e in enumerate(graph.edges):
        attrs = {k: _scalar(v) for k, v in e.props.items() if v is not None}
        g.add_edge(e.source, e.target, key=f"e{i}", type=e.type, **attrs)
    return g


def write_graphml(graph: Graph, target: str | Path | IO[str]) -> None:
    import networkx as nx

    text = "\n".join(nx.generate_graphml(to_networkx(graph))) + "\n"
    with _text_out(target) as fh:
        fh.write(text)


def write_gexf(graph: Graph, target: str | Path | IO[str]) -> None:
    import networkx as nx

    text = "\n".join(nx.generate_gexf(to_networkx(graph))) + "\n"
    with _text_out(target) as fh:
        fh.write(text)


# --- CSV ---------------------------------------------------------------------------------
def spreadsheet_safe(value: Any) -> Any:
    """A cell value a spreadsheet will not run as a formula.

    >>> spreadsheet_safe("=HYPERLINK(1)")
    "'=HYPERLINK(1)"
    >>> spreadsheet_safe("Sednaya")
    'Sednaya'
    >>> spreadsheet_safe(-3)
    -3
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def _property_columns(items: Iterable[dict[str, Any]], skip: tuple[str, ...]) -> list[str]:
    seen: dict[str, None] = {}
    for props in items:
        for key in props:
            if key not in skip:
                seen.setdefault(key, None)
    return sorted(seen)


def write_csv(graph: Graph, nodes: str | Path | IO[str], edges: str | Path | IO[str]) -> None:
    """``nodes.csv`` and ``edges.csv`` (see the module's notes)."""
    columns = _property_columns((n.props for n in graph.nodes.values()), ("uid", "name"))
    with _text_out(nodes) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["uid", "class", "labels", "name"] + columns)
        for node in graph.nodes.values():
            row = [node.uid, node.kind, ";".join(node.labels), node.name]
            row += [_scalar(node.props.get(c)) for c in columns]
            writer.writerow([spreadsheet_safe(v) for v in row])
    columns = _property_columns((e.props for e in graph.edges), ())
    with _text_out(edges) as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["source", "target", "type"] + columns)
        for e in graph.edges:
            row = [e.source, e.target, e.type] + [_scalar(e.props.get(c)) for c in columns]
            writer.writerow([spreadsheet_safe(v) for v in row])


# --- JSON --------------------------------------------------------------------------------
def write_json(graph: Graph, target: str | Path | IO[str], meta: dict[str, Any] | None = None
               ) -> None:
    data = {
        "meta": {"redacted": graph.redacted, **(meta or {})},
        "nodes": [{"uid": n.uid, "class": n.kind, "labels": n.labels, "properties": n.props}
                  for n in graph.nodes.values()],
        "edges": [{"source": e.source, "target": e.target, "type": e.type,
                   "properties": e.props} for e in graph.edges],
    }
    with _text_out(target) as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


# --- Cypher ------------------------------------------------------------------------------
def cypher_string(text: str) -> str:
    r"""``text`` as a single-quoted Cypher string literal.

    >>> print(cypher_string("it's \\ 'quoted'\n"))
    'it\'s \\ \'quoted\'\u000A'
    """
    out = []
    for ch in text:
        code = ord(ch)
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif code < 0x20 or code == 0x7F or ch in "\u2028\u2029":
            out.append(f"\\u{code:04X}")
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def cypher_key(key: str) -> str:
    """A map key or property name; anything but a plain identifier is backtick-quoted."""
    if _IDENTIFIER.match(key):
        return key
    return "`" + key.replace("`", "``") + "`"


def cypher_literal(value: Any) -> str:
    """A Python value as a Cypher literal (strings, numbers, booleans, lists, maps)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"cannot write {value!r} as a Cypher literal")
        return repr(value)
    if isinstance(value, str):
        return cypher_string(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(cypher_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{cypher_key(str(k))}: {cypher_literal(v)}"
                               for k, v in value.items() if v is not None) + "}"
    raise ValueError(f"cannot write a {type(value).__name__} as a Cypher literal")


def _batches(rows: list[Any], size: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), size):
        yield rows[i:i + size]


def constraint_statements(graph: Graph) -> list[str]:
    """Uniqueness of ``uid`` for every label nodes are matched on (Neo4j 5 syntax)."""
    labels = sorted({_lookup_label(n.labels) for n in graph.nodes.values()} - {""})
    return [f"CREATE CONSTRAINT custodygraph_{lab.lower()}_uid IF NOT EXISTS "
            f"FOR (n:{schema.label(lab)}) REQUIRE n.uid IS UNIQUE;" for lab in labels]


def cypher_statements(graph: Graph, *, constraints: bool = True,
                      batch: int = CYPHER_BATCH) -> list[str]:
    """The statements of the Cypher script, each ending with ``;``."""
    statements = constraint_statements(graph) if constraints else []
    groups: dict[tuple[str, ...], list[Node]] = {}
    for node in graph.nodes.values():
        groups.setdefault(tuple(sorted(node.labels)), []).append(node)
    for labels, members in sorted(groups.items()):
        main = _lookup_label(labels)
        if not main:
            continue
        extra = [lab for lab in labels if lab != main]
        set_labels = "".join(f":{schema.label(lab)}" for lab in extra)
        for chunk in _batches(members, batch):
            rows = ",\n  ".join(cypher_literal(n.props) for n in chunk)
            statements.append(
                f"UNWIND [\n  {rows}\n] AS row\nMERGE (n:{schema.label(main)} {{uid: row.uid}})\n"
                f"SET n += row" + (f", n{set_labels}" if set_labels else "") + ";")
    lookup = {uid: _lookup_label(n.labels) for uid, n in graph.nodes.items()}
    rels: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for e in graph.edges:
        key = (schema.rel(e.type), lookup[e.source], lookup[e.target])
        rels.setdefault(key, []).append({"a": e.source, "b": e.target, "props": e.props})
    for (rel, la, lb), members in sorted(rels.items()):
        for chunk in _batches(members, batch):
            rows = ",\n  ".join(cypher_literal(r) for r in chunk)
            statements.append(
                f"UNWIND [\n  {rows}\n] AS row\n"
                f"MATCH (a:{schema.label(la)} {{uid: row.a}})\n"
                f"MATCH (b:{schema.label(lb)} {{uid: row.b}})\n"
                f"MERGE (a)-[r:{rel}]->(b)\nSET r += row.props;")
    return statements


CYPHER_HEADER = """\
// custodygraph export: a Cypher script for Neo4j 5.
// Run it with cypher-shell (cypher-shell -a URI -u USER -f FILE) or paste it into Neo4j
// Browser. It needs no parameters; it MERGEs on uid, so running it twice changes nothing.
"""


def write_cypher(graph: Graph, target: str | Path | IO[str], meta: dict[str, Any] | None = None
                 ) -> None:
    with _text_out(target) as fh:
        fh.write(CYPHER_HEADER)
        state = "REDACTED" if graph.redacted else "NOT REDACTED (confidential data included)"
        fh.write(f"// {state}; {len(graph.nodes)} nodes, {len(graph.edges)} relationships.\n")
        for key, value in sorted((meta or {}).items()):
            fh.write(f"// {key}: {json.dumps(value, ensure_ascii=True)[:200]}\n")
        fh.write("\n")
        for statement in cypher_statements(graph):
            fh.write(statement + "\n\n")


# --- neo4j-admin import ------------------------------------------------------------------
def _declared_types() -> dict[str, str]:
    """Property name -> neo4j-admin header type, from the schema declarations."""
    from custodygraph.graph.declare import (ArrayProperty, BooleanProperty, FloatProperty,
                                            IntegerProperty)

    types: dict[str, str] = {}
    for cls in schema.NODE_CLASSES:
        for name, prop in cls.properties().items():
            if isinstance(prop, ArrayProperty):
                types[name] = "string[]"
            elif isinstance(prop, BooleanProperty):
                types[name] = "boolean"
            elif isinstance(prop, IntegerProperty):
                types[name] = "long"
            elif isinstance(prop, FloatProperty):
                types[name] = "double"
    return types


def _value_type(values: Iterable[Any]) -> str:
    kinds = set()
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("long")
        elif isinstance(v, float):
            kinds.add("double")
        elif isinstance(v, (list, tuple)):
            kinds.add("string[]")
        else:
            kinds.add("string")
    return kinds.pop() if len(kinds) == 1 else "string"


def array_delimiter(graph: Graph) -> str:
    """The first of ARRAY_DELIMITERS that no list element contains."""
    elements = [str(v) for item in [*(n.props for n in graph.nodes.values()),
                                    *(e.props for e in graph.edges)]
                for value in item.values() if isinstance(value, (list, tuple)) for v in value]
    for candidate in ARRAY_DELIMITERS:
        if not any(candidate in v for v in elements):
            return candidate
    raise ValueError("every array delimiter neo4j-admin could use occurs in the data")


def _admin_cell(value: Any, kind: str, delimiter: str) -> Any:
    if value is None:
        return ""
    if kind == "string[]" and isinstance(value, (list, tuple)):
        return delimiter.join(str(v) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    return value


def write_neo4j_admin(graph: Graph, folder: Path) -> list[Path]:
    """Node and relationship files for ``neo4j-admin database import full`` in ``folder``,
    and ``IMPORT.txt`` with the command; returns the files written."""
    from custodygraph.visuals.manifest import inside

    declared = _declared_types()
    delimiter = array_delimiter(graph)
    written: list[Path] = []
    node_files, rel_files = [], []
    groups: dict[str, list[Node]] = {}
    for node in graph.nodes.values():
        groups.setdefault(_lookup_label(node.labels) or "Node", []).append(node)
    for label, members in sorted(groups.items()):
        columns = _property_columns((n.props for n in members), ("uid",))
        types = {c: declared.get(c) or _value_type(n.props.get(c) for n in members)
                 for c in columns}
        path = inside(folder, f"nodes-{label}.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(["uid:ID", ":LABEL"] + [c if types[c] == "string" else
                                                     f"{c}:{types[c]}" for c in columns])
            for n in members:
                writer.writerow([n.uid, delimiter.join(n.labels)]
                                + [_admin_cell(n.props.get(c), types[c], delimiter)
                                   for c in columns])
        node_files.append(path.name)
        written.append(path)
    by_type: dict[str, list] = {}
    for e in graph.edges:
        by_type.setdefault(schema.rel(e.type), []).append(e)
    for rel, members in sorted(by_type.items()):
        columns = _property_columns((e.props for e in members), ())
        types = {c: _value_type(e.props.get(c) for e in members) for c in columns}
        path = inside(folder, f"relationships-{rel}.csv")
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow([":START_ID", ":END_ID", ":TYPE"]
                            + [c if types[c] == "string" else f"{c}:{types[c]}"
                               for c in columns])
            for e in members:
                writer.writerow([e.source, e.target, e.type]
                                + [_admin_cell(e.props.get(c), types[c], delimiter)
                                   for c in columns])
        rel_files.append(path.name)
        written.append(path)
    shown = "'\\t'" if delimiter == "\t" else f"'{delimiter}'"
    if delimiter == "\u001f":
        shown = "$'\\x1f'"
    command = ["neo4j-admin database import full"]
    command += [f"  --nodes={name}" for name in node_files]
    command += [f"  --relationships={name}" for name in rel_files]
    command += [f"  --array-delimiter={shown}", "  --multiline-fields=true", "  neo4j"]
    state = "REDACTED" if graph.redacted else "NOT REDACTED (confidential data included)"
    readme = inside(folder, "IMPORT.txt")
    readme.write_text(
        f"custodygraph export for neo4j-admin ({state}).\n\n"
        "Copy these files into the import folder of a stopped Neo4j 5 server, then run there\n"
        "(the target database must be new or empty; add --overwrite-destination to replace it):\n\n"
        + " \\\n".join(command) + "\n\n"
        "Then start the server and create the uniqueness constraints on uid (the Cypher export\n"
        "starts with them, or run `custodygraph db init --neo4j URI`).\n", encoding="utf-8")
    written.append(readme)
    return written


# --- FollowTheMoney ----------------------------------------------------------------------
#: organisation and facility kinds that are state bodies (FtM PublicBody)
PUBLIC_KINDS = {"security_branch", "intelligence_agency", "military_unit", "ministry",
                "police", "prison", "military_police", "military_hospital", "court",
                "checkpoint", "unit_headquarters"}


def _ftm_id(uid: str) -> str:
    return "cg-" + re.sub(r"[^A-Za-z0-9._-]+", "-", uid).strip("-")


def ftm_entities(graph: Graph) -> Iterator[dict[str, Any]]:
    """FollowTheMoney entities (``{"id", "schema", "properties"}``, every value a list of
    strings) for Aleph and other FtM tools. The mapping:

    - Person → ``Person`` (name, alias, gender, birthDate, notes; hometown as addressEntity);
    - Organization, and every Facility → ``PublicBody`` for a state body, else
      ``Organization`` (the facility or organisation type in ``summary``; a facility's
      location as addressEntity);
    - Location → ``Address`` (full: the name; country for a country);
    - Source → ``Document`` (title, publisher, publishedAt, sourceUrl);
    - Event → ``Event`` (name: "TYPE: PERSON", startDate and endDate from the date bounds,
      date from the EDTF reading when it is a plain date, involved: the persons and the
      facility, organizer: the organisation responsible, addressEntity: a location,
      proof: the sources, recordId, description: the notes);
    - MEMBER_OF → ``Membership``; HELD_AT, ARRESTED_BY, PART_OF and COMMANDED →
      ``UnknownLink`` with the relationship as its role (held at, arrested by, part of,
      commanded), with the dates of derived edges.

    Ids are ``cg-`` followed by the uid. IngestRun nodes are left out.
    """
    nodes = graph.nodes
    out: dict[str, list] = {}
    into: dict[str, list] = {}
    for e in graph.edges:
        out.setdefault(e.source, []).append(e)
        into.setdefault(e.target, []).append(e)

    def vals(*values) -> list[str]:
        return [str(v) for v in values if v not in (None, "", [])]

    for uid, node in nodes.items():
        p = node.props
        labels = set(node.labels)
        props: dict[str, list[str]] = {}
        if "Person" in labels:
            schema_name = "Person"
            props = {"name": vals(p.get("name"), p.get("name_ar")),
                     "alias": vals(*(p.get("aliases") or [])),
                     "gender": vals(p.get("gender")),
                     "birthDate": vals(p.get("birth_year")),
                     "notes": vals(p.get("notes"))}
            homes = [e.target for e in out.get(uid, []) if e.type == "FROM"]
            props["addressEntity"] = [_ftm_id(h) for h in homes]
        elif "Facility" in labels or "Organization" in labels:
            schema_name = "PublicBody" if p.get("kind") in PUBLIC_KINDS else "Organization"
            props = {"name": vals(p.get("name"), p.get("name_ar")),
                     "alias": vals(*(p.get("aliases") or [])),
                     "summary": vals(p.get("kind", "").replace("_", " "))}
            places = [e.target for e in out.get(uid, []) if e.type == "LOCATED_IN"]
            props["addressEntity"] = [_ftm_id(h) for h in places]
        elif "Location" in labels:
            schema_name = "Address"
            props = {"full": vals(p.get("name")), "name": vals(p.get("name"), p.get("name_ar")),
                     "summary": vals(p.get("level"))}
            if p.get("level") == "country":
                props["country"] = vals(p.get("name"))
        elif "Source" in labels:
            schema_name = "Document"
            props = {"title": vals(p.get("title")), "publisher": vals(p.get("publisher")),
                     "publishedAt": vals(p.get("date")), "sourceUrl": vals(p.get("url")),
                     "summary": vals(p.get("kind"))}
        elif "Event" in labels:
            schema_name = "Event"
            persons = [e.source for e in into.get(uid, []) if e.type == "SUBJECT_OF"]
            names = ", ".join(nodes[s].name for s in persons if s in nodes)
            props = {"name": vals(f"{p.get('type')}: {names}" if names else p.get("type")),
                     "startDate": vals(p.get("earliest")), "endDate": vals(p.get("latest")),
                     "description": vals(p.get("notes")),
                     "summary": vals(p.get("date_text")),
                     "recordId": vals(p.get("record_id")),
                     "involved": [_ftm_id(s) for s in persons]}
            for e in out.get(uid, []):
                target = nodes.get(e.target)
                if target is None:
                    continue
                if e.type == "SOURCED_FROM":
                    props.setdefault("proof", []).append(_ftm_id(e.target))
                elif e.type == "BY":
                    props.setdefault("organizer", []).append(_ftm_id(e.target))
                elif e.type == "AT" and "Location" in target.labels:
                    props.setdefault("addressEntity", []).append(_ftm_id(e.target))
                    props.setdefault("location", []).append(target.name)
                elif e.type == "AT":
                    props["involved"].append(_ftm_id(e.target))
                    props.setdefault("location", []).append(target.name)
            edtf = p.get("date_edtf") or ""
            if re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", edtf):
                props["date"] = [edtf]
        else:
            continue
        yield {"id": _ftm_id(uid), "schema": schema_name,
               "properties": {k: v for k, v in props.items() if v}}

    roles = {"HELD_AT": "held at", "ARRESTED_BY": "arrested by", "PART_OF": "part of",
             "COMMANDED": "commanded"}
    for i, e in enumerate(graph.edges):
        if e.source not in nodes or e.target not in nodes:
            continue
        if "Location" in nodes[e.source].labels:
            continue  # a place within a place is the Address's business, not a link
        base = {"startDate": vals(e.props.get("earliest")),
                "endDate": vals(e.props.get("latest")),
                "proof": [_ftm_id(s) for s in e.props.get("sources") or []]}
        link = f"{_ftm_id(e.source)}.{e.type.lower()}.{_ftm_id(e.target)}"
        if e.type == "MEMBER_OF":
            yield {"id": link, "schema": "Membership",
                   "properties": {k: v for k, v in {
                       "member": [_ftm_id(e.source)], "organization": [_ftm_id(e.target)],
                       "role": ["member"], **base}.items() if v}}
        elif e.type in roles:
            yield {"id": link, "schema": "UnknownLink",
                   "properties": {k: v for k, v in {
                       "subject": [_ftm_id(e.source)], "object": [_ftm_id(e.target)],
                       "role": [roles[e.type]], **base}.items() if v}}


def write_ftm(graph: Graph, target: str | Path | IO[str]) -> int:
    """FollowTheMoney entities as JSON lines; returns how many."""
    count = 0
    with _text_out(target) as fh:
        for entity in ftm_entities(graph):
            fh.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


__all__ = ["to_networkx", "write_graphml", "write_gexf", "write_csv", "write_json",
           "write_cypher", "cypher_statements", "cypher_literal", "write_neo4j_admin",
           "write_ftm", "ftm_entities", "spreadsheet_safe"]
