"""A ``protected`` or ``confidential`` flag hides whatever its value, unless it is missing or
false (queries.redact.flagged): ingest writes booleans, but a flag set by hand in the store
as "yes", 1, 0 or "no" must not show a protected person's name anywhere, in long lists read
in bulk or in a single record."""

from __future__ import annotations

import json

import pytest

from conftest import EXAMPLE
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import filters
from custodygraph.queries.codetention import codetained
from custodygraph.queries.custody import custody_chain
from custodygraph.queries.filters import case_list, every_case
from custodygraph.queries.recurrence import recurring
from custodygraph.queries.redact import PROTECTED_PERSON
from custodygraph.queries.search import search
from custodygraph.visuals.graphdata import read_graph, redacted_graph

FLAGS = [True, "yes", 1, 0, "no", "false"]


@pytest.fixture
def example(store):
    ingest_file(store, EXAMPLE)
    return store


def someone_held_with_others(store) -> dict:
    """A person of the example with co-detainees and recurring places, not protected."""
    for row in store.read("MATCH (p:Person) WHERE p.custody_at <> [] AND p.protected = false "
                          "RETURN p.uid AS uid, p.name AS name ORDER BY uid"):
        found = codetained(store, row["uid"])
        if found.certain or found.possible:
            return row
    raise AssertionError("the example has no co-detained persons")


@pytest.mark.parametrize("flag", FLAGS)
def test_a_flag_of_any_value_but_false_hides_the_name(example, flag):
    person = someone_held_with_others(example)
    example.write("MATCH (p:Person {uid: $uid}) SET p.protected = $flag",
                  {"uid": person["uid"], "flag": flag})
    name, uid = person["name"], person["uid"]
    assert custody_chain(example, uid).person["name"] == PROTECTED_PERSON
    assert custody_chain(example, uid).person["protected"] is True
    assert every_case(example)[uid]["name"] == PROTECTED_PERSON
    assert case_list(example, {uid})[uid]["name"] == PROTECTED_PERSON
    listed = [c for r in recurring(example) for c in r.persons if c["uid"] == uid]
    assert listed and all(c["name"] == PROTECTED_PERSON for c in listed)
    assert all(hit.uid != uid for hit in search(example, name))
    # as a co-detainee of those held with them
    held_with = codetained(example, uid, include_confidential=True)
    other = (held_with.certain + held_with.possible)[0].person["uid"]
    shown = codetained(example, other)
    assert [c.person["name"] for c in shown.certain + shown.possible
            if c.person["uid"] == uid] == [PROTECTED_PERSON]
    graph = redacted_graph(example, read_graph(example))
    assert name not in json.dumps([n.props for n in graph.nodes.values()], ensure_ascii=False)
    # and every one of them shows the name when asked to
    assert every_case(example, True)[uid]["name"] == name
    assert custody_chain(example, uid, include_confidential=True).person["name"] == name


def test_false_and_missing_flags_hide_nothing(example):
    person = someone_held_with_others(example)
    for flag in (False, None):
        example.write("MATCH (p:Person {uid: $uid}) SET p.protected = $flag",
                      {"uid": person["uid"], "flag": flag})
        assert every_case(example)[person["uid"]]["name"] == person["name"]
        assert case_list(example, {person["uid"]})[person["uid"]]["name"] == person["name"]
        assert custody_chain(example, person["uid"]).person["name"] == person["name"]


def test_every_case_in_bulk_is_every_case_one_by_one(example, monkeypatch):
    # flags and group sizes of every kind on several persons: the bulk read (names and the
    # few marked persons apart) gives each the entry the row-by-row read gives
    uids = [r["uid"] for r in example.read("MATCH (p:Person) RETURN p.uid AS uid ORDER BY uid")]
    values = [(True, None), ("yes", "3"), (0, None), (False, "12"), (None, None), (1, "2")]
    for uid, (flag, size) in zip(uids, values):
        example.write("MATCH (p:Person {uid: $uid}) SET p.protected = $flag, p.group_size = $size",
                      {"uid": uid, "flag": flag, "size": size})
    for confidential in (False, True):
        bulk = every_case(example, confidential)
        monkeypatch.setattr(filters, "SCAN_ABOVE", len(uids) + 1)  # row by row
        assert case_list(example, set(uids), confidential) == bulk
        monkeypatch.undo()
        assert set(bulk) == set(uids)
    assert every_case(example)[uids[1]] == {"uid": uids[1], "name": PROTECTED_PERSON,
                                            "group_size": "3"}
