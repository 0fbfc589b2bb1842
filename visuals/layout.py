"""A precomputed layout for large views, in plain Python, in time linear in the graph's size.

A force simulation of thousands of nodes is slow in a browser and needs numpy or scipy in
Python. The graphs drawn here have a simple shape: persons, events and sources hang off a
comparatively small number of places and organisations. So the layout places each
**hub** (a place or organisation) with its **leaves** (the other nodes, each attached to its
best-connected hub) in a disc around it, and packs the discs on a sunflower spiral, the
biggest in the middle. Nodes with no hub go on a spiral of their own outside.

>>> pos = hub_layout(["a", "b", "p"], [("p", "a"), ("p", "b")], {"a", "b"})
>>> sorted(pos)
['a', 'b', 'p']
"""

from __future__ import annotations

import math
from typing import Iterable

GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
#: distance between neighbouring leaves, in vis-network's canvas units
LEAF_SPACING = 38.0
#: distance kept free between two discs
GAP = 60.0


def _sunflower(count: int, spacing: float, start: float = 0.0) -> list[tuple[float, float]]:
    """``count`` points spread evenly over a disc, ``spacing`` apart, outside radius ``start``."""
    points = []
    for k in range(count):
        r = start + spacing * math.sqrt(k + 0.5) * 0.9
        a = k * GOLDEN_ANGLE
        points.append((r * math.cos(a), r * math.sin(a)))
    return points


def hub_layout(nodes: Iterable[str], edges: Iterable[tuple[str, str]],
               hubs: set[str]) -> dict[str, tuple[float, float]]:
    """Positions ``{node: (x, y)}`` for every node (see the module's notes)."""
    nodes = list(nodes)
    neighbours: dict[str, list[str]] = {n: [] for n in nodes}
    for a, b in edges:
        if a in neighbours and b in neighbours and a != b:
            neighbours[a].append(b)
            neighbours[b].append(a)
    degree = {n: len(v) for n, v in neighbours.items()}
    hubs = [n for n in nodes if n in hubs]
    anchor: dict[str, str] = {}
    for n in nodes:
        if n in neighbours and n not in hubs:
            near = [m for m in neighbours[n] if m in hubs]
            if near:
                anchor[n] = max(near, key=lambda m: (degree[m], m))
    # a leaf without a hub of its own joins the hub of a neighbour that has one
    for n in nodes:
        if n not in hubs and n not in anchor:
            near = [anchor[m] for m in neighbours[n] if m in anchor]
            if near:
                anchor[n] = min(near)
    leaves: dict[str, list[str]] = {h: [] for h in hubs}
    for n, h in anchor.items():
        leaves[h].append(n)
    radius = {h: 40.0 + LEAF_SPACING * math.sqrt(len(leaves[h]) + 1) for h in hubs}
    order = sorted(hubs, key=lambda h: (-len(leaves[h]), -degree[h], h))
    pos: dict[str, tuple[float, float]] = {}
    area = 0.0
    outer = 0.0
    for i, h in enumerate(order):
        area += (2 * radius[h] + GAP) ** 2
        r = 0.0 if i == 0 else math.sqrt(area / math.pi) * 1.1
        a = i * GOLDEN_ANGLE
        cx, cy = r * math.cos(a), r * math.sin(a)
        pos[h] = (cx, cy)
        outer = max(outer, r + radius[h])
        members = sorted(leaves[h], key=lambda n: (-degree[n], n))
        for n, (x, y) in zip(members, _sunflower(len(members), LEAF_SPACING, 45.0)):
            pos[n] = (cx + x, cy + y)
    rest = [n for n in nodes if n not in pos]
    for k, n in enumerate(rest):
        r = outer + GAP + LEAF_SPACING * math.sqrt(k + 1) * 1.5
        a = k * GOLDEN_ANGLE
        pos[n] = (r * math.cos(a), r * math.sin(a))
    return {n: (round(x, 1), round(y, 1)) for n, (x, y) in pos.items()}
