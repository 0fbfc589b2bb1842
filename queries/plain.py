"""Answers as plain data: ``dataclasses.asdict`` without its cost on long case lists.

``asdict`` visits every value through generic recursion and ``copy.deepcopy``; an answer over
a hundred thousand cases holds millions of strings, and the conversion took longer than the
query. ``as_plain`` gives the same value (new dicts, lists and tuples; strings, numbers,
booleans and None shared, as ``deepcopy`` shares them) in a fraction of the time.
"""

from __future__ import annotations

import copy
import functools
import gc
from dataclasses import fields, is_dataclass
from typing import Any, Callable, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_ATOMS = frozenset({str, int, float, bool, type(None)})


def as_plain(value: Any) -> Any:
    """``dataclasses.asdict(value)`` for a dataclass; the same conversion for any value.

    >>> from dataclasses import dataclass
    >>> @dataclass
    ... class Entry:
    ...     name: str
    ...     cases: list
    >>> as_plain(Entry("Sednaya", [{"uid": "person:a"}]))
    {'name': 'Sednaya', 'cases': [{'uid': 'person:a'}]}
    """
    kind = type(value)
    if kind in _ATOMS:
        return value
    if kind is list:
        return [v if type(v) in _ATOMS else as_plain(v) for v in value]
    if kind is dict:
        return {k if type(k) in _ATOMS else as_plain(k): v if type(v) in _ATOMS else as_plain(v)
                for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: as_plain(getattr(value, f.name)) for f in fields(value)}
    if kind is tuple:
        return tuple(as_plain(v) for v in value)
    return copy.deepcopy(value)


def collector_paused(func: F) -> F:
    """Run ``func`` with Python's cyclic garbage collector paused (and resumed after, unless
    it was paused already).

    For the questions over the whole archive, whose answers hold a case entry for each of a
    hundred thousand persons: every few hundred new containers start a collection pass, and
    the passes go over the entries built so far, again and again (a tenth of recurrence's
    time at a million events). The answers hold no reference cycles; what they leave behind
    is freed as it goes, and anything else is collected once the collector runs again.
    """
    @functools.wraps(func)
    def paused(*args: Any, **kwargs: Any) -> Any:
        if not gc.isenabled():
            return func(*args, **kwargs)
        gc.disable()
        try:
            return func(*args, **kwargs)
        finally:
            gc.enable()

    return paused  # type: ignore[return-value]
