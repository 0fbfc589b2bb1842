"""Long lists of strings read back from a dialect's ``joined`` expression.

A statement returns ``joined(list)`` and ``size(list)``; ``strings`` gives the list back.
When a string itself holds the separator, the pieces do not come out as many as the size
says, and ``strings`` returns None: the caller then asks for the plain list. No string is
ever split in two or merged with its neighbour without that being seen.

A list of lists comes back the same way (``nested``): each inner list joined with the inner
separator, those joined into one string; the statement also returns the number of inner
lists, the number of strings in them all and the number of non-empty inner lists.
"""

from __future__ import annotations

from typing import Any

from custodygraph.graph.store import Store

from custodygraph.graph.falkor_dialect import INNER_SEPARATOR as INNER
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


def nested(value: Any, size: int, total: int, filled: int) -> list[list[str]] | None:
    """The ``size`` lists behind ``value``, or None unless they come out holding ``total``
    strings in all, ``filled`` of the lists not empty.

    A string holding a separator makes more pieces than ``total``; the only join that makes
    fewer is that of one empty string, which looks like an empty list and changes ``filled``.

    >>> nested("a\\tb\\n\\nc", 3, 3, 2), nested([["a"], []], 2, 1, 1)
    ([['a', 'b'], [], ['c']], [['a'], []])
    >>> nested("a\\tb\\n", 2, 1, 1) is None, nested("\\nc", 2, 2, 2) is None
    (True, True)
    """
    outer = strings(value, size)
    if outer is None:
        return None
    lists = [item if isinstance(item, list) else item.split(INNER) if item else []
             for item in outer]
    if sum(map(len, lists)) != total or sum(1 for item in lists if item) != filled:
        return None
    return lists


def read_joined(store: Store, query: str, params: dict[str, Any] | None = None
                ) -> list[dict[str, Any]]:
    """The rows of ``query``, whose ``persons`` column is written ``{persons}`` over a list
    ``members`` and whose ``size`` column is ``size(members)``: asked for joined, and given
    back with ``persons`` as a list. When one list does not split whole, every list is
    asked for again as a plain list."""
    rows = store.read(query.replace("{persons}", store.dialect.joined("members")), params)
    out = []
    for row in rows:
        members = strings(row["persons"], row["size"])
        if members is None:
            return store.read(query.replace("{persons}", "members"), params)
        out.append({**row, "persons": members})
    return out
