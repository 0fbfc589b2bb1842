"""The CaseTable recurrence reads when nothing narrows it: every ingest leaves it holding
exactly the persons' custody lists, a table marked by a write of those lists is not read,
a table read before another write is not stored, and views and exports leave it out."""

from __future__ import annotations

from graphdump import dump
from rankings import recurring_both
from test_derived_queries import (awkward_rows, ingest_awkward, persons_of,
                                  same_as_a_fresh_ingest, write)
from custodygraph.ingest import writer
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import recurrence
from custodygraph.queries.filters import Filters
from custodygraph.visuals.graphdata import read_graph

LISTS = """
MATCH (p:Person) WHERE p.custody_at IS NOT NULL
RETURN p.uid AS uid, p.custody_at AS at, p.custody_by AS by
"""
TABLE = "MATCH (t:CaseTable) RETURN t.uid AS uid, t.changed AS changed"


def table_as_read(store) -> dict[str, dict[str, list[str]]]:
    """Role -> entry -> its persons' uids, as recurrence reads them from the table."""
    (row,) = store.read(recurrence.CASE_TABLE)
    lists = recurrence.read_table(row)
    assert lists is not None
    return {role: {uid: [lists.everyone[i] for i in persons.tolist()]
                   for uid, persons in found.items()}
            for role, found in lists.roles.items()}


def table_of_the_lists(store) -> dict[str, dict[str, list[str]]]:
    """The same, from every person's ``custody_at`` and ``custody_by``."""
    out: dict[str, dict[str, set[str]]] = {"place": {}, "responsible": {}}
    for row in store.read(LISTS):
        for role, entries in (("place", row["at"]), ("responsible", row["by"] or [])):
            for entry in entries:
                out[role].setdefault(entry, set()).add(row["uid"])
    return {role: {entry: sorted(persons) for entry, persons in found.items()}
            for role, found in out.items()}


def test_every_ingest_leaves_a_table_of_exactly_the_lists(store, tmp_path):
    rows = awkward_rows(21, 90)
    path = tmp_path / "cases.csv"
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    assert store.read(TABLE) == [{"uid": "cases", "changed": None}]
    want = table_of_the_lists(store)
    assert want["place"] and want["responsible"] and table_as_read(store) == want

    # an edited file: events move to other facilities, or lose theirs
    edited = [r[:7] + (["Qadmus Field Court", "court"] if i % 2 else ["", ""]) + r[9:]
              if i % 5 == 0 else r for i, r in enumerate(rows)]
    write(path, edited)
    ingest_file(store, path, allow_new=True)
    assert store.read(TABLE) == [{"uid": "cases", "changed": None}]
    assert table_as_read(store) == table_of_the_lists(store) != want
    found = {}
    for filters in (None, Filters(kind="prison"), Filters(outcome="died"),
                    Filters(kind="security_branch", outcome="in_custody")):
        ranked, answered = recurring_both(store, filters=filters, include_confidential=True)
        assert answered == [True]
        found[filters] = len(ranked)
    assert all(found.values()), found
    # the same graph, table and all, as an ingest of the edited file alone
    assert same_as_a_fresh_ingest(store, path)


def test_a_mark_left_by_a_killed_run_is_read_around_then_built_again(store, tmp_path):
    path = ingest_awkward(store, tmp_path, 22, 60)
    built = table_as_read(store)
    before = [r.as_dict() for r in recurrence.recurring(store)]
    # as a run killed after writing custody lists and before the table was built leaves it:
    # the mark, and a table that no longer says who is behind each entry
    store.write("MATCH (t:CaseTable) SET t.changed = 'killed', t.places = [], "
                "t.place_sizes = [], t.place_members = ''")
    ranked, answered = recurring_both(store)
    assert answered == []  # the marked table is not read: the lists are
    assert [r.as_dict() for r in ranked] == before
    # the next run writes nothing, and builds the table again
    summary = ingest_file(store, path, allow_new=True)
    assert summary.run is None
    assert store.read(TABLE) == [{"uid": "cases", "changed": None}]
    assert table_as_read(store) == built


def test_a_store_without_a_table_reads_the_lists_until_the_next_ingest(store, tmp_path):
    # as a store written before the table was kept
    path = ingest_awkward(store, tmp_path, 23, 40)
    before = dump(store)
    store.write("MATCH (t:CaseTable) DELETE t")
    ranked, answered = recurring_both(store)
    assert answered == [] and ranked
    assert ingest_file(store, path, allow_new=True).run is None
    assert dump(store) == before


def test_a_table_read_before_another_write_is_not_stored(store, tmp_path):
    ingest_awkward(store, tmp_path, 24, 20)
    before = dump(store)
    store.write("MATCH (t:CaseTable) SET t.changed = 'second'")
    # a build that read the lists under the mark 'first' must not store what it read
    stale = recurrence.case_table(recurrence.indexed({"place": [], "responsible": []}))
    written = store.write(writer.WRITE_CASE_TABLE, {"changed": "first", **stale})
    assert (written.properties_set, written.nodes_created) == (0, 0)
    # nor one that found no table, now that a write has made one
    written = store.write(writer.FIRST_CASE_TABLE, stale)
    assert (written.properties_set, written.nodes_created) == (0, 0)
    assert store.read(TABLE) == [{"uid": "cases", "changed": "second"}]
    assert writer.refresh_case_table(store)
    assert not writer.refresh_case_table(store)  # current: nothing to do
    assert dump(store) == before


def test_every_write_of_custody_lists_marks_the_table(store, tmp_path):
    ingest_awkward(store, tmp_path, 25, 20)
    person = persons_of(store)[0]
    writer.rebuild_derived(store, [person])
    (mark,) = store.read(TABLE)
    assert mark["changed"] is not None
    writer.rebuild_derived(store, [person])
    assert store.read(TABLE)[0]["changed"] not in (None, mark["changed"])  # a token of its own


def test_uids_holding_the_separator_are_never_cut_from_the_table():
    lists = recurrence.indexed({"place": [("f:a", ["p:1", "p:\n2"])], "responsible": []})
    table = recurrence.case_table(lists)
    assert recurrence.read_table(table) is None
    # members out of order, repeated or out of range are never read as a list of cases
    good = recurrence.case_table(recurrence.indexed({"place": [("f:a", ["p:1", "p:2"])],
                                                     "responsible": [("o:a", ["p:2"])]}))
    assert recurrence.read_table(good).roles["responsible"]["o:a"].tolist() == [1]
    for members in ("0100000000000000", "0000000000000000", "0000000002000000", "00000000"):
        assert recurrence.read_table({**good, "place_members": members}) is None
    assert recurrence.read_table({**good, "place_sizes": [1, 1]}) is None


def test_views_and_exports_leave_the_table_out(store, tmp_path):
    ingest_awkward(store, tmp_path, 26, 10)
    assert store.read(TABLE)
    graph = read_graph(store)
    assert not any("CaseTable" in node.labels for node in graph.nodes.values())
    assert not any(node.uid == "cases" for node in graph.nodes.values())
