"""Turning query results into text: tables for people, JSON for scripts."""

from __future__ import annotations

import json
from typing import Any, Sequence


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table with aligned columns.

    >>> print(table(["a", "bb"], [[1, "x"]]))
    a  bb
    -  --
    1  x
    """
    cells = [[("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cells]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
             "  ".join("-" * w for w in widths).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    return "\n".join(lines)


def dates(earliest: str | None, latest: str | None) -> str:
    if earliest and earliest == latest:
        return earliest
    if not earliest and not latest:
        return "undated"
    return f"{earliest or '..'}/{latest or '..'}"
