"""Answers as plain data: ``as_plain`` must give exactly what ``dataclasses.asdict`` gives."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMPLE
from custodygraph.output import to_json
from custodygraph.ingest.run import ingest_file
from custodygraph.queries.codetention import codetained
from custodygraph.queries.custody import custody_chain
from custodygraph.queries.flows import flows
from custodygraph.queries.plain import as_plain
from custodygraph.queries.recurrence import recurring
from custodygraph.queries.responsibility import responsibility
from custodygraph.queries.search import search
from custodygraph.queries.stats import statistics


@dataclass
class Inner:
    name: str
    pair: tuple
    extra: dict = field(default_factory=dict)


@dataclass
class Outer:
    items: list
    inner: Inner | None
    table: dict


atoms = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                  st.text(max_size=5))
values = st.recursive(atoms, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=3), inner, max_size=4),
    st.tuples(inner, inner), st.sets(st.integers(), max_size=3),
    st.builds(Inner, st.text(max_size=3), st.tuples(inner), st.dictionaries(
        st.text(max_size=3), inner, max_size=2))), max_leaves=20)


@given(st.builds(Outer, st.lists(values, max_size=4), st.none() | st.builds(
    Inner, st.text(max_size=3), st.tuples(values, values)),
    st.dictionaries(st.text(max_size=3), values, max_size=4)))
def test_as_plain_is_asdict(value):
    plain = as_plain(value)
    assert plain == asdict(value)
    assert repr(plain) == repr(asdict(value))  # the same types, tuples kept as tuples
    # a new container everywhere: changing the answer never changes what it came from
    plain["items"].append("added")
    plain["table"]["added"] = 1
    assert "added" not in value.items and "added" not in value.table


@pytest.fixture(scope="module")
def example(session_store):
    session_store.clear()
    ingest_file(session_store, EXAMPLE)
    return session_store


def test_every_answer_converts_as_asdict_would(example):
    person = example.read("MATCH (p:Person) RETURN p.uid AS uid ORDER BY uid LIMIT 1")[0]["uid"]
    answers = [statistics(example), flows(example), custody_chain(example, person),
               codetained(example, person), *recurring(example), *responsibility(example),
               *search(example, "Sednaya")]
    for answer in answers:
        assert repr(answer.as_dict()) == repr(asdict(answer))


def test_every_answer_is_written_as_json_as_its_plain_data(example):
    # the CLI hands some answers to output.to_json as they are (orjson writes dataclasses
    # itself): the text must be that of their as_dict(), and json.dumps must agree
    person = example.read("MATCH (p:Person) RETURN p.uid AS uid ORDER BY uid LIMIT 1")[0]["uid"]
    answers = [statistics(example), flows(example), custody_chain(example, person),
               codetained(example, person), recurring(example), responsibility(example),
               search(example, "Sednaya")]
    for answer in answers:
        plain = ([a.as_dict() for a in answer] if isinstance(answer, list)
                 else answer.as_dict())
        assert to_json(answer) == to_json(plain) == json.dumps(plain, ensure_ascii=False,
                                                                indent=2)


def test_the_collector_is_paused_while_an_answer_is_built_and_then_resumed():
    import gc

    from custodygraph.queries.plain import collector_paused

    seen = []

    @collector_paused
    def build(fail=False):
        seen.append(gc.isenabled())
        if fail:
            raise ValueError("refused")
        return "answer"

    assert gc.isenabled()
    assert build() == "answer" and seen == [False] and gc.isenabled()
    with pytest.raises(ValueError):
        build(fail=True)
    assert seen == [False, False] and gc.isenabled()
    gc.disable()  # paused by the caller already: left paused
    try:
        assert build() == "answer" and not gc.isenabled()
    finally:
        gc.enable()
    assert build.__name__ == "build"
