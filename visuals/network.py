"""Interactive network views: pyvis builds the graph, our own template renders it offline.

Nodes carry their schema kind in ``kind``, not in vis-network's ``group``: pyvis drops a
node's colour whenever a group is given.

pyvis's stock template loads vis-network, bootstrap and tom-select from CDNs and writes the
heading unescaped, so pages are rendered from ``template.html`` instead: the vis-network
script that ships inside the pyvis package is inlined, the graph travels as JSON inside a
``<script type="application/json">`` block with ``<``, ``>`` and ``&`` escaped, and every
string from the data is shown as text (tooltips are built with ``textContent``).
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import resources
from pathlib import Path
from typing import Any

from custodygraph.graph import schema
from custodygraph.queries.custody import Chain

_MARKER = re.compile(r"\{\{(?:TITLE|FOOTER|REDACTED|VIS_JS|DATA)\}\}")

#: above this many nodes the layout is not animated (physics off after a short stabilisation)
PHYSICS_LIMIT = 500


@dataclass
class View:
    """A graph ready to draw: vis-network node and edge dicts plus what the page says."""

    title: str
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    redacted: bool = True
    query: str = ""


def _dates(earliest: str | None, latest: str | None) -> str:
    if earliest and latest and earliest == latest:
        return earliest
    if earliest or latest:
        return f"{earliest or '…'} – {latest or 'open'}"
    return "undated"


def _source_line(sources: list[dict[str, Any]]) -> str:
    return "; ".join(s["title"] + (f" ({s['publisher']})" if s.get("publisher") else "")
                     for s in sources) or "no source"


def person_view(chain: Chain, *, include_confidential: bool = False) -> View:
    """The person, the places of their chain in order, who was responsible, and the sources."""
    from pyvis.network import Network

    net = Network(directed=True)
    person = chain.person
    net.add_node(person["uid"], label=person["name"], kind="Person",
                 title=f"{person['name']}\nstatus: {chain.status}", **schema.style(["Person"]),
                 size=30)
    previous = person["uid"]
    for number, step in enumerate(chain.steps, start=1):
        kinds = ", ".join(step.event_types)
        when = _dates(step.earliest, step.latest)
        if step.place:
            place_id = step.place["uid"]
            label = schema.FACILITY_KINDS.get(step.place.get("kind") or "", "Location")
            if place_id not in net.get_nodes():
                net.add_node(place_id, label=step.place["name"], kind=label,
                             title=f"{step.place['name']}\n{step.place.get('kind') or 'location'}",
                             **schema.style([label]))
        else:
            place_id = f"unknown-place-{number}"
            net.add_node(place_id, label=f"place unknown ({kinds})", kind="Unknown place",
                         title="The sources do not say where this happened",
                         color="#d5d8dc", shape="dot")
        net.add_edge(previous, place_id, label=f"{number}. {kinds}\n{when}",
                     title=(f"step {number}: {kinds}\n{when}\nconfidence: {step.confidence}\n"
                            f"sources: {_source_line(step.sources)}"),
                     arrows="to")
        for org in step.organizations:
            if org["uid"] not in net.get_nodes():
                net.add_node(org["uid"], label=org["name"], kind="Organization",
                             title=org["name"], **schema.style(["Organization"]))
            net.add_edge(org["uid"], place_id, label="responsible", dashes=True, arrows="to",
                         title=f"{org['name']} — step {number}: {kinds}")
        for src in step.sources:
            if src["uid"] not in net.get_nodes():
                net.add_node(src["uid"], label=src["title"], kind="Source",
                             title=_source_line([src]) + (f"\n{src['date']}" if src.get("date")
                                                          else ""),
                             **schema.style(["Source"]), size=10)
            net.add_edge(place_id, src["uid"], dashes=True, color="#bbbbbb",
                         title=f"step {number} is reported by this source")
        previous = place_id
    return View(
        title=f"Custody chain: {person['name']}",
        nodes=net.nodes,
        edges=net.edges,
        redacted=not include_confidential,
        query=f"custody_chain({person['uid']!r})",
    )


def _script_json(data: Any) -> str:
    """JSON that cannot close the <script> element it sits in."""
    text = json.dumps(data, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _legend(nodes: list[dict[str, Any]]) -> list[dict[str, str]]:
    seen: dict[str, dict[str, str]] = {}
    for node in nodes:
        kind = node.get("kind", "")
        if kind not in seen:
            seen[kind] = {"label": kind, "color": node.get("color", "#999"),
                          "shape": node.get("shape", "dot")}
    return list(seen.values())


def render_html(view: View) -> str:
    """The whole page as one self-contained string."""
    from custodygraph import __version__

    template = resources.files("custodygraph.visuals").joinpath("template.html").read_text(
        encoding="utf-8")
    vis_js = resources.files("pyvis").joinpath("lib/vis-9.1.2/vis-network.min.js").read_text(
        encoding="utf-8")
    data = {
        "nodes": view.nodes,
        "edges": view.edges,
        "legend": _legend(view.nodes),
        "physics": len(view.nodes) <= PHYSICS_LIMIT,
    }
    footer = (
        "Redacted: confidential sources and protected persons are hidden."
        if view.redacted else
        "NOT REDACTED: this page shows confidential sources and protected persons."
    )
    generated = datetime.now(timezone.utc).isoformat(timespec="seconds")
    replacements = {
        "{{TITLE}}": html.escape(view.title),
        "{{FOOTER}}": html.escape(f"{footer} Generated {generated} by custodygraph "
                                  f"{__version__} from {view.query}."),
        "{{REDACTED}}": "true" if view.redacted else "false",
        # vis-network must not end the inline <script> early; it contains no "</script"
        "{{VIS_JS}}": vis_js.replace("</script", "<\\/script"),
        "{{DATA}}": _script_json(data),
    }
    # one pass, so text inserted for one marker is never searched for another
    return _MARKER.sub(lambda m: replacements[m.group(0)], template)


def write_html(view: View, path: str | Path) -> Path:
    path = Path(path)
    path.write_text(render_html(view), encoding="utf-8")
    return path


__all__ = ["View", "person_view", "render_html", "write_html"]
