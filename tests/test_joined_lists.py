"""Long lists read back as one joined string (queries.lists) give exactly the plain lists.

On FalkorDB, recurrence and the case lists ask for their long lists of uids and names as one
string each. A string holding the separator would split into too many pieces: then the
plain lists are read instead. Here both paths must agree, and a name holding the separator
must come back whole.
"""

from __future__ import annotations

import pytest

from conftest import EXAMPLE
from cypher_lint import NeoSpelling  # lists left as lists, as Neo4j returns them
from custodygraph.ingest import writer
from custodygraph.ingest.run import ingest_file
from custodygraph.queries import filters
from custodygraph.queries.filters import case_list
from custodygraph.queries import codetention, recurrence
from custodygraph.queries.codetention import codetained
from custodygraph.queries.lists import INNER, SEPARATOR, nested, strings
from custodygraph.queries.recurrence import recurring
from custodygraph.queries.responsibility import responsibility


@pytest.fixture
def example(store):
    ingest_file(store, EXAMPLE)
    return store


def test_recurrence_is_the_same_joined_and_plain(example, monkeypatch):
    joined = [r.as_dict() for r in recurring(example)]
    monkeypatch.setattr(example, "dialect", NeoSpelling(example.dialect))
    plain = [r.as_dict() for r in recurring(example)]
    assert joined == plain
    assert any(r["cases"] >= 2 for r in joined)  # lists of several persons were joined


def test_recurrence_is_the_same_from_derived_lists_and_from_events(example, monkeypatch):
    # a protected person and a group, whose case entries say more than uid and name
    example.write("MATCH (p:Person {uid: 'person:sd-2021-02-09-05'}) SET p.group_size = '12'")
    protected = example.read("MATCH (p:Person) WHERE p.custody_at <> [] "
                             "AND p.uid <> 'person:sd-2021-02-09-05' "
                             "RETURN p.uid AS uid, p.name AS name ORDER BY uid LIMIT 1")[0]
    example.write("MATCH (p:Person {uid: $uid}) SET p.protected = true",
                  {"uid": protected["uid"]})
    for confidential in (False, True):
        derived = [r.as_dict() for r in recurring(example, include_confidential=confidential)]
        with monkeypatch.context() as m:
            m.setattr(recurrence, "keeps_every_event", lambda filters: False)
            from_events = [r.as_dict() for r in recurring(example,
                                                          include_confidential=confidential)]
        assert derived == from_events
    cases = {c["uid"]: c for r in derived for c in r["persons"]}
    assert cases["person:sd-2021-02-09-05"]["group_size"] == "12"
    assert cases[protected["uid"]]["name"] == protected["name"]  # the last run shows names
    assert protected["name"] not in {c["name"] for r in recurring(example)
                                     for c in r.persons}
    assert any(r["roles"] == ["place", "responsible"] for r in derived)  # both lists merged


@pytest.mark.parametrize("uid", [f"person:odd{SEPARATOR}uid", "person:twice"])
def test_recurrence_lists_odd_derived_lists_whole_and_once(example, monkeypatch, uid):
    # a uid holding the separator (the joined lists do not split whole: the plain ones are
    # read), or a facility listed twice on one person
    place = example.read("MATCH (f:Facility) RETURN f.uid AS uid ORDER BY uid LIMIT 1")[0]
    example.write("CREATE (:Person {uid: $uid, name: 'Odd', custody_at: [$f, $f], "
                  "custody_by: []})", {"uid": uid, "f": place["uid"]})
    # as every write of custody lists does (writer.WRITE_CUSTODY): the CaseTable is not read
    example.write("MATCH (t:CaseTable) SET t.changed = 'by hand'")
    joined = [r.as_dict() for r in recurring(example)]
    entry = next(r for r in joined if r["uid"] == place["uid"])
    assert [c["uid"] for c in entry["persons"]].count(uid) == 1
    assert entry["cases"] == len(entry["persons"])
    # the table built again from these lists (with the separator in a uid it does not
    # split whole, and the lists are read again)
    assert writer.refresh_case_table(example)
    assert [r.as_dict() for r in recurring(example)] == joined
    monkeypatch.setattr(example, "dialect", NeoSpelling(example.dialect))
    assert [r.as_dict() for r in recurring(example)] == joined


ARRESTED = ("CREATE (p:Person {uid: $uid, name: $uid})-[:SUBJECT_OF]->"
            "(e:Event {uid: $uid + ':arrest', type: 'arrest', earliest: '2019-03-01', "
            "latest: '2019-03-31', confidence: 'high'}) "
            "WITH e MATCH (o:Organization {uid: $org}) CREATE (e)-[:BY]->(o)")


def test_responsibility_is_the_same_joined_and_plain_with_an_odd_uid(example, monkeypatch):
    org = responsibility(example)[0].uid
    for uid in ("person:second", "person:third"):  # lists of several persons to join
        example.write(ARRESTED, {"uid": uid, "org": org})
    before = [r.as_dict() for r in responsibility(example, include_confidential=True)]
    assert next(r for r in before if r["uid"] == org)["cases"] >= 3
    monkeypatch.setattr(example, "dialect", NeoSpelling(example.dialect))
    assert [r.as_dict() for r in responsibility(example, include_confidential=True)] == before
    monkeypatch.undo()
    # a person whose uid holds the separator: that list does not split whole, and every
    # list is read plain
    odd = f"person:odd{SEPARATOR}uid"
    example.write(ARRESTED, {"uid": odd, "org": org})
    entry = next(r for r in responsibility(example, include_confidential=True) if r.uid == org)
    assert entry.cases == next(r for r in before if r["uid"] == org)["cases"] + 1
    assert [p["uid"] for p in entry.roles["arrested"]].count(odd) == 1
    assert odd in {p["uid"] for period in entry.periods if period.period == "2019"
                   for p in period.persons}


def test_chain_summaries_are_the_same_joined_plain_and_row_by_row(example, monkeypatch):
    from custodygraph.queries.custody import Summary, summaries

    joined = list(summaries(example))
    assert len(joined) > 3 and any(len(s.stops) > 1 for s in joined)
    monkeypatch.setattr(example, "dialect", NeoSpelling(example.dialect))
    assert list(summaries(example)) == joined
    monkeypatch.undo()
    # a uid holding the separator: the lists do not split whole, and the rows are read
    odd = f"person:odd{SEPARATOR}uid"
    example.write("CREATE (:Person {uid: $uid, chain_status: 'released', "
                  "chain_start: ';2019-01-31', chain_stops: [';facility:x;y', "
                  "'2019-01-01;facility:z']})", {"uid": odd})
    found = list(summaries(example))
    assert Summary(odd, "released", (None, "2019-01-31"),
                   (("facility:x;y", None), ("facility:z", "2019-01-01"))) in found
    assert [s for s in found if s.person != odd] == joined
    some = [s.person for s in joined[:3]] + [odd]
    assert list(summaries(example, sorted(some))) == sorted(
        [s for s in found if s.person in some], key=lambda s: s.person)


@pytest.mark.parametrize("lists", [[], [[]], [["a"]], [[], ["a", "b"], []], [["a", ""]],
                                   [["", ""], ["c"]]])
def test_nested_gives_back_what_was_joined(lists):
    value = SEPARATOR.join(INNER.join(inner) for inner in lists)
    total, filled = sum(map(len, lists)), sum(1 for inner in lists if inner)
    assert nested(value, len(lists), total, filled) == lists


@pytest.mark.parametrize("lists", [[[""]], [[f"a{INNER}b"]], [[""], [f"a{INNER}b"]],
                                   [[f"a{SEPARATOR}b"]], [["a"], [SEPARATOR]]])
def test_nested_refuses_lists_that_would_not_split_whole(lists):
    value = SEPARATOR.join(INNER.join(inner) for inner in lists)
    total, filled = sum(map(len, lists)), sum(1 for inner in lists if inner)
    assert nested(value, len(lists), total, filled) is None


def test_a_name_holding_the_separator_comes_back_whole(example, monkeypatch):
    name = f"Line one{SEPARATOR}line two"
    example.write("CREATE (:Person {uid: 'person:two-lines', name: $name})", {"name": name})
    monkeypatch.setattr(filters, "SCAN_ABOVE", 0)  # read every person, as for big lists
    wanted = {"person:two-lines", "person:sd-2021-02-09-05"}
    found = case_list(example, wanted)
    assert found["person:two-lines"] == {"uid": "person:two-lines", "name": name}
    assert set(found) == wanted
    monkeypatch.setattr(example, "dialect", NeoSpelling(example.dialect))
    assert case_list(example, wanted) == found


@pytest.mark.parametrize("pieces", [[], [""], ["a"], ["a", ""], ["", "b", "c"],
                                    ["person:x", "person:y"]])
def test_strings_gives_back_what_was_joined(pieces):
    assert strings(SEPARATOR.join(pieces), len(pieces)) == pieces


@pytest.mark.parametrize("pieces", [[f"a{SEPARATOR}b"], ["a", f"{SEPARATOR}"],
                                    [SEPARATOR, SEPARATOR]])
def test_strings_refuses_pieces_holding_the_separator(pieces):
    assert strings(SEPARATOR.join(pieces), len(pieces)) is None


def _codetention(store, person="Muhannad al-Ahmad", confidential=False):
    return codetained(store, person, include_confidential=confidential).as_dict()


def test_codetention_is_the_same_joined_and_plain(example, monkeypatch):
    example.write("MATCH (p:Person {uid: 'person:sd-2021-02-09-05'}) SET p.group_size = '12'")
    for confidential in (False, True):
        joined = _codetention(example, confidential=confidential)
        with monkeypatch.context() as m:
            m.setattr(example, "dialect", NeoSpelling(example.dialect))
            assert _codetention(example, confidential=confidential) == joined
        assert joined["certain"] + joined["possible"]  # candidates were read joined


@pytest.mark.parametrize("odd", [f"event:a{INNER}b", f"event:a{SEPARATOR}b"])
def test_codetention_reads_plain_rows_when_a_list_would_not_split_whole(example, monkeypatch,
                                                                        odd):
    # a HELD_AT edge whose events hold a separator: its stays no longer decode, so that
    # person's stays are rebuilt from the chain, by either path
    before = _codetention(example)
    other = (before["certain"] + before["possible"])[0]["person"]["uid"]
    example.write("MATCH (:Person {uid: $uid})-[h:HELD_AT]->() SET h.events = h.events + [$odd]",
                  {"uid": other, "odd": odd})
    plain = []
    real = example.read

    def read(query, params=None):
        plain.append(query == codetention.CANDIDATES)
        return real(query, params)

    monkeypatch.setattr(example, "read", read)
    assert _codetention(example) == before
    assert any(plain)


def test_recurrence_looks_up_a_person_written_after_every_case_was_read(example, monkeypatch):
    whole = [r.as_dict() for r in recurring(example)]
    someone = whole[0]["persons"][0]["uid"]
    real = recurrence.every_case

    def read_before_someone_was_written(*args, **kwargs):
        cases = real(*args, **kwargs)
        del cases[someone]
        return cases

    monkeypatch.setattr(recurrence, "every_case", read_before_someone_was_written)
    assert [r.as_dict() for r in recurring(example)] == whole


@pytest.mark.parametrize("flag", [True, "yes", 1])
def test_any_protected_flag_but_false_redacts_in_long_lists(example, monkeypatch, flag):
    person = example.read("MATCH (p:Person) WHERE p.custody_at <> [] "
                          "RETURN p.uid AS uid, p.name AS name ORDER BY uid LIMIT 1")[0]
    example.write("MATCH (p:Person {uid: $uid}) SET p.protected = $flag",
                  {"uid": person["uid"], "flag": flag})
    monkeypatch.setattr(filters, "SCAN_ABOVE", 0)  # every case entry from the joined lists
    shown = {c["name"] for r in recurring(example) for c in r.persons}
    assert person["name"] not in shown
    assert case_list(example, {person["uid"]})[person["uid"]]["name"] != person["name"]
