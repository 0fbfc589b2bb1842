"""Hostile and malformed files: each is rejected with a clear message or neutralised.

Whatever the file, there is no traceback and nothing is half-written.
"""

from __future__ import annotations

import json

import pytest

from conftest import ROOT

HEADER = ("record_id,person,person_id,event,date,facility,facility_type,source,source_type,"
          "confidence")
ROW = "r1,Test Person,P1,arrest,2019-01,Sednaya Military Prison,prison,s1,report,high"


def rejected(run, store, path, *expected, args=()):
    result = run("ingest", path, *args, ok=False)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    for text in expected:
        assert text in result.output, result.output
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    return result.output


def test_flat_example_gives_the_same_chain_as_the_case_file(run, store):
    # the example names four actors no gazetteer lists ("unit not named"): taken as written
    run("ingest", ROOT / "examples" / "flat-example.csv", "--allow-new")
    chain = json.loads(run("chain", "Muhannad al-Ahmad", "--format", "json").output)
    assert [s["place"]["name"] for s in chain["steps"] if s["place"]] == [
        "Raid Branch 215", "Sednaya Military Prison", "Tishreen Military Hospital"]
    before = store.read("MATCH (e:Event) RETURN count(e) AS n")
    out = json.loads(run("ingest", ROOT / "examples" / "syria-direct-2021-02-09.yaml",
                         "--json").output)
    assert out["counts"]["Event"] == {"created": 0, "updated": 0, "unchanged": 28}
    assert store.read("MATCH (e:Event) RETURN count(e) AS n") == before


def test_mixed_encoding_points_at_the_bad_line(run, store, tmp_path):
    path = tmp_path / "mixed.csv"
    good = "\n".join([HEADER] + [ROW.replace("r1", f"r{i}") for i in range(3000)])
    path.write_bytes(good.encode("utf-8") + "\nr9999,\u0639\u0644\u064a,P2,arrest,2019,,,s1,report,high\n"
                     .encode("cp1256"))
    rejected(run, store, path, f"{path}:3002", "--encoding")


def test_binary_junk(run, store, tmp_path):
    path = tmp_path / "junk.csv"
    path.write_bytes(bytes(range(256)) * 40)
    rejected(run, store, path, str(path))


def test_truncated_case_file(run, store, tmp_path):
    text = (ROOT / "examples" / "syria-direct-2021-02-09.yaml").read_text(encoding="utf-8")
    path = tmp_path / "truncated.yaml"
    path.write_text(text[: len(text) // 2] + '\n  - "unclosed', encoding="utf-8")
    rejected(run, store, path, str(path), "nothing was written")


def test_ten_megabyte_cell(run, store, tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text(HEADER + ",notes\n" + ROW + "," + "x" * 10_000_000 + "\n", encoding="utf-8")
    rejected(run, store, path, f"{path}:2: the line is longer than 1 MB", "nothing was written")


def test_ten_thousand_columns(run, store, tmp_path):
    path = tmp_path / "wide.csv"
    extra = ",".join(f"c{i}" for i in range(10_000))
    path.write_text(f"{HEADER},{extra}\n{ROW},{','.join('1' for _ in range(10_000))}\n",
                    encoding="utf-8")
    out = rejected(run, store, path, "nothing was written")
    assert len(out.splitlines()) < 30  # the first problems and a count, not 10,000 lines


def test_formula_cells_are_stored_as_text(run, store, tmp_path):
    path = tmp_path / "formula.csv"
    path.write_text(HEADER + ",notes\n" + ROW.replace("Test Person", "=cmd|' /C calc'!A0")
                    + ',"@SUM(1+1)"\n', encoding="utf-8")
    run("ingest", path)
    rows = store.read("MATCH (p:Person)-[:SUBJECT_OF]->(e:Event) "
                      "RETURN p.name AS name, e.notes AS notes")
    assert rows == [{"name": "=cmd|' /C calc'!A0", "notes": "@SUM(1+1)"}]


def test_cypher_in_names_types_and_headers(run, store, tmp_path):
    path = tmp_path / "cypher.csv"
    path.write_text(HEADER + "\n" + ROW.replace("Test Person", "a'}) DETACH DELETE n //")
                    + "\n", encoding="utf-8")
    run("ingest", path)
    assert store.read("MATCH (p:Person) RETURN p.name AS n") == [
        {"n": "a'}) DETACH DELETE n //"}]
    store.clear()
    path.write_text(HEADER + "\n" + ROW.replace(",prison,", ",Prison`) DETACH DELETE n//,")
                    + "\n", encoding="utf-8")
    rejected(run, store, path, "facility_type")
    path.write_text(HEADER.replace("confidence", "confidence`]->() DELETE r//") + "\n" + ROW
                    + "\n", encoding="utf-8")
    rejected(run, store, path, "confidence`]->() DELETE r//")


def test_mapping_file_must_be_a_regular_file(run, store, tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + "\n" + ROW + "\n", encoding="utf-8")
    result = run("ingest", path, "--mapping", tmp_path / ".." / ".." / "etc", ok=False)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert store.read("MATCH (n) RETURN count(n) AS n") == [{"n": 0}]
    mapping = tmp_path / "map.yaml"
    mapping.write_text("الاسم: person\nstatus: notacolumn\n", encoding="utf-8")
    rejected(run, store, path, "notacolumn", args=("--mapping", mapping))
