"""Tiny graphs with known answers: conflicts, gaps, certain co-detention, ambiguity; and the
pieces the queries are built from (ordering, dates, full-text queries)."""

from __future__ import annotations

import textwrap

import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custodygraph.errors import AmbiguousEntity, InvalidFilter
from custodygraph.graph import falkor_dialect, neo4j_dialect
from custodygraph.ingest.run import ingest_file
from custodygraph.queries.codetention import codetained
from custodygraph.queries.custody import custody_chain, order_events
from custodygraph.queries.filters import Filters, _day, event_matches, period_label
from custodygraph.queries.paths import shortest_path
from custodygraph.queries.search import resolve, search

TINY = """
sources:
  - {id: a, title: Report A, type: report}
  - {id: w, title: Witness W, type: testimony, confidential: true}
facilities:
  - {id: f1, name: Branch One, type: security_branch}
  - {id: f2, name: Prison Two, type: prison}
organizations:
  - {id: o1, name: Branch One Command, aliases: [Branch One], type: military_unit}
cases:
  - person: {id: T-1, name: Test One}
    events:
      - {event: arrest, date: 2019-03, facility: f1, sources: [a], confidence: medium}
      - {event: sighting, date: 2019-03-15, facility: f2, sources: [w], confidence: medium}
      - {event: release, date: 2019-09-01, sources: [a], confidence: medium}
  - person: {id: T-2, name: Test Two}
    events:
      - {event: detention, date: 2019-03-10, facility: f2, sources: [a], confidence: medium}
      - {event: sighting, date: 2019-04-20, facility: f2, sources: [a], confidence: medium}
  - person: {id: T-3, name: Test Three}
    events:
      - {event: detention, date: 2019-03-12, facility: f2, sources: [a], confidence: medium}
      - {event: sighting, date: 2019-03-30, facility: f2, sources: [a], confidence: medium}
  - person: {id: T-4, name: Test Four}
    events:
      - {event: arrest, date: 2019-01, facility: f1, sources: [a], confidence: medium}
      - {event: detention, facility: f2, sources: [a], confidence: medium}
      - {event: release, date: 2019-06-01, sources: [a], confidence: medium}
  - person: {id: T-5, name: Test Five}
    events:
      - {event: detention, date: 2019-04, facility: f2, sources: [a], confidence: medium}
"""


@pytest.fixture
def tiny(store, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(textwrap.dedent(TINY), encoding="utf-8")
    ingest_file(store, path, allow_new=True)  # made-up places, not in the gazetteer
    return store


def test_conflicting_reports_are_shown_side_by_side(tiny):
    chain = custody_chain(tiny, "T-1")
    assert [s.place["name"] if s.place else None for s in chain.steps] == \
        ["Branch One", "Prison Two", None]
    assert [s.conflicting for s in chain.steps] == [True, True, False]
    [conflict] = chain.conflicts
    assert conflict.steps == [1, 2]
    assert conflict.overlap == ["2019-03-15", "2019-03-15"]
    assert [r["place"]["name"] for r in conflict.reports] == ["Branch One", "Prison Two"]
    assert [r["sources"][0]["title"] for r in conflict.reports] == \
        ["Report A", "[confidential source]"]
    [gap] = chain.gaps
    assert (gap.after, gap.before, gap.days) == (2, 3, 170)
    assert chain.status == "released" and chain.last_seen["type"] == "release"


def test_undated_step_is_a_gap_on_both_sides(tiny):
    chain = custody_chain(tiny, "T-4")
    assert [(g.after, g.before, g.reason) for g in chain.gaps] == [
        (1, 2, "undated step"), (2, 3, "undated step")]
    assert chain.conflicts == []  # one source for every report


def test_certain_and_possible_codetention(tiny):
    result = codetained(tiny, "T-2")
    assert [(c.person["name"], c.days) for c in result.certain] == \
        [("Test Three", 19), ("Test One", 1)]
    assert [(c.person["name"], c.days) for c in result.possible] == [("Test Five", 20)]
    [overlap] = result.certain[0].overlaps
    assert (overlap.start, overlap.end) == ("2019-03-12", "2019-03-30")
    # Test Four's stay in Prison Two has no date: compared with nobody
    assert codetained(tiny, "T-4").undated[0].facility["name"] == "Prison Two"
    assert "Test Four" not in [c.person["name"] for c in result.possible]


def test_a_name_two_entries_share_is_ambiguous(tiny):
    with pytest.raises(AmbiguousEntity, match="'Branch One' matches 2 entries"):
        resolve(tiny, "Branch One")
    with pytest.raises(AmbiguousEntity):
        shortest_path(tiny, "Branch One", "T-1")
    assert resolve(tiny, "Branch One Command")["kind"] == "military_unit"


# --- ordering: the hand-written topological sort agrees with networkx -------------------------
def networkx_order(events):
    graph = nx.DiGraph()
    graph.add_nodes_from(e["uid"] for e in events)
    by_uid = {e["uid"]: e for e in events}

    def before(a, b):
        return bool(a["latest"] and b["earliest"] and a["latest"] < b["earliest"])

    for a in events:
        for b in events:
            if a is b:
                continue
            if before(a, b) or (not before(b, a) and a["sequence"] < b["sequence"]):
                graph.add_edge(a["uid"], b["uid"])

    def key(uid):
        e = by_uid[uid]
        return (e["earliest"] or "", e["sequence"], uid)

    try:
        return [u for u in nx.lexicographical_topological_sort(graph, key=key)], False
    except nx.NetworkXUnfeasible:
        return None, True


days = st.sampled_from([None, "2018-01-01", "2018-03-01", "2018-06-30", "2019-01-01"])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(days, days, st.integers(0, 5)), min_size=1, max_size=6))
def test_order_events_matches_networkx(spec):
    events = [{"uid": f"e{i}", "earliest": lo, "latest": hi if not (lo and hi and hi < lo) else lo,
               "sequence": seq} for i, (lo, hi, seq) in enumerate(spec)]
    ours, conflict = order_events(events)
    theirs, cycle = networkx_order(events)
    assert conflict == cycle
    if not cycle:
        assert [e["uid"] for e in ours] == theirs


# --- dates and filters ------------------------------------------------------------------------
def test_filter_dates():
    assert _day("2020-02", True, "until") == "2020-02-29"
    assert _day("2018-07-15", False, "since") == "2018-07-15"
    for bad in ("2018-13", "18", "2018/07", "2018-02-30"):
        with pytest.raises(InvalidFilter, match="is not a date"):
            _day(bad, False, "since")
    assert period_label("2019-12-01", "2020-01-31") == "2019-2020"
    undated = {"type": "arrest", "earliest": None, "latest": None, "confidence": "high"}
    assert event_matches(undated, Filters())
    assert not event_matches(undated, Filters(until="2020-01-01"))
    open_end = {"type": "disappearance", "earliest": "2018-01-01", "latest": None,
                "confidence": "low"}
    assert event_matches(open_end, Filters(since="2030-01-01"))
    assert not event_matches(open_end, Filters(min_confidence="medium"))


# --- full-text queries never carry the user's syntax ------------------------------------------
def test_fulltext_queries_are_neutralised():
    assert falkor_dialect.fulltext_query("Raid (Branch) 215 | -x @name:y") == \
        "(raid*|%raid%) (branch*|%branch%) 215* (name*|%name%)"
    assert neo4j_dialect.fulltext_query("Branch AND NOT 215~ OR x:y") == \
        "(branch* OR branch~1) AND and* AND not* AND 215* AND or*"
    assert falkor_dialect.fulltext_query("the a") is None
    assert neo4j_dialect.fulltext_query("!!") is None
    assert falkor_dialect.SEARCH_RETURN == neo4j_dialect.SEARCH_RETURN


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(min_size=1, max_size=30))
def test_any_text_searches_without_error(tiny, text):
    for hit in search(tiny, text):
        assert hit.uid
