"""Schema DDL and full-text search as Neo4j 5 spells them. Nothing outside graph/ knows them.

Constraints and plain indexes are installed by neomodel from the classes graph.ogm builds out
of the declarations in graph.schema; this module adds what neomodel does not declare for us:
the full-text index over names.
"""

from __future__ import annotations

import re

from custodygraph.graph import schema

FULLTEXT_INDEX = "custodygraph_names"
SEARCHABLE = ("Person", "Facility", "Organization", "Location")


def fulltext_statements() -> list[str]:
    labels = "|".join(schema.label(lab) for lab in SEARCHABLE)
    return [
        f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS "
        f"FOR (n:{labels}) ON EACH [n.name, n.name_ar]"
    ]


def install_labels() -> list[str]:
    """Install every declared constraint and index on neomodel's current connection."""
    import io

    from neomodel import db

    from custodygraph.graph import ogm

    log = io.StringIO()
    for cls in ogm.NODE_CLASSES:
        db.install_labels(cls, quiet=False, stdout=log)
    return [line.strip() for line in log.getvalue().splitlines() if line.strip()]


def install_with_neomodel(driver, database: str | None) -> list[str]:
    """Point neomodel at ``driver`` (and ``database``) and install the declared schema."""
    from neomodel import db

    db.set_connection(driver=driver)
    if database:
        db._database_name = database
    return install_labels()


# --- name search ---------------------------------------------------------------------------
_WORD = re.compile(r"\w+")

#: the columns every search statement returns, the same on both engines
SEARCH_RETURN = (
    "RETURN node.uid AS uid, node.name AS name, node.name_ar AS name_ar, "
    "node.aliases AS aliases, node.kind AS kind, labels(node) AS labels, "
    "node.protected AS protected, score"
)


def fulltext_query(text: str) -> str | None:
    """Turn what a user typed into a Lucene query that cannot carry any operator.

    Only runs of letters and digits survive, lower-cased (so AND, OR and NOT are plain words);
    each becomes a prefix term, and a word of four letters or more also matches within one
    edit. The terms are all required. Returns None when nothing searchable is left.

    >>> fulltext_query('Sednaya "prisn" AND -(x)')
    '(sednaya* OR sednaya~1) AND (prisn* OR prisn~1) AND and*'
    """
    terms = []
    for word in _WORD.findall(text.casefold()):
        word = word.replace("_", "")
        if len(word) < 2:
            continue
        terms.append(f"({word}* OR {word}~1)" if len(word) >= 4 else f"{word}*")
    return " AND ".join(terms) or None


def search_statements() -> list[str]:
    """The full-text query over every searchable label, taking ``$query``."""
    return [
        f"CALL db.index.fulltext.queryNodes('{FULLTEXT_INDEX}', $query) YIELD node, score "
        + SEARCH_RETURN
    ]


def joined(expression: str, inner: bool = False) -> str:
    """A list of strings as Neo4j returns it well: the list itself (see falkor_dialect)."""
    return expression
