"""Schema DDL and full-text search as FalkorDB spells them. Nothing outside graph/ knows them."""

from __future__ import annotations

import re

from custodygraph.graph import schema

#: labels whose names are searched with the full-text index
SEARCHABLE = ("Person", "Facility", "Organization", "Location")


def index_statements() -> list[str]:
    """One CREATE INDEX per declared unique or indexed property, of nodes and of
    relationships."""
    out = []
    for cls in schema.NODE_CLASSES:
        lab = schema.label(cls.__label__)
        for prop in schema.unique_keys(cls) + schema.indexed_keys(cls):
            out.append(f"CREATE INDEX FOR (n:{lab}) ON (n.{prop})")
    for rtype, model in schema.REL_MODEL_BY_TYPE.items():
        for prop in schema.indexed_keys(model):
            out.append(f"CREATE INDEX FOR ()-[r:{schema.rel(rtype)}]-() ON (r.{prop})")
    return out


#: indexes that earlier versions created and that must go: FalkorDB 4.16 answers a range
#: comparison on an indexed string property (``e.earliest <= $until``) with rows that fail
#: it, so a store that still has one could count events outside a period
RETIRED_INDEXES = (("Event", "earliest"),)


def drop_retired_statements() -> list[str]:
    return [f"DROP INDEX FOR (n:{schema.label(lab)}) ON (n.{prop})"
            for lab, prop in RETIRED_INDEXES]


def is_missing_index(message: str) -> bool:
    """Whether a DROP INDEX error only says there is no such index."""
    text = message.lower()
    return "unable to drop index" in text or "not exist" in text or "no such index" in text


def unique_constraints() -> list[tuple[str, str]]:
    """(label, property) pairs that get a unique constraint (a server command, not Cypher)."""
    return [
        (schema.label(cls.__label__), prop)
        for cls in schema.NODE_CLASSES
        for prop in schema.unique_keys(cls)
    ]


def fulltext_statements() -> list[str]:
    return [
        f"CALL db.idx.fulltext.createNodeIndex('{schema.label(lab)}', 'name', 'name_ar')"
        for lab in SEARCHABLE
    ]


def is_already_exists(message: str) -> bool:
    """Whether a DDL error only says the index or constraint is there already."""
    text = message.lower()
    return "already indexed" in text or "already exists" in text


# --- name search ---------------------------------------------------------------------------
#: words RediSearch leaves out of its English index: a query term that is one of them matches
#: nothing, and with the terms joined by AND it would empty the whole answer
STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their "
    "then there these they this to was will with".split()
)
_WORD = re.compile(r"\w+")

#: the columns every search statement returns, the same on both engines
SEARCH_RETURN = (
    "RETURN node.uid AS uid, node.name AS name, node.name_ar AS name_ar, "
    "node.aliases AS aliases, node.kind AS kind, labels(node) AS labels, "
    "node.protected AS protected, score"
)


def fulltext_query(text: str) -> str | None:
    """Turn what a user typed into a RediSearch query that cannot carry any operator.

    Only runs of letters and digits survive; each becomes a prefix term, and a word of four
    letters or more also matches within one edit. The terms are all required. Returns None
    when nothing searchable is left.

    >>> fulltext_query('Sednaya "prisn" -(x)')
    '(sednaya*|%sednaya%) (prisn*|%prisn%)'
    >>> fulltext_query("the *") is None
    True
    """
    terms = []
    for word in _WORD.findall(text.casefold()):
        word = word.replace("_", "")
        if len(word) < 2 or word in STOPWORDS:
            continue
        terms.append(f"({word}*|%{word}%)" if len(word) >= 4 else f"{word}*")
    return " ".join(terms) or None


def search_statements() -> list[str]:
    """One full-text query per searchable label, each taking ``$query``."""
    return [
        f"CALL db.idx.fulltext.queryNodes('{schema.label(lab)}', $query) YIELD node, score "
        + SEARCH_RETURN
        for lab in SEARCHABLE
    ]


#: what ``joined`` puts between the strings of a list, and between those of an inner list
JOIN_SEPARATOR = "\n"
INNER_SEPARATOR = "\t"


def joined(expression: str, inner: bool = False) -> str:
    """A list of strings returned as one string, the strings separated by JOIN_SEPARATOR
    (INNER_SEPARATOR with ``inner``, for lists within a joined list).

    The client decodes every element of a returned list on its own; for lists of a hundred
    thousand uids that decoding cost more than the query. The caller also returns the
    list's size and splits the text only when the pieces come out that many (queries.lists).
    """
    separator = "\\t" if inner else "\\n"  # as Cypher string escapes
    return f"string.join({expression}, '{separator}')"
