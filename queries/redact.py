"""Redaction: confidential sources and protected persons are hidden unless asked otherwise.

Every query that returns a source or a person passes it through here, so every output that
is built from query results (tables, JSON, views) is redacted by default.
"""

from __future__ import annotations

CONFIDENTIAL_SOURCE = "[confidential source]"
PROTECTED_PERSON = "[protected person]"


def source(row: dict, include_confidential: bool) -> dict:
    """A source as outputs show it: a confidential one keeps its uid, type and date only."""
    out = {
        "uid": row.get("uid"),
        "title": row.get("title"),
        "type": row.get("kind"),
        "publisher": row.get("publisher"),
        "date": row.get("date"),
        "confidential": bool(row.get("confidential")),
    }
    if out["confidential"] and not include_confidential:
        out["title"] = CONFIDENTIAL_SOURCE
        out["publisher"] = None
    return out


def person_name(name: str | None, protected: bool | None, include_confidential: bool) -> str:
    if protected and not include_confidential:
        return PROTECTED_PERSON
    return name or ""
