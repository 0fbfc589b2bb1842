"""The investigation queries against networkx references, on generated case sets.

Every case set is generated with its answers known by construction (casegen.generate_custody):
chains with month-dated, exactly dated and undated steps, a witness who contradicts one step,
outcomes and hometowns. One ingest per example serves every query.
"""

from __future__ import annotations

import random
from collections import Counter

import networkx as nx
import pytest

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from casegen import (GOVERNORATES, PARENT_UNIT, generate_custody, reference_codetention,
                     reference_custody_recurrence, reference_flows, reference_gaps,
                     reference_responsibility, reference_stops)
from rankings import ranked_both, recurring_both
from custodygraph.ingest.keys import make_uid
from custodygraph.ingest.run import ingest_file
from custodygraph.errors import NoPath
from custodygraph.queries.codetention import codetained, stays
from custodygraph.queries.custody import custody_chain, outlines
from custodygraph.queries.filters import Filters
from custodygraph.queries.flows import flows
from custodygraph.queries.paths import PATH_TYPES, shortest_path
from custodygraph.queries.responsibility import responsibility
from custodygraph.queries.stats import statistics


def uid(pid: str) -> str:
    return make_uid("person", pid)


def load(store, tmp_path_factory, seed, persons):
    store.clear()
    cases = generate_custody(seed, persons)
    path = tmp_path_factory.mktemp("custody") / "cases.yaml"
    cases.write(path)
    ingest_file(store, path)
    return cases


def check_chains(store, cases):
    for pid, steps in cases.steps.items():
        chain = custody_chain(store, uid(pid), include_confidential=True)
        shown = [s.place["name"] if s.place and s.place["kind"] != "location" else None
                 for s in chain.steps]
        assert shown == [s.facility for s in steps], pid
        assert [(s.earliest, s.latest) for s in chain.steps] == \
            [(s.earliest, s.latest) for s in steps], pid
        assert [(g.after, g.before, g.days) for g in chain.gaps] == reference_gaps(steps), pid
        assert [tuple(c.steps) for c in chain.conflicts] == cases.conflicts[pid], pid
        assert chain.status == cases.status[pid], pid
        assert chain.last_seen["uid"] == make_uid("event", cases.last_seen[pid]), pid
        assert not chain.order_conflict


def check_recurrence(store, cases):
    def got(filters=None):
        return {r.name: {p["uid"] for p in r.persons}
                for r in recurring_both(store, filters=filters)[0]}

    def want(persons=None):
        return {name: {uid(p) for p in found}
                for name, found in reference_custody_recurrence(cases, persons).items()}

    assert got() == want()
    daraa = {p for p, g in cases.governorate.items() if g == GOVERNORATES[0]}
    assert got(Filters(region=GOVERNORATES[0])) == want(daraa)
    died = {p for p, s in cases.status.items() if s in ("died in custody", "body delivered")}
    assert got(Filters(outcome="died")) == want(died)


def check_flows(store, cases):
    result = flows(store, include_confidential=True)
    got = {(f.origin["name"], f.destination["name"]):
           ({p["uid"] for p in f.persons}, f.moves, f.median_days, {p["uid"] for p in f.untimed})
           for f in result.flows}
    want = {key: ({uid(p) for p in f["persons"]}, f["moves"],
                  float(f["median"]) if f["median"] is not None else None,
                  {uid(p) for p in f["untimed"]})
            for key, f in reference_flows(cases).items()}
    assert got == want
    stops = {s.facility["name"]: {r: {p["uid"] for p in people} for r, people in s.roles.items()}
             for s in result.stops}
    assert stops == {f: {r: {uid(p) for p in people} for r, people in roles.items()}
                     for f, roles in reference_stops(cases).items()}
    for stop in result.stops:
        assert stop.cases == len({p["uid"] for r in stop.roles.values() for p in r})


def check_codetention(store, cases):
    for pid in cases.steps:
        result = codetained(store, uid(pid), include_confidential=True)
        got = {c.person["uid"]: (c.certainty, c.days) for c in result.certain + result.possible}
        want = {uid(other): found for other, found in reference_codetention(cases, pid).items()}
        assert got == want, pid
        for group in (result.certain, result.possible):
            assert [c.days for c in group] == sorted((c.days for c in group), reverse=True)
        assert (result.certain_total, result.possible_total) == \
            (len(result.certain), len(result.possible))
        # ranked from the stay tables and by the store from the stay keys: the head of the
        # same lists, and their sizes
        mine = stays(next(outlines(store, [uid(pid)])).steps)
        for limit in (0, 1, 3, 1000):
            head = ranked_both(store, uid(pid), mine, limit)
            assert head is not None, pid
            assert head.certain == result.certain[:limit], (pid, limit)
            assert head.possible == result.possible[:limit], (pid, limit)
            assert (head.certain_total, head.possible_total) == \
                (len(result.certain), len(result.possible)), (pid, limit)
            assert codetained(store, uid(pid), include_confidential=True, limit=limit) == head


def check_statistics(store, cases):
    result = statistics(store, include_confidential=True)
    assert result.cases == len(cases.steps)
    assert {c.label: c.cases for c in result.by_status} == dict(Counter(cases.status.values()))
    regions = Counter(g or "unknown" for g in cases.governorate.values())
    assert {c.label: c.cases for c in result.by_region} == dict(regions)
    for count in result.by_status + result.by_region + result.by_period:
        assert count.cases == len(count.persons)


EDGES = """
MATCH (a)-[r]->(b) WHERE type(r) IN $types
RETURN a.uid AS a, b.uid AS b, type(r) AS type
"""
ENDS = """
MATCH (n) WHERE n:Person OR n:Facility OR n:Organization OR n:Location
RETURN n.uid AS uid ORDER BY uid
"""


def check_paths(store, seed, pairs=25, max_length=4):
    """Shortest paths against networkx on the same relationships, either way: the same
    length (or none within ``max_length``), along relationships the graph has."""
    edges = store.read(EDGES, {"types": list(PATH_TYPES)})
    graph = nx.Graph()
    graph.add_edges_from((e["a"], e["b"]) for e in edges)
    have = {(e["a"], e["b"], e["type"]) for e in edges}
    ends = [row["uid"] for row in store.read(ENDS)]
    rng = random.Random(seed)
    found = 0
    for _ in range(pairs):
        a, b = rng.sample(ends, 2)
        try:
            want = nx.shortest_path_length(graph, a, b)
        except (nx.NetworkXNoPath, nx.NodeNotFound):
            want = None
        if want is None or want > max_length:
            with pytest.raises(NoPath):
                shortest_path(store, a, b, max_length=max_length, include_confidential=True)
            continue
        path = shortest_path(store, a, b, max_length=max_length, include_confidential=True)
        assert path.length == want, (a, b)
        uids = [n["uid"] for n in path.nodes]
        assert uids[0] == a and uids[-1] == b and len(uids) == want + 1
        for here, there, rel in zip(uids, uids[1:], path.relationships):
            assert {rel["from"], rel["to"]} == {here, there}
            assert (rel["from"], rel["to"], rel["type"]) in have
        found += 1
    return found


def check_responsibility(store, cases):
    """Own cases by role and period against the reference; the parent unit has the cases of
    its sub-unit and none of its own."""
    result = {r.name: r for r in responsibility(store, include_confidential=True)}
    found = {name: {"roles": {role: {p["uid"] for p in persons}
                              for role, persons in r.roles.items()},
                    "periods": {p.period: {c["uid"] for c in p.persons} for p in r.periods}}
             for name, r in result.items() if r.cases}
    reference = {org: {part: {key: set(map(uid, persons)) for key, persons in groups.items()}
                       for part, groups in entry.items()}
                 for org, entry in reference_responsibility(cases).items()}
    assert found == reference
    for name, r in result.items():
        assert r.cases == len({p["uid"] for p in r.persons})
        assert r.cases == len(set().union(*({p["uid"] for p in g.persons} for g in r.periods)))
        with_subunits = {p["uid"] for p in r.persons_with_subunits}
        assert r.cases_with_subunits == len(with_subunits) == len(r.persons_with_subunits)
        assert with_subunits == {p["uid"] for p in r.persons}.union(
            *({p["uid"] for p in s["persons"]} for s in r.subunits))
    subunit = "Fourth Division security office"
    if subunit in result:
        parent = result[PARENT_UNIT[0]]
        assert parent.cases == 0 and parent.cases_with_subunits == result[subunit].cases
        assert parent.persons_with_subunits == result[subunit].persons


def test_the_generator_exercises_every_case():
    """Seed 7 with 40 persons (the explicit example below) holds each thing checked."""
    cases = generate_custody(7, 40)
    steps = [s for found in cases.steps.values() for s in found]
    assert any(cases.conflicts.values())
    assert any(s.certain for s in steps) and any(s.facility and not s.earliest for s in steps)
    assert any(reference_gaps(found) for found in cases.steps.values())
    assert any(f["untimed"] for f in reference_flows(cases).values())
    assert set(cases.status.values()) == {"released", "died in custody", "body delivered",
                                          "in custody or disappeared"}
    assert None in cases.governorate.values() and GOVERNORATES[0] in cases.governorate.values()
    assert any(level == "certain" for pid in cases.steps
               for level, _ in reference_codetention(cases, pid).values())
    responsible = reference_responsibility(cases)
    assert {"arrested", "held"} <= {role for r in responsible.values() for role in r["roles"]}
    assert "Fourth Division security office" in responsible
    assert "undated" in {period for r in responsible.values() for period in r["periods"]}


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), persons=st.integers(2, 18))
@example(seed=7, persons=40)
def test_investigation_queries_match_the_reference(session_store, tmp_path_factory, seed,
                                                   persons):
    cases = load(session_store, tmp_path_factory, seed, persons)
    check_chains(session_store, cases)
    check_recurrence(session_store, cases)
    check_flows(session_store, cases)
    check_codetention(session_store, cases)
    check_statistics(session_store, cases)
    check_responsibility(session_store, cases)
    check_paths(session_store, seed)


def test_paths_are_found_where_networkx_finds_them(session_store, tmp_path_factory):
    load(session_store, tmp_path_factory, 3, 40)
    assert check_paths(session_store, 3, pairs=60) > 20
