"""Redaction: confidential sources and protected persons are hidden unless asked otherwise.

Every query that returns a source or a person passes it through here, so every output that
is built from query results (tables, JSON, views) is redacted by default.
"""

from __future__ import annotations

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


def source(row: dict, include_confidential: bool) -> dict:
    """A source as outputs show it: a confidential one keeps its uid, type and date only."""
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
    return out


def person_name(name: str | None, protected: object, include_confidential: bool) -> str:
    """The name as outputs show it: hidden when the person is protected (``flagged``).

    >>> [person_name("A", flag, False) for flag in (None, False, True, 0, "no")]
    ['A', 'A', '[protected person]', '[protected person]', '[protected person]']
    """
    if flagged(protected) and not include_confidential:
        return PROTECTED_PERSON
    return name or ""
