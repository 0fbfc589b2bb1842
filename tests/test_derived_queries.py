"""The derived data the queries read instead of every event, held to the events.

Ingest stores each person's stays at a facility on their HELD_AT edge, and on the person
the facilities and organisations of their custody events and a summary of their chain (status,
first custody event, stops at facilities). Co-detention, recurrence, statistics, flows and
the outcome filter read those. Here they must give what the definitions give over the events themselves, on data
made to be awkward: dates open at either end or missing, several stays at one facility,
events at a facility and a location at once, and edits that move an event to another person.
"""

from __future__ import annotations

import csv
import random
from dataclasses import asdict

import networkx as nx
import pytest

from casegen import responsible_by_org
from graphdump import dump
from rankings import ranked_both
from custodygraph.ingest.keys import make_uid
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import codetention
from custodygraph.queries.custody import (CHAIN_RULES, UNSUMMARISED, outlines, summaries,
                                          summary_of)
from custodygraph.queries.filters import Filters
from custodygraph.queries.flows import flows
from custodygraph.queries.recurrence import recurring
from custodygraph.queries.responsibility import responsibility
from custodygraph.queries.stats import statistics

FACILITIES = (("Qadmus Transit Prison", "prison"),
              ("Qadmus Interrogation Branch", "security_branch"),
              ("Qadmus Field Court", "court"))
UNITS = (("Qadmus Interrogation Branch", "security_branch"),
         ("Qadmus Patrol Unit", "military_unit"))
TOWNS = ("Qadmus Upper Quarter", "Qadmus Lower Quarter")
TYPES = ("arrest", "detention", "transfer", "sighting", "surrender_under_amnesty", "trial",
         "release", "death", "disappearance", "conscription", "body_delivery")
HEADER = ("record_id", "person", "person_id", "event", "date", "end_date", "sequence", "facility",
          "facility_type", "organization", "organization_type", "location", "source",
          "source_type", "confidence")


def _date(rng: random.Random) -> tuple[str, str]:
    year, month, day = rng.choice((2016, 2017)), rng.randint(1, 12), rng.randint(1, 28)
    return rng.choice((
        (f"{year}-{month:02d}-{day:02d}", ""), (f"{year}-{month:02d}", ""),
        (f"../{year}-{month:02d}", ""), (f"{year}-{month:02d}/..", ""), ("", ""),
        (f"{year}-{month:02d}", f"{year + 1}-{month:02d}"), (f"{year}", ""),
    ))


def awkward_rows(seed: int, persons: int) -> list[list[str]]:
    rng = random.Random(seed)
    rows = []
    for p in range(persons):
        for i in range(rng.randint(1, 7)):
            start, end = _date(rng)
            facility = rng.choice(FACILITIES) if rng.random() < 0.8 else ("", "")
            location = rng.choice(TOWNS) if (not facility[0] and rng.random() < 0.5) \
                or rng.random() < 0.1 else ""
            unit = rng.choice(UNITS) if rng.random() < 0.4 else ("", "")
            rows.append([f"AW-{p}-{i}", f"Awkward Person {p}", f"AW-{p}", rng.choice(TYPES),
                         start, end, str(i + 1) if rng.random() < 0.8 else "", *facility,
                         *unit, location, "Awkward source", "report",
                         rng.choice(("high", "medium", "low"))])
    return rows


def write(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        out.writerows(rows)


def every_pair(store) -> dict[str, dict[str, list]]:
    """Co-detention by its definition: every dated stay against every other person's."""
    stays = {o.person: [s for s in codetention.stays(o.steps) if codetention._dated(s)]
             for o in outlines(store)}
    found: dict[str, dict[str, list]] = {}
    for me, mine in stays.items():
        for other, theirs in stays.items():
            for a in mine:
                for b in theirs:
                    if other != me and a.facility["uid"] == b.facility["uid"]:
                        hit = codetention.compare(a, b)
                        if hit:
                            found.setdefault(me, {}).setdefault(other, []).append(asdict(hit))
    return found


def answered(store, persons) -> dict[str, dict[str, list]]:
    out = {}
    for uid in persons:
        result = codetention.codetained(store, uid, include_confidential=True)
        overlaps = {c.person["uid"]: [asdict(o) for o in c.overlaps]
                    for c in result.certain + result.possible}
        if overlaps:
            out[uid] = overlaps
    return out


def ranked_heads_agree(store, persons, limits=(2, 1000)) -> int:
    """Each person's co-detainees as the stay tables and the store rank them
    (codetention.ranked) are the head of those compared here, with the same totals; the
    number of persons checked."""
    for uid in persons:
        whole = codetention.codetained(store, uid, include_confidential=True)
        mine = codetention.stays(next(outlines(store, [uid])).steps)
        for limit in limits:
            head = ranked_both(store, uid, mine, limit)
            assert head is not None, uid
            assert (head.certain, head.possible) == \
                (whole.certain[:limit], whole.possible[:limit]), (uid, limit)
            assert (head.certain_total, head.possible_total) == \
                (len(whole.certain), len(whole.possible)), (uid, limit)
    return len(persons)


def ingest_awkward(store, tmp_path, seed: int, persons: int):
    """Ingest ``awkward_rows(seed, persons)`` from a file in ``tmp_path``; return its path."""
    path = tmp_path / "cases.csv"
    write(path, awkward_rows(seed, persons))
    ingest_file(store, path, allow_new=True)
    return path


def same_as_a_fresh_ingest(store, path) -> bool:
    """Whether the graph is the one an ingest of ``path`` alone into an empty graph makes
    (derived tables and all). The store is left so."""
    before = dump(store)
    store.clear()
    ingest_file(store, path, allow_new=True)
    return dump(store) == before


def persons_of(store) -> list[str]:
    return [r["uid"] for r in store.read("MATCH (p:Person) RETURN p.uid AS uid ORDER BY uid")]


@pytest.mark.parametrize("seed", [1, 2])
def test_codetention_from_stored_stays_is_the_definition(store, tmp_path, seed):
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(seed, 120))
    ingest_file(store, path, allow_new=True)
    stored = store.read("MATCH ()-[h:HELD_AT]->() RETURN count(h) AS n, "
                        "sum(CASE WHEN h.stays IS NULL THEN 0 ELSE 1 END) AS with_stays")[0]
    assert stored["n"] > 0 and stored["with_stays"] == stored["n"]
    assert answered(store, persons_of(store)) == every_pair(store)
    assert ranked_heads_agree(store, persons_of(store)) == 120


def test_codetention_without_stored_stays_rebuilds_them(store, tmp_path):
    """A graph written before stays were stored: the candidates' chains are read instead."""
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(3, 80))
    ingest_file(store, path, allow_new=True)
    persons = persons_of(store)
    stored = answered(store, persons)
    store.write("MATCH ()-[h:HELD_AT]->() REMOVE h.stays, h.stays_from")
    rebuilt = answered(store, persons)
    # the same overlaps, except that a stay open at its start may escape the edge's earliest
    # date, which is all such an edge tells: then a co-detainee can be missed, never added
    assert rebuilt and all(stored.get(p, {}).get(o) == found for p, others in rebuilt.items()
                           for o, found in others.items())


def test_recurrence_from_derived_lists_equals_the_events(store, tmp_path):
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(4, 150))
    ingest_file(store, path, allow_new=True)
    choices = [None, Filters(kind="prison"), Filters(outcome="died"),
               Filters(kind="security_branch", outcome="in_custody")]
    derived = [[r.as_dict() for r in recurring(store, filters=f)] for f in choices]
    # a person without the lists (as written by an earlier version) sends recurrence back
    # to the events
    store.write("MATCH (p:Person {uid: $uid}) REMOVE p.custody_at, p.custody_by",
                {"uid": persons_of(store)[0]})
    assert [[r.as_dict() for r in recurring(store, filters=f)] for f in choices] == derived
    assert sum(len(r) for r in derived) > 0


def stored_summaries_are_the_chains(store) -> int:
    """Every person's stored summary is the summary of the chain built from their events;
    the number of persons with events."""
    assert not store.read(UNSUMMARISED, {"rules": CHAIN_RULES})
    built = [summary_of(o) for o in outlines(store)]
    assert list(summaries(store)) == built
    some = [s.person for s in built[::3]]
    assert list(summaries(store, some)) == [s for s in built if s.person in set(some)]
    return len(built)


def whole_archive_answers(store) -> list:
    choices = [Filters(), Filters(outcome="died"), Filters(outcome="in_custody"),
               Filters(outcome="unknown", kind="prison"), Filters(kind="security_branch"),
               Filters(since="2017-01-01"), Filters(min_confidence="high")]
    return [(statistics(store, filters=f, include_confidential=True).as_dict(),
             flows(store, filters=f, include_confidential=True).as_dict(),
             [r.as_dict() for r in recurring(store, filters=f, include_confidential=True)])
            for f in choices]


@pytest.mark.parametrize("seed", [6, 7])
def test_statistics_and_flows_from_stored_summaries_equal_the_events(store, tmp_path, seed):
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(seed, 150))
    ingest_file(store, path, allow_new=True)
    assert stored_summaries_are_the_chains(store) == 150
    stored = whole_archive_answers(store)
    assert any(f["flows"] for _, f, _ in stored) and all(s["cases"] for s, _, _ in stored[:2])
    # one person without a summary (as written by an earlier version) sends every one of
    # these questions back to the events, with the same answers
    store.write("MATCH (p:Person {uid: $uid}) REMOVE p.chain_status",
                {"uid": persons_of(store)[0]})
    assert store.read(UNSUMMARISED, {"rules": CHAIN_RULES})
    assert whole_archive_answers(store) == stored


def test_summaries_stored_by_earlier_rules_are_read_from_the_events_then_written_again(
        store, tmp_path):
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(8, 60))
    ingest_file(store, path, allow_new=True)
    stored = whole_archive_answers(store)
    # as an earlier version left them: no rules noted, and one status by the old rules
    store.write("MATCH (p:Person) REMOVE p.chain_rules")
    store.write("MATCH (p:Person {uid: $uid}) SET p.chain_status = 'died in custody'",
                {"uid": persons_of(store)[0]})
    assert store.read(UNSUMMARISED, {"rules": CHAIN_RULES})
    assert whole_archive_answers(store) == stored  # from the events meanwhile
    ingest_file(store, path, allow_new=True)  # nothing changed in the file: summaries redone
    assert stored_summaries_are_the_chains(store) == 60
    assert store.read("MATCH (p:Person) WHERE p.chain_status IS NOT NULL "
                      "AND p.chain_rules <> $rules RETURN count(p) AS n",
                      {"rules": CHAIN_RULES}) == [{"n": 0}]
    assert whole_archive_answers(store) == stored


def test_an_event_moved_to_another_person_leaves_nothing_behind(store, tmp_path):
    rows = awkward_rows(5, 40)
    first = tmp_path / "first.csv"
    write(first, rows)
    ingest_file(store, first, allow_new=True)
    moved = next(r for r in rows if r[3] == "detention" and r[7] and r[2] != "AW-0")
    moved[1], moved[2] = "Awkward Person 0", "AW-0"  # the record was about someone else
    edited = tmp_path / "edited.csv"
    write(edited, rows)
    ingest_file(store, edited, allow_new=True)
    after_edit = dump(store)
    assert stored_summaries_are_the_chains(store) == 40
    store.clear()
    ingest_file(store, edited, allow_new=True)
    assert dump(store) == after_edit


def test_a_store_without_stay_keys_is_ranked_by_comparing_every_candidate(store, tmp_path):
    """A run of an earlier version wrote no stay keys: the store cannot rank, and the
    answer with a limit is still the head of the whole one."""
    path = tmp_path / "awkward.csv"
    write(path, awkward_rows(4, 60))
    ingest_file(store, path, allow_new=True)
    persons = persons_of(store)
    assert ranked_heads_agree(store, persons[:10])
    # keys cut into other slices than the query reads (another version) are not read
    store.write("MATCH (r:IngestRun) SET r.stay_key_slices = $n",
                {"n": codetention.SLICES + 1})
    mine = codetention.stays(next(outlines(store, [persons[0]])).steps)
    assert codetention.ranked(store, persons[0], mine, 3, True) is None
    store.write("MATCH (r:IngestRun) REMOVE r.stay_key_slices")
    store.write("MATCH ()-[h:HELD_AT]->() REMOVE h.stay_key, h.stay_days")
    checked = 0
    for uid in persons:
        whole = codetention.codetained(store, uid, include_confidential=True)
        mine = codetention.stays(next(outlines(store, [uid])).steps)
        assert codetention.ranked(store, uid, mine, 3, True) is None
        head = codetention.codetained(store, uid, include_confidential=True, limit=3)
        assert (head.certain, head.possible) == (whole.certain[:3], whole.possible[:3])
        assert (head.certain_total, head.possible_total) == \
            (len(whole.certain), len(whole.possible))
        checked += bool(whole.certain or whole.possible)
    assert checked > 10


def test_a_stay_the_key_cannot_place_is_compared_not_missed(store, tmp_path):
    """A stay dated before 1900 has no place in the key: persons held at its facility are
    answered by comparing every candidate, and the old stay is among them."""
    rows = [["OLD-1", "Old Stay", "OLD", "detention", "1899-03", "", "1", *FACILITIES[0],
             "", "", "", "Awkward source", "report", "high"]]
    for p in range(3):
        rows.append([f"NEW-{p}", f"Recent Person {p}", f"NEW-{p}", "detention", "2017-05",
                     "", "1", *FACILITIES[0], "", "", "", "Awkward source", "report",
                     "high"])
    rows.append(["OLD-2", "Old Stay", "OLD", "sighting", "2017-05-10", "", "2", *FACILITIES[0],
                 "", "", "", "Awkward source", "report", "high"])
    path = tmp_path / "old.csv"
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    old = store.read("MATCH (:Person {uid: $u})-[h:HELD_AT]->() RETURN h.stay_key AS key, "
                     "h.stay_days AS days", {"u": make_uid("person", "OLD")})
    assert len(old) == 1 and old[0]["days"] == []
    assert old[0]["key"] % (32 * codetention.DAYS) == codetention.UNKEYED * codetention.DAYS
    me = make_uid("person", "NEW-0")
    mine = codetention.stays(next(outlines(store, [me])).steps)
    assert codetention.ranked(store, me, mine, 10, True) is None
    result = codetention.codetained(store, me, include_confidential=True, limit=10)
    assert make_uid("person", "OLD") in {c.person["uid"] for c in result.possible + result.certain}
    assert result.possible_total + result.certain_total == 3


def reference_responsibility(store, rows, persons=None) -> dict[str, dict]:
    """Organisation name -> own persons by role and by period, from the rows one by one: an
    event of the custody side BY an organisation, or a detention-like event AT a security
    branch, files its person under the role of its type and the years of its stored dates."""
    from custodygraph.ingest.vocabulary import CUSTODY_SIDE_TYPES, HELD_TYPES
    from custodygraph.queries.filters import period_label

    bounds = {r["id"]: (r["lo"], r["hi"]) for r in store.read(
        "MATCH (e:Event) RETURN e.record_id AS id, e.earliest AS lo, e.latest AS hi")}
    graph = nx.MultiGraph()
    for row in rows:
        record, person, kind = row[0], make_uid("person", row[2]), row[3]
        if kind not in CUSTODY_SIDE_TYPES or (persons is not None and person not in persons):
            continue
        role = ("arrested" if kind in ("arrest", "surrender_under_amnesty")
                else "held" if kind in HELD_TYPES else "other")
        places = [row[9]] if row[9] else []
        if row[8] == "security_branch" and kind in HELD_TYPES:
            places.append(row[7])
        for org in places:
            graph.add_edge(("org", org), ("person", person), role=role,
                           period=period_label(*bounds[record]))
    return responsible_by_org(graph)


def responsible_by_name(store, filters=None) -> dict[str, dict]:
    return {r.name: {"roles": {role: {p["uid"] for p in persons}
                               for role, persons in r.roles.items()},
                     "periods": {p.period: {c["uid"] for c in p.persons} for p in r.periods}}
            for r in responsibility(store, filters=filters, include_confidential=True)
            if r.cases}


@pytest.mark.parametrize("seed", [8, 9])
def test_responsibility_equals_the_events_one_by_one(store, tmp_path, seed):
    rows = awkward_rows(seed, 150)
    path = tmp_path / "awkward.csv"
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    found = responsible_by_name(store)
    assert found == reference_responsibility(store, rows)
    roles = {role for entry in found.values() for role in entry["roles"]}
    periods = {p for entry in found.values() for p in entry["periods"]}
    assert roles == {"arrested", "held", "other"} and "undated" in periods
    assert any("-" in p for p in periods)  # a span of years
    died = {s.person for s in summaries(store) if s.status in ("died in custody",
                                                               "body delivered")}
    assert responsible_by_name(store, Filters(outcome="died")) == \
        reference_responsibility(store, rows, died)
