"""The investigation commands through the CLI: exit codes and exact output on the example."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT

COMMANDS = ("chain", "recurring", "flows", "codetained", "responsibility", "stats", "search",
            "path")
SD = ("Reconciliation without forgiveness: defectors and former opposition members face "
      "'deferred execution'")
GROUP = "Defectors from Daraa sent to the Qaboun military police (group)"


def test_every_command_has_help_and_is_documented(run):
    docs = (ROOT / "docs" / "queries.md").read_text(encoding="utf-8")
    for name in COMMANDS:
        out = run(name, "--help").output
        assert out.startswith("Usage: ") and f" {name} [OPTIONS]" in out.splitlines()[0]
        assert len(out.splitlines()) > 5
        assert f"custodygraph {name}" in docs, name
        assert f"## {name}" in docs, name
    for name in ("recurring", "flows", "responsibility", "stats"):
        out = run(name, "--help").output
        for option in ("--since", "--until", "--region", "--kind", "--event-type", "--outcome",
                       "--min-confidence", "--source", "--format"):
            assert option in out, (name, option)


def test_chain_shows_the_gap_status_and_last_seen(loaded):
    out = loaded("chain", "Muhammad Abdulatif").output
    assert out.splitlines()[0] == ("Muhammad Abdulatif (person:sd-2021-02-09-03) — status: "
                                   "died in custody")
    assert out.splitlines()[-3:] == [
        "status from: death_notification 2020-12-01/2020-12-31",
        "last seen: reconciliation at Quneitra Governorate 2018-01-01/2018-12-31",
        "gap between steps 1 and 2: no record from 2019-12-31 to 2020-12-01 (336 days)"]


def test_chain_as_markdown(loaded):
    out = loaded("chain", "Youssef al-Hamad", "--format", "md").output
    assert out == (
        "Youssef al-Hamad (person:sd-2021-02-09-01) — status: in custody or disappeared\n\n"
        "| # | place | dates | events | by | confidence | sources |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| 1 | (place unknown) | 2020-11-01/2020-11-30 | arrest | Military patrol (unit not "
        f"named) | medium | [confidential source]; {SD} |\n"
        "| 2 | (place unknown) | 2020-11-01/.. | disappearance |  | medium | "
        f"[confidential source]; {SD} |\n"
        "\n- last seen: arrest 2020-11-01/2020-11-30\n")


def test_chain_as_csv(loaded):
    out = loaded("chain", "Moath al-Smadi", "--format", "csv").output
    assert out.splitlines()[0] == "#,place,dates,events,by,confidence,sources"
    assert out.splitlines()[2].startswith(
        "2,Sednaya Military Prison,2018-11-01/2020-11-21,detention,,medium,")
    assert len(out.splitlines()) == 4  # no notes in CSV


def test_recurring_with_filters_as_csv(loaded):
    out = loaded("recurring", "--kind", "prison", "--format", "csv").output
    assert out == ("cases,name,kind,role,persons,persons uids\n"
                   '2,Sednaya Military Prison,prison,place,"Moath Ata al-Smadi, Muhannad '
                   'al-Ahmad",person:sd-2021-02-09-05 person:sd-2021-02-09-06\n')
    ranked = json.loads(loaded("recurring", "--region", "Samad", "--format", "json").output)
    assert [(r["name"], r["cases"]) for r in ranked] == [
        ("Political Security Branch in Daraa", 1), ("Sednaya Military Prison", 1)]


def test_flows_table(loaded):
    out = loaded("flows").output
    assert out.splitlines() == [
        "cases  from                                to                          moves  "
        "median days  timed  persons",
        "-----  ----------------------------------  --------------------------  -----  "
        "-----------  -----  ------------------",
        "1      Political Security Branch in Daraa  Sednaya Military Prison     1      "
        "0            1/1    Moath Ata al-Smadi",
        "1      Raid Branch 215                     Sednaya Military Prison     1      "
        "0            1/1    Muhannad al-Ahmad",
        "1      Sednaya Military Prison             Tishreen Military Hospital  1      "
        "732          1/1    Muhannad al-Ahmad",
    ]


def test_flows_stops_as_markdown(loaded):
    out = loaded("flows", "--stops", "--format", "md").output
    assert out.splitlines()[:3] == [
        "| cases | facility | kind | first | intermediate | final | only | persons |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        "| 2 | Sednaya Military Prison | prison | 0% | 50% | 50% | 0% | Moath Ata al-Smadi, "
        "Muhannad al-Ahmad |"]


def test_codetained_table(loaded):
    out = loaded("codetained", "Muhannad al-Ahmad").output
    assert out.splitlines() == [
        "Muhannad al-Ahmad (person:sd-2021-02-09-06): 0 certain and 1 possible co-detainees",
        "certainty  person              uid                      facility                 "
        "together               days  their stay",
        "---------  ------------------  -----------------------  -----------------------  "
        "---------------------  ----  ---------------------",
        "possible   Moath Ata al-Smadi  person:sd-2021-02-09-05  Sednaya Military Prison  "
        "2018-12-01/2020-11-21  722   2018-11-01/2020-11-21",
    ]


def test_responsibility_csv(loaded):
    out = loaded("responsibility", "--format", "csv").output
    assert out.splitlines() == [
        "cases,with sub-units,name,kind,roles,periods,part of,commanders,persons,persons uids,"
        "persons with sub-units,persons with sub-units uids",
        "1,1,Fourth Division security office,security_branch,arrested 1,2020: 1,"
        "Fourth Armoured Division,,Osama,person:sd-2021-02-09-02,"
        "Osama,person:sd-2021-02-09-02",
        "1,1,Military patrol (unit not named),military_unit,arrested 1,2020: 1,,,"
        "Youssef al-Hamad,person:sd-2021-02-09-01,Youssef al-Hamad,person:sd-2021-02-09-01",
        "1,1,Political Security Branch in Daraa,security_branch,arrested 1,2018: 1,,,"
        "Moath Ata al-Smadi,person:sd-2021-02-09-05,"
        "Moath Ata al-Smadi,person:sd-2021-02-09-05",
        "1,1,Raid Branch 215,security_branch,held 1,2018: 1,,,Muhannad al-Ahmad,"
        "person:sd-2021-02-09-06,Muhannad al-Ahmad,person:sd-2021-02-09-06",
        "1,1,Syrian security services (branch not named),intelligence_agency,arrested 1,"
        f"2018-2021: 1,,,{GROUP},person:sd-2021-02-09-07,{GROUP},person:sd-2021-02-09-07",
        "0,1,Fourth Armoured Division,military_unit,,,,,,,Osama,person:sd-2021-02-09-02",
    ]


def test_stats_for_daraa_since_july_2018(loaded):
    out = loaded("stats", "--region", "Daraa", "--since", "2018-07").output
    assert out.splitlines()[0] == (
        "5 persons from Daraa Governorate detained or disappeared since 2018-07-01; 3 of them "
        "died in custody (2 bodies delivered to their families), 2 still in custody or "
        "disappeared, none released. 1 case stands for a group of persons (about 200) and "
        "counts once.")
    csv_out = loaded("stats", "--region", "Daraa", "--since", "2018-07", "--format", "csv")
    assert [line.split(",")[:3] for line in csv_out.output.splitlines()] == [
        ["by", "group", "cases"],
        ["all", "detained or disappeared", "5"],
        ["status", "body delivered", "2"],
        ["status", "died in custody", "1"],
        ["status", "in custody or disappeared", "2"],
        ["region", "Daraa Governorate", "5"],
        ["period", "2018", "2"],
        ["period", "2018-2021", "1"],
        ["period", "2020", "2"]]
    assert csv_out.output.splitlines()[3].endswith(f'died in custody,1,{GROUP},'
                                                   'person:sd-2021-02-09-07')
    data = json.loads(loaded("stats", "--format", "json").output)
    assert data["cases"] == 6
    assert data["not_counted"] == [{"uid": "person:sd-2021-02-09-04",
                                    "name": "[protected person]"}]


def test_search_table(loaded):
    out = loaded("search", "Branch 215").output
    assert out.splitlines() == [
        "uid                      kind             name             arabic            matched",
        "-----------------------  ---------------  ---------------  ----------------  ----------",
        "gazetteer:mi-branch-215  security_branch  Raid Branch 215  فرع المداهمة 215  exact name",
    ]


def test_path_table(loaded):
    out = loaded("path", "Osama", "Fourth Armoured Division").output
    assert out.splitlines() == [
        "Osama to Fourth Armoured Division: 2 steps",
        "#  link            label         name                             uid",
        "-  --------------  ------------  -------------------------------  "
        "-----------------------------------------",
        "0                  Person        Osama                            person:sd-2021-02-09-02",
        "1  -ARRESTED_BY->  Facility      Fourth Division security office  "
        "gazetteer:fourth-division-security-office",
        "2  -PART_OF->      Organization  Fourth Armoured Division         "
        "gazetteer:fourth-division",
    ]


@pytest.mark.parametrize("args, message", [
    (("recurring", "--since", "July"),
     "Error: --since 'July' is not a date; write 2018, 2018-07 or 2018-07-15\n"),
    (("stats", "--region", "Atlantis"),
     "Error: no place is called 'Atlantis'; try `custodygraph search` with part of the name, "
     "or give a uid\n"),
    (("flows", "--kind", "jail"),
     "Error: --kind: unknown type 'jail'; valid types: armed_group, checkpoint, court, "
     "intelligence_agency, "
     "military_hospital, military_police, military_unit, ministry, other, police, prison, "
     "security_branch, unit_headquarters\n"),
    (("path", "Osama", "Fourth Armoured Division", "--max-length", "1"),
     "Error: Osama and Fourth Armoured Division are not connected within 1 step; try a "
     "larger --max-length (at most 10)\n"),
    (("codetained", "Muhammad"),
     "Error: 'Muhammad' matches 2 persons; ask again with one uid:\n"
     "  person:sd-2021-02-09-03  Muhammad Abdulatif\n"
     "  person:sd-2021-02-09-06  Muhannad al-Ahmad\n"),
])
def test_bad_input_is_one_message_and_exit_code_1(loaded, args, message):
    result = loaded(*args, ok=False)
    assert result.exit_code == 1
    assert result.output == message


def test_codetained_lists_the_first_of_each_kind_and_counts_them_all(run, tmp_path):
    path = tmp_path / "held.csv"
    lines = ["person_id,person,event,date,end_date,facility,facility_type,source,source_type,"
             "confidence"]
    for n, (start, end) in enumerate((("2017-03-01", "2017-03-31"), ("2017-03-10", "2017-06-30"),
                                      ("2017-02-01", "2017-03-05"), ("2017-03-20", ""),
                                      ("2017-01-01", "2017-12-31"))):
        lines.append(f"H-{n},Held Person {n},detention,{start},{end},Qadmus Transit Prison,"
                     f"prison,Qadmus report,report,high")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    run("ingest", path, "--allow-new")
    out = run("codetained", "H-0", "--limit", "1").output.splitlines()
    assert out[0] == "Held Person 0 (person:h-0): 0 certain and 4 possible co-detainees"
    assert out[1] == ("listed: the first 0 certain and the first 1 possible, by days together; "
                      "--all lists every one")
    assert [line.split()[4] for line in out[4:]] == ["person:h-4"]  # 31 days, the most
    every = run("codetained", "H-0", "--all").output.splitlines()
    assert every[0] == out[0] and every[1].startswith("certainty")
    assert [line.split()[4] for line in every[3:]] == \
        ["person:h-4", "person:h-1", "person:h-2", "person:h-3"]
    csv_run = run("codetained", "H-0", "--limit", "2", "--format", "csv")
    assert csv_run.stderr.startswith("listed: the first 0 certain and the first 2 possible")
    assert len(csv_run.stdout.splitlines()) == 3
    data = json.loads(run("codetained", "H-0", "--limit", "2", "--format", "json").stdout)
    assert (data["certain_total"], data["possible_total"], len(data["possible"])) == (0, 4, 2)


@pytest.mark.parametrize("command", ["stats", "recurring", "flows", "responsibility"])
def test_a_graph_never_loaded_gets_a_plain_message(run, command):
    # a graph name nothing was ever written to: the engine has no key for it
    result = run(command, "--graph", "never-loaded", ok=False)
    assert result.exit_code == 1
    assert "'never-loaded' holds nothing yet" in result.output
    assert "custodygraph ingest FILE" in result.output and "Traceback" not in result.output


def test_a_path_of_one_step_is_counted_in_the_singular(loaded):
    out = loaded("path", "Muhannad al-Ahmad", "gazetteer:sednaya").output.splitlines()
    assert out[0] == "Muhannad al-Ahmad to Sednaya Military Prison: 1 step"


@pytest.mark.parametrize("fmt", ["table", "md"])
def test_a_table_with_no_rows_says_so(loaded, fmt):
    out = loaded("recurring", "--since", "2030", "--format", fmt).output
    assert out.rstrip().endswith("(no rows: nothing recorded matches the question and its filters)")
    csv_out = loaded("recurring", "--since", "2030", "--format", "csv").output
    assert csv_out.splitlines() == ["cases,name,kind,role,persons"]


def load_cases(run, tmp_path, body: str) -> None:
    """Ingest a small case file of ``body`` (its sources, places and cases)."""
    path = tmp_path / "cases.yaml"
    path.write_text("format: custodygraph/cases@1\n" + body, encoding="utf-8")
    run("ingest", path)


def test_an_event_with_an_open_start_is_in_every_period_before_its_end(run, tmp_path):
    load_cases(run, tmp_path, """\
sources:
  - {id: s1, title: A report, type: report}
facilities:
  - {id: psb, name: Palestine Branch, type: security_branch}
cases:
  - person: {id: OPEN-1, name: Kamal Haddad}
    events:
      - {event: arrest, date: "../2019-06", facility: psb, sources: [s1], confidence: low}
  - person: {id: LATE-1, name: Nabil Haddad}
    events:
      - {event: arrest, date: "2019-05/..", facility: psb, sources: [s1], confidence: low}
  - person: {id: NONE-1, name: Fadi Haddad}
    events:
      - {event: arrest, facility: psb, sources: [s1], confidence: low, date_text: once}
""")

    def listed(*period):
        rows = json.loads(run("recurring", *period, "--format", "json").output)
        return sorted(p["uid"] for r in rows for p in r["persons"])

    assert listed("--until", "2019-03") == ["person:open-1"]
    assert listed("--since", "2019-03") == ["person:late-1", "person:open-1"]
    assert listed("--since", "2019-07") == ["person:late-1"]
    assert listed("--since", "2018", "--until", "2019-04") == ["person:open-1"]
    stats = json.loads(run("stats", "--until", "2019-03", "--format", "json").output)
    assert [p["uid"] for p in stats["persons"]] == ["person:open-1"]


def test_a_source_title_that_several_sources_share_asks_for_a_uid(run, tmp_path):
    load_cases(run, tmp_path, """\
sources:
  - {id: int-a, title: Interview, type: testimony}
  - {id: int-b, title: Interview, type: testimony}
facilities:
  - {id: psb, name: Palestine Branch, type: security_branch}
cases:
  - person: {id: T-1, name: Kamal Haddad}
    events:
      - {event: arrest, date: "2019", facility: psb, sources: [int-b], confidence: low}
""")
    out = run("recurring", "--source", "Interview", ok=False)
    assert out.exit_code == 1 and "2 sources are called 'Interview'" in out.output
    assert "source:int-a, source:int-b" in out.output and "Traceback" not in out.output
    rows = json.loads(run("recurring", "--source", "int-b", "--format", "json").output)
    assert [p["uid"] for r in rows for p in r["persons"]] == ["person:t-1"]
    assert json.loads(run("recurring", "--source", "source:int-a", "--format",
                          "json").output) == []


def test_a_return_to_the_same_facility_is_no_move(run, tmp_path):
    load_cases(run, tmp_path, """\
sources:
  - {id: s1, title: A report, type: report}
locations:
  - {id: town, name: Inkhil, level: town}
facilities:
  - {id: sednaya, name: Sednaya Military Prison, type: prison}
  - {id: psb, name: Palestine Branch, type: security_branch}
cases:
  - person: {id: B-1, name: Kamal Haddad}
    events:
      - {event: detention, date: "2019-01", facility: sednaya, sources: [s1], confidence: low}
      - {event: release, date: "2019-02", location: town, sources: [s1], confidence: low}
      - {event: arrest, date: "2019-03", facility: sednaya, sources: [s1], confidence: low}
      - {event: transfer, date: "2019-05", facility: psb, sources: [s1], confidence: low}
""")
    found = json.loads(run("flows", "--format", "json").output)
    moves = [(f["origin"]["name"], f["destination"]["name"], f["moves"]) for f in found["flows"]]
    assert moves == [("Sednaya Military Prison", "Palestine Branch", 1)]


def test_a_filter_never_makes_a_move_over_a_step_it_leaves_out(run, tmp_path):
    load_cases(run, tmp_path, """\
sources:
  - {id: s1, title: A report, type: report}
facilities:
  - {id: sednaya, name: Sednaya Military Prison, type: prison}
  - {id: psb, name: Palestine Branch, type: security_branch}
  - {id: b215, name: Raid Branch 215, type: security_branch}
cases:
  - person: {id: C-1, name: Kamal Haddad}
    events:
      - {event: detention, date: "2017", facility: sednaya, sources: [s1], confidence: high}
      - {event: transfer, date: "2018", facility: b215, sources: [s1], confidence: low}
      - {event: transfer, date: "2019", facility: psb, sources: [s1], confidence: high}
""")

    def moves(*filters):
        found = json.loads(run("flows", *filters, "--format", "json").output)
        return sorted((f["origin"]["name"], f["destination"]["name"]) for f in found["flows"])

    assert moves() == [("Raid Branch 215", "Palestine Branch"),
                       ("Sednaya Military Prison", "Raid Branch 215")]
    assert moves("--min-confidence", "medium") == []
    stops = json.loads(run("flows", "--min-confidence", "medium", "--stops", "--format",
                           "json").output)["stops"]
    roles = {s["facility"]["name"]: [r for r, people in s["roles"].items() if people]
             for s in stops}
    assert roles == {"Sednaya Military Prison": ["first"], "Palestine Branch": ["final"]}
