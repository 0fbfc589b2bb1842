"""Every statement the Neo4j backend can send is valid Neo4j 5 Cypher, by Neo4j's own front end.

The portable statements are recorded while the real API runs against the embedded engine
(the same strings go to Neo4j); the Neo4j-only DDL is recorded from the Neo4j dialect,
with neomodel's schema installer running against a recording query runner.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE
from cypher_lint import NeoSpelling, RecordingQueryRunner, lint, lint_available
from custodygraph.errors import AmbiguousPerson
from custodygraph.graph import neo4j as neo4j_backend
from custodygraph.graph import neo4j_dialect
from custodygraph.ingest.run import ingest_file
from custodygraph.queries.custody import (ALL_SUMMARIES, SOME_SUMMARIES, UNSUMMARISED,
                                          custody_chain)
from custodygraph.queries.persons import find_person
from custodygraph.queries.recurrence import recurring
from custodygraph.graph import falkor_dialect
from custodygraph.queries.codetention import (RANKED, RUNS_WITHOUT_KEYS, TABLES, THEIR_STAYS,
                                              UNKEYED_AT, _chunks_statement, codetained)
from custodygraph.ingest.writer import (DERIVED_EXTRA, DROP_HELD, STALE_TABLES, TABLE_STAYS,
                                        WRITE_DERIVED, WRITE_TABLES, rebuild_derived,
                                        refresh_stay_tables)
from custodygraph.queries.filters import Filters
from custodygraph.queries.flows import flows
from custodygraph.queries.paths import shortest_path
from custodygraph.queries.responsibility import responsibility
from custodygraph.queries.search import search
from custodygraph.queries.stats import statistics

REASON = lint_available()
pytestmark = [pytest.mark.node, pytest.mark.skipif(REASON is not None, reason=REASON or "")]


class Recording:
    """A store that records each statement before the real store runs it."""

    def __init__(self, inner):
        self.inner = inner
        self.statements: list[str] = []
        self.backend = inner.backend
        self.dialect = NeoSpelling(inner.dialect)

    def read(self, query, params=None):
        self.statements.append(query)
        return self.inner.read(query, params)

    def write(self, query, params=None):
        self.statements.append(query)
        return self.inner.write(query, params)

    def write_batches(self, query, rows, batch_size=5000):
        self.statements.append(query)
        return self.inner.write_batches(query, rows, batch_size)

    def install_schema(self):
        return self.inner.install_schema()  # schema statements are linted on their own

    def after_ingest(self):
        self.inner.after_ingest()


def api_statements(store) -> list[str]:
    recording = Recording(store)
    ingest_file(recording, EXAMPLE)
    custody_chain(recording, "Muhannad al-Ahmad")
    custody_chain(recording, "Moath al-Smadi")
    recurring(recording)
    with pytest.raises(AmbiguousPerson):
        find_person(recording, "Muhammad")
    every = Filters(since="2018-07", until="2021", region="Daraa", kind="prison",
                    event_types=("detention",), outcome="died", min_confidence="medium",
                    source="sd-2021-02-09")
    for filters in (None, every):
        recurring(recording, filters=filters)
        flows(recording, filters=filters)
        responsibility(recording, filters=filters)
        statistics(recording, filters=filters)
    assert UNSUMMARISED in recording.statements
    assert sum("stop_lists" in q for q in set(recording.statements)) == 2  # all, and some
    # the summaries row by row, read when a joined list does not split whole
    recording.statements += [ALL_SUMMARIES, SOME_SUMMARIES]
    codetained(recording, "Muhannad al-Ahmad")
    codetained(recording, "Muhannad al-Ahmad", limit=1)  # ranked from the stay tables
    assert {TABLES, THEIR_STAYS, RUNS_WITHOUT_KEYS} <= set(recording.statements)
    # a HELD_AT write marks the facilities (the tables are unread): ranked by the store
    rebuild_derived(recording, [find_person(store, "Muhannad al-Ahmad")["uid"]])
    codetained(recording, "Muhannad al-Ahmad", limit=1)
    assert {RANKED, UNKEYED_AT, DROP_HELD, WRITE_DERIVED.format(
        target="Facility", type="HELD_AT", set=DERIVED_EXTRA["HELD_AT"][2],
        after=DERIVED_EXTRA["HELD_AT"][3])} <= set(recording.statements)
    assert refresh_stay_tables(recording) > 0
    assert {STALE_TABLES, WRITE_TABLES, _chunks_statement(recording.dialect)} \
        <= set(recording.statements)
    # plain lists
    recording.statements.append(TABLE_STAYS.format(uids="uids", keys="keys", days="days"))
    search(recording, "Sednaya")
    shortest_path(recording, "Muhannad al-Ahmad", "Sednaya Military Prison")
    shortest_path(recording, "Osama", "Fourth Armoured Division")
    assert any("MATCH (n:Person {uid: u})-[r:" in s for s in recording.statements)  # a path
    # the engine-specific statements FalkorDB ran are swapped for Neo4j's own
    falkor_only = set(falkor_dialect.search_statements())
    neo4j_own = neo4j_dialect.search_statements()
    return [s for s in recording.statements if s not in falkor_only] + neo4j_own


def neo4j_ddl(monkeypatch) -> list[str]:
    from neomodel import db

    runner = RecordingQueryRunner()
    monkeypatch.setattr(db._schema, "_query", runner)
    neo4j_dialect.install_labels()
    return runner.statements + neo4j_dialect.fulltext_statements() + [neo4j_backend.CLEAR]


def test_every_statement_lints_clean(store, monkeypatch):
    statements = list(dict.fromkeys(api_statements(store) + neo4j_ddl(monkeypatch)))
    assert len(statements) > 40
    results = lint(statements)
    errors = [(r["statement"], r["errors"]) for r in results if r["errors"]]
    assert errors == []


def test_the_linter_does_catch_falkordb_only_syntax():
    from custodygraph.graph import falkor_dialect

    results = lint(falkor_dialect.fulltext_statements()[:1])
    assert results[0]["errors"], "FalkorDB's full-text procedure must not pass as Neo4j"
