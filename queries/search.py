"""Find persons, facilities, organisations and places by any of their names.

Two ways of matching are combined:

- the engine's full-text index over ``name`` and ``name_ar`` (prefix and one-edit matches, so
  "Sednya" finds Sednaya); its statements come from the store's dialect, so this module never
  knows which engine it talks to;
- the normalised name keys (``ingest.keys.name_key``) of every name and alias, compared by
  containment: "samadi" finds "Moath al-Samadi", which is only an alias.

What the user typed never reaches a query as syntax: the dialect keeps only letters and
digits for the full-text query, and the key is a parameter.

Also here: ``resolve``, which turns a uid or an exact name into one entity for the other
queries, and refuses to guess when a name fits several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from custodygraph.errors import AmbiguousEntity, EntityNotFound
from custodygraph.graph import schema
from custodygraph.graph.store import Store
from custodygraph.ingest.keys import make_uid, name_key, name_keys
from custodygraph.queries import redact
from custodygraph.queries.plain import as_plain

#: the labels searched, in the order results of equal rank are listed
SEARCHED = ("Person", "Facility", "Organization", "Location")

_COLUMNS = (
    "n.uid AS uid, n.name AS name, n.name_ar AS name_ar, n.aliases AS aliases, "
    "n.kind AS kind, labels(n) AS labels, n.protected AS protected"
)
# {label} is filled from schema.label() only
BY_KEY_PART = ("MATCH (n:{label}) WHERE any(k IN n.name_keys WHERE k CONTAINS $key) RETURN "
               + _COLUMNS)
BY_EXACT_KEY = "MATCH (n:{label}) WHERE $key IN n.name_keys RETURN " + _COLUMNS
BY_UID = "MATCH (n:{label} {{uid: $uid}}) RETURN " + _COLUMNS

#: ranks of a hit: an exact name, a name containing the text, a full-text match
EXACT, CONTAINS, FULLTEXT = 0, 1, 2
MATCHED = {EXACT: "exact name", CONTAINS: "part of a name", FULLTEXT: "full text"}


@dataclass
class Hit:
    uid: str
    #: "person", "location", or the facility or organisation type
    kind: str
    name: str
    name_ar: str | None
    aliases: list[str]
    #: how it matched: "exact name", "part of a name" or "full text"
    matched: str
    #: the full-text score, where the full-text index matched
    score: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _kind(row: dict[str, Any]) -> str:
    labels = row.get("labels") or []
    if "Person" in labels:
        return "person"
    if "Location" in labels:
        return "location"
    return row.get("kind") or "other"


def _label(row: dict[str, Any]) -> str:
    """The one label the other queries use to find this node by uid."""
    labels = row.get("labels") or []
    return next((lab for lab in SEARCHED if lab in labels), labels[0] if labels else "")


def search(store: Store, text: str, *, limit: int = 20,
           include_confidential: bool = False) -> list[Hit]:
    """Persons, facilities, organisations and places whose names match ``text``.

    ``text`` may be in Latin or Arabic script, whole or in part, with small misspellings.
    Returns at most ``limit`` hits: exact names first, then names that contain the text,
    then full-text matches by score. Protected persons are left out unless
    ``include_confidential``, since finding one by name would reveal who they are.
    """
    key = name_key(text)
    found: dict[str, tuple[int, float, dict[str, Any]]] = {}

    def add(row: dict[str, Any], rank: int, score: float) -> None:
        if redact.flagged(row["protected"]) and not include_confidential:
            return
        old = found.get(row["uid"])
        if old is None or (rank, -score) < (old[0], -old[1]):
            found[row["uid"]] = (rank, score, row)

    if key:
        for lab in SEARCHED:
            for row in store.read(BY_KEY_PART.format(label=schema.label(lab)), {"key": key}):
                keys = name_keys(row["name"], row["name_ar"], *(row["aliases"] or []))
                add(row, EXACT if key in keys else CONTAINS, 0.0)
    query = store.dialect.fulltext_query(text)
    if query:
        for statement in store.dialect.search_statements():
            for row in store.read(statement, {"query": query}):
                add(row, FULLTEXT, float(row["score"] or 0.0))
    order = {lab: i for i, lab in enumerate(SEARCHED)}
    ranked = sorted(found.values(), key=lambda f: (f[0], -f[1], order.get(_label(f[2]), 9),
                                                   f[2]["name"] or "", f[2]["uid"]))
    return [Hit(row["uid"], _kind(row), row["name"], row["name_ar"], list(row["aliases"] or []),
                MATCHED[rank], score if rank == FULLTEXT else None)
            for rank, score, row in ranked[:limit]]


def resolve(store: Store, text: str, labels: tuple[str, ...] = SEARCHED,
            what: str = "entry") -> dict[str, Any]:
    """The one node with uid ``text``, or whose names include ``text`` once normalised.

    Returns ``{"uid", "name", "kind", "label"}``. Raises EntityNotFound when nothing
    matches and AmbiguousEntity, listing the matches, when several do. A protected person
    is listed by uid only.
    """
    rows: dict[str, dict[str, Any]] = {}
    for lab in labels:
        for uid in dict.fromkeys((text, make_uid(lab.lower(), text))):
            for row in store.read(BY_UID.format(label=schema.label(lab)), {"uid": uid}):
                rows.setdefault(row["uid"], row)
    if not rows:
        key = name_key(text)
        for lab in labels if key else ():
            for row in store.read(BY_EXACT_KEY.format(label=schema.label(lab)), {"key": key}):
                rows.setdefault(row["uid"], row)
    if not rows:
        raise EntityNotFound(f"no {what} is called {text!r}; try `custodygraph search` "
                             "with part of the name, or give a uid")
    if len(rows) > 1:
        raise AmbiguousEntity(text, [
            {"uid": r["uid"], "name": redact.person_name(r["name"], r["protected"], False)}
            for r in sorted(rows.values(), key=lambda r: r["uid"])])
    row = next(iter(rows.values()))
    return {"uid": row["uid"], "name": row["name"], "kind": _kind(row), "label": _label(row),
            "protected": redact.flagged(row["protected"])}
