"""The walking skeleton end to end, through the CLI, against the real embedded engine."""

from __future__ import annotations

import json

from conftest import EXAMPLE


def chain_json(run, person):
    return json.loads(run("chain", person, "--format", "json").output)


def facility_names(chain):
    return [step["place"]["name"] for step in chain["steps"] if step["place"]]


def test_muhannad_chain_lists_branch_215_then_sednaya_then_tishreen(loaded):
    chain = chain_json(loaded, "Muhannad al-Ahmad")
    assert chain["person"]["name"] == "Muhannad al-Ahmad"
    assert facility_names(chain) == [
        "Raid Branch 215", "Sednaya Military Prison", "Tishreen Military Hospital"]
    for step in chain["steps"]:
        assert step["sources"], step
        assert all(s["uid"] and s["title"] for s in step["sources"])
    assert chain["status"] == "body delivered"


def test_aliases_find_the_same_person(loaded):
    uid = chain_json(loaded, "Muhannad al-Ahmad")["person"]["uid"]
    for spelling in ("Muhannad Muhammad al-Ahmad", "muhannad muhammad AL AHMAD",
                     "مهند محمد الأحمد", uid):
        assert chain_json(loaded, spelling)["person"]["uid"] == uid


def test_moath_chain_starts_at_political_security_before_sednaya(loaded):
    chain = chain_json(loaded, "Moath al-Smadi")
    names = facility_names(chain)
    assert names.index("Political Security Branch in Daraa") < names.index(
        "Sednaya Military Prison")
    assert chain_json(loaded, "Moath al-Samadi")["person"]["uid"] == chain["person"]["uid"]


def test_chain_table_output(loaded):
    out = loaded("chain", "Moath al-Smadi").output
    lines = out.splitlines()
    assert lines[0] == "Moath Ata al-Smadi (person:sd-2021-02-09-05) — status: body delivered"
    assert lines[1].split() == ["#", "place", "dates", "events", "by", "confidence", "sources"]
    assert lines[3].startswith("1  Political Security Branch in Daraa  2018-11-01/2018-11-30")
    assert lines[4].startswith("2  Sednaya Military Prison")


def test_recurring_ranks_sednaya_first(loaded):
    ranked = json.loads(loaded("recurring", "--format", "json").output)
    assert ranked[0]["name"] == "Sednaya Military Prison"
    assert ranked[0]["cases"] == 2
    assert [p["name"] for p in ranked[0]["persons"]] == ["Moath Ata al-Smadi",
                                                         "Muhannad al-Ahmad"]
    # every count is the length of the case list that comes with it
    assert all(r["cases"] == len(r["persons"]) for r in ranked)
    # enlistment in the army is not custody: the army does not recur
    assert "Syrian Arab Army" not in [r["name"] for r in ranked]


def test_second_ingest_changes_nothing(loaded, store):
    before = store.read("MATCH (n) RETURN count(n) AS n")[0]["n"]
    edges = store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"]
    out = json.loads(loaded("ingest", EXAMPLE, "--json").output)
    assert out["run"] is None
    assert all(c["created"] == 0 and c["updated"] == 0 for c in out["counts"].values())
    assert store.read("MATCH (n) RETURN count(n) AS n")[0]["n"] == before
    assert store.read("MATCH ()-[r]->() RETURN count(r) AS n")[0]["n"] == edges


def test_protected_person_is_redacted_unless_asked(loaded):
    chain = chain_json(loaded, "Ahmad Bassam")
    assert chain["person"]["name"] == "[protected person]"
    shown = json.loads(loaded("chain", "Ahmad Bassam", "--format", "json",
                              "--include-confidential").output)
    assert shown["person"]["name"] == "Ahmad Bassam"


def test_confidential_sources_are_redacted_unless_asked(loaded):
    chain = chain_json(loaded, "Osama")
    titles = [s["title"] for step in chain["steps"] for s in step["sources"]]
    assert "[confidential source]" in titles
    assert not any("brother" in t for t in titles)
    shown = json.loads(loaded("chain", "Osama", "--format", "json",
                              "--include-confidential").output)
    titles = [s["title"] for step in shown["steps"] for s in step["sources"]]
    assert any("brother" in t for t in titles)


def test_unknown_person_is_a_clear_error(loaded):
    result = loaded("chain", "Nobody Anywhere", ok=False)
    assert result.exit_code == 1
    assert result.output == ("Error: no person is called 'Nobody Anywhere'; try fewer words, "
                             "another spelling, or a uid\n")


def test_ambiguous_name_lists_the_matches(loaded):
    result = loaded("chain", "Muhammad", ok=False)
    assert result.exit_code == 1
    assert "'Muhammad' matches 2 persons; ask again with one uid:" in result.output
    assert "person:sd-2021-02-09-03  Muhammad Abdulatif" in result.output
    assert "person:sd-2021-02-09-06  Muhannad al-Ahmad" in result.output


def test_demo_writes_every_output(run, data_dir):
    out = run("demo").output
    assert "into graph 'custodygraph-demo'" in out
    demo = data_dir / "demo"
    chain = json.loads((demo / "chain-sd-2021-02-09-06.json").read_text())
    assert facility_names(chain) == [
        "Raid Branch 215", "Sednaya Military Prison", "Tishreen Military Hospital"]
    assert json.loads((demo / "recurring.json").read_text())[0]["name"] == \
        "Sednaya Military Prison"
    assert (demo / "view-muhannad-al-ahmad.html").stat().st_size > 100_000
    # the demo has its own graph: the investigator's graph is untouched
    assert run("chain", "Muhannad al-Ahmad", ok=False).exit_code == 1
    assert run("chain", "Muhannad al-Ahmad", "--graph", "custodygraph-demo").exit_code == 0


def test_every_command_has_help(run):
    for args in (["--help"], ["ingest", "--help"], ["chain", "--help"],
                 ["recurring", "--help"], ["view", "--help"], ["demo", "--help"],
                 ["db", "--help"], ["db", "init", "--help"], ["db", "start", "--help"],
                 ["db", "stop", "--help"], ["db", "status", "--help"]):
        out = run(*args).output
        assert "Usage: " in out
        assert len(out.splitlines()) > 3
