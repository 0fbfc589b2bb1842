"""Review of person matches through the command line, on the real embedded store.

The example cases plus a second case file that records Moath Ata al-Smadi as
"Moath Ata al-Samadi" under another person id, with one extra event (a sighting at Sednaya).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import EXAMPLE, ROOT

SECOND = ROOT / "tests" / "data" / "samadi-second-record.yaml"
MOATH = "person:sd-2021-02-09-05"
OTHER = "person:office-b-0042"
SEDNAYA = "Sednaya Military Prison"


@pytest.fixture
def both(loaded):
    loaded("ingest", SECOND)
    return loaded


def candidates(run, *args):
    return json.loads(run("resolve", "--format", "json", *args).output)


def the_pair(run):
    found = [c for c in candidates(run) if {p["uid"] for p in c["persons"]} == {MOATH, OTHER}]
    assert len(found) == 1
    return found[0]


def event_uids(run, person):
    chain = json.loads(run("chain", person, "--format", "json").output)
    uids = {e["uid"] for step in chain["steps"] for e in step["events"]}
    return chain, uids | {e["uid"] for e in chain["background"]}


def sednaya_persons(run):
    rows = json.loads(run("recurring", "--format", "json").output)
    entry = next(r for r in rows if r["name"] == SEDNAYA)
    uids = [p["uid"] for p in entry["persons"]]
    assert entry["cases"] == len(uids) == len(set(uids))
    return uids


def test_pair_is_proposed_with_evidence(both):
    pair = the_pair(both)
    assert pair["id"] == pair["id"].strip() and pair["id"].startswith("c-")
    assert pair["score"] >= 0.85
    assert pair["status"] == "open"
    ev = pair["evidence"]
    assert ev["hometown"] == "agree" and ev["birth_year"] == "unknown"
    assert ev["shared_events"] == [] and ev["shared_sources"] == []
    assert all("Samadi" in n or "Smadi" in n for n in ev["names"])
    # the id is stable: the same on every listing, and made from the two uids only
    assert the_pair(both)["id"] == pair["id"]
    from custodygraph.queries.resolve import candidate_id
    assert pair["id"] == candidate_id(OTHER, MOATH)
    table = both("resolve").output
    assert pair["id"] in table and "open" in table


def test_same_merges_reversibly(both, store):
    pair = the_pair(both)
    chain_a, events_a = event_uids(both, "Moath al-Smadi")
    chain_b, events_b = event_uids(both, OTHER)
    assert chain_a["person"]["uid"] == MOATH and chain_b["person"]["uid"] == OTHER
    assert events_a and events_b and not events_a & events_b
    before = sednaya_persons(both)
    assert MOATH in before and OTHER in before
    # "Moath Ata al-Samadi" is the second record's name and an alias of the first: two persons
    assert both("chain", "Moath Ata al-Samadi", ok=False).exit_code == 1

    out = both("resolve", "decide", pair["id"], "same", "--by", "reviewer-1",
               "--note", "same hometown and father's name").output
    assert "same" in out and "reviewer-1" in out
    merged, events = event_uids(both, "Moath al-Smadi")
    assert events == events_a | events_b
    assert merged["person"]["same_as"] == [OTHER]
    # any name of the cluster gives the one chain
    assert event_uids(both, "Moath Ata al-Samadi")[1] == events
    after = sednaya_persons(both)
    # the cluster is counted once, under its representative: the smallest uid
    rep = min(MOATH, OTHER)
    assert sorted(after) == sorted(set(before) - {MOATH, OTHER} | {rep})
    assert len(after) == len(before) - 1
    # the decision is in the graph, with when and by whom; the persons are untouched
    rows = store.read("MATCH (a:Person)-[r:MATCH_REVIEW]->(b:Person) RETURN a.uid AS a, "
                      "b.uid AS b, r.decision AS d, r.decided_by AS by, r.decided_at AS at, "
                      "r.score AS score, r.note AS note, r.active AS active")
    assert len(rows) == 1 and rows[0]["d"] == "same" and rows[0]["by"] == "reviewer-1"
    assert rows[0]["at"] and rows[0]["score"] == pair["score"] and rows[0]["active"] is True
    same = store.read("MATCH (a:Person)-[s:SAME_AS]->(b:Person) RETURN a.uid AS a, b.uid AS b, "
                      "s.derived AS derived, s.decided_by AS by")
    assert same == [{"a": OTHER, "b": MOATH, "derived": False, "by": "reviewer-1"}]
    # decided pairs are not open; --all shows them with their decision
    assert all(c["id"] != pair["id"] for c in candidates(both))
    listed = [c for c in candidates(both, "--all") if c["id"] == pair["id"]]
    assert listed[0]["status"] == "same" and listed[0]["decision"]["decided_by"] == "reviewer-1"
    # a second decision on the same pair is refused: one line, exit 1, no traceback
    again = both("resolve", "decide", pair["id"], "different", ok=False)
    assert again.exit_code == 1 and "undo it first" in again.output
    assert "Traceback" not in again.output

    out = both("resolve", "undo", pair["id"], "--by", "reviewer-2").output
    assert "undone" in out
    assert event_uids(both, "Moath al-Smadi")[1] == events_a
    assert event_uids(both, OTHER)[1] == events_b
    assert sorted(sednaya_persons(both)) == sorted(before)
    assert the_pair(both)["status"] == "open"
    # the undo is recorded, not deleted
    rows = store.read("MATCH (:Person)-[r:MATCH_REVIEW]->(:Person) RETURN r.active AS active, "
                      "r.undone_by AS by, r.undone_at AS at")
    assert rows == [{"active": False, "by": "reviewer-2", "at": rows[0]["at"]}] and rows[0]["at"]
    assert store.read("MATCH (:Person)-[s:SAME_AS]->(:Person) RETURN s.decision AS d") == []
    history = [c for c in candidates(both, "--all") if c["id"] == pair["id"]][0]["history"]
    assert [h["decision"] for h in history] == ["same"] and history[0]["undone_by"] == "reviewer-2"


def stats_cases(run) -> dict:
    stats = json.loads(run("stats", "--format", "json").output)
    status = {p["uid"]: c["label"] for c in stats["by_status"] for p in c["persons"]}
    period = {p["uid"]: c["label"] for c in stats["by_period"] for p in c["persons"]}
    region = {p["uid"]: c["label"] for c in stats["by_region"] for p in c["persons"]}
    uids = [p["uid"] for p in stats["persons"]]
    assert stats["cases"] == len(uids) == len(set(uids)) == len(status) == len(period) \
        == len(region)
    return {"cases": stats["cases"], "status": status, "period": period, "region": region,
            "not_counted": {p["uid"] for p in stats["not_counted"]}}


def test_statistics_count_a_merged_cluster_once(both):
    before = stats_cases(both)
    assert MOATH in before["status"] and OTHER in before["status"]
    pair = the_pair(both)
    both("resolve", "decide", pair["id"], "same", "--by", "reviewer-1")
    after = stats_cases(both)
    rep = min(MOATH, OTHER)
    assert after["cases"] == before["cases"] - 1
    assert set(after["status"]) == set(before["status"]) - {MOATH, OTHER} | {rep}
    assert {MOATH, OTHER}.isdisjoint(after["not_counted"] - {rep})
    # the case is filed by the one chain of all its events, as `chain` gives it
    merged = json.loads(both("chain", rep, "--format", "json").output)
    assert after["status"][rep] == merged["status"]
    first = merged["steps"][0]["events"][0]
    from custodygraph.queries.filters import period_label
    assert after["period"][rep] == period_label(first["earliest"], first["latest"])
    assert after["region"][rep] == before["region"][MOATH]
    both("resolve", "undo", pair["id"], "--by", "reviewer-2")
    assert stats_cases(both) == before


def flow_moves(run) -> dict[str, list[tuple[str, str]]]:
    """person -> the moves flows lists for them."""
    out: dict[str, list[tuple[str, str]]] = {}
    for f in json.loads(run("flows", "--format", "json").output)["flows"]:
        for p in f["persons"]:
            out.setdefault(p["uid"], []).append((f["origin"]["uid"], f["destination"]["uid"]))
    return {k: sorted(v) for k, v in out.items()}


def responsible_persons(run) -> dict[str, list[str]]:
    rows = json.loads(run("responsibility", "--format", "json").output)
    return {r["uid"]: [p["uid"] for p in r["persons"]] for r in rows}


def test_flows_and_responsibility_take_a_merged_cluster_as_one_person(both):
    moves_before, orgs_before = flow_moves(both), responsible_persons(both)
    pair = the_pair(both)
    both("resolve", "decide", pair["id"], "same", "--by", "reviewer-1")
    rep = min(MOATH, OTHER)
    moves, orgs = flow_moves(both), responsible_persons(both)
    merged = json.loads(both("chain", rep, "--format", "json").output)
    stops = [s["place"]["uid"] for s in merged["steps"]
             if s["place"] and s["place"]["kind"] != "location"]
    assert moves.get(rep) and moves[rep] == sorted(zip(stops, stops[1:]))
    assert {MOATH, OTHER} - {rep} <= set(moves_before) | {OTHER} and \
        not ({MOATH, OTHER} - {rep}) & set(moves)
    assert {k: v for k, v in moves.items() if k != rep} == \
        {k: v for k, v in moves_before.items() if k not in (MOATH, OTHER)}
    for org, persons in orgs.items():
        assert len(persons) == len(set(persons)) and ({MOATH, OTHER} - {rep}).isdisjoint(persons)
        wanted = sorted({rep if p in (MOATH, OTHER) else p for p in orgs_before.get(org, [])})
        assert persons == wanted, org
    both("resolve", "undo", pair["id"], "--by", "reviewer-2")
    assert (flow_moves(both), responsible_persons(both)) == (moves_before, orgs_before)


def codetainees(run, person, *limit) -> dict[str, tuple[str, int]]:
    answer = json.loads(run("codetained", person, "--format", "json", *limit).output)
    found = {c["person"]["uid"]: (c["certainty"], c["days"])
             for c in answer["certain"] + answer["possible"]}
    assert len(found) == len(answer["certain"]) + len(answer["possible"]) == \
        answer["certain_total"] + answer["possible_total"]
    return found


def test_codetention_takes_a_merged_cluster_as_one_person(both, store):
    third = "person:sd-2021-02-09-06"  # held at Sednaya with both records
    before = {p: codetainees(both, p) for p in (MOATH, OTHER, third)}
    assert {MOATH, OTHER} <= set(before[third]) and OTHER in before[MOATH]
    pair = the_pair(both)
    both("resolve", "decide", pair["id"], "same", "--by", "reviewer-1")
    rep = min(MOATH, OTHER)
    for limit in ((), ("--all",), ("--limit", "1")):  # ranked by the store, or compared here
        mine = codetainees(both, MOATH, *limit)
        assert codetainees(both, OTHER, *limit) == mine
        assert not {MOATH, OTHER} & set(mine) and third in mine
        theirs = codetainees(both, third, *limit)
        assert set(theirs) == set(before[third]) - {MOATH, OTHER} | {rep}
    # the cluster's stays are those of its one chain: Sednaya from the arrest to the last trace
    from custodygraph.queries.codetention import codetained, stays
    from custodygraph.queries.custody import custody_chain
    answer = codetained(store, OTHER, include_confidential=True)
    assert answer.stays == [s for s in stays(custody_chain(store, OTHER).steps)
                            if s.earliest or s.latest]
    both("resolve", "undo", pair["id"], "--by", "reviewer-2")
    assert {p: codetainees(both, p) for p in (MOATH, OTHER, third)} == before


def test_different_keeps_two_persons(both):
    pair = the_pair(both)
    both("resolve", "decide", pair["id"], "different", "--by", "r")
    assert all(c["id"] != pair["id"] for c in candidates(both))
    assert OTHER in sednaya_persons(both) and MOATH in sednaya_persons(both)
    assert event_uids(both, "Moath al-Smadi")[0]["person"].get("same_as") is None
    both("resolve", "undo", pair["id"])
    both("resolve", "decide", pair["id"], "unsure")
    assert [c["status"] for c in candidates(both, "--all") if c["id"] == pair["id"]] == ["unsure"]


def test_bad_input_is_one_line(both):
    for args, words in ((("resolve", "decide", "c-000000000000", "same"), "no candidate"),
                        (("resolve", "undo", "c-000000000000"), "no decision to undo")):
        result = both(*args, ok=False)
        assert result.exit_code == 1 and words in result.output
        assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert both("resolve", "decide", the_pair(both)["id"], "maybe", ok=False).exit_code == 2
    assert both("resolve", "--threshold", "2", ok=False).exit_code == 2


def test_auto_merges_nothing_by_name(both, store):
    result = json.loads(both("resolve", "auto", "--format", "json").output)
    assert result["marked"] == 0 and "person id" in result["reason"]
    assert store.read("MATCH (:Person)-[s:SAME_AS]->(:Person) RETURN s.decision AS d") == []
    assert "0 pair(s) marked same" in both("resolve", "auto").output


def test_protected_names_are_redacted(run, tmp_path):
    case = tmp_path / "protected.yaml"
    case.write_text("""format: custodygraph/cases@1
sources:
  - id: s1
    title: Test source
    type: document
facilities:
  - id: sednaya
    name: Sednaya Military Prison
    type: prison
cases:
  - person: {id: P-1, name: Osama Khaled al-Hamwi, protected: true}
    events:
      - {event: arrest, date: 2019, facility: sednaya, sources: [s1], confidence: low}
  - person: {id: P-2, name: Usama Khalid al-Hamwi}
    events:
      - {event: detention, date: 2019, facility: sednaya, sources: [s1], confidence: low}
""", encoding="utf-8")
    run("ingest", case)
    listed = json.loads(run("resolve", "--format", "json").output)
    assert len(listed) == 1
    text = json.dumps(listed)
    assert "Osama" not in text and "[protected person]" in text and "Usama" in text
    assert "Osama" not in run("resolve").output
    shown = run("resolve", "--format", "json", "--include-confidential").output
    assert "Osama Khaled al-Hamwi" in shown
    # the shared source is evidence
    assert listed[0]["evidence"]["shared_sources"]


@pytest.mark.parametrize("args", [("resolve",), ("resolve", "decide"), ("resolve", "undo"),
                                  ("resolve", "auto")])
def test_help_is_documented(run, args):
    out = run(*args, "--help").output
    doc = (ROOT / "docs" / "resolve.md").read_text(encoding="utf-8")
    # the first paragraph of the help, whatever the width it was wrapped at
    first = out.split("\n\n")[1]
    assert " ".join(first.split()) in " ".join(doc.split())
    assert f"custodygraph {' '.join(args)}" in doc


def test_statements_lint_clean_for_neo4j():
    from cypher_lint import lint, lint_available

    reason = lint_available()
    if reason is not None:
        pytest.skip(reason)
    from custodygraph.queries import resolve

    statements = [resolve.PERSONS, resolve.EVIDENCE, resolve.SAME_AS_EDGES, resolve.REVIEWS,
                  resolve.DECIDE, resolve.DECIDE_SAME, resolve.UNDO, resolve.RUNS,
                  resolve.PERSON_UIDS]
    errors = [(r["statement"], r["errors"]) for r in lint(statements) if r["errors"]]
    assert errors == []
