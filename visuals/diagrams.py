"""Static diagrams for reports: SVG, PNG and PDF, drawn with matplotlib.

- ``network_diagram``: any view of ``visuals.network`` (person, facility, case set, whole
  graph) as a picture, with the same colours and shapes;
- ``timeline_diagram``: a custody chain on a time axis, one row per step; what the dates
  allow is a faded bar from the earliest to the latest bound, what is certain (a day, or the
  span between two dated events at the same place) a solid bar, an open end an arrow;
  gaps with no record are shaded;
- ``flows_diagram``: moves between facilities (``queries.flows``), arrows as wide as the
  number of persons, facilities placed from the first stops (left) to the last (right);
- ``recurring_diagram``: facilities and organisations by number of cases
  (``queries.recurrence``).

Each has a title, the date it was made, a legend and a source line that also says whether
it is redacted. Arabic names are drawn in DejaVu Sans, which matplotlib ships and which has
Arabic letters. matplotlib 3.11 and later shape them and order right-to-left text through
libraqm; for older versions ``shape`` does it with arabic-reshaper and python-bidi.
matplotlib is the optional extra ``diagrams``, imported only here, when a diagram is drawn.
"""

from __future__ import annotations

import re
import textwrap
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Iterable

from custodygraph.errors import CustodyGraphError
from custodygraph.graph import schema

FORMATS = ("svg", "png", "pdf")
FONT = "DejaVu Sans"
_ARABIC = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
MARKERS = {"dot": "o", "ellipse": "o", "box": "s", "square": "s", "diamond": "D",
           "triangle": "^"}
#: the most nodes labelled in a network diagram; above it only places and organisations are
LABEL_LIMIT = 120


class DiagramUnavailable(CustodyGraphError):
    """matplotlib or the Arabic shaping packages are not installed."""


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg", force=True)
        import matplotlib.pyplot as plt
    except ImportError:
        raise DiagramUnavailable(
            "diagrams need matplotlib: pip install 'custodygraph[diagrams]'") from None
    plt.rcParams["font.family"] = FONT
    # text stays text in SVG: it can be searched, copied and read aloud, and the viewer
    # shapes Arabic itself
    plt.rcParams["svg.fonttype"] = "none"
    plt.rcParams["pdf.fonttype"] = 42
    return plt


def _native_layout() -> bool:
    """Whether matplotlib lays out complex scripts itself (libraqm, from matplotlib 3.11)."""
    from matplotlib import ft2font

    return hasattr(ft2font.FT2Font, "_layout")


def shape(text: str | None) -> str:
    """``text`` ready to draw. matplotlib 3.11 and later join Arabic letters and order
    right-to-left runs themselves, and must get the text as it is; older versions draw
    letters one by one, left to right, so the text is shaped (arabic-reshaper) and put in
    display order (python-bidi) for them.

    >>> shape("Sednaya")
    'Sednaya'
    """
    text = text or ""
    if not _ARABIC.search(text) or _native_layout():
        return text
    try:
        import arabic_reshaper
        from bidi import get_display
    except ImportError:
        raise DiagramUnavailable(
            "Arabic labels with matplotlib older than 3.11 need arabic-reshaper and "
            "python-bidi: pip install 'custodygraph[diagrams]'") from None
    return get_display(arabic_reshaper.reshape(text))


def _arabic_line(text: str | None) -> str:
    return "\n" + shape(text) if text else ""


def _wrap(text: str, width: int = 28) -> str:
    return "\n".join(shape(line) for line in textwrap.wrap(text or "", width) or [""])


def output_format(path: str | Path, fmt: str | None = None) -> str:
    fmt = (fmt or Path(path).suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise CustodyGraphError(f"cannot tell the diagram format from {str(path)!r}; name the "
                                f"file .svg, .png or .pdf, or give --format")
    return fmt


def redaction_line(redacted: bool) -> str:
    return ("Redacted: confidential sources and protected persons are hidden."
            if redacted else
            "NOT REDACTED: shows confidential sources and protected persons.")


def _frame(plt, title: str, source: str, redacted: bool, size=(11, 8.5), *,
           left: float = 0.05, bottom: float = 0.7, top: float = 0.8):
    """A figure with its title, date and source line; returns (figure, axes).

    ``bottom`` and ``top`` are the inches kept free below and above the axes.
    """
    from custodygraph import __version__

    fig = plt.figure(figsize=size)
    height = size[1]
    made = datetime.now(timezone.utc).strftime("%Y-%m-%d")
    fig.text(0.02, 1 - 0.3 / height, shape(title), fontsize=15, fontweight="bold",
             va="center")
    fig.text(0.02, 1 - 0.58 / height, f"Made {made} with custodygraph {__version__}",
             fontsize=9, color="#555555", va="center")
    foot = f"Source: {source}  —  {redaction_line(redacted)}"
    fig.text(0.02, 0.06 / height, _wrap(foot, 170), fontsize=7.5, color="#333333",
             va="bottom")
    low, high = bottom / height, 1 - top / height
    ax = fig.add_axes([left, low, 0.96 - left, high - low])
    return fig, ax


def _save(fig, plt, path: str | Path, fmt: str, title: str, redacted: bool) -> Path:
    from custodygraph import __version__

    path = Path(path)
    creator = f"custodygraph {__version__}"
    status = "redacted" if redacted else "NOT redacted"
    metadata = {
        "svg": {"Title": title, "Creator": creator, "Description": status},
        "pdf": {"Title": title, "Creator": creator, "Subject": status},
        "png": {"Title": title, "Software": creator, "Description": status},
    }[fmt]
    fig.savefig(path, format=fmt, dpi=150 if fmt == "png" else None, metadata=metadata)
    plt.close(fig)
    return path


def _legend_handles(items: Iterable[tuple[str, str, str]]):
    from matplotlib.lines import Line2D

    return [Line2D([], [], marker=MARKERS.get(shp, "o"), linestyle="", markersize=9,
                   markerfacecolor=color, markeredgecolor="#333333", label=shape(label))
            for label, color, shp in items]


# --- network --------------------------------------------------------------------------------
def _positions(view) -> dict[str, tuple[float, float]]:
    import networkx as nx

    from custodygraph.visuals.layout import hub_layout
    from custodygraph.visuals.network import is_hub

    ids = [n["id"] for n in view.nodes]
    pairs = [(e["from"], e["to"]) for e in view.edges]
    if len(ids) > 300:
        pos = hub_layout(ids, pairs, {n["id"] for n in view.nodes if is_hub(n.get("kind", ""))})
        return {k: (x, -y) for k, (x, y) in pos.items()}
    g = nx.Graph()
    g.add_nodes_from(ids)
    g.add_edges_from(pairs)
    alone = [n for n in ids if g.degree(n) == 0]
    g.remove_nodes_from(alone)
    pos: dict[str, tuple[float, float]] = {}
    if len(g):
        spread = nx.spring_layout(g, k=1.8 / max(len(g), 1) ** 0.5, iterations=300, seed=7)
        pos = {k: (float(v[0]), float(v[1])) for k, v in spread.items()}
    # nodes linked to nothing go in a row underneath, instead of stretching the picture
    low = min((y for _, y in pos.values()), default=0.0) - 0.35
    for i, n in enumerate(alone):
        pos[n] = (-1 + 2 * (i + 0.5) / len(alone), low)
    return pos


def network_diagram(view, path: str | Path, *, fmt: str | None = None,
                    source: str | None = None) -> Path:
    """A view (``visuals.network.View``) as a static picture."""
    from custodygraph.visuals.network import is_hub, kind_label

    fmt = output_format(path, fmt)
    plt = _pyplot()
    sources = sorted({n["label"] for n in view.nodes if n.get("kind") == "Source"})
    line = source or ("; ".join(sources) if sources else view.query)
    if view.note:
        line += f" ({view.note})"
    count = len(view.nodes)
    fig, ax = _frame(plt, view.title, line, view.redacted,
                     size=(11, 8.5) if count <= 30 else (16, 12))
    pos = _positions(view)
    for e in view.edges:
        if e["from"] not in pos or e["to"] not in pos:
            continue
        (x1, y1), (x2, y2) = pos[e["from"]], pos[e["to"]]
        dashed = bool(e.get("dashes"))
        ax.annotate("", xy=(x2, y2), xytext=(x1, y1), zorder=1,
                    arrowprops=dict(arrowstyle="-|>" if e.get("arrows", "to") else "-",
                                    color=e.get("color", "#888888"),
                                    lw=min(float(e.get("width", 1)), 6) * 0.8,
                                    linestyle="--" if dashed else "-", shrinkA=9, shrinkB=9,
                                    mutation_scale=10))
        if e.get("label") and len(view.edges) <= 30:
            ax.text((x1 + x2) / 2, (y1 + y2) / 2, shape(e["label"]), fontsize=6.5,
                    ha="center", va="center", color="#444444", zorder=3,
                    bbox=dict(boxstyle="round,pad=0.15", fc="white", ec="none", alpha=0.8))
    kinds: dict[str, tuple[str, str, str]] = {}
    for n in view.nodes:
        x, y = pos[n["id"]]
        size = float(n.get("size") or 20)
        ax.scatter([x], [y], s=(size * (2.4 if count < 80 else 0.8)) ** 1.35,
                   c=n.get("color", "#999999"), marker=MARKERS.get(n.get("shape", "dot"), "o"),
                   edgecolors="#333333", linewidths=0.6, zorder=2)
        kinds.setdefault(n["kind"], (kind_label(n["kind"]), n.get("color", "#999999"),
                                     n.get("shape", "dot")))
        if count <= LABEL_LIMIT or is_hub(n.get("kind", "")):
            ax.text(x, y - 0.045 * (1 if count < 80 else 0.5),
                    _wrap(n["label"], 26) + _arabic_line(n.get("name_ar")),
                    fontsize=8 if count < 40 else 6, ha="center", va="top", zorder=4)
    ax.set_axis_off()
    ax.margins(0.12)
    ax.legend(handles=_legend_handles(kinds.values()), loc="upper right", fontsize=8,
              frameon=True, title="Kinds", title_fontsize=8)
    return _save(fig, plt, path, fmt, view.title, view.redacted)


# --- timeline -------------------------------------------------------------------------------
def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def timeline_diagram(chain, path: str | Path, *, fmt: str | None = None,
                     redacted: bool = True) -> Path:
    """A custody chain (``queries.custody.Chain``) on a time axis (see the module's notes)."""
    import matplotlib.dates as mdates
    from matplotlib.patches import Patch

    fmt = output_format(path, fmt)
    plt = _pyplot()
    steps = chain.steps
    person = chain.person
    sources = {s["uid"]: s for st in steps for s in st.sources}
    source = "; ".join(s["title"] + (f" ({s['publisher']})" if s.get("publisher") else "")
                       for s in sources.values()) or "no source recorded"
    title = f"Custody timeline: {person['name']}"
    height = max(4.5, 2.4 + 0.75 * max(len(steps), 1))
    fig, ax = _frame(plt, title, source, redacted, size=(11, height), left=0.3, bottom=1.3,
                     top=1.0)
    days = [d for st in steps for e in st.events for d in (_day(e["earliest"]),
                                                           _day(e["latest"])) if d]
    if not days:
        ax.text(0.5, 0.5, "No dated step.", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, plt, path, fmt, title, redacted)
    start, end = min(days), max(days)
    pad = max(timedelta(days=30), (end - start) / 12)
    lo, hi = start - pad, end + pad
    labels = []
    for row, step in enumerate(steps):
        y = len(steps) - 1 - row
        place = step.place["name"] if step.place else "place unknown"
        kind = schema.FACILITY_KINDS.get((step.place or {}).get("kind") or "", "Location")
        color = schema.style([kind])["color"] if step.place else "#999999"
        labels.append(_wrap(f"{row + 1}. {place} ({', '.join(step.event_types)})", 40))
        for e in step.events:
            a, b = _day(e["earliest"]), _day(e["latest"])
            if a is None and b is None:
                ax.text(mdates.date2num(lo), y, "  undated", va="center", fontsize=8,
                        color="#666666")
                continue
            a = a or lo
            right = (b or hi) + timedelta(days=1)
            ax.barh(y, mdates.date2num(right) - mdates.date2num(a), left=mdates.date2num(a),
                    height=0.5, color=color, alpha=0.28, edgecolor=color, linewidth=0.6)
            if b is None:
                ax.annotate("", xy=(mdates.date2num(hi), y), xytext=(mdates.date2num(end), y),
                            arrowprops=dict(arrowstyle="->", color=color, lw=1.5))
            elif e["earliest"] == e["latest"]:
                ax.plot([mdates.date2num(a)], [y], marker="o", color=color, markersize=7)
        dated = [e for e in step.events if e["earliest"] or e["latest"]]
        if len(dated) >= 2 and dated[0]["latest"] and dated[-1]["earliest"] \
                and dated[0]["latest"] <= dated[-1]["earliest"]:
            a, b = _day(dated[0]["latest"]), _day(dated[-1]["earliest"])
            ax.barh(y, mdates.date2num(b) - mdates.date2num(a) + 1, left=mdates.date2num(a),
                    height=0.5, color=color, alpha=0.95)
    for gap in chain.gaps:
        if gap.start and gap.end:
            ax.axvspan(mdates.date2num(_day(gap.start)), mdates.date2num(_day(gap.end)),
                       color="#e74c3c", alpha=0.07, hatch="//", zorder=0)
            ax.text(mdates.date2num(_day(gap.start)), len(steps) - 0.45,
                    f"no record: {gap.days} days", fontsize=7, color="#c0392b")
    ax.set_yticks(range(len(steps)))
    ax.set_yticklabels(list(reversed(labels)), fontsize=8)
    ax.set_ylim(-0.8, len(steps) - 0.2)
    ax.set_xlim(mdates.date2num(lo), mdates.date2num(hi))
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.grid(axis="x", color="#dddddd")
    fig.text(0.3, 1 - 0.82 / height, shape(f"Status: {chain.status}"), fontsize=9,
             va="center")
    handles = [Patch(facecolor="#777777", alpha=0.28, label="possible dates (earliest to latest)"),
               Patch(facecolor="#777777", alpha=0.95, label="certain span between dated events"),
               plt.Line2D([], [], marker="o", color="#777777", linestyle="",
                          label="dated to the day"),
               plt.Line2D([], [], marker=">", color="#777777", label="open end"),
               Patch(facecolor="#e74c3c", alpha=0.15, hatch="//", label="gap with no record")]
    fig.legend(handles=handles, loc="lower left", bbox_to_anchor=(0.3, 0.35 / height), ncol=3,
               fontsize=7.5, frameon=False)
    return _save(fig, plt, path, fmt, title, redacted)


# --- flows ----------------------------------------------------------------------------------
def flows_diagram(flows, path: str | Path, *, fmt: str | None = None, redacted: bool = True,
                  source: str = "", arabic: dict[str, str] | None = None) -> Path:
    """Moves between facilities (``queries.flows.Flows``); ``arabic`` maps uids to Arabic
    names drawn under the names."""
    from matplotlib.patches import FancyArrowPatch

    from custodygraph.visuals.network import kind_label

    fmt = output_format(path, fmt)
    plt = _pyplot()
    title = "Transfers between facilities"
    fig, ax = _frame(plt, title, source or "custody chains in the graph", redacted)
    stops = {s.facility["uid"]: s for s in flows.stops}
    places: dict[str, dict[str, Any]] = {}
    for f in flows.flows:
        for place in (f.origin, f.destination):
            places[place["uid"]] = dict(place, name_ar=(arabic or {}).get(place["uid"]))
    if not places:
        ax.text(0.5, 0.5, "No moves between facilities.", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, plt, path, fmt, title, redacted)
    weight = {"first": 0.0, "only": 1.0, "intermediate": 1.0, "final": 2.0}

    def score(uid: str) -> float:
        s = stops.get(uid)
        if not s:
            return 1.0
        total = sum(len(s.roles[r]) for r in weight) or 1
        return sum(weight[r] * len(s.roles[r]) for r in weight) / total

    columns: dict[float, list[str]] = {}
    for uid in places:
        columns.setdefault(round(score(uid) * 2) / 2, []).append(uid)
    pos = {}
    for x, members in columns.items():
        members.sort(key=lambda u: places[u]["name"])
        for i, uid in enumerate(members):
            pos[uid] = (x, (len(members) - 1) / 2 - i)
    most = max(f.cases for f in flows.flows)
    for f in flows.flows:
        a, b = pos[f.origin["uid"]], pos[f.destination["uid"]]
        width = 2 + 8 * f.cases / max(most, 4)
        head = f"-|>,head_length={0.5 + 0.12 * width:.2f},head_width={0.3 + 0.1 * width:.2f}"
        ax.add_patch(FancyArrowPatch(a, b, connectionstyle="arc3,rad=0.18", arrowstyle=head,
                                     mutation_scale=18, lw=width, color="#5d6d7e", alpha=0.6,
                                     shrinkA=22, shrinkB=22, zorder=1))
        mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + 0.12
        text = f"{f.cases} case{'s' if f.cases != 1 else ''}"
        if f.median_days is not None:
            text += f", median {f.median_days:.0f} days"
        ax.text(mx, my, text, fontsize=8, ha="center", color="#333333", zorder=3,
                bbox=dict(boxstyle="round,pad=0.2", fc="white", ec="none", alpha=0.85))
    kinds = {}
    for uid, (x, y) in pos.items():
        place = places[uid]
        label = schema.FACILITY_KINDS.get(place.get("kind") or "", "Location")
        style = schema.style([label])
        cases = stops[uid].cases if uid in stops else 1
        ax.scatter([x], [y], s=220 + 60 * cases, c=style["color"],
                   marker=MARKERS.get(style["shape"], "o"), edgecolors="#333333", zorder=2)
        ax.text(x, y - 0.2, _wrap(place["name"], 24) + _arabic_line(place.get("name_ar"))
                + f"\n({cases} person{'s' if cases != 1 else ''})", fontsize=8,
                ha="center", va="top", zorder=4)
        kinds.setdefault(label, (kind_label(label), style["color"], style["shape"]))
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.5, max(xs) + 0.5)
    ax.set_ylim(min(ys) - 0.8, max(ys) + 0.6)
    ax.set_axis_off()
    handles = _legend_handles(kinds.values())
    handles.append(plt.Line2D([], [], color="#5d6d7e", lw=5, alpha=0.55,
                              label="move; width: number of persons"))
    ax.legend(handles=handles, loc="upper right", fontsize=8, title="Left: first stops; "
              "right: last stops", title_fontsize=8)
    return _save(fig, plt, path, fmt, title, redacted)


# --- recurring ------------------------------------------------------------------------------
def recurring_diagram(entries, path: str | Path, *, fmt: str | None = None,
                      redacted: bool = True, source: str = "", top: int = 25,
                      arabic: dict[str, str] | None = None) -> Path:
    """Facilities and organisations by number of cases (``queries.recurrence.Recurring``);
    ``arabic`` maps uids to Arabic names drawn under the names."""
    arabic = arabic or {}
    from custodygraph.visuals.network import kind_label

    fmt = output_format(path, fmt)
    plt = _pyplot()
    entries = list(entries)[:top]
    title = "Facilities and organisations by number of cases"
    fig, ax = _frame(plt, title, source or "custody events in the graph", redacted,
                     size=(11, max(4.5, 2.4 + 0.42 * len(entries))), left=0.38, bottom=1.0)
    if not entries:
        ax.text(0.5, 0.5, "Nothing recurs with these filters.", ha="center",
                transform=ax.transAxes)
        ax.set_axis_off()
        return _save(fig, plt, path, fmt, title, redacted)
    kinds = {}
    names, values, colors = [], [], []
    for r in reversed(entries):
        label = schema.FACILITY_KINDS.get(r.kind or "") or schema.ORGANIZATION_KINDS.get(
            r.kind or "", "Organization")
        style = schema.style([label])
        kinds.setdefault(label, (kind_label(label), style["color"], "box"))
        names.append(_wrap(f"{r.name} ({', '.join(r.roles)})", 48)
                     + _arabic_line(arabic.get(r.uid)))
        values.append(r.cases)
        colors.append(style["color"])
    bars = ax.barh(range(len(values)), values, color=colors, edgecolor="#333333", lw=0.5)
    for bar, value in zip(bars, values):
        ax.text(bar.get_width() + 0.05, bar.get_y() + bar.get_height() / 2, str(value),
                va="center", fontsize=8)
    ax.set_yticks(range(len(values)))
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("cases (distinct persons)")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_xlim(0, max(values) * 1.15 + 0.5)
    ax.grid(axis="x", color="#eeeeee")
    ax.legend(handles=_legend_handles(kinds.values()), loc="lower right", fontsize=8,
              title="Kinds", title_fontsize=8)
    return _save(fig, plt, path, fmt, title, redacted)


__all__ = ["network_diagram", "timeline_diagram", "flows_diagram", "recurring_diagram",
           "shape", "output_format", "FORMATS", "DiagramUnavailable"]
