"""Which person does the investigator mean? A uid, a name or an alias, never a guess.

A look-up never merges anyone: when a name fits several persons, the caller gets all of them
and must choose by uid.
"""

from __future__ import annotations

from custodygraph.errors import AmbiguousPerson, PersonNotFound
from custodygraph.graph.store import Store
from custodygraph.ingest.keys import make_uid, name_key
from custodygraph.queries import redact

BY_UID = "MATCH (p:Person {uid: $uid}) RETURN p.uid AS uid, p.name AS name, p.protected AS protected"
BY_KEY = (
    "MATCH (p:Person) WHERE $key IN p.name_keys "
    "RETURN p.uid AS uid, p.name AS name, p.protected AS protected ORDER BY p.uid"
)
# every word of the query appears, in any order, in one of the person's names
BY_WORDS = (
    "MATCH (p:Person) "
    "WHERE any(k IN p.name_keys WHERE all(w IN $words WHERE w IN split(k, ' '))) "
    "RETURN p.uid AS uid, p.name AS name, p.protected AS protected ORDER BY p.uid"
)


def find_person(store: Store, query: str) -> dict:
    """Return ``{"uid", "name", "protected"}`` of the one person ``query`` names.

    Tries, in order: the exact uid; the person id of the case file; a name or alias equal to ``query`` once both are
    normalised; names containing every word of ``query``. Raises PersonNotFound when nothing
    matches and AmbiguousPerson, listing the matches, when several do.
    """
    for uid in (query, make_uid("person", query)):  # a uid, or the documenter's person id
        rows = store.read(BY_UID, {"uid": uid})
        if rows:
            return rows[0]
    key = name_key(query)
    if not key:
        raise PersonNotFound(f"{query!r} is not a name or uid")
    for statement, params in ((BY_KEY, {"key": key}), (BY_WORDS, {"words": key.split()})):
        rows = store.read(statement, params)
        if len(rows) > 1:
            rows = _one_per_cluster(store, rows)
        if len(rows) == 1:
            return rows[0]
        if len(rows) > 1:
            raise AmbiguousPerson(query, [
                {"uid": r["uid"], "name": redact.person_name(r["name"], r["protected"], False)}
                for r in rows
            ])
    raise PersonNotFound(
        f"no person is called {query!r}; try fewer words, another spelling, or a uid"
    )


def _one_per_cluster(store: Store, rows: list[dict]) -> list[dict]:
    """Matches that a reviewer merged (SAME_AS, queries.resolve) count as one person: the
    representative's row is kept when it is among them, else the smallest uid's."""
    from custodygraph.queries.resolve import clusters

    reps = clusters(store)
    kept: dict[str, dict] = {}
    for row in sorted(rows, key=lambda r: (reps.get(r["uid"], r["uid"]) != r["uid"], r["uid"])):
        kept.setdefault(reps.get(row["uid"], row["uid"]), row)
    return list(kept.values())
