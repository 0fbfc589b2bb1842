"""Replies to reads are read by the embedded backend itself where they hold plain values
(null, text, integer, float, boolean, lists of them), and by the FalkorDB client otherwise:
either way the rows are exactly those the client gives."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_falkor_params import PLAIN, VALUE

from custodygraph.errors import StoreError
from custodygraph.graph.falkor import _rows, with_params


def by_the_client(store, query, params=None):
    return _rows(store.graph.ro_query(with_params(query, params)))


def same(a, b):
    """Equal, and of the same types all the way down (True is not 1 here)."""
    if isinstance(a, list):
        return isinstance(b, list) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and (a == b or a != a and b != b)


FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.one_of(VALUE, FLOATS, st.lists(st.one_of(PLAIN, FLOATS), max_size=6)))
def test_any_value_reads_as_the_client_reads_it(store, value):
    query = "RETURN $v AS v, [$v, null] AS pair, 1.5 AS f, true AS t, false AS no"
    assert same(store.read(query, {"v": value}), by_the_client(store, query, {"v": value}))


@pytest.mark.parametrize("query", [
    "CREATE (:Probe {uid: 'a', n: 1})-[:NEXT {w: 2.5}]->(:Probe {uid: 'b'})",
    "MATCH (a:Probe) RETURN a.uid AS uid, a.n AS n ORDER BY uid",
    "MATCH (a:Probe) RETURN a ORDER BY a.uid",
    "MATCH (:Probe)-[r:NEXT]->(:Probe) RETURN r, r.w AS w",
    "MATCH p = (:Probe)-[:NEXT]->(:Probe) RETURN p",
    "RETURN {a: 1, b: [1, 'x']} AS m",
    "RETURN [1, {a: 2}] AS late_map",
    "RETURN date('2020-01-02') AS d, point({latitude: 1.5, longitude: 2.5}) AS pt",
    "MATCH (a:Probe {uid: 'none'}) RETURN a.uid AS uid",
    "RETURN labels(null) AS nothing",
])
def test_every_kind_of_reply_reads_as_the_client_reads_it(store, query):
    if query.startswith("CREATE"):
        store.write(query)
        return
    store.write("CREATE (:Probe {uid: 'a', n: 1})-[:NEXT {w: 2.5}]->(:Probe {uid: 'b'})")
    mine, theirs = store.read(query), by_the_client(store, query)
    assert same(opened(mine), opened(theirs))
    assert (mine == []) == ("'none'" in query)


def opened(value):
    """Values with the client's node, edge and path objects opened into their fields."""
    if isinstance(value, list):
        return [opened(v) for v in value]
    if isinstance(value, dict):
        return {k: opened(v) for k, v in value.items()}
    if hasattr(value, "__dict__"):
        return {"class": type(value).__name__} | {k: opened(v) for k, v in vars(value).items()}
    return value


def test_a_refused_read_is_a_store_error(store):
    with pytest.raises(StoreError, match="refused"):
        store.read("RETURN undefined_name AS x")
    with pytest.raises(StoreError, match="refused"):
        store.read("RETURN 1 / $zero AS x, toInteger('x') + [] AS y", {"zero": 0})
