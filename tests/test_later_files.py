"""A later file never undoes what an earlier one recorded for safety or structure: a
spreadsheet row that leaves out a person's protection, or a source's confidentiality, does
not lift it, and a spreadsheet that only names a place, facility or unit does not erase the
Arabic name, level or hierarchy a case file gave it."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE
from custodygraph.queries.redact import CONFIDENTIAL_SOURCE, PROTECTED_PERSON

HEADER = ("record_id,person_id,person,hometown,event,date,facility,facility_type,"
          "organization,organization_type,source,source_type,confidence\n")


def flat(tmp_path, *rows: str):
    path = tmp_path / "later.csv"
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def test_a_row_without_the_flags_keeps_a_person_protected_and_a_source_confidential(
        loaded, tmp_path, store):
    # Ahmad Bassam is protected in the case file; sd-w-hamad is a confidential source
    loaded("ingest", flat(tmp_path, "later-1,SD-2021-02-09-04,Ahmad Bassam,,detention,"
                                    "2020-01,Sednaya Military Prison,prison,,,sd-w-hamad,"
                                    "testimony,high"), "--allow-new")
    chain = json.loads(loaded("chain", "SD-2021-02-09-04", "--format", "json").output)
    assert chain["person"]["name"] == PROTECTED_PERSON and chain["person"]["protected"]
    titles = {s["title"] for step in chain["steps"] for s in step["sources"]}
    assert "Ahmad Bassam" not in json.dumps(chain) and CONFIDENTIAL_SOURCE in titles
    assert "close to Youssef" not in loaded("chain", "SD-2021-02-09-01", "--format",
                                           "json").output
    flags = store.read("MATCH (p:Person {uid: 'person:sd-2021-02-09-04'}) "
                       "MATCH (s:Source {uid: 'source:sd-w-hamad'}) "
                       "RETURN p.protected AS p, s.confidential AS s")
    assert flags == [{"p": True, "s": True}]


def test_an_explicit_false_in_a_later_case_file_does_not_lift_protection(loaded, tmp_path,
                                                                        store):
    text = EXAMPLE.read_text(encoding="utf-8").replace("protected: true", "protected: false")
    text = text.replace("confidential: true", "confidential: false")
    later = tmp_path / "later.yaml"
    later.write_text(text, encoding="utf-8")
    secret = "MATCH (s:Source) WHERE s.confidential = true RETURN s.uid AS uid ORDER BY uid"
    sources = store.read(secret)
    loaded("ingest", later)
    rows = store.read("MATCH (p:Person) WHERE p.protected = true RETURN p.uid AS uid")
    assert [r["uid"] for r in rows] == ["person:sd-2021-02-09-04"]
    assert store.read(secret) == sources and len(sources) == 5
    # a flag raised by a later file is raised
    raised = tmp_path / "raised.yaml"
    raised.write_text(EXAMPLE.read_text(encoding="utf-8").replace(
        "    date: 2021-02-09\n  - id: sd-w-hamad",
        "    date: 2021-02-09\n    confidential: true\n  - id: sd-w-hamad", 1), encoding="utf-8")
    loaded("ingest", raised)
    assert store.read("MATCH (s:Source {uid: 'source:sd-2021-02-09'}) "
                      "RETURN s.confidential AS c") == [{"c": True}]


def test_a_spreadsheet_naming_a_place_or_unit_does_not_erase_its_hierarchy(loaded, tmp_path,
                                                                         store):
    def shape():
        return store.read(
            "MATCH (l:Location {uid: 'location:jamlah'}) "
            "OPTIONAL MATCH (l)-[:PART_OF]->(up:Location) WITH l, up "
            "MATCH (o:Organization {name: 'Fourth Division security office'}) "
            "OPTIONAL MATCH (o)-[:PART_OF]->(boss:Organization) "
            "RETURN l.level AS level, l.name_ar AS name_ar, up.uid AS up, boss.uid AS boss")

    before = shape()
    daraa = json.loads(loaded("stats", "--region", "Daraa Governorate", "--format",
                              "json").output)
    responsible = loaded("responsibility", "--format", "json").output
    assert before[0]["up"] and before[0]["boss"] and before[0]["level"]
    loaded("ingest", flat(tmp_path, "later-2,NEW-1,Samer Nasr,Jamlah,arrest,2019-05,,,"
                                    "Fourth Division security office,security_branch,"
                                    "Later report,report,medium"), "--allow-new")
    assert shape() == before
    after = json.loads(loaded("stats", "--region", "Daraa Governorate", "--format",
                              "json").output)
    assert after["cases"] == daraa["cases"] + 1  # the new person is from Jamlah too
    assert "Fourth Armoured Division" in responsible
    assert "Fourth Armoured Division" in loaded("responsibility", "--format", "json").output


def test_an_id_that_makes_a_stored_persons_uid_in_other_letters_is_refused(run, tmp_path,
                                                                          store):
    first = tmp_path / "first.csv"
    first.write_text(HEADER + "a-1,AL-1,Ali Hasan,,arrest,2019,Sednaya Military Prison,"
                     "prison,,,Report A,report,high\n", encoding="utf-8")
    run("ingest", first, "--allow-new")
    before = store.read("MATCH (n) RETURN count(n) AS n")
    for other in ("EL-1", "al1", "Al 1"):
        later = tmp_path / f"later-{other}.csv"
        later.write_text(HEADER + f"b-1,{other},Omar Khalil,,arrest,2020,Sednaya Military "
                         "Prison,prison,,,Report B,report,high\n", encoding="utf-8")
        out = run("ingest", later, "--allow-new", ok=False)
        assert out.exit_code == 1 and "Traceback" not in out.output
        assert (f"{later}:2: person id '{other}' makes the same uid (person:al1) as the "
                "stored person id 'AL-1'") in out.output
        assert out.output.rstrip().endswith("nothing was written.")
        assert store.read("MATCH (n) RETURN count(n) AS n") == before
    # the same id as stored is the same person, as before
    again = tmp_path / "again.csv"
    again.write_text(HEADER + "a-2,AL-1,Ali Hasan,,detention,2019-02,Sednaya Military Prison,"
                     "prison,,,Report A,report,high\n", encoding="utf-8")
    run("ingest", again, "--allow-new")
    assert store.read("MATCH (p:Person) RETURN p.uid AS uid, p.given_id AS given") == [
        {"uid": "person:al1", "given": "AL-1"}]


def test_a_place_a_killed_run_left_unsealed_is_written_again(run, tmp_path, store):
    # a run killed between writing a spreadsheet's facility and sealing it with its digest
    # leaves a node the next run must write again, reference or not
    path = flat(tmp_path, "k-1,K-1,Kamal Haddad,,arrest,2019,Sednaya Military Prison,prison,,,"
                          "Report K,report,high")
    run("ingest", path, "--allow-new")
    def sealed():
        (row,) = store.read("MATCH (f:Facility {uid: 'gazetteer:sednaya'}) "
                            "RETURN properties(f) AS p")
        return dict(row["p"])

    whole = sealed()
    for key in ("digest", "name_ar"):  # one a statement: FalkorDB 4.16 mixes up several
        store.write(f"MATCH (f:Facility {{uid: 'gazetteer:sednaya'}}) REMOVE f.{key}")
    run("ingest", path, "--allow-new")
    assert sealed() == whole and whole["digest"] and whole["name_ar"]


PERSON = """format: custodygraph/cases@1
sources:
  - {id: s1, title: A statement, type: testimony}
facilities:
  - {id: sednaya, name: Sednaya Military Prison, type: prison}
cases:
  - person: {id: S-1, name: Kamal Haddad, protected: true%s}
    events:
      - {record_id: s-1, event: detention, date: "2019", facility: sednaya, sources: [s1],
         confidence: low}
"""


def test_details_a_later_file_leaves_out_go_and_nothing_else_does(run, tmp_path, store):
    # FalkorDB 4.16 deletes the wrong property when one statement deletes several of a
    # node's properties and one of them is its last: notes added by one file (and so
    # stored last) and left out with the Arabic name by the next had taken the person's
    # protection with them
    def person():
        (row,) = store.read("MATCH (p:Person {uid: 'person:s-1'}) RETURN properties(p) AS p")
        return {k: v for k, v in row["p"].items() if k != "run"}

    versions = [", name_ar: كمال حداد", ", name_ar: كمال حداد, notes: seen by a neighbour", ""]
    paths = []
    for number, extra in enumerate(versions):
        paths.append(tmp_path / f"v{number}.yaml")
        paths[-1].write_text(PERSON % extra, encoding="utf-8")
    run("ingest", paths[-1])
    fresh = person()
    store.clear()
    for path in paths:
        run("ingest", path)
    assert person() == fresh and fresh["protected"] is True


def test_the_update_statements_lint_clean_for_neo4j():
    from cypher_lint import lint, lint_available

    reason = lint_available()
    if reason is not None:
        pytest.skip(reason)
    from custodygraph.ingest import records as rec
    from custodygraph.ingest import writer

    person = rec.Person("person:x", rec.Where("f"), "X")
    statements = [writer.UPSERT.format(label="Person", sets=writer._sets(person.prop_names()),
                                       extra=" SET n:Person"),
                  writer.CLEAR_CUSTODY, writer.WRITE_CUSTODY, writer.STORED_GIVEN,
                  writer.SET_GIVEN, writer.OLD_SUMMARIES, writer.WRITE_SUMMARIES]
    assert [(r["statement"], r["errors"]) for r in lint(statements) if r["errors"]] == []
