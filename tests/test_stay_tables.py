"""The StayTables co-detention ranks from: every ingest leaves them current, they hold
exactly the keyed HELD_AT edges, a facility with a mark of a write is not read from its
table, and a table read before another write is not stored."""

from __future__ import annotations

from unittest import mock

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from graphdump import dump
from rankings import ranked_both
from test_derived_queries import (awkward_rows, ingest_awkward, persons_of,
                                  same_as_a_fresh_ingest, write)
from custodygraph.ingest import writer
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import codetention
from custodygraph.queries.custody import outlines
from custodygraph.visuals.graphdata import read_graph

EDGES = """
MATCH (f:Facility)<-[h:HELD_AT]-(p:Person)
RETURN f.uid AS facility, p.uid AS person, h.stay_key AS key, h.stay_days AS days
"""
TABLE_ROWS = "MATCH (s:StayTable) WHERE s.chunks IS NOT NULL RETURN s.facility AS facility"
MARKS = "MATCH (f:Facility) WHERE f.stays_changed IS NOT NULL RETURN f.uid AS uid"
PARTS = """
MATCH (s:StayTable {facility: $f}) WHERE s.chunks IS NULL
RETURN s.uid AS uid, s.build AS build, s.edges AS edges, s.persons AS persons,
       s.counts AS counts, s.days AS days ORDER BY uid
"""


def tables_as_read(store) -> dict[str, list[tuple[str, list[int]]]]:
    """Each facility's tables as the ranking reads them, every part of them: (person, days
    of its stays) per edge, in the order of the persons' uids."""
    facilities = sorted(r["facility"] for r in store.read(TABLE_ROWS))
    directory = store.read(codetention.TABLES,
                           {"tables": [[f, codetention.table_uid(f)] for f in facilities]})
    out: dict[str, list] = {}
    for entry in directory:
        assert entry["changed"] is None and entry["build"], entry["facility"]
        out[entry["facility"]] = []
        parts = store.read(PARTS, {"f": entry["facility"]})
        assert sorted(codetention.table_uid(entry["facility"], c) for c in entry["chunks"]) \
            == [part["uid"] for part in parts]
        for part in parts:
            assert part["build"] == entry["build"]
            table = codetention._read_table([part])
            assert table is not None, part["uid"]
            days: dict[int, list[int]] = {e: [] for e in range(table.size)}
            for edge, four in zip(table.owner.tolist(), table.days.tolist()):
                days[edge] += four
            persons = [k.decode() for k in table.keys(np.arange(table.size))]
            out[entry["facility"]] += zip(persons, days.values())
        out[entry["facility"]].sort()
    return out


def tables_of_the_edges(store) -> dict[str, list[tuple[str, list[int]]]]:
    """The same, from the HELD_AT edges: every edge with a key the stays could be placed
    by, in the order of the persons' uids."""
    out: dict[str, list] = {}
    for r in store.read(EDGES):
        if r["key"] is None or r["key"] == codetention._key(r["facility"], codetention.UNKEYED, 0):
            continue
        out.setdefault(r["facility"], []).append((r["person"], list(r["days"])))
    return {f: sorted(edges) for f, edges in out.items()}


def test_every_ingest_leaves_tables_of_exactly_the_edges(store, tmp_path):
    rows = awkward_rows(11, 90)
    path = tmp_path / "cases.csv"
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    assert store.read(MARKS) == []
    want = tables_of_the_edges(store)
    assert want and tables_as_read(store) == want

    # an edited file: events move to other facilities, or lose theirs
    edited = [r[:7] + (["Qadmus Field Court", "court"] if i % 2 else ["", ""]) + r[9:]
              if i % 5 == 0 else r for i, r in enumerate(rows)]
    write(path, edited)
    ingest_file(store, path, allow_new=True)
    assert store.read(MARKS) == []
    assert tables_as_read(store) == tables_of_the_edges(store) != want
    for uid in persons_of(store):
        mine = codetention.stays(next(outlines(store, [uid])).steps)
        whole = codetention.codetained(store, uid, include_confidential=True)
        head = ranked_both(store, uid, mine, 3)
        assert (head.certain, head.possible) == (whole.certain[:3], whole.possible[:3])
        assert (head.certain_total, head.possible_total) == \
            (len(whole.certain), len(whole.possible))
    # the same graph, tables and all, as an ingest of the edited file alone
    assert same_as_a_fresh_ingest(store, path)


def test_a_mark_left_by_a_killed_run_is_read_around_then_built_again(store, tmp_path):
    path = ingest_awkward(store, tmp_path, 12, 60)
    built = tables_as_read(store)
    facility = sorted(built)[0]
    # as a run killed after its HELD_AT writes and before the tables were built leaves it:
    # the mark, and a table that no longer says who was held there
    store.write("MATCH (f:Facility {uid: $f}) SET f.stays_changed = 'killed'", {"f": facility})
    store.write("MATCH (s:StayTable {facility: $f}) WHERE s.chunks IS NULL "
                "SET s.persons = '', s.edges = 0, s.counts = '', s.days = ''", {"f": facility})
    person = next(p for p, _ in built[facility])
    mine = codetention.stays(next(outlines(store, [person])).steps)
    answered = []
    real = codetention.table_ranking
    with mock.patch.object(codetention, "table_ranking",
                           lambda *a: answered.append(real(*a)) or answered[-1]):
        head = codetention.ranked(store, person, mine, 5, True)
    assert answered == [None]  # the marked table is not read: the store ranks
    whole = codetention.codetained(store, person, include_confidential=True)
    assert head is not None and head.certain == whole.certain[:5]
    assert head.possible == whole.possible[:5]
    # the next run writes nothing, and builds the table again
    summary = ingest_file(store, path, allow_new=True)
    assert summary.run is None
    assert store.read(MARKS) == [] and tables_as_read(store) == built


def test_a_table_read_before_another_write_is_not_stored(store, tmp_path):
    ingest_awkward(store, tmp_path, 13, 20)
    before = dump(store)
    facility = sorted(tables_as_read(store))[0]
    store.write("MATCH (f:Facility {uid: $f}) SET f.stays_changed = 'second'", {"f": facility})
    # a build that read the edges under the mark 'first' must not store what it read
    written = store.write(writer.WRITE_TABLES, {
        "facility": facility, "changed": "first",
        "tables": codetention.stay_tables(facility, [], 0)})
    assert (written.properties_set, written.nodes_created) == (0, 0)
    assert store.read(MARKS) == [{"uid": facility}]
    assert writer.refresh_stay_tables(store) == 1
    assert store.read(MARKS) == [] and dump(store) == before


def test_views_and_exports_leave_the_tables_and_marks_out(store, tmp_path):
    ingest_awkward(store, tmp_path, 14, 10)
    store.write("MATCH (f:Facility) SET f.stays_changed = 'pending'")
    graph = read_graph(store)
    assert store.read(TABLE_ROWS)
    assert not any("StayTable" in node.labels for node in graph.nodes.values())
    assert not any("stays_changed" in node.props for node in graph.nodes.values())
    assert any("Facility" in node.labels for node in graph.nodes.values())


def test_uids_are_cut_from_the_table_the_same_in_any_script():
    uids = ["person:a", "person:شخص", "person:b-2", ""]
    for persons in (uids[:1] + uids[2:], uids):  # ASCII only, then not
        table = codetention.stay_table(persons, [[0, 1, -1, -1]] * len(persons))
        row = dict(table)
        read = codetention._read_table([row])
        assert [k.decode() for k in read.keys(np.arange(len(persons)))] == persons
        assert [k.decode() for k in read.keys(np.array([len(persons) - 1, 0]))] == \
            [persons[-1], persons[0]]
        # a uid holding the separator makes more pieces than edges: the table is not read
        assert codetention._read_table([{**row, "edges": len(persons) - 1,
                                         "counts": table["counts"][8:],
                                         "days": table["days"][32:]}]) is None
    # parts read together are one table, their uids in the order of the parts
    first, second = (codetention.stay_table(p, [[0, 1, -1, -1], [2, 3, -1, -1]][:len(p)])
                     for p in (["person:a", "person:b"], ["person:c"]))
    empty = codetention.stay_table([], [])
    read = codetention._read_table([first, empty, second])
    assert read.keys(np.arange(3)).tolist() == [b"person:a", b"person:b", b"person:c"]
    assert read.owner.tolist() == [0, 1, 2] and read.days.tolist()[2] == [0, 1, -1, -1]


def test_a_person_who_leaves_a_facility_leaves_its_table(store, tmp_path):
    """Nothing else is written at the facility: the removal of the edge alone marks it."""
    def row(person, i, facility, kind, location=""):
        return [f"LV-{person}-{i}", f"Leaving Person {person}", f"LV-{person}", "detention",
                "2017-03", "", str(i), facility, kind, "", "", location, "Awkward source",
                "report", "high"]

    rows = [row(p, 1, "Qadmus Transit Prison", "prison") for p in range(4)]
    rows.append(row(0, 2, "Qadmus Field Court", "court"))
    path = tmp_path / "cases.csv"
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    prison = "facility:qadmus-transit-prison"
    assert [p for p, _ in tables_as_read(store)[prison]] == [
        "person:lv-0", "person:lv-1", "person:lv-2", "person:lv-3"]
    rows[0] = row(0, 1, "", "", "Qadmus Upper Quarter")
    write(path, rows)
    ingest_file(store, path, allow_new=True)
    assert store.read(MARKS) == []
    assert [p for p, _ in tables_as_read(store)[prison]] == [
        "person:lv-1", "person:lv-2", "person:lv-3"]
    assert tables_as_read(store) == tables_of_the_edges(store)
    whole = codetention.codetained(store, "person:lv-1", include_confidential=True)
    head = codetention.codetained(store, "person:lv-1", include_confidential=True, limit=5)
    assert head == whole and whole.possible_total + whole.certain_total == 2


def test_parts_of_another_build_than_their_list_are_not_read(store, tmp_path):
    """As when the tables were built again between the reading of the list and the parts."""
    ingest_awkward(store, tmp_path, 15, 30)
    person, mine = next((p, m) for p in persons_of(store)
                        for m in [codetention.stays(next(outlines(store, [p])).steps)]
                        if any(codetention._dated(s) for s in m))
    assert ranked_both(store, person, mine, 3).possible_total  # the tables answer
    store.write("MATCH (s:StayTable) WHERE s.chunks IS NULL SET s.build = 'another'")
    with mock.patch.object(codetention, "_store_ranking", lambda *a: None):
        assert codetention.ranked(store, person, mine, 3, True) is None


def test_persons_are_told_apart_even_when_their_hashes_are_not():
    keys = np.array([b"person:b", b"person:a", b"person:b", b"person:c", b"person:a"])
    for hashed in (codetention._hashed, lambda k: np.zeros(k.size, dtype=np.uint64)):
        with mock.patch.object(codetention, "_hashed", hashed):
            codes, first = codetention._numbered(keys)
        assert [keys[first][c] for c in codes] == keys.tolist()
        assert len(set(codes.tolist())) == 3


uid_text = st.text(st.characters(blacklist_characters="\n\0", blacklist_categories=("Cs",)),
                   max_size=12)


@given(uids=st.lists(uid_text, max_size=30), data=st.data())
def test_any_uids_are_cut_out_whole_for_any_edges(uids, data):
    read = codetention._read_table([codetention.stay_table(uids, [[0, 1, -1, -1]] * len(uids))])
    assert read is not None
    edges = data.draw(st.lists(st.integers(0, max(len(uids) - 1, 0)),
                               max_size=40 if uids else 0))
    keys = read.keys(np.array(edges, dtype=np.intp))
    assert keys.tolist() == [uids[e].encode("utf-8") for e in edges]


@given(keys=st.lists(st.sampled_from([b"p:a", b"p:b", b"p:ab", b"p:abc", b"", b"q"]),
                     max_size=40),
       buckets=st.sampled_from([1, 2, 3, 2 ** 64 - 1]))
def test_numbers_are_equal_exactly_for_equal_keys(keys, buckets):
    """Whatever the hashes collide on (few buckets: many different keys share a hash)."""
    keys = np.array(keys, dtype="S5") if keys else np.zeros(0, dtype="S1")
    real = codetention._hashed
    with mock.patch.object(codetention, "_hashed",
                           lambda k: real(k) % np.uint64(buckets)):
        codes, first = codetention._numbered(keys)
    assert codes.tolist() == [codes[i] for i in range(keys.size)]
    for i in range(keys.size):
        assert keys[first[codes[i]]] == keys[i]
        for j in range(keys.size):
            assert (codes[i] == codes[j]) == (keys[i] == keys[j])
    assert len(first) == len(set(keys.tolist()))
