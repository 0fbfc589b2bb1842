"""Cypher answers cross-checked against a networkx reference on generated case sets."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casegen import generate, reference_recurrence
from rankings import recurring_both
from custodygraph.ingest.run import ingest_file
from custodygraph.ingest.keys import make_uid
from custodygraph.queries.custody import custody_chain


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 10_000), persons=st.integers(1, 25))
def test_recurrence_and_chains_match_the_reference(session_store, tmp_path_factory, seed,
                                                   persons):
    store = session_store
    store.clear()
    cases = generate(seed, persons)
    path = tmp_path_factory.mktemp("gen") / "cases.yaml"
    cases.write(path)
    ingest_file(store, path)

    ranked, answered = recurring_both(store)
    assert answered == [True]  # from the CaseTable, and the same without it
    got = {r.name: r.cases for r in ranked}
    assert got == reference_recurrence(cases)
    for entry in ranked:
        assert entry.cases == len(entry.persons) == len({p["uid"] for p in entry.persons})

    for pid, walk in cases.chains.items():
        chain = custody_chain(store, make_uid("person", pid))
        assert [s.place["name"] for s in chain.steps if s.place] == walk
        assert not chain.order_conflict
