"""Exports: each format loads back with the same nodes and relationships, strings are escaped
for their format, spreadsheets get no formulas, and every output has a manifest that checks."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import networkx as nx
import pytest

from custodygraph.ingest.gazetteer import shipped

from custodygraph.visuals import exports, manifest
from custodygraph.visuals.graphdata import Edge, Graph, read_graph

EXPORT_FILES = {"graphml": "g.graphml", "gexf": "g.gexf", "json": "g.json",
                "cypher": "g.cypher", "ftm": "g.ftm.jsonl"}


def tiny() -> Graph:
    """Two nodes with awkward strings and one relationship; no database needed."""
    g = Graph(redacted=True)
    g.add(["Person"], {"uid": "person:a", "name": "=HYPERLINK(\"http://x\")",
                       "aliases": ["it's", "back\\slash", "new\nline"], "protected": False,
                       "birth_year": 1990})
    g.add(["Facility", "Prison"], {"uid": "facility:b", "name": "سجن صيدنايا", "kind": "prison"})
    g.edges.append(Edge("person:a", "facility:b", "HELD_AT",
                        {"derived": True, "earliest": "2019-01-01", "latest": None,
                         "sources": ["source:s"], "confidence": "low"}))
    return g


def test_csv_neutralises_formulas_and_keeps_the_rest():
    nodes, edges = io.StringIO(), io.StringIO()
    exports.write_csv(tiny(), nodes, edges)
    rows = list(csv.DictReader(io.StringIO(nodes.getvalue())))
    assert rows[0]["name"] == "'=HYPERLINK(\"http://x\")"
    assert rows[0]["class"] == "Person" and rows[0]["birth_year"] == "1990"
    assert json.loads(rows[0]["aliases"]) == ["it's", "back\\slash", "new\nline"]
    assert rows[1]["name"] == "سجن صيدنايا" and rows[1]["labels"] == "Facility;Prison"
    edge = next(csv.DictReader(io.StringIO(edges.getvalue())))
    assert (edge["source"], edge["target"], edge["type"]) == ("person:a", "facility:b", "HELD_AT")
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "＝1"):
        assert exports.spreadsheet_safe(cell) == "'" + cell


def test_cypher_literals_escape_every_string():
    assert exports.cypher_literal("it's") == "'it\\'s'"
    assert exports.cypher_literal("a\\'; MATCH (n) DETACH DELETE n //") == \
        "'a\\\\\\'; MATCH (n) DETACH DELETE n //'"
    assert exports.cypher_literal("x\ny\u2028") == "'x\\u000Ay\\u2028'"
    assert exports.cypher_literal({"odd key": [1, True, None, 2.5]}) == \
        "{`odd key`: [1, true, null, 2.5]}"
    with pytest.raises(ValueError):
        exports.cypher_literal(float("nan"))
    statements = exports.cypher_statements(tiny())
    assert statements[0].startswith("CREATE CONSTRAINT custodygraph_facility_uid")
    assert any("MERGE (n:Facility {uid: row.uid})" in s and "n:Prison" in s for s in statements)
    assert statements[-1].startswith("UNWIND [") and "MERGE (a)-[r:HELD_AT]->(b)" in \
        statements[-1]


def test_ftm_entities_have_the_shape_aleph_reads():
    out = io.StringIO()
    assert exports.write_ftm(tiny(), out) == 3
    entities = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [e["schema"] for e in entities] == ["Person", "PublicBody", "UnknownLink"]
    for e in entities:
        assert set(e) == {"id", "schema", "properties"}
        assert all(isinstance(v, list) and all(isinstance(x, str) for x in v)
                   for v in e["properties"].values())
    link = entities[2]["properties"]
    assert link["subject"] == ["cg-person-a"] and link["object"] == ["cg-facility-b"]
    assert link["role"] == ["held at"] and link["startDate"] == ["2019-01-01"]


def test_safe_names_never_leave_the_folder(tmp_path):
    assert manifest.safe_name("../../etc/passwd") == "etc_passwd"
    assert manifest.safe_name("nodes-Person.csv") == "nodes-Person.csv"
    assert manifest.inside(tmp_path, "../x.csv") == tmp_path / "x.csv"
    with pytest.raises(manifest.OutputError):
        manifest.safe_name("../..")
    with pytest.raises(manifest.OutputError):
        manifest.file_target(tmp_path / "missing" / "x.graphml")
    with pytest.raises(manifest.OutputError):
        manifest.file_target(tmp_path)


# --- with the example data -------------------------------------------------------------
@pytest.fixture
def example(loaded, store):
    return store


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_graphml_and_gexf_load_back_with_the_same_counts(example, run, tmp_path, fmt):
    out = tmp_path / EXPORT_FILES[fmt]
    result = run("export", fmt, "-o", out)
    assert result.output.strip() == f"wrote {out} (redacted)"
    graph = read_graph(example)
    back = nx.read_graphml(out) if fmt == "graphml" else nx.read_gexf(out)
    assert back.number_of_nodes() == len(graph.nodes) == 75
    assert back.number_of_edges() == len(graph.edges)
    sednaya = back.nodes["gazetteer:sednaya"]
    assert sednaya["label"] == "Sednaya Military Prison"
    # the node carries the gazetteer's names, whatever the case file called it
    assert json.loads(sednaya["aliases"]) == list(shipped().get("sednaya").aliases)
    assert sednaya["gazetteer"] == "sednaya"
    ET.parse(out)  # well-formed XML


def test_json_and_csv_exports(example, run, tmp_path):
    run("export", "json", "-o", tmp_path / "g.json")
    data = json.loads((tmp_path / "g.json").read_text(encoding="utf-8"))
    assert data["meta"]["redacted"] is True
    assert len(data["nodes"]) == 75 and len(data["edges"]) == len(read_graph(example).edges)
    run("export", "csv", "-o", tmp_path / "csv")
    names = sorted(p.name for p in (tmp_path / "csv").iterdir())
    assert names == ["edges.csv", "manifest.json", "nodes.csv"]
    with open(tmp_path / "csv" / "nodes.csv", encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 75


def test_filtered_export_holds_the_case_set(example, run, tmp_path):
    run("export", "json", "-o", tmp_path / "daraa.json", "--region", "Daraa",
        "--event-type", "arrest")
    data = json.loads((tmp_path / "daraa.json").read_text(encoding="utf-8"))
    persons = sorted(n["properties"]["name"] for n in data["nodes"] if n["class"] == "Person")
    # arrests of persons from Daraa Governorate (Moath al-Smadi surrendered, which is no arrest)
    assert persons == ["Defectors from Daraa sent to the Qaboun military police (group)",
                       "Muhannad al-Ahmad", "Osama", "Youssef al-Hamad"]
    events = [n for n in data["nodes"] if n["class"] == "Event"]
    assert {e["properties"]["type"] for e in events} == {"arrest"}
    meta = json.loads((tmp_path / "daraa.json.manifest.json").read_text())
    assert meta["query"] == {"function": "cases",
                             "filters": {"region": "Daraa", "event_types": ["arrest"]}}
    assert meta["command"] == ["custodygraph", "export", "json", "--output",
                               str(tmp_path / "daraa.json"), "--region", "Daraa",
                               "--event-type", "arrest"]


def test_cypher_script_recreates_the_graph(example, run, tmp_path, data_dir):
    """The script, run statement by statement into a second embedded graph, gives back the
    same nodes, labels, properties and relationships (constraints are Neo4j's and skipped)."""
    from custodygraph.graph.falkor import FalkorStore

    out = tmp_path / "g.cypher"
    run("export", "cypher", "--include-confidential", "-o", out)
    # statements are separated by blank lines (newlines inside strings are escaped)
    blocks = [b.strip() for b in out.read_text(encoding="utf-8").split("\n\n")]
    statements = [b.rstrip(";") for b in blocks if b.startswith("UNWIND")]
    assert all(b.startswith(("//", "CREATE CONSTRAINT", "UNWIND")) for b in blocks if b)
    copy = FalkorStore(data_dir, graph="export-roundtrip")
    try:
        copy.clear()
        for statement in statements:
            copy.write(statement)
        original, again = read_graph(example), read_graph(copy)
        assert {u: sorted(n.labels) for u, n in again.nodes.items()} == \
            {u: sorted(n.labels) for u, n in original.nodes.items()}
        assert {u: n.props for u, n in again.nodes.items()} == \
            {u: n.props for u, n in original.nodes.items()}
        edges = sorted((e.source, e.type, e.target, json.dumps(e.props, sort_keys=True))
                       for e in original.edges)
        assert sorted((e.source, e.type, e.target, json.dumps(e.props, sort_keys=True))
                      for e in again.edges) == edges
        for statement in statements:  # a second run changes nothing
            copy.write(statement)
        assert len(read_graph(copy).edges) == len(edges)
    finally:
        copy.clear()
        copy.close()


def test_neo4j_admin_files(example, run, tmp_path):
    folder = tmp_path / "admin"
    run("export", "neo4j-admin", "-o", folder)
    with open(folder / "nodes-Person.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    assert header[:2] == ["uid:ID", ":LABEL"]
    assert "aliases:string[]" in header and "protected:boolean" in header
    muhannad = next(r for r in rows if r[0] == "person:sd-2021-02-09-06")
    assert muhannad[header.index("aliases:string[]")] == \
        "Muhannad Muhammad al-Ahmad|Mohannad al-Ahmad"
    with open(folder / "nodes-Facility.csv", encoding="utf-8", newline="") as fh:
        branch = next(r for r in csv.reader(fh) if r[0] == "gazetteer:mi-branch-215")
    assert branch[1] == "Organization|Facility|SecurityBranch"
    with open(folder / "relationships-HELD_AT.csv", encoding="utf-8", newline="") as fh:
        head = next(csv.reader(fh))
    assert head[:3] == [":START_ID", ":END_ID", ":TYPE"] and "derived:boolean" in head
    command = (folder / "IMPORT.txt").read_text(encoding="utf-8")
    assert "neo4j-admin database import full" in command and "--array-delimiter='|'" in command
    listed = {f["name"] for f in json.loads((folder / "manifest.json").read_text())["files"]}
    assert listed == {p.name for p in folder.iterdir()} - {"manifest.json"}


def test_manifest_records_and_checks(example, run, tmp_path):
    out = tmp_path / "g.graphml"
    run("export", "graphml", "-o", out, "--since", "2018")
    meta = manifest.check(out)
    assert meta["tool"] == "custodygraph" and meta["version"]
    assert meta["redacted"] is True and meta["format"] == "graphml"
    assert meta["query"]["filters"] == {"since": "2018"}
    assert meta["store"].startswith("embedded FalkorDB at ")
    assert meta["created"].endswith("+00:00")
    assert meta["files"][0]["name"] == "g.graphml"
    with open(out, "a", encoding="utf-8") as fh:
        fh.write("<!-- changed -->\n")
    with pytest.raises(manifest.OutputError, match="has changed"):
        manifest.check(out)


def test_export_refuses_a_folder_for_a_file_format(example, run, tmp_path):
    result = run("export", "graphml", "-o", tmp_path, ok=False)
    assert result.exit_code == 1
    assert "is a folder; give a file name with -o" in result.output


@pytest.mark.node
def test_cypher_script_passes_neo4j_front_end(example, run, tmp_path):
    from cypher_lint import lint, lint_available

    reason = lint_available()
    if reason:
        pytest.skip(reason)
    out = tmp_path / "g.cypher"
    run("export", "cypher", "-o", out)
    statements = exports.cypher_statements(read_graph(example))
    results = lint([s.rstrip(";") for s in statements])
    assert [r for r in results if r["errors"]] == []
