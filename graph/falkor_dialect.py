"""Schema DDL and full-text search as FalkorDB spells them. Nothing outside graph/ knows them."""

from __future__ import annotations

from custodygraph.graph import schema

#: labels whose names are searched with the full-text index
SEARCHABLE = ("Person", "Facility", "Organization", "Location")


def index_statements() -> list[str]:
    """One CREATE INDEX per declared unique or indexed property."""
    out = []
    for cls in schema.NODE_CLASSES:
        lab = schema.label(cls.__label__)
        for prop in schema.unique_keys(cls) + schema.indexed_keys(cls):
            out.append(f"CREATE INDEX FOR (n:{lab}) ON (n.{prop})")
    return out


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
