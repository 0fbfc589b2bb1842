"""The person view in real headless Chromium: drawn, offline, quiet, and inert to hostile data."""

from __future__ import annotations

import html

import pytest

from browser import browser_unavailable, hover_nodes, open_page
from test_views_browser import view_page

REASON = browser_unavailable()
pytestmark = [pytest.mark.browser, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

READY = "window.custodygraph && window.custodygraph.ready"
DRAWN = """(() => {
  const net = window.custodygraph.network;
  return {
    declared: window.custodygraph.nodes,
    drawn: net.body.nodeIndices.length,
    labels: net.body.nodeIndices.map(id => net.body.nodes[id].options.label),
    edges: net.body.edgeIndices.map(id => net.body.edges[id].options.label || ''),
    heading: document.querySelector('h1').textContent,
    footer: document.querySelector('footer').textContent,
  };
})()"""


def test_person_view_draws_the_chain_offline(loaded, tmp_path):
    out = tmp_path / "muhannad.html"
    loaded("view", "Muhannad al-Ahmad", "-o", out)
    report = view_page(out, eval_js=DRAWN)
    assert report.requests == []
    assert report.file_requests == []
    assert report.console_errors == []
    assert report.page_errors == []
    assert report.dialogs == []
    result = report.result
    # person, unknown place of arrest, three facilities, one source, the police (enlistment
    # before custody) and Moath al-Smadi (held in Sednaya at overlapping times)
    assert result["declared"] == result["drawn"] == 8
    for name in ("Muhannad al-Ahmad", "Raid Branch 215", "Sednaya Military Prison",
                 "Tishreen Military Hospital"):
        assert name in result["labels"]
    steps = [label.split("\n")[0] for label in result["edges"] if label[:1].isdigit()]
    assert steps == ["1. arrest", "2. detention", "3. transfer", "4. body_delivery"]
    assert result["heading"] == "Custody chain: Muhannad al-Ahmad"
    assert result["footer"].startswith("Redacted:")


XSS = "<img src=x onerror=alert(1)>"
XSS_CASES = f"""\
sources:
  - id: s1
    title: "<script>alert(2)</script> report"
    type: report
facilities:
  - id: f1
    name: "<svg onload=alert(3)>"
    type: prison
cases:
  - person:
      id: X1
      name: "{XSS}"
    events:
      - event: detention
        date: 2019
        facility: f1
        sources: [s1]
        confidence: low
        notes: "</script><script>alert(4)</script>"
"""


def test_markup_in_names_shows_as_text_and_runs_nothing(run, tmp_path):
    cases = tmp_path / "xss.yaml"
    cases.write_text(XSS_CASES, encoding="utf-8")
    run("ingest", cases, "--allow-new")  # the names are made up, markup included
    out = tmp_path / "xss.html"
    run("view", "X1", "-o", out)
    text = out.read_text(encoding="utf-8")
    assert XSS not in text and "<script>alert" not in text
    report = view_page(out, eval_js=DRAWN, interact=hover_every_node)
    assert report.dialogs == []
    assert report.page_errors == []
    assert report.requests == []
    assert report.result["heading"] == f"Custody chain: {XSS}"
    assert XSS in report.result["labels"]
    assert "<svg onload=alert(3)>" in report.result["labels"]
    assert html.escape(XSS) in text


def hover_every_node(page):
    """Hover every node; vis-network shows the tooltips in one element."""
    hover_nodes(page, 250)
    assert page.locator(".vis-tooltip").count() == 1
