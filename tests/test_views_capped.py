"""The whole-graph view is capped in the store, not in Python.

It draws the same nodes, labels and tooltips as reading the whole graph and capping it did,
reads only what it draws, sends statements Neo4j's front end accepts, and its page writes
every edge label and tooltip exactly as Python does (``network.events_label`` and
``network.edge_text``).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from casegen import generate_custody
from conftest import EXAMPLE
from custodygraph.ingest.run import ingest_file
from custodygraph.visuals import network
from custodygraph.visuals.graphdata import (Redactor, names_pattern, read_for_view,
                                            read_view_capped)
from custodygraph.visuals.outputs import build_view


@pytest.fixture
def mixed(store, tmp_path):
    """The example cases (places within places, organisations within organisations, a
    protected person, confidential sources, dates in words, notes) and 120 generated
    custody cases."""
    ingest_file(store, EXAMPLE)
    cases = generate_custody(5, 120)
    path = tmp_path / "generated.yaml"
    cases.write(path)
    ingest_file(store, path, allow_new=True)
    return store


def reference(store, limit: int) -> network.View:
    """The whole graph read and redacted, then capped by entity_view: the way it was done."""
    graph = Redactor(store).graph(read_for_view(store))
    return network.entity_view(graph, "Whole graph", "whole graph", limit=limit)


def drawn(view: network.View, sizes: bool) -> tuple[dict, set]:
    nodes = {n["id"]: {k: v for k, v in n.items()
                       if k not in ("x", "y") and (sizes or k != "size")}
             for n in view.nodes}
    edges = {(e["from"], e["to"], e.get("label", ""), network.edge_text(view, e),
              repr(sorted((k, v) for k, v in e.items()
                          if k not in ("from", "to", "label", "title", "events"))))
             for e in view.edges}
    return nodes, edges


def hub_count(store) -> int:
    """Places and organisations (a security branch is both a facility and an organisation)."""
    return store.read("MATCH (n) WHERE n:Facility OR n:Organization OR n:Location "
                      "RETURN count(n) AS n")[0]["n"]


def test_the_store_chooses_what_python_chose(mixed):
    hubs = hub_count(mixed)
    everything = len(reference(mixed, 100_000).nodes)
    assert everything > hubs + 100
    for limit in (7, hubs - 1, hubs, hubs + 1, hubs + 25, hubs + 90, everything, 100_000):
        expected = reference(mixed, limit)
        view, query, _ = build_view(mixed, "all", limit=limit)
        assert query == {"function": "whole graph", "limit": limit}
        # hubs are sized by the links drawn: the same as before unless persons were left out
        whole = limit >= everything
        assert drawn(view, sizes=whole) == drawn(expected, sizes=whole), limit
        assert view.note == expected.note
        assert ("Showing" in view.note) == (limit < everything)
        assert len(view.nodes) == min(limit, everything)
        if limit <= hubs:
            assert not any(n["kind"] == "Person" for n in view.nodes)


class Counting:
    """A store that counts the rows each statement returns."""

    def __init__(self, inner):
        self.inner = inner
        self.backend, self.dialect = inner.backend, inner.dialect
        self.rows: list[tuple[str, int]] = []

    def read(self, query, params=None):
        rows = self.inner.read(query, params)
        self.rows.append((query, len(rows)))
        return rows


def test_only_what_is_drawn_is_read(store, tmp_path):
    cases = generate_custody(11, 600)
    path = tmp_path / "cases.yaml"
    cases.write(path)
    ingest_file(store, path, allow_new=True)
    events = store.read("MATCH (e:Event) RETURN count(e) AS n")[0]["n"]
    hubs = hub_count(store)
    counting = Counting(store)
    graph, total = read_view_capped(counting, hubs + 20)
    persons = [n for n in graph.nodes.values() if "Person" in n.labels]
    assert len(persons) == 20 and total == hubs + 600
    read = sum(n for _, n in counting.rows)
    # the 20 persons with their events and sources, the places and organisations, and the
    # ranking of persons (20 rows): nowhere near the store's events
    per_person = max(len(c["events"]) for c in cases.cases)
    assert read <= hubs * 2 + 20 * (2 + 3 * per_person) + 10
    assert read < events / 4
    assert max(n for _, n in counting.rows) <= max(hubs, 20 * per_person)


def test_hidden_persons_stay_hidden_when_the_store_chooses(loaded, tmp_path):
    """Whichever persons a smaller cap leaves in, the protected one is never shown."""
    from test_views_redaction import readable, secrets

    for limit in range(30, 39):
        out = tmp_path / f"all-{limit}.html"
        loaded("view", "--all", "--limit", str(limit), "-o", out)
        text = readable(out)
        assert [s for s in secrets() if s.casefold() in text] == [], limit
    page = (tmp_path / "all-38.html").read_text(encoding="utf-8")
    assert "[protected person]" in page and "[confidential source]" in page


def test_the_page_is_compact(loaded, tmp_path):
    """Colours and shapes come from the legend, events and sources are written once."""
    out = tmp_path / "all.html"
    loaded("view", "--all", "-o", out)
    from test_views_browser import page_data

    data = page_data(out)
    assert not any("color" in n for n in data["nodes"] if n["kind"] == "Person")
    arrays = [e for e in data["edges"] if isinstance(e, list)]
    assert arrays and all(isinstance(i, int) for e in arrays for i in e)
    assert {i for e in arrays for i in e[3:]} == set(range(len(data["events"])))
    assert {i for ev in data["events"] for i in ev[4]} == set(range(len(data["sources"])))
    assert all(isinstance(ev[0], int) and ev[0] < len(data["words"]) for ev in data["events"])


# --- Neo4j's front end ---------------------------------------------------------------------
@pytest.mark.node
def test_view_statements_lint_clean_for_neo4j(mixed):
    from cypher_lint import NeoSpelling, lint, lint_available

    reason = lint_available()
    if reason:
        pytest.skip(reason)

    recording = Counting(mixed)
    recording.dialect = NeoSpelling(mixed.dialect)  # record what Neo4j would be sent
    hubs = hub_count(mixed)
    for limit in (5, hubs + 10, 100_000):
        build_view(recording, "all", limit=limit)
    build_view(recording, "person", "Muhannad al-Ahmad")
    build_view(recording, "facility", "Sednaya")
    build_view(recording, "cases")
    statements = list(dict.fromkeys(q for q, _ in recording.rows))
    assert any("ORDER BY degree DESC" in s for s in statements)
    errors = [(r["statement"], r["errors"]) for r in lint(statements) if r["errors"]]
    assert errors == []


# --- the trie of protected names -----------------------------------------------------------
LETTERS = st.sampled_from(list("abAB -'") + ["\u0633", "\u0645", "\u064a", "\u00e9", "\u00c9"])


@settings(max_examples=300, deadline=None)
@given(names=st.lists(st.text(LETTERS, min_size=1, max_size=7), min_size=1, max_size=8),
       text=st.text(st.sampled_from(list("abAB xy-'") + ["\u0633", "\u064a", "\u00e9"]),
                    max_size=40))
def test_names_pattern_matches_as_one_alternative_per_name(names, text):
    """The tree pattern replaces exactly what an alternation of the names, longest first,
    replaces."""
    longest_first = sorted(set(names), key=len, reverse=True)
    plain = re.compile("|".join(re.escape(n) for n in longest_first), re.IGNORECASE)
    assert names_pattern(names).sub("#", text) == plain.sub("#", text)


def test_names_pattern_edge_cases():
    assert names_pattern([]).sub("#", "anything") == "anything"
    deep = ["a" * k for k in range(3, 1500)]  # too deep for a tree: one alternative each
    plain = re.compile("|".join(re.escape(n) for n in reversed(deep)))
    text = "b" + "a" * 1600 + "b"
    assert names_pattern(deep).sub("#", text) == plain.sub("#", text) == "b##b"


# --- the page writes what Python writes ----------------------------------------------------
PAGE_EDGES = """(() => window.custodygraph.network.body.data.edges.get().map(e => [
  e.from, e.to, e.label || '',
  e.title === undefined ? '' : (typeof e.title === 'string' ? e.title : e.title.textContent)]))()"""


@pytest.mark.browser
@pytest.mark.parametrize("persons", [20, 120, 600])
def test_page_labels_and_tooltips_are_pythons(run, store, tmp_path, persons):
    from browser import browser_unavailable
    from test_views_browser import assert_clean, page_data, view_page

    reason = browser_unavailable()
    if reason:
        pytest.skip(reason)
    ingest_file(store, EXAMPLE)
    cases = generate_custody(5, persons)
    cases.write(tmp_path / "generated.yaml")
    ingest_file(store, tmp_path / "generated.yaml", allow_new=True)
    out = tmp_path / "all.html"
    run("view", "--all", "-o", out)
    view, _, _ = build_view(store, "all")
    # 20 persons: laid out by the page's simulation; 120: positions computed in Python for
    # the edges (under the node limit); 600: for the nodes
    assert (len(view.nodes) > network.PHYSICS_LIMIT) == (persons > 500)
    assert (len(view.edges) > network.EDGE_LIMIT) == (persons > 20)
    assert network.needs_layout(view) == (persons > 20)
    assert page_data(out)["physics"] is (persons == 20)
    report = view_page(out, eval_js=PAGE_EDGES, timeout_ms=30000)
    assert_clean(report)
    expected = sorted([e["from"], e["to"], e.get("label", ""), network.edge_text(view, e)]
                      for e in view.edges)
    assert sorted(report.result) == expected
    assert any("confidence" in text and "sources: " in text for *_, text in expected)
    assert any("\u201c" in text for *_, text in expected)  # a date in the source's words


def test_the_person_view_draws_the_first_co_detainees_and_says_how_many_there_are(store,
                                                                                 tmp_path):
    from custodygraph.queries.codetention import FIRST, codetained

    lines = ["person_id,person,event,date,end_date,facility,facility_type,source,source_type,"
             "confidence"]
    for n in range(FIRST + 5):
        lines.append(f"H-{n},Held Person {n},detention,2017-03-{1 + n % 28:02d},2017-06-30,"
                     "Qadmus Transit Prison,prison,Qadmus report,report,high")
    path = tmp_path / "held.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ingest_file(store, path, allow_new=True)
    view, query, _ = build_view(store, "person", "H-0")
    people = {n["id"] for n in view.nodes if n["kind"] == "Person"}
    first = codetained(store, "H-0", limit=FIRST)
    assert (first.certain_total, first.possible_total, len(first.possible)) == \
        (0, FIRST + 4, FIRST)
    assert people == {"person:h-0"} | {c.person["uid"] for c in first.possible}
    assert view.note == (f"Co-detainees drawn: the first {FIRST} of {FIRST + 4} possible, by "
                         "days together; `custodygraph codetained --all` lists every one.")
    everyone, _, _ = build_view(store, "person", "H-0", codetained=False)
    assert everyone.note == ""
