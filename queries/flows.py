"""Where are people moved from and to? Transfer flows between facilities, over all chains.

Every custody chain is read (the same ordering and steps as ``custody_chain``) and its steps
at facilities are taken in order; each pair of consecutive facility steps is one move from
an origin to a destination. Steps at a location or at no known place are skipped, so a move
from A to B may pass through an unknown place. Two consecutive steps at the same facility
(the person was at a town or released in between, then held there again) make no move. A
body delivered at a hospital counts as a stop there: where bodies reappear is part of the
pattern.

**Time of a move.** The number of days from the earliest date of the stay at the origin to
the earliest date of the stay at the destination: as far as the lower bounds tell, how long
the person was at the origin before the move. A move has no time when either step has no
earliest date, or when those dates are out of order (the bounds overlap so that the
destination could have come first). Each flow gives the median over its timed moves and
lists the cases whose moves have no time.

**Stops.** For each facility, the persons for whom it was the first, an intermediate or the
final stop of a chain of two or more facilities, or the only one; each role's share is its
number of persons over the facility's persons (a person who passed twice may hold two roles).

Filters: region and outcome choose the persons; period, event type, confidence and source
keep the facility steps that have at least one matching event, and the moves between two
consecutive facility steps that both are kept (a move never passes over a step left out);
a facility or organisation type keeps the moves with that type at either end, and the
stops of that type.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from custodygraph.graph.store import Store
from custodygraph.queries.custody import (Outline, Step, merged_outlines, outlines, summaries,
                                          summary_of)
from custodygraph.queries.filters import (Filters, case_list, check, event_matches,
                                          keeps_every_event, person_scope, source_events)
from custodygraph.queries.plain import as_plain, collector_paused
from custodygraph.queries.recurrence import FACILITIES
from custodygraph.queries.resolve import cluster_members, clusters

ROLES = ("first", "intermediate", "final", "only")


@dataclass
class Flow:
    origin: dict[str, Any]
    destination: dict[str, Any]
    #: distinct persons who made this move
    cases: int
    persons: list[dict[str, Any]]
    #: number of moves (a person may make the same move twice)
    moves: int
    #: median days of the timed moves (see the module's notes), or None
    median_days: float | None
    timed: int
    #: persons with at least one move of this flow that has no time
    untimed: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Stop:
    facility: dict[str, Any]
    cases: int
    #: role -> persons for whom the facility held that place in the chain
    roles: dict[str, list[dict[str, Any]]]
    #: role -> share of the facility's persons, rounded to three places
    shares: dict[str, float]


@dataclass
class Flows:
    flows: list[Flow]
    stops: list[Stop]

    def as_dict(self) -> dict[str, Any]:
        return as_plain(self)


def move_days(origin: str | None, destination: str | None) -> int | None:
    """Days between the earliest dates of two steps, or None (see the module's notes).

    >>> move_days("2018-01-01", "2018-03-01"), move_days("2018-03-01", "2018-01-01")
    (59, None)
    """
    if not origin or not destination:
        return None
    days = (date.fromisoformat(destination) - date.fromisoformat(origin)).days
    return days if days >= 0 else None


def _facility_steps(steps: list[Step], keep) -> list[Step | None]:
    """The steps at facilities, in order, with None for each that ``keep`` leaves out: no
    move passes over a facility step the filters leave out."""
    return [s if keep(s) else None for s in steps
            if s.place and s.place.get("kind") not in (None, "location")]


@collector_paused
def flows(store: Store, *, filters: Filters | None = None,
          include_confidential: bool = False) -> Flows:
    """Moves between facilities, weighted by persons, with their median time; and each
    facility's share as first, intermediate, final or only stop.

    Returns ``Flows``: flows ranked by cases, then moves, then names; stops ranked by cases.
    Every figure comes with its persons (protected ones redacted unless
    ``include_confidential``).
    """
    filters = check(store, filters or Filters())
    scope = person_scope(store, filters)
    sourced = source_events(store, filters)

    def keep(step: Step) -> bool:
        return any(event_matches(e, filters) and (sourced is None or e["uid"] in sourced)
                   for e in step.events)

    persons = sorted(scope) if scope is not None else None
    every = keeps_every_event(filters)

    def facility_stops(o: Outline) -> tuple[tuple[str | None, str | None], ...]:
        return tuple((s.place["uid"], s.earliest) if s else (None, None)
                     for s in _facility_steps(o.steps, keep))

    if every:  # every facility step counts: the stored summaries tell
        chains = ((s.person, s.stops) for s in summaries(store, persons))
    else:
        chains = ((o.person, facility_stops(o)) for o in outlines(store, persons))
    reps = clusters(store)
    if reps:  # persons a reviewer merged (SAME_AS) are one person, with one chain
        wanted = {rep: members for rep, members in cluster_members(reps).items()
                  if scope is None or not scope.isdisjoint(members)}
        chains = [(person, found) for person, found in chains if person not in reps] + [
            (merged.person, summary_of(merged).stops if every else facility_stops(merged))
            for merged in merged_outlines(store, wanted)]
    moves: dict[tuple[str, str], dict[str, Any]] = {}
    stops: dict[str, dict[str, Any]] = {}
    for person, stays in chains:
        kept = [stay for stay in stays if stay[0] is not None]
        for i, (uid, earliest) in enumerate(kept):
            role = ("only" if len(kept) == 1 else "first" if i == 0
                    else "final" if i == len(kept) - 1 else "intermediate")
            stop = stops.setdefault(uid, {r: set() for r in ROLES})
            stop[role].add(person)
        for (origin, since), (uid, earliest) in zip(stays, stays[1:]):
            # a step left out breaks the chain; back at the same place is no transfer
            if origin is not None and uid is not None and origin != uid:
                move = moves.setdefault((origin, uid), {"persons": set(), "days": [],
                                                        "untimed": set(), "moves": 0})
                move["persons"].add(person)
                move["moves"] += 1
                days = move_days(since, earliest)
                if days is None:
                    move["untimed"].add(person)
                else:
                    move["days"].append(days)
    places = {row["uid"]: row for row in store.read(FACILITIES, {"uids": sorted(stops)})}

    def wanted(uid: str) -> bool:
        return not filters.kind or places[uid].get("kind") == filters.kind

    everyone = set().union(*(m["persons"] for m in moves.values()),
                           *(p for s in stops.values() for p in s.values()))
    names = case_list(store, everyone, include_confidential)

    def cases(uids) -> list[dict[str, Any]]:
        return [names[u] for u in sorted(uids) if u in names]

    out_flows = []
    for (a, b), move in moves.items():
        if not (wanted(a) or wanted(b)):
            continue
        median = statistics.median(move["days"]) if move["days"] else None
        out_flows.append(Flow(
            _place(places[a]), _place(places[b]), len(move["persons"]), cases(move["persons"]),
            move["moves"], float(median) if median is not None else None, len(move["days"]),
            cases(move["untimed"])))
    out_flows.sort(key=lambda f: (-f.cases, -f.moves, f.origin["name"], f.destination["name"]))

    out_stops = []
    for uid, roles in stops.items():
        if not wanted(uid):
            continue
        total = set().union(*roles.values())
        out_stops.append(Stop(
            _place(places[uid]), len(total), {r: cases(roles[r]) for r in ROLES},
            {r: round(len(roles[r]) / len(total), 3) for r in ROLES}))
    out_stops.sort(key=lambda s: (-s.cases, s.facility["name"]))
    return Flows(out_flows, out_stops)


def _place(place: dict[str, Any]) -> dict[str, Any]:
    return {"uid": place["uid"], "name": place["name"], "kind": place.get("kind")}
