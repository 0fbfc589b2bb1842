"""The investigation queries on the example cases, with answers counted by hand from
examples/syria-direct-2021-02-09.yaml.

Persons of the file, by their case id: 01 Youssef al-Hamad (Daraa; arrested by a military
patrol in November 2020, disappeared), 02 Osama (northern Daraa; arrested by the Fourth
Division's security office in August 2020, disappeared), 03 Muhammad Abdulatif (Quneitra;
disappeared in December 2019, death notified December 2020), 04 Ahmad Bassam (protected; no
custody event), 05 Moath al-Smadi (Samad, Daraa; surrendered to the Political Security Branch
in November 2018, held in Sednaya, body delivered 21 November 2020), 06 Muhannad al-Ahmad
(Jamlah, Daraa; arrested end of 2018, Branch 215, Sednaya, body delivered at Tishreen on
2 December 2020), 07 the group of about 200 defectors from Daraa (arrested 2018-07/2021-02,
sent to the military police in Qaboun, deaths notified).
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE
from custodygraph.errors import (AmbiguousPerson, EntityNotFound, InvalidFilter, NoPath,
                                  PersonNotFound)
from custodygraph.ingest.run import ingest_file
from custodygraph.queries.codetention import codetained
from custodygraph.queries.custody import custody_chain
from custodygraph.queries.filters import Filters
from custodygraph.queries.flows import flows
from custodygraph.queries.paths import shortest_path
from custodygraph.queries.recurrence import recurring
from custodygraph.queries.responsibility import responsibility
from custodygraph.queries.search import search
from custodygraph.queries.stats import statistics


def P(n: int) -> str:
    return f"person:sd-2021-02-09-{n:02d}"


SEDNAYA = "gazetteer:sednaya"
PSB = "gazetteer:psb-daraa"
B215 = "gazetteer:mi-branch-215"
TISHREEN = "gazetteer:tishreen-military-hospital"
QABOUN = "gazetteer:mp-qaboun"
SEC_OFFICE = "gazetteer:fourth-division-security-office"
PATROL = "org:military-patrol-unit-not-named"
SERVICES = "org:syrian-security-services-branch-not-named"
DIVISION = "gazetteer:fourth-division"


@pytest.fixture(scope="module")
def example(session_store):
    session_store.clear()
    ingest_file(session_store, EXAMPLE)
    return session_store


def cases(entries) -> dict[str, list[str]]:
    return {e.uid: [p["uid"] for p in e.persons] for e in entries}


# --- custody chain ---------------------------------------------------------------------------
def test_chain_status_and_when_last_seen(example):
    moath = custody_chain(example, "Moath al-Smadi")
    assert moath.status == "body delivered"
    assert (moath.status_event["type"], moath.status_event["earliest"]) == \
        ("body_delivery", "2020-11-21")
    assert moath.last_seen["uid"] == "event:sd-2021-02-09-05-c"  # held in Sednaya
    assert (moath.last_seen["earliest"], moath.last_seen["latest"]) == \
        ("2018-11-01", "2020-11-21")
    assert moath.gaps == [] and moath.conflicts == []

    youssef = custody_chain(example, "Youssef al-Hamad")
    assert youssef.status == "in custody or disappeared"
    assert youssef.status_event is None
    assert youssef.last_seen["type"] == "arrest"
    assert youssef.last_seen["earliest"] == "2020-11-01"


def test_chain_flags_the_year_without_news_of_muhammad_abdulatif(example):
    chain = custody_chain(example, "Muhammad Abdulatif")
    assert chain.status == "died in custody"
    assert chain.status_event["type"] == "death_notification"
    # last seen alive: the reconciliation of 2018, before his disappearance
    assert chain.last_seen["uid"] == "event:sd-2021-02-09-03-a"
    [gap] = chain.gaps
    assert (gap.after, gap.before, gap.start, gap.end, gap.days) == \
        (1, 2, "2019-12-31", "2020-12-01", 336)
    assert custody_chain(example, "Muhammad Abdulatif", gap_days=400).gaps == []


# --- recurrence with filters ------------------------------------------------------------------
def test_recurrence_without_filters_is_unchanged(example):
    ranked = recurring(example)
    assert ranked[0].uid == SEDNAYA and ranked[0].cases == 2
    assert cases(ranked) == {
        SEDNAYA: [P(5), P(6)], PSB: [P(5)], B215: [P(6)], TISHREEN: [P(6)], QABOUN: [P(7)],
        SEC_OFFICE: [P(2)], PATROL: [P(1)], SERVICES: [P(7)]}


@pytest.mark.parametrize("filters, expected", [
    (Filters(region="Samad"), {SEDNAYA: [P(5)], PSB: [P(5)]}),
    (Filters(region="Quneitra Governorate"), {}),
    (Filters(outcome="died"), {SEDNAYA: [P(5), P(6)], PSB: [P(5)], B215: [P(6)],
                               TISHREEN: [P(6)], QABOUN: [P(7)], SERVICES: [P(7)]}),
    (Filters(outcome="in_custody"), {SEC_OFFICE: [P(2)], PATROL: [P(1)]}),
    (Filters(since="2019"), {SEDNAYA: [P(5), P(6)], TISHREEN: [P(6)], QABOUN: [P(7)],
                             SEC_OFFICE: [P(2)], PATROL: [P(1)], SERVICES: [P(7)]}),
    (Filters(until="2018-11"), {SEDNAYA: [P(5)], PSB: [P(5)], QABOUN: [P(7)],
                                SERVICES: [P(7)]}),
    (Filters(kind="prison"), {SEDNAYA: [P(5), P(6)]}),
    (Filters(kind="security_branch"), {PSB: [P(5)], B215: [P(6)], SEC_OFFICE: [P(2)]}),
    (Filters(event_types=("detained",)), {SEDNAYA: [P(5)], B215: [P(6)]}),
    (Filters(min_confidence="high"), {TISHREEN: [P(6)]}),
    (Filters(source="opp-media-via-sd"), {SEDNAYA: [P(5)], PSB: [P(5)]}),
])
def test_recurrence_filters(example, filters, expected):
    assert cases(recurring(example, filters=filters)) == expected


@pytest.mark.parametrize("filters, error, message", [
    (Filters(since="July 2018"), InvalidFilter, "--since 'July 2018' is not a date"),
    (Filters(since="2019", until="2018"), InvalidFilter, "--until 2018 falls before --since 2019"),
    (Filters(kind="jail"), InvalidFilter, "--kind: unknown type 'jail'"),
    (Filters(event_types=("arest",)), InvalidFilter, "did you mean 'arrest'?"),
    (Filters(region="Atlantis"), EntityNotFound, "no place is called 'Atlantis'"),
    (Filters(source="nobody"), EntityNotFound, "no source is called 'nobody'"),
])
def test_bad_filters_are_precise_errors(example, filters, error, message):
    with pytest.raises(error, match=message.replace("?", r"\?").replace("(", r"\(")):
        recurring(example, filters=filters)


# --- flows ------------------------------------------------------------------------------------
def test_flows_of_the_example(example):
    result = flows(example)
    got = [(f.origin["uid"], f.destination["uid"], f.cases, [p["uid"] for p in f.persons],
            f.median_days, f.timed) for f in result.flows]
    assert got == [(PSB, SEDNAYA, 1, [P(5)], 0.0, 1), (B215, SEDNAYA, 1, [P(6)], 0.0, 1),
                   (SEDNAYA, TISHREEN, 1, [P(6)], 732.0, 1)]
    stops = {s.facility["uid"]: {r: [p["uid"] for p in people]
                                 for r, people in s.roles.items() if people}
             for s in result.stops}
    assert stops == {SEDNAYA: {"intermediate": [P(6)], "final": [P(5)]},
                     QABOUN: {"only": [P(7)]}, PSB: {"first": [P(5)]}, B215: {"first": [P(6)]},
                     TISHREEN: {"final": [P(6)]}}
    assert result.stops[0].shares == {"first": 0.0, "intermediate": 0.5, "final": 0.5,
                                      "only": 0.0}


def test_flows_filtered_by_kind_keep_moves_touching_it(example):
    result = flows(example, filters=Filters(kind="military_hospital"))
    assert [(f.origin["uid"], f.destination["uid"]) for f in result.flows] == \
        [(SEDNAYA, TISHREEN)]
    assert [s.facility["uid"] for s in result.stops] == [TISHREEN]


# --- co-detention -----------------------------------------------------------------------------
def test_muhannad_and_moath_were_possibly_held_together_in_sednaya(example):
    result = codetained(example, "Muhannad al-Ahmad")
    assert result.certain == []
    [moath] = result.possible
    assert moath.person == {"uid": P(5), "name": "Moath Ata al-Smadi"}
    [overlap] = moath.overlaps
    assert (overlap.facility["uid"], overlap.start, overlap.end, overlap.days) == \
        (SEDNAYA, "2018-12-01", "2020-11-21", 722)
    back = codetained(example, "Moath al-Smadi")
    assert [c.person["uid"] for c in back.possible] == [P(6)]
    assert codetained(example, "Osama").possible == []


# --- responsibility ---------------------------------------------------------------------------
def test_responsibility_by_role_period_and_hierarchy(example):
    result = {r.uid: r for r in responsibility(example)}
    assert set(result) == {SEC_OFFICE, PATROL, PSB, B215, SERVICES, DIVISION}
    assert result[SEC_OFFICE].roles == {"arrested": [{"uid": P(2), "name": "Osama"}]}
    assert [(p.period, p.cases) for p in result[SEC_OFFICE].periods] == [("2020", 1)]
    assert [p["uid"] for p in result[SEC_OFFICE].parents] == [DIVISION]
    assert [(p.period, p.cases) for p in result[SERVICES].periods] == [("2018-2021", 1)]
    assert list(result[B215].roles) == ["held"]
    division = result[DIVISION]
    assert (division.cases, division.cases_with_subunits) == (0, 1)
    osama = [{"uid": P(2), "name": "Osama"}]
    assert division.subunits == [{"uid": SEC_OFFICE, "name": "Fourth Division security office",
                                  "cases": 1, "persons": osama}]
    assert division.persons_with_subunits == osama  # the number comes with its case
    assert responsibility(example)[-1].uid == DIVISION  # no case of its own: ranked last


def test_commanders_by_date(example):
    write = ("MERGE (c:Person {uid: $uid}) SET c.name = $name, c.protected = $protected "
             "WITH c MATCH (o:Organization {uid: $org}) "
             "CREATE (c)-[:COMMANDED {earliest: $earliest, latest: $latest}]->(o)")
    example.write(write, {"uid": "person:test-commander-1", "name": "Commander One",
                          "protected": False, "org": SEC_OFFICE, "earliest": "2017-01-01",
                          "latest": "2019-12-31"})
    example.write(write, {"uid": "person:test-commander-2", "name": "Commander Two",
                          "protected": True, "org": SEC_OFFICE, "earliest": "2020-03-01",
                          "latest": None})
    try:
        office = next(r for r in responsibility(example) if r.uid == SEC_OFFICE)
        assert [c["name"] for c in office.commanders] == ["Commander One",
                                                           "[protected person]"]
        [period] = office.periods
        assert [c["uid"] for c in period.commanders] == ["person:test-commander-2"]
    finally:
        example.write("MATCH (c:Person) WHERE c.uid STARTS WITH 'person:test-commander' "
                      "DETACH DELETE c")


# --- statistics, counted by hand from the file ------------------------------------------------
def test_statistics_match_the_file(example):
    result = statistics(example)
    assert result.cases == 6
    assert [p["uid"] for p in result.persons] == [P(1), P(2), P(3), P(5), P(6), P(7)]
    assert [(c.label, [p["uid"] for p in c.persons]) for c in result.by_status] == [
        ("body delivered", [P(5), P(6)]),
        ("died in custody", [P(3), P(7)]),
        ("in custody or disappeared", [P(1), P(2)])]
    assert [(c.label, [p["uid"] for p in c.persons]) for c in result.by_region] == [
        ("Daraa Governorate", [P(1), P(2), P(5), P(6), P(7)]),
        ("Quneitra Governorate", [P(3)])]
    assert [(c.label, [p["uid"] for p in c.persons]) for c in result.by_period] == [
        ("2018", [P(5), P(6)]), ("2018-2021", [P(7)]), ("2019", [P(3)]),
        ("2020", [P(1), P(2)])]
    assert result.not_counted == [{"uid": P(4), "name": "[protected person]"}]
    assert result.group_cases == [{"uid": P(7), "group_size": "about 200", "name":
                                   "Defectors from Daraa sent to the Qaboun military police "
                                   "(group)"}]


def test_report_style_figures_for_daraa_since_july_2018(example):
    result = statistics(example, filters=Filters(region="Daraa", since="2018-07"))
    assert result.summary == (
        "5 persons from Daraa Governorate detained or disappeared since 2018-07-01; 3 of them "
        "died in custody (2 bodies delivered to their families), 2 still in custody or "
        "disappeared, none released. 1 case stands for a group of persons (about 200) and "
        "counts once.")
    assert [p["uid"] for p in result.died.persons] == [P(5), P(6), P(7)]
    assert [p["uid"] for p in result.bodies_delivered.persons] == [P(5), P(6)]
    assert [p["uid"] for p in result.in_custody.persons] == [P(1), P(2)]
    assert result.released.persons == []
    # a period keeps the custody events whose bounds reach into it: from December 2020 on,
    # the open disappearances, Muhannad's stay in Sednaya (to 2 December) and the group's
    # range; Moath's stay ended on 21 November
    later = statistics(example, filters=Filters(region="Daraa", since="2020-12"))
    assert [p["uid"] for p in later.persons] == [P(1), P(2), P(6), P(7)]


# --- search -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text, first, matched", [
    ("Saydnaya", SEDNAYA, "exact name"),
    ("sednya", SEDNAYA, "full text"),
    ("صيدنايا", SEDNAYA, "exact name"),  # an alias in the gazetteer
    ("samadi", P(5), "part of a name"),
    ("Branch 215", B215, "exact name"),
    ("Daraa", "location:daraa-governorate", "exact name"),
])
def test_search_finds_any_spelling(example, text, first, matched):
    hits = search(example, text)
    assert (hits[0].uid, hits[0].matched) == (first, matched)


def test_search_hides_protected_persons_and_neutralises_syntax(example):
    assert search(example, "Bassam") == []
    assert [h.uid for h in search(example, "Bassam", include_confidential=True)] == [P(4)]
    for text in ('") OR 1=1 //', "*", "@name:x", "%%%", "'; MATCH (n) DETACH DELETE n //",
                 "AND OR NOT", "((("):
        search(example, text)  # no error from either index syntax or Cypher
    assert example.read("MATCH (n:Person) RETURN count(n) AS n")[0]["n"] == 7


# --- path -------------------------------------------------------------------------------------
def test_path_from_osama_to_the_fourth_division(example):
    path = shortest_path(example, "Osama", "Fourth Armoured Division")
    assert path.length == 2
    assert [n["uid"] for n in path.nodes] == [P(2), SEC_OFFICE, DIVISION]
    assert path.relationships == [
        {"type": "ARRESTED_BY", "from": P(2), "to": SEC_OFFICE},
        {"type": "PART_OF", "from": SEC_OFFICE, "to": DIVISION}]


def test_path_between_two_detainees_runs_through_sednaya_both_ways(example):
    path = shortest_path(example, "Muhannad al-Ahmad", "Moath al-Smadi")
    assert [n["uid"] for n in path.nodes] == [P(6), SEDNAYA, P(5)]
    assert [r["from"] for r in path.relationships] == [P(6), P(5)]


def test_path_errors(example):
    with pytest.raises(NoPath, match="not connected within 1 step;"):
        shortest_path(example, "Osama", "Fourth Armoured Division", max_length=1)
    with pytest.raises(InvalidFilter):
        shortest_path(example, "Osama", "Sednaya", max_length=40)
    with pytest.raises(PersonNotFound):
        shortest_path(example, "Nobody Anywhere", "Sednaya")
    with pytest.raises(AmbiguousPerson):
        shortest_path(example, "Muhammad", "Sednaya")
    assert shortest_path(example, "Sednaya", SEDNAYA).length == 0
