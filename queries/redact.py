"""Redaction: confidential sources and protected persons are hidden unless asked otherwise.

Every query that returns a source or a person passes it through here, so every output that
is built from query results (tables, JSON, views) is redacted by default.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Iterable
from weakref import WeakKeyDictionary

CONFIDENTIAL_SOURCE = "[confidential source]"
PROTECTED_PERSON = "[protected person]"


def flagged(value: object) -> bool:
    """Whether a ``protected`` or ``confidential`` flag hides: unless it is missing or
    false, whatever its value (ingest writes booleans; a flag written by hand as 0, "no" or
    "yes" hides too, on the side of caution).

    >>> [flagged(v) for v in (None, False, True, 0, "no")]
    [False, False, True, True, True]
    """
    return value is not None and value is not False


def flagged_cypher(expression: str) -> str:
    """The same test in Cypher, true or false (never null) for any value of ``expression``.

    >>> flagged_cypher("p.protected")
    'NOT coalesce(p.protected = false, p.protected IS NULL)'
    """
    return f"NOT coalesce({expression} = false, {expression} IS NULL)"


def source(row: dict, include_confidential: bool, ids: SourceIds | None = None) -> dict:
    """A source as outputs show it: a confidential one keeps its type and date only, and its
    id as ``ids`` shows it (its own uid when ``ids`` is None)."""
    out = {
        "uid": row.get("uid"),
        "title": row.get("title"),
        "type": row.get("kind"),
        "publisher": row.get("publisher"),
        "date": row.get("date"),
        "confidential": flagged(row.get("confidential")),
    }
    if out["confidential"] and not include_confidential:
        out["title"] = CONFIDENTIAL_SOURCE
        out["publisher"] = None
        if ids is not None:
            out["uid"] = ids.shown(out["uid"], True)
    return out


#: how a confidential source's id is shown: its uid can be made from its title (a flat
#: file names sources by title), so outputs number them within each answer instead
CONFIDENTIAL_SOURCE_ID = "confidential-source"


class SourceIds:
    """The ids an answer shows for its sources: a confidential source's uid is replaced by
    ``confidential-source-N``, numbered in the order the answer first meets them; other
    uids are shown as they are.

    >>> ids = SourceIds()
    >>> ids.shown("source:testimony-of-a", True), ids.shown("source:report", False)
    ('confidential-source-1', 'source:report')
    >>> ids.shown("source:testimony-of-b", "yes"), ids.shown("source:testimony-of-a", True)
    ('confidential-source-2', 'confidential-source-1')
    """

    def __init__(self) -> None:
        self.numbers: dict[str, str] = {}

    def shown(self, uid: str | None, confidential: object) -> str | None:
        if uid is None or not flagged(confidential):
            return uid
        if uid not in self.numbers:
            self.numbers[uid] = f"{CONFIDENTIAL_SOURCE_ID}-{len(self.numbers) + 1}"
        return self.numbers[uid]


def person_name(name: str | None, protected: object, include_confidential: bool) -> str:
    """The name as outputs show it: hidden when the person is protected (``flagged``).

    >>> [person_name("A", flag, False) for flag in (None, False, True, 0, "no")]
    ['A', 'A', '[protected person]', '[protected person]', '[protected person]']
    """
    if flagged(protected) and not include_confidential:
        return PROTECTED_PERSON
    return name or ""


def names_pattern(names: Iterable[str]) -> re.Pattern:
    """One case-insensitive pattern for any of ``names``, preferring the longest name that
    matches at a place.

    The names are merged into a tree of shared beginnings, so a text is read once whatever
    the number of names: an alternation of a thousand names in a row took over 0.1 ms per
    short text, forty times as long.

    >>> names_pattern(["Ahmad", "Ahmad Bassam", "Abu Ali"]).sub("X", "ahmad bassam met ABU ALI")
    'X met X'
    """
    names = sorted({n for n in names if n}, key=len, reverse=True)
    if not names:
        return re.compile(r"(?!)")  # matches nothing
    tree: dict[str, dict] = {}
    for name in names:
        node = tree
        for ch in name:
            low = ch.lower()
            node = node.setdefault(low if len(low) == 1 else ch, {})
        node[""] = {}

    def branch(node: dict[str, dict]) -> str:
        text = ""
        while True:  # a run of single letters needs no group
            keys = [k for k in node if k]
            if len(keys) != 1 or "" in node:
                break
            text += re.escape(keys[0])
            node = node[keys[0]]
        if not keys:
            return text
        # each alternative starts with its own letter; a name that ends here is tried
        # last (the group is optional and greedy), so the longest name wins
        alternatives = "|".join(re.escape(k) + branch(node[k]) for k in keys)
        group = f"(?:{alternatives})" if len(keys) > 1 else alternatives
        return text + (f"(?:{group})?" if "" in node else group)

    try:
        return re.compile(branch(tree), re.IGNORECASE)
    except (RecursionError, re.error):  # names nested too deep for a tree: one by one
        return re.compile("|".join(re.escape(n) for n in names), re.IGNORECASE)


#: every protected person's uid and names (a scan of the persons: read once per output)
PROTECTED_NAMES = """
MATCH (p:Person) WHERE """ + flagged_cypher("p.protected") + """
RETURN p.uid AS uid, p.name AS name, p.name_ar AS name_ar, p.aliases AS aliases
"""

#: names shorter than this are not looked for in free text (they would hit ordinary words)
SHORTEST_NAME = 3


def names_of(persons: Iterable[dict]) -> list[str]:
    """The names, Arabic names and aliases of ``persons`` (dicts with ``name``, ``name_ar``
    and ``aliases``) that free text is searched for."""
    return sorted({n for p in persons for n in (p.get("name"), p.get("name_ar"),
                                                 *(p.get("aliases") or []))
                   if n and len(n.strip()) >= SHORTEST_NAME}, key=len, reverse=True)


#: characters whose case-insensitive matching is plain ``str.lower`` equality: ASCII and the
#: Arabic blocks (which have no case). A text or name with any other character is matched
#: by the whole pattern, whose IGNORECASE also equates such pairs as "K" (Kelvin) and "k".
_LOWER_EXACT = re.compile(
    "[^\x00-\x7f\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")


@lru_cache(maxsize=256)
def _pattern_of(names: tuple[str, ...]) -> re.Pattern:
    return names_pattern(names)


class Scrubber:
    """Free text with the names of some protected persons replaced by PROTECTED_PERSON.

    A text is matched against the few names it can hold (those whose lowercase it
    contains), so that a scrubber of thousands of names costs no long pattern to build; the
    answer is the one ``names_pattern`` of every name gives.

    >>> Scrubber([{"name": "Ahmad Bassam", "aliases": ["Abu Bassam"]}]).text(
    ...     "ABU BASSAM saw Ahmad Bassam")
    '[protected person] saw [protected person]'
    >>> Scrubber([]).text("Ahmad Bassam"), Scrubber([{"name": "Al"}]).text(None)
    ('Ahmad Bassam', None)
    """

    def __init__(self, persons: Iterable[dict]):
        self.names = names_of(persons)
        # names by the first three letters of their lowercase, where lowercase containment
        # decides (names_of keeps names of three letters or more); the others always
        self._by_start: dict[str, list[tuple[str, str]]] = {}
        self._always: list[str] = []
        for name in self.names:
            if _LOWER_EXACT.search(name):
                self._always.append(name)
            else:
                low = name.lower()
                self._by_start.setdefault(low[:3], []).append((name, low))

    def text(self, value):
        if not self.names or not isinstance(value, str):
            return value
        if _LOWER_EXACT.search(value):
            pattern = _pattern_of(tuple(self.names))
        else:
            low = value.lower()
            found = list(self._always)
            for start in {low[i:i + 3] for i in range(len(low) - 2)} & self._by_start.keys():
                found += [name for name, key in self._by_start[start] if key in low]
            if not found:
                return value
            pattern = _pattern_of(tuple(sorted(found)))
        return pattern.sub(PROTECTED_PERSON, value)

    @classmethod
    def of_store(cls, store) -> "Scrubber":
        """A scrubber of every protected person's names in ``store``: one scan of the
        persons (at a million events, 4,488 protected persons of 150,000, about 60 ms),
        kept for the store object until anything is written to the store (``written``)."""
        token = getattr(store, "written", lambda: None)()
        kept = _SCRUBBERS.get(store) if token is not None else None
        if kept is not None and kept[0] == token:
            return kept[1]
        scrubber = cls(store.read(PROTECTED_NAMES))  # read after the token: never older
        if token is not None:
            _SCRUBBERS[store] = (token, scrubber)
        return scrubber


#: the scrubber last read from each store, with the store's ``written`` token at the time
_SCRUBBERS: "WeakKeyDictionary" = WeakKeyDictionary()
