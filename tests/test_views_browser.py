"""Every kind of view in real headless Chromium: drawn in full, offline, quiet, searchable,
filterable by kind, and inert to hostile data in names, notes and source titles."""

from __future__ import annotations

import json
import re

import pytest

from browser import browser_unavailable, hover_nodes, open_page

REASON = browser_unavailable()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

READY = "!!(window.custodygraph && window.custodygraph.ready)"
DRAWN = """(() => {
  const net = window.custodygraph.network;
  return {
    declared: window.custodygraph.nodes,
    drawn: net.body.nodeIndices.length,
    edges: net.body.edgeIndices.length,
    labels: net.body.nodeIndices.map(id => net.body.nodes[id].options.label),
    legend: Array.from(document.querySelectorAll('#legend label')).map(l => l.textContent),
    footer: document.querySelector('footer').textContent,
  };
})()"""


def wait_ready(page, timeout_ms: int = 10000) -> None:
    """Wait until the page says it is drawn. Polled from Python: Playwright's own
    wait_for_function evaluates strings in the page, which the pages' CSP forbids."""
    waited = 0
    while not page.evaluate(READY):
        if waited >= timeout_ms:
            raise AssertionError(f"the page was not drawn within {timeout_ms} ms")
        page.wait_for_timeout(50)
        waited += 50


def view_page(path, *, eval_js=None, interact=None, **options):
    """open_page, waiting for the drawing first."""
    def run(page):
        wait_ready(page)
        if interact is not None:
            interact(page)
    return open_page(path, eval_js=eval_js, interact=run, **options)


def page_data(path) -> dict:
    """The graph a page carries, read from its JSON block."""
    text = path.read_text(encoding="utf-8")
    block = re.search(r'<script type="application/json" id="graph-data">(.*?)</script>', text,
                      re.S).group(1)
    return json.loads(block)


def assert_clean(report) -> None:
    assert report.requests == []
    assert report.file_requests == []
    assert report.console_errors == []
    assert report.page_errors == []
    assert report.dialogs == []


# (command arguments, nodes expected in the example data)
VIEWS = {
    # the person, the place of arrest (unknown), Raid Branch 215, Sednaya, Tishreen, the
    # police (enlistment before custody), the one source, and Moath al-Smadi (held in
    # Sednaya at overlapping times)
    "person": (["Muhannad al-Ahmad"], 8),
    # Sednaya, the two persons held there, where they came from (Raid Branch 215, the
    # Political Security Branch in Daraa) and went next (Tishreen, Samad)
    "facility": (["--facility", "Sednaya"], 7),
    # five persons from Daraa Governorate with the places and organisations of their events
    "cases": (["--cases", "--region", "Daraa"], 28),
    # every person, place and organisation (events and sources are in the tooltips)
    "all": (["--all"], 38),
}


@pytest.mark.parametrize("kind", list(VIEWS))
def test_each_view_draws_every_node_offline(loaded, tmp_path, kind):
    args, expected = VIEWS[kind]
    out = tmp_path / f"{kind}.html"
    result = loaded("view", *args, "-o", out)
    assert result.output.strip() == f"wrote {out} (redacted)"
    report = view_page(out, eval_js=DRAWN)
    assert_clean(report)
    data = page_data(out)
    assert report.result["declared"] == report.result["drawn"] == len(data["nodes"]) == expected
    assert report.result["edges"] == len(data["edges"])
    assert report.result["footer"].startswith("Redacted:")
    # the legend names each kind once, with its count, and colours come from the schema
    kinds = {n["kind"] for n in data["nodes"]}
    assert len(report.result["legend"]) == len(kinds)
    assert sum(int(re.search(r"\((\d+)\)$", t).group(1)) for t in report.result["legend"]) \
        == expected
    manifest = json.loads((tmp_path / f"{kind}.html.manifest.json").read_text())
    assert manifest["redacted"] is True and manifest["counts"]["nodes"] == expected


def test_edges_carry_dates_and_tooltips_sources_and_confidence(loaded, tmp_path):
    out = tmp_path / "person.html"
    loaded("view", "Muhannad al-Ahmad", "-o", out)
    data = page_data(out)
    steps = [e for e in data["edges"] if e.get("label", "")[:1].isdigit()]
    assert [e["label"] for e in steps] == [
        "1. arrest\n2018-12-01 – 2018-12-31", "2. detention\n2018-12-01 – 2018-12-31",
        "3. transfer\n2018-12-01 – 2020-12-02", "4. body_delivery\n2020-12-02"]
    for edge in steps:
        assert "confidence: " in edge["title"] and "sources: Reconciliation" in edge["title"]
    together = [e for e in data["edges"] if e.get("label", "").startswith("possible:")]
    assert len(together) == 1 and "Moath Ata al-Smadi" not in together[0]["label"]
    assert "held at Sednaya Military Prison" in together[0]["title"]


def test_search_box_and_kind_filter(loaded, tmp_path):
    out = tmp_path / "all.html"
    loaded("view", "--all", "-o", out)

    def interact(page):
        page.fill("#search", "sednaya")
        page.evaluate("window.searchHits = window.custodygraph.found.slice()")
        page.fill("#search", "صيدنايا")  # the Arabic name finds the same node
        page.wait_for_timeout(100)
        page.evaluate("window.arabicHits = window.custodygraph.found.slice()")
        page.locator('#legend input[data-kind="Person"]').uncheck()

    report = view_page(out, interact=interact, eval_js="""(() => {
      const net = window.custodygraph.network;
      const data = window.custodygraph.data;
      const persons = data.getIds().filter(id => data.get(id).kind === 'Person');
      return {
        hits: window.searchHits, arabic: window.arabicHits,
        found: document.getElementById('found').textContent,
        hidden: window.custodygraph.hidden,
        personsHidden: persons.every(id => data.get(id).hidden === true
                                     && net.body.nodes[id].options.hidden === true),
        persons: persons.length,
      };
    })()""")
    assert_clean(report)
    r = report.result
    assert r["hits"] == ["gazetteer:sednaya"]
    assert r["arabic"] == ["gazetteer:sednaya"]
    assert r["found"] == "1 found"
    assert r["hidden"] == ["Person"]
    assert r["persons"] == 7 and r["personsHidden"]


def test_large_view_uses_a_precomputed_layout(loaded, tmp_path, monkeypatch):
    """Above the node limit, every node arrives with a position and nothing moves."""
    from custodygraph.visuals import network

    out = tmp_path / "all.html"
    loaded("view", "--all", "--limit", "30", "-o", out)
    data = page_data(out)
    assert len(data["nodes"]) == 30 and data["physics"] is True  # under the limits: physics
    monkeypatch.setattr(network, "PHYSICS_LIMIT", 10)
    loaded("view", "--all", "-o", out)
    data = page_data(out)
    assert len(data["edges"]) <= network.EDGE_LIMIT  # the nodes alone decide
    assert data["physics"] is False and all("x" in n and "y" in n for n in data["nodes"])
    report = view_page(out, eval_js=DRAWN)
    assert_clean(report)
    assert report.result["drawn"] == 38
    assert "Showing" not in report.result["footer"]


def dense_view(edges: int):
    """Twenty persons and ten prisons with ``edges`` edges between them, each person linked to
    each prison in turn (a few nodes with many events, as in a case set)."""
    from custodygraph.visuals import network

    b = network.Builder()
    persons = [b.node(f"person:{i}", f"Person {i}", "Person", f"Person {i}") for i in range(20)]
    prisons = [b.node(f"prison:{i}", f"Prison {i}", "Prison", f"Prison {i}") for i in range(10)]
    for k in range(edges):
        b.edge(persons[k % 20], prisons[k // 20 % 10], f"detention {k}", f"event {k}")
    return b.view("Dense", True, "dense")


POSITIONS = """(() => {
  const body = window.custodygraph.network.body;
  const positions = {};
  body.nodeIndices.forEach(id => { positions[id] = [body.nodes[id].x, body.nodes[id].y]; });
  return { drawn: body.nodeIndices.length, positions: positions };
})()"""


def test_few_nodes_with_many_edges_use_a_precomputed_layout(tmp_path):
    """The simulation's cost grows with the edges as well as the nodes: thirty nodes with more
    than EDGE_LIMIT edges arrive with positions and are drawn where they are; with EDGE_LIMIT
    edges the page still lays them out itself."""
    from custodygraph.visuals import network

    at_limit = network.write_html(dense_view(network.EDGE_LIMIT), tmp_path / "at-limit.html")
    data = page_data(at_limit)
    assert len(data["edges"]) == network.EDGE_LIMIT
    assert data["physics"] is True and not any("x" in n for n in data["nodes"])

    view = dense_view(network.EDGE_LIMIT + 1)
    assert len(view.nodes) == 30 < network.PHYSICS_LIMIT and network.needs_layout(view)
    out = network.write_html(view, tmp_path / "dense.html")
    data = page_data(out)
    assert len(data["edges"]) == network.EDGE_LIMIT + 1
    assert data["physics"] is False and all("x" in n and "y" in n for n in data["nodes"])
    report = view_page(out, eval_js=POSITIONS)
    assert_clean(report)
    assert report.result["drawn"] == 30
    # nothing moved: every node is where Python put it (vis-network keeps whole units)
    assert report.result["positions"] == {n["id"]: [int(n["x"]), int(n["y"])]
                                          for n in data["nodes"]}


@pytest.mark.parametrize("kind", list(VIEWS))
def test_small_views_keep_the_simulation(loaded, tmp_path, kind):
    """A person's chain, a facility, a case set and the example's whole graph (tens of nodes
    and edges) are laid out by the page's force simulation, which draws them better."""
    from custodygraph.visuals import network

    args, expected = VIEWS[kind]
    out = tmp_path / f"{kind}.html"
    loaded("view", *args, "-o", out)
    data = page_data(out)
    assert len(data["nodes"]) == expected and len(data["edges"]) <= network.EDGE_LIMIT
    assert data["physics"] is True and not any("x" in n or "y" in n for n in data["nodes"])


def test_size_cap_keeps_places_first_and_says_so(loaded, tmp_path):
    out = tmp_path / "capped.html"
    loaded("view", "--all", "--limit", "10", "-o", out)
    data = page_data(out)
    assert len(data["nodes"]) == 10
    assert not any(n["kind"] == "Person" for n in data["nodes"])
    text = out.read_text(encoding="utf-8")
    assert "Showing 10 of 38 persons, places and organisations" in text


XSS = "<img src=x onerror=alert(1)>"
XSS_CASES = f"""\
sources:
  - id: s1
    title: "<script>alert(2)</script> report"
    type: report
  - id: s2
    title: "<img src=y onerror=alert(5)> secret"
    type: testimony
    confidential: true
facilities:
  - id: f1
    name: "<svg onload=alert(3)>"
    name_ar: "<b onmouseover=alert(6)>سجن</b>"
    type: prison
  - id: f2
    name: "Next <iframe src=javascript:alert(7)>"
    type: court
cases:
  - person:
      id: X1
      name: "{XSS}"
      notes: "<script>alert(8)</script>"
    events:
      - event: detention
        date: 2019
        facility: f1
        sources: [s1, s2]
        confidence: low
        notes: "</script><script>alert(4)</script>"
      - event: transfer
        date: 2020
        facility: f2
        sources: [s1]
        confidence: low
  - person:
      id: X2
      name: "javascript:alert(9)"
    events:
      - event: detention
        date: 2019-06
        facility: f1
        sources: [s1]
        confidence: medium
"""


def hover_every_node(page):
    """Hover every node, then type markup into the search box."""
    hover_nodes(page, 120)
    page.fill("#search", "<")


@pytest.mark.parametrize("args", [["X1"], ["--facility", "<svg onload=alert(3)>"], ["--cases"], ["--all"]],
                         ids=["person", "facility", "cases", "all"])
def test_markup_in_data_runs_nothing_in_any_view(run, tmp_path, args):
    cases = tmp_path / "xss.yaml"
    cases.write_text(XSS_CASES, encoding="utf-8")
    run("ingest", cases, "--allow-new")  # the names are made up, markup included
    out = tmp_path / "xss.html"
    run("view", *args, "-o", out)
    text = out.read_text(encoding="utf-8")
    for raw in (XSS, "<script>alert", "<svg onload", "<iframe", "<b onmouseover"):
        assert raw not in text
    report = view_page(out, eval_js=DRAWN, interact=hover_every_node)
    assert_clean(report)
    assert report.result["declared"] == report.result["drawn"] > 0
    assert "<svg onload=alert(3)>" in report.result["labels"]
