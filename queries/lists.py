"""Long lists of strings read back from a dialect's ``joined`` expression.

A statement returns ``joined(list)`` and ``size(list)``; ``strings`` gives the list back.
When a string itself holds the separator, the pieces do not come out as many as the size
says, and ``strings`` returns None: the caller then asks for the plain list. No string is
ever split in two or merged with its neighbour without that being seen.
"""

from __future__ import annotations

from typing import Any

from custodygraph.graph.falkor_dialect import JOIN_SEPARATOR as SEPARATOR


def strings(value: Any, size: int) -> list[str] | None:
    """The list behind ``value`` (a list, or a joined string of ``size`` pieces), or None.

    >>> strings("a\\nb", 2), strings(["a", "b"], 2), strings("", 0)
    (['a', 'b'], ['a', 'b'], [])
    >>> strings("a\\nb", 1) is None, strings("a", 0) is None
    (True, True)
    """
    if isinstance(value, list):
        return value
    pieces = value.split(SEPARATOR) if size else []
    if size == 0 and value:
        return None
    return pieces if len(pieces) == size else None
