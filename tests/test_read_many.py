"""Several read statements at once (FalkorStore.read_many): each statement's rows come back
in the order asked, a refused statement is raised as a StoreError, and the threads that send
them are started once per store and stopped when it closes."""

from __future__ import annotations

import threading

import pytest

from custodygraph.graph.falkor import READERS, FalkorStore
from custodygraph.errors import StoreError


def readers() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("custodygraph-read")}


def test_rows_come_back_in_the_order_asked(store):
    store.write("UNWIND range(1, 30) AS i CREATE (:Person {uid: 'person:' + toString(i), "
                "name: 'P' + toString(i)})")
    statements = [("MATCH (p:Person) WHERE p.uid = $u RETURN p.name AS name", {"u": f"person:{i}"})
                  for i in range(1, 11)]
    statements.append(("MATCH (p:Person) RETURN count(p) AS n", None))
    answers = store.read_many(statements)
    assert [rows[0]["name"] for rows in answers[:-1]] == [f"P{i}" for i in range(1, 11)]
    assert answers[-1] == [{"n": 30}]
    assert store.read_many([]) == []
    assert store.read_many(statements[:1]) == [[{"name": "P1"}]]


def test_a_refused_statement_is_a_store_error(store):
    good = ("RETURN 1 AS one", None)
    for bad_at in (0, 1):
        statements = [good, good]
        statements[bad_at] = ("RETURN nothing_of_that_name AS x", None)
        with pytest.raises(StoreError):
            store.read_many(statements)
    assert store.read_many([good, good]) == [[{"one": 1}], [{"one": 1}]]


def test_the_threads_are_started_once_and_stopped_on_close(data_dir, store):
    before = readers()
    own = FalkorStore(data_dir)
    statements = [("RETURN $i AS i", {"i": i}) for i in range(READERS + 3)]
    assert own.read_many(statements) == [[{"i": i}] for i in range(READERS + 3)]
    started = readers() - before
    assert 0 < len(started) <= READERS
    for _ in range(5):
        own.read_many(statements)
    assert readers() - before == started  # the same threads, none more
    own.close()
    assert not any(t.is_alive() for t in started)
    assert readers() - before == set()
