"""Review of person matches: candidate pairs, human decisions, reversible merges.

Persons are never merged on name similarity alone. This module proposes pairs of stored
persons whose names are alike (ingest.names.candidate_pairs) with the evidence a reviewer
needs, and records what the reviewer decides, in the graph:

- every decision is a ``MATCH_REVIEW`` edge between the two persons (from the smaller uid to
  the other) carrying the decision, who took it, when, the score and a note; an undo keeps
  the edge and marks it inactive, with who undid it and when (an audit trail);
- a ``same`` decision also adds a ``SAME_AS`` edge (``derived: false``) with the decision's
  provenance. The Person nodes and their events stay untouched, so the merge is reversible.

Queries see a cluster (a connected component of ``SAME_AS`` edges) as one person; the
cluster's representative is its smallest uid, or, when any member is protected, the smallest
uid among its protected members (``clusters``): a protected record merged with an open one
is then shown as protected, never under the open one's name.
"""

from __future__ import annotations

import getpass
import hashlib
import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from custodygraph.errors import CandidateNotFound, DecisionConflict
from custodygraph.graph import schema
from custodygraph.graph.store import Store
from custodygraph.queries import redact
from custodygraph.queries.plain import as_plain

#: what a reviewer may decide about a candidate pair
DECISIONS = ("same", "different", "unsure")
#: the lowest threshold offered; decisions look candidates up at this threshold, so any pair
#: listed at a higher one is found
LOWEST_THRESHOLD = 0.5

_PERSON = schema.label("Person")
_SAME_AS = schema.rel("SAME_AS")
_REVIEW = schema.rel("MATCH_REVIEW")
_FROM = schema.rel("FROM")
_SUBJECT_OF = schema.rel("SUBJECT_OF")
_EVENT = schema.label("Event")
_SOURCE = schema.label("Source")
_SOURCED_FROM = schema.rel("SOURCED_FROM")
_LOCATION = schema.label("Location")

PERSONS = f"""
MATCH (p:{_PERSON})
OPTIONAL MATCH (p)-[:{_FROM}]->(l:{_LOCATION})
RETURN p.uid AS uid, p.name AS name, p.name_ar AS name_ar, p.aliases AS aliases,
       p.birth_year AS birth_year, p.protected AS protected, l.uid AS hometown,
       l.name AS hometown_name
"""
# the events and sources of some persons, one row per event and source
EVIDENCE = f"""
UNWIND $uids AS u
MATCH (p:{_PERSON} {{uid: u}})-[:{_SUBJECT_OF}]->(e:{_EVENT})
OPTIONAL MATCH (e)-[:{_SOURCED_FROM}]->(s:{_SOURCE})
RETURN p.uid AS person, e.uid AS event, s.uid AS source, s.confidential AS confidential
"""
SAME_AS_EDGES = f"""
MATCH (a:{_PERSON})-[r:{_SAME_AS}]->(b:{_PERSON})
RETURN a.uid AS a, b.uid AS b, {redact.flagged_cypher("a.protected")} AS a_protected,
       {redact.flagged_cypher("b.protected")} AS b_protected
"""
# answered from the engine's count of relationships by type, without reading the persons
SAME_AS_COUNT = f"MATCH ()-[r:{_SAME_AS}]->() RETURN count(r) AS n"
# the persons one SAME_AS edge away from some persons, in either direction
SAME_AS_NEIGHBOURS = f"""
UNWIND $uids AS u
MATCH (p:{_PERSON} {{uid: u}})-[:{_SAME_AS}]-(q:{_PERSON})
RETURN DISTINCT q.uid AS uid
"""
REVIEWS = f"""
MATCH (a:{_PERSON})-[r:{_REVIEW}]->(b:{_PERSON})
RETURN a.uid AS a, b.uid AS b, r.uid AS uid, r.candidate AS candidate,
       r.decision AS decision, r.decided_by AS decided_by, r.decided_at AS decided_at,
       r.score AS score, r.note AS note, r.active AS active, r.undone_by AS undone_by,
       r.undone_at AS undone_at, r.undo_note AS undo_note
"""
# one statement each, so that a decision and its SAME_AS edge are written together; the
# WHERE keeps a second active decision on the same pair from being written
_DECIDE_HEAD = f"""
MATCH (a:{_PERSON} {{uid: $a}}), (b:{_PERSON} {{uid: $b}})
WHERE NOT (a)-[:{_REVIEW} {{candidate: $candidate, active: true}}]->(b)
CREATE (a)-[r:{_REVIEW} {{uid: $uid, candidate: $candidate, decision: $decision,
        decided_by: $by, decided_at: $at, score: $score, note: $note, active: true}}]->(b)
"""
DECIDE = _DECIDE_HEAD
DECIDE_SAME = _DECIDE_HEAD + f"""
CREATE (a)-[:{_SAME_AS} {{derived: false, decision: $uid, decided_by: $by, decided_at: $at,
        score: $score, note: $note}}]->(b)
"""
UNDO = f"""
MATCH (a:{_PERSON})-[r:{_REVIEW}]->(b:{_PERSON})
WHERE r.candidate = $candidate AND r.active = true
SET r.active = false, r.undone_by = $by, r.undone_at = $at, r.undo_note = $note
WITH a, b, r
OPTIONAL MATCH (a)-[s:{_SAME_AS}]->(b)
WHERE s.decision = r.uid
DELETE s
"""
# the ingest runs that wrote each person's events (for ``auto``'s report)
RUNS = f"""
MATCH (p:{_PERSON})-[:{_SUBJECT_OF}]->(e:{_EVENT})
RETURN p.uid AS uid, collect(DISTINCT e.run) AS runs
"""
PERSON_UIDS = f"MATCH (p:{_PERSON}) RETURN p.uid AS uid"


def candidate_id(a: str, b: str) -> str:
    """The stable id of the pair of persons ``a`` and ``b``, in either order.

    >>> candidate_id("person:x", "person:y") == candidate_id("person:y", "person:x")
    True
    """
    first, second = sorted((a, b))
    return "c-" + hashlib.sha256(f"{first}\x1f{second}".encode("utf-8")).hexdigest()[:12]


def clusters(store: Store) -> dict[str, str]:
    """The representative of every person in a SAME_AS cluster: the smallest uid among its
    protected members if it has any, else its smallest uid.

    Persons in no cluster are absent: ``clusters(store).get(uid, uid)``. The components are
    computed in Python from the SAME_AS edges (human decisions, so few), which needs no
    variable-length pattern and has no length limit.
    """
    if not store.read(SAME_AS_COUNT)[0]["n"]:
        return {}  # no merge at all, as in most graphs: nothing to read
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    protected = set()
    for row in store.read(SAME_AS_EDGES):
        protected.update(u for u, flag in ((row["a"], row["a_protected"]),
                                           (row["b"], row["b_protected"])) if flag)
        ra, rb = root(row["a"]), root(row["b"])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    members: dict[str, list[str]] = {}
    for uid in list(parent):
        members.setdefault(root(uid), []).append(uid)
    return {uid: representative(group, protected)
            for group in members.values() for uid in group}


def representative(group: list[str], protected: set[str]) -> str:
    """The uid a cluster is shown under (see ``clusters``).

    >>> representative(["b", "a", "c"], set()), representative(["b", "a", "c"], {"c", "b"})
    ('a', 'b')
    """
    return min((u for u in group if u in protected), default=None) or min(group)


def cluster_members(reps: dict[str, str]) -> dict[str, list[str]]:
    """The members of each cluster by representative, from ``clusters``' answer.

    >>> cluster_members({"person:a": "person:a", "person:b": "person:a"})
    {'person:a': ['person:a', 'person:b']}
    """
    out: dict[str, list[str]] = {}
    for member, rep in sorted(reps.items()):
        out.setdefault(rep, []).append(member)
    return out


def cluster_of(store: Store, uid: str, neighbours: list[str] | None = None) -> list[str]:
    """Every uid of the cluster of ``uid`` (just ``[uid]`` when it is in none), sorted.

    Walks the SAME_AS edges out from ``uid``, one statement per step, so that the cost
    depends on the cluster, not on the size of the graph. ``neighbours``: the persons
    ``uid`` is known to share a SAME_AS edge with, when the caller has read them already.
    """
    members = {uid}
    frontier = {uid}
    if neighbours is not None:
        frontier = set(neighbours) - members
        members |= frontier
    while frontier:
        rows = store.read(SAME_AS_NEIGHBOURS, {"uids": sorted(frontier)})
        frontier = {row["uid"] for row in rows} - members
        members |= frontier
    return sorted(members)


@dataclass
class Candidate:
    """A pair of persons for a reviewer to decide on, with the evidence."""

    id: str
    score: float
    persons: list[dict[str, Any]]
    evidence: dict[str, Any]
    #: "open", or the active decision ("same", "different", "unsure")
    status: str = "open"
    decision: dict[str, Any] | None = None
    history: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def default_reviewer() -> str:
    """Who decides when ``--by`` is not given: the login name, or "unknown"."""
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return os.environ.get("USER") or "unknown"


def _reviews(store: Store) -> dict[str, list[dict[str, Any]]]:
    """Every decision ever recorded, by candidate id, oldest first."""
    out: dict[str, list[dict[str, Any]]] = {}
    for row in store.read(REVIEWS):
        out.setdefault(row["candidate"], []).append(dict(row))
    for rows in out.values():
        rows.sort(key=lambda r: (r["decided_at"] or "", r["uid"]))
    return out


def _active(history: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((r for r in reversed(history) if r["active"]), None)


def _pairs(store: Store, threshold: float) -> tuple[list[tuple], dict[str, dict]]:
    from custodygraph.ingest.names import candidate_pairs

    persons = {row["uid"]: row for row in store.read(PERSONS)}
    return candidate_pairs(persons.values(), threshold), persons


def _evidence(store: Store, uids: list[str]) -> tuple[dict[str, tuple[set, set]], set[str]]:
    """The events and sources of each person, and which of those sources are confidential."""
    found: dict[str, tuple[set, set]] = {u: (set(), set()) for u in uids}
    confidential = set()
    for row in store.read(EVIDENCE, {"uids": uids}):
        events, sources = found[row["person"]]
        events.add(row["event"])
        if row["source"]:
            sources.add(row["source"])
            if redact.flagged(row["confidential"]):
                confidential.add(row["source"])
    return found, confidential


def _shared_sources(shared: set[str], confidential: set[str],
                    include_confidential: bool) -> list[str]:
    """The sources two persons share, confidential ones numbered (redact.SourceIds)."""
    if include_confidential:
        return sorted(shared)
    ids = redact.SourceIds()
    return [ids.shown(uid, uid in confidential) for uid in sorted(shared)]


def _shown(person: dict[str, Any], include_confidential: bool) -> dict[str, Any]:
    hidden = redact.flagged(person["protected"]) and not include_confidential
    return {
        "uid": person["uid"],
        "name": redact.person_name(person["name"], person["protected"], include_confidential),
        "name_ar": None if hidden else person["name_ar"],
        "aliases": [] if hidden else list(person["aliases"] or []),
        "hometown": person["hometown_name"],
        "birth_year": person["birth_year"],
        "protected": redact.flagged(person["protected"]),
    }


def candidates(store: Store, *, threshold: float | None = None, include_decided: bool = False,
               include_confidential: bool = False) -> list[Candidate]:
    """The candidate pairs of stored persons at ``threshold`` (default: the names module's),
    best first, with their evidence. Decided pairs, and pairs already in one SAME_AS cluster,
    are left out unless ``include_decided``.
    """
    from custodygraph.ingest.names import DEFAULT_THRESHOLD

    rows, persons = _pairs(store, DEFAULT_THRESHOLD if threshold is None else threshold)
    reviews = _reviews(store)
    reps = clusters(store)
    evidence, confidential = _evidence(store, sorted({u for a, b, _, _ in rows
                                                      for u in (a, b)}))
    # reviewers' notes may name a protected person
    scrub = None if include_confidential else redact.Scrubber(
        p for p in persons.values() if redact.flagged(p["protected"]))
    out = []
    for a, b, score, found in rows:
        cid = candidate_id(a, b)
        history = reviews.get(cid, [])
        active = _active(history)
        status = active["decision"] if active else "open"
        if status == "open" and reps.get(a, a) == reps.get(b, b):
            status = "same (through other decisions)"
        if status != "open" and not include_decided:
            continue
        pa, pb = persons[a], persons[b]
        (events_a, sources_a), (events_b, sources_b) = evidence[a], evidence[b]
        names = list(found["names"])
        for i, p in enumerate((pa, pb)):
            if redact.flagged(p["protected"]) and not include_confidential:
                names[i] = redact.PROTECTED_PERSON
        out.append(Candidate(
            cid, score, [_shown(pa, include_confidential), _shown(pb, include_confidential)],
            {**found, "names": names,
             "shared_events": sorted(events_a & events_b),
             "shared_sources": _shared_sources(sources_a & sources_b, confidential,
                                               include_confidential)},
            status, _public(active, scrub), [_public(r, scrub) for r in history]))
    return out


def _public(review: dict[str, Any] | None,
            scrub: redact.Scrubber | None = None) -> dict[str, Any] | None:
    """A review as outputs show it, its notes scrubbed of protected names by ``scrub``."""
    if review is None:
        return None
    out = {k: review[k] for k in ("uid", "decision", "decided_by", "decided_at", "score",
                                  "note", "active", "undone_by", "undone_at", "undo_note")}
    if scrub is not None:
        out["note"], out["undo_note"] = scrub.text(out["note"]), scrub.text(out["undo_note"])
    return out


@dataclass
class Decision:
    candidate: str
    persons: list[str]
    decision: str
    decided_by: str
    decided_at: str
    score: float | None
    note: str | None
    uid: str
    #: "decided" or "undone"
    action: str = "decided"

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def decide(store: Store, candidate: str, decision: str, *, by: str | None = None,
           note: str | None = None) -> Decision:
    """Record ``decision`` (same, different or unsure) on the candidate pair ``candidate``.

    Raises CandidateNotFound for an unknown id and DecisionConflict when the pair already has
    an active decision (undo it first).
    """
    if decision not in DECISIONS:
        raise CandidateNotFound(f"{decision!r} is not a decision; use one of "
                                f"{', '.join(DECISIONS)}")
    reviews = _reviews(store)
    if _active(reviews.get(candidate, [])):
        active = _active(reviews[candidate])
        raise DecisionConflict(
            f"candidate {candidate} is already decided ({active['decision']} by "
            f"{active['decided_by']} at {active['decided_at']}); undo it first: "
            f"custodygraph resolve undo {candidate}")
    rows, _ = _pairs(store, LOWEST_THRESHOLD)
    pair = next(((a, b, s) for a, b, s, _ in rows if candidate_id(a, b) == candidate), None)
    if pair is None:
        history = reviews.get(candidate)
        if history:  # decided before, undone, and the names no longer pair: still known
            pair = (history[-1]["a"], history[-1]["b"], history[-1]["score"])
        else:
            raise CandidateNotFound(
                f"no candidate pair has the id {candidate!r}; list them with: "
                f"custodygraph resolve")
    a, b, score = pair
    made = Decision(candidate, [a, b], decision, by or default_reviewer(), _now(), score, note,
                    "review:" + uuid.uuid4().hex)
    stats = store.write(DECIDE_SAME if decision == "same" else DECIDE, {
        "a": a, "b": b, "candidate": candidate, "uid": made.uid, "decision": decision,
        "by": made.decided_by, "at": made.decided_at, "score": score, "note": note})
    if not stats.relationships_created:
        raise DecisionConflict(f"candidate {candidate} was decided meanwhile; see: "
                               f"custodygraph resolve --all")
    return made


def undo(store: Store, candidate: str, *, by: str | None = None,
         note: str | None = None) -> Decision:
    """Reverse the active decision on ``candidate``; a ``same`` loses its SAME_AS edge.

    The decision stays recorded, marked inactive with who undid it and when.
    """
    active = _active(_reviews(store).get(candidate, []))
    if active is None:
        raise DecisionConflict(f"candidate {candidate!r} has no decision to undo; list the "
                               f"decided pairs with: custodygraph resolve --all")
    made = Decision(candidate, [active["a"], active["b"]], active["decision"],
                    by or default_reviewer(), _now(), active["score"], note, active["uid"],
                    "undone")
    store.write(UNDO, {"candidate": candidate, "by": made.decided_by, "at": made.decided_at,
                       "note": note})
    return made


def auto(store: Store) -> dict[str, Any]:
    """The automatic rule: the same person id from the same source on two records is one
    person. A person's uid is made from the case file's person id alone, so such records are
    already one Person node when they are loaded; there is never anything left to mark.
    Returns what was checked.
    """
    rows = store.read(RUNS)
    return {
        "marked": 0,
        "persons": len(store.read(PERSON_UIDS)),
        "recorded_by_several_files": sorted(r["uid"] for r in rows
                                            if len([x for x in r["runs"] if x]) > 1),
        "reason": "a person's uid is made from the person id of the case file, so every "
                  "record with the same person id is already one person; nothing else is "
                  "merged without a reviewer's decision",
    }
