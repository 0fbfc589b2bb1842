"""Ingest resolves facility and organisation names against the gazetteer.

A name the gazetteer has becomes that entry's node, whichever spelling or script a file uses.
A name it does not have is a problem (file, line, column, suggestions) and nothing is
written, unless --allow-new takes it as written and lists it.
"""

from __future__ import annotations

import csv
import json
import sys
import textwrap
from pathlib import Path

import pytest

from custodygraph.ingest import gazetteer as gz
from custodygraph.ingest.flat import COLUMNS

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
import generate  # noqa: E402

EXAMPLE = ROOT / "examples" / "syria-direct-2021-02-09.yaml"
COUNT_NODES = "MATCH (n) RETURN count(n) AS n"


def flat_file(path: Path, rows: list[dict]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, COLUMNS, lineterminator="\n")
        writer.writeheader()
        for number, row in enumerate(rows, start=1):
            writer.writerow({"record_id": f"r{number}", "person": "Test Person",
                             "person_id": "T-1", "event": "detention", "sequence": number,
                             "source": "s1", "source_type": "report", "confidence": "high",
                             **row})
    return path


def test_every_spelling_of_a_place_is_one_node(run, store, tmp_path):
    path = flat_file(tmp_path / "spellings.csv", [
        {"facility": "Sednaya Military Prison", "facility_type": "prison"},
        {"facility": "Saydnaya", "facility_type": "prison"},
        {"facility": "سجن صيدنايا", "facility_type": "prison"},
        {"facility": "Branch 215", "facility_type": "security_branch",
         "organization": "فرع المداهمة 215", "organization_type": "security_branch"},
    ])
    summary = json.loads(run("ingest", path, "--json").output)
    assert summary["new_names"] == []
    rows = store.read("MATCH (f:Facility) RETURN f.uid AS uid, f.name AS name, "
                      "f.gazetteer AS gazetteer ORDER BY uid")
    assert rows == [
        {"uid": "gazetteer:mi-branch-215", "name": "Raid Branch 215",
         "gazetteer": "mi-branch-215"},
        {"uid": "gazetteer:sednaya", "name": "Sednaya Military Prison", "gazetteer": "sednaya"},
    ]
    held = store.read("MATCH (:Person)-[h:HELD_AT]->(f:Facility {uid: 'gazetteer:sednaya'}) "
                      "RETURN h.events AS events")
    assert [sorted(r["events"]) for r in held] == [["event:r1", "event:r2", "event:r3"]]
    # the branch named as the organisation is the same node as the facility
    assert store.read("MATCH (o:Organization) RETURN o.uid AS uid") == [
        {"uid": "gazetteer:mi-branch-215"}]


def test_an_unknown_name_is_reported_and_nothing_is_written(run, store, tmp_path):
    path = flat_file(tmp_path / "unknown.csv", [
        {"facility": "Sednaya Military Prison", "facility_type": "prison"},
        {"facility": "Branch Nine Hundred", "facility_type": "security_branch"},
        {"facility": "Branch Nine Hundred", "facility_type": "security_branch"},
        {"facility": "Military Hospital", "facility_type": "military_hospital"},
        {"facility": "Saydnaya", "facility_type": "security_branch"},
    ])
    result = run("ingest", path, ok=False)
    assert result.exit_code != 0
    lines = result.output.splitlines()
    facility = COLUMNS.index("facility") + 1
    # each name once, at its first row and the facility cell, with how to go on
    assert lines[0].startswith(f"Error: {path}:3:{facility}: facility 'Branch Nine Hundred' "
                               "is not in the gazetteer (")
    assert "--allow-new" in lines[0] and "--gazetteer FILE" in lines[0]
    assert lines[1] == (
        f"{path}:5:{facility}: facility 'Military Hospital' could be any of several gazetteer "
        "entries: Military Hospital 601 (military-hospital-601), Tishreen Military Hospital "
        "(tishreen-military-hospital) (write the full name, or the gazetteer id of the one "
        "meant)")
    assert lines[2] == (
        f"{path}:6:{facility}: 'Saydnaya' is the gazetteer's Sednaya Military Prison "
        "(sednaya), a prison, not a security_branch (give it the type prison)")
    assert lines[3] == "3 problems found; nothing was written."
    assert store.read(COUNT_NODES) == [{"n": 0}]


def test_allow_new_takes_unknown_names_as_written_and_lists_them(run, store, tmp_path):
    path = flat_file(tmp_path / "new.csv", [
        {"facility": "Branch Nine Hundred", "facility_type": "security_branch"},
        {"facility": "Saydnaya", "facility_type": "prison",
         "organization": "Unit not named", "organization_type": "military_unit"},
        {"facility": "Branch Nine Hundred", "facility_type": "security_branch"},
    ])
    summary = json.loads(run("ingest", path, "--allow-new", "--json").output)
    assert summary["new_names"] == [
        {"role": "facility", "name": "Branch Nine Hundred", "type": "security_branch",
         "uid": "branch:branch-nine-hundred", "first": f"{path}:2", "rows": 2},
        {"role": "organization", "name": "Unit not named", "type": "military_unit",
         "uid": "org:unit-not-named", "first": f"{path}:3", "rows": 1},
    ]
    uids = [r["uid"] for r in store.read("MATCH (f:Facility) RETURN f.uid AS uid ORDER BY uid")]
    assert uids == ["branch:branch-nine-hundred", "gazetteer:sednaya"]
    table = run("ingest", path, "--allow-new").output
    assert "2 names are not in the gazetteer and were taken as written:" in table
    assert "Branch Nine Hundred" in table


def test_an_ambiguous_or_contradicting_name_is_refused_even_with_allow_new(run, store, tmp_path):
    path = flat_file(tmp_path / "ambiguous.csv", [
        {"facility": "Military Hospital", "facility_type": "military_hospital"},
    ])
    result = run("ingest", path, "--allow-new", ok=False)
    assert "could be any of several gazetteer entries" in result.output
    assert store.read(COUNT_NODES) == [{"n": 0}]


def test_a_gazetteer_file_of_ones_own_resolves_its_names(run, store, tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text(textwrap.dedent("""\
        format: custodygraph/gazetteer@1
        sources:
          - {id: our-notes, publisher: Our office, title: Field notes, date: 2024-05,
             reference: "office archive, notebook 12"}
        entries:
          - id: branch-900
            name: Branch Nine Hundred
            name_ar: الفرع 900
            type: security_branch
            parent: military-intelligence
            sources: [our-notes]
        """), encoding="utf-8")
    path = flat_file(tmp_path / "ours.csv", [
        {"facility": "الفرع 900", "facility_type": "security_branch"},
    ])
    summary = json.loads(run("ingest", path, "--gazetteer", ours, "--json").output)
    assert summary["new_names"] == []
    assert store.read("MATCH (f:Facility) RETURN f.uid AS uid, f.name AS name") == [
        {"uid": "gazetteer:branch-900", "name": "Branch Nine Hundred"}]


def test_a_bad_gazetteer_file_is_reported_with_its_place(run, store, tmp_path):
    ours = tmp_path / "ours.yaml"
    ours.write_text("format: custodygraph/gazetteer@1\nentries:\n  - id: x\n", encoding="utf-8")
    path = flat_file(tmp_path / "x.csv", [{}])
    result = run("ingest", path, "--gazetteer", ours, ok=False)
    assert f"{ours}:3:" in result.output
    assert store.read(COUNT_NODES) == [{"n": 0}]


CASES = """\
format: custodygraph/cases@1
sources:
  - {id: s, title: T, type: report}
facilities:
  - {id: f1, name: Branch Nine Hundred, type: security_branch}
  - {id: f2, name: The big prison, type: prison, gazetteer: sednaya}
  - {id: f3, name: Air Force Intelligence, type: prison}
  - {id: f4, name: Somewhere, type: prison, gazetteer: sednya}
organizations:
  - {id: o1, name: Unit not named, type: military_unit, gazetteer: false}
cases:
  - person: {id: p1, name: A B}
    events:
      - {event: arrest, facility: f1, organization: o1, sources: [s], confidence: high}
      - {event: transfer, facility: f2, sources: [s], confidence: high}
"""


def test_case_files_resolve_pin_and_declare_unlisted_entries(run, store, tmp_path):
    path = tmp_path / "cases.yaml"
    path.write_text(CASES, encoding="utf-8")
    result = run("ingest", path, ok=False)
    assert result.output.splitlines()[1:] == [
        f"{path}:7:20: 'Air Force Intelligence' is the gazetteer's Air Force Intelligence "
        "Directorate (air-force-intelligence), an intelligence_agency, not a prison (name it "
        "as an organization instead, or name the facility meant)",
        f"{path}:8:56: 'sednya' is not a gazetteer id (did you mean 'sednaya'?)",
        "3 problems found; nothing was written.",
    ]
    first = result.output.splitlines()[0]
    assert first.startswith(f"Error: {path}:5:20: facility 'Branch Nine Hundred' is not in "
                            "the gazetteer (")
    assert "mark the entry gazetteer: false" in first
    # no follow-on problem for the event that refers to the entry that did not resolve
    assert "does not declare" not in result.output
    assert store.read(COUNT_NODES) == [{"n": 0}]

    fixed = CASES.replace("name: Branch Nine Hundred, type: security_branch}",
                          "name: Branch Nine Hundred, type: security_branch, gazetteer: false}")
    fixed = "\n".join(line for line in fixed.splitlines() if "f3" not in line and "f4" not in line)
    path.write_text(fixed + "\n", encoding="utf-8")
    summary = json.loads(run("ingest", path, "--json").output)
    assert [(n["role"], n["name"], n["uid"]) for n in summary["new_names"]] == [
        ("facility", "Branch Nine Hundred", "branch:branch-nine-hundred"),
        ("organization", "Unit not named", "org:unit-not-named")]
    chain = json.loads(run("chain", "p1", "--format", "json").output)
    assert [s["place"]["uid"] for s in chain["steps"]] == [
        "branch:branch-nine-hundred", "gazetteer:sednaya"]


def test_the_example_resolves_every_name_but_its_four_unnamed_actors(run, store):
    summary = json.loads(run("ingest", EXAMPLE, "--json").output)
    assert sorted(n["name"] for n in summary["new_names"]) == [
        "Armed opposition factions (not named)", "Military patrol (unit not named)",
        "Syrian Arab Army", "Syrian security services (branch not named)"]
    facilities = store.read("MATCH (f:Facility) RETURN f.gazetteer AS id ORDER BY id")
    assert [r["id"] for r in facilities] == [
        "fourth-division-security-office", "mi-branch-215", "mp-qaboun", "psb-daraa", "sednaya",
        "tishreen-military-hospital"]


def test_generated_names_resolve_in_every_spelling():
    """Every facility and organisation the generator writes is a gazetteer entry, and the
    spellings it uses (names, aliases, Arabic) resolve back to it."""
    gaz = gz.shipped()
    names = {generate.ARMY, generate.MILITARY_POLICE_ORG, *generate.ARRESTING_UNITS}
    for _towns, branches in generate.GOVERNORATES.values():
        names.update((b, "security_branch") for b in branches)
    names.update((b, "security_branch") for b in generate.CENTRAL_BRANCHES)
    names.update((p, "prison") for p in generate.PRISONS)
    names.update((m, "military_police") for m in generate.MILITARY_POLICE)
    names.update((c, "court") for c in generate.COURTS)
    names.update((h, "military_hospital") for h in generate.HOSPITALS)
    resolver = gz.NameResolver(gaz)
    for name, kind in sorted(names):
        role = "organization" if kind in ("military_unit", "intelligence_agency",
                                          "police") else "facility"
        found = resolver.resolve(role, name, kind)
        assert found.problem is None, found.problem
        for spelling in found.entry.names:
            assert resolver.resolve(role, spelling, kind).uid == found.uid, spelling


def test_generated_file_ingests_without_new_names(run, store, tmp_path):
    path = tmp_path / "generated.csv"
    generate.generate(60, path, seed=3)
    text = path.read_text(encoding="utf-8")
    assert any("\u0600" <= ch <= "\u06ff" for ch in text.split("\n", 1)[1])
    summary = json.loads(run("ingest", path, "--json").output)
    assert summary["new_names"] == []
    assert store.read("MATCH (f:Facility) WHERE f.gazetteer IS NULL RETURN count(f) AS n") == [
        {"n": 0}]


def test_an_entry_both_place_and_actor_is_unchanged_by_a_second_ingest(run, store, tmp_path):
    # one node holds the branch as a facility and as an organisation: two records, each
    # with its own digest, so that ingesting the same file again changes nothing
    path = flat_file(tmp_path / "branch.csv", [
        {"event": "arrest", "organization": "Air Force Intelligence Aleppo",
         "organization_type": "security_branch"},
        {"facility": "Branch 425", "facility_type": "security_branch",
         "organization": "فرع الأمن الجوي في حلب", "organization_type": "security_branch"},
    ])
    first = json.loads(run("ingest", path, "--json").output)
    assert first["counts"]["Organization"]["created"] == 1
    node = store.read("MATCH (n:Facility:Organization {uid: 'gazetteer:afi-aleppo'}) "
                      "RETURN n.digest AS facility, n.organization_digest AS organization")
    assert len(node) == 1 and node[0]["facility"] and node[0]["organization"]
    assert node[0]["facility"] != node[0]["organization"]
    second = json.loads(run("ingest", path, "--json").output)
    assert second["run"] is None
    assert all(c["created"] == c["updated"] == 0 for c in second["counts"].values())
    assert store.read("MATCH (r:IngestRun) RETURN count(r) AS n") == [{"n": 1}]


@pytest.mark.parametrize("kind, column", [("prison", "facility"),
                                          ("intelligence_agency", "organization")])
def test_resolver_names_the_type_the_entry_has(kind, column):
    found = gz.NameResolver().resolve(column, "Raid Branch 215", kind)
    assert found.uid is None and found.entry.id == "mi-branch-215"
    assert found.problem[1] == "give it the type security_branch"
