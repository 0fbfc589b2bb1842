"""One ingest: check the whole file, then write it in batches, and record the run.

Every reader returns a ``Prepared`` input: the small tables (locations, organisations,
facilities, sources), already checked in full, and a way to iterate the persons and events
in batches. A flat file of a million rows is read twice (once to check, once to write) and
never held in memory; a case file is small and read once.

>>> reader_for("cases.yaml").__name__
'prepare_case_file'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from custodygraph.errors import InvalidInput, Problem
from custodygraph.graph.store import DEFAULT_BATCH, Store
from custodygraph.ingest import records as rec
from custodygraph.ingest import writer
from custodygraph.ingest.keys import (file_sha256, facility_uid, make_uid, name_keys,
                                      organization_uid)

#: events per write batch: every batch is planned, written and sealed with its digests
EVENT_BATCH = 10_000

RECORD_RUN = """
MERGE (r:IngestRun {uid: $uid})
SET r.file = $file, r.sha256 = $sha256, r.rows = $rows, r.started = $started,
    r.finished = $finished, r.version = $version
"""


@dataclass
class Prepared:
    """A checked input: small tables in full, persons and events as re-iterable batches."""

    entities: list[tuple[type, list[rec.Entity]]]
    batches: Callable[[], Iterator[tuple[list[rec.Person], list[rec.Event]]]]
    events: int


@dataclass
class IngestSummary:
    file: str
    sha256: str
    events: int
    run: str | None
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def prepare_case_file(path: Path, **_options) -> Prepared:
    """A YAML or JSON case file, read and checked in full (case files are small)."""
    from custodygraph.ingest.casefile import read_case_file

    data = read_case_file(path)
    persons = data.persons

    def batches():
        for start in range(0, len(data.events), EVENT_BATCH):
            events = data.events[start:start + EVENT_BATCH]
            uids = dict.fromkeys(e.person for e in events)
            yield [persons[u] for u in uids], events
        # persons without any event are still written
        if not data.events:
            yield list(persons.values()), []

    entities = [(rec.Location, list(data.locations.values())),
                (rec.Organization, list(data.organizations.values())),
                (rec.Facility, list(data.facilities.values())),
                (rec.Source, list(data.sources.values()))]
    return Prepared(entities, batches, len(data.events))


#: problems kept in memory before the check pass gives up listing them one by one
MAX_PROBLEMS = 1000


def _flat_uids(r) -> dict[str, str | None]:
    """The uids a flat record refers to, by the same rules as the case-file reader."""
    return {
        "person": make_uid("person", r.person_id),
        "facility": r.facility and facility_uid(r.facility_type, r.facility),
        "organization": r.organization and organization_uid(r.organization_type,
                                                            r.organization),
        "location": r.location and make_uid("location", r.location),
        "hometown": r.hometown and make_uid("location", r.hometown),
    }


def prepare_flat_file(path: Path, *, encoding: str | None = None,
                      mapping: str | Path | None = None, **_options) -> Prepared:
    """A CSV, XLSX or JSON Lines file: checked in one streaming pass, written in a second.

    Only the small tables (places, organisations, sources) and the set of person ids stay
    in memory; persons and events are read again, batch by batch, when they are written.
    """
    from custodygraph.ingest import flat

    problems: list[Problem] = []
    locations: dict[str, rec.Location] = {}
    facilities: dict[str, rec.Facility] = {}
    organizations: dict[str, rec.Organization] = {}
    sources: dict[str, rec.Source] = {}
    events = 0
    for r in flat.iter_records(path, problems, encoding=encoding, mapping=mapping):
        events += 1
        if len(problems) > MAX_PROBLEMS:
            break
        uids = _flat_uids(r)
        for field_name in ("location", "hometown"):
            name = getattr(r, field_name)
            if name and uids[field_name] not in locations:
                locations[uids[field_name]] = rec.Location(
                    uids[field_name], r.where, name, name_keys=name_keys(name))
        if r.facility and uids["facility"] not in facilities:
            facilities[uids["facility"]] = rec.Facility(
                uids["facility"], r.where, r.facility, name_keys=name_keys(r.facility),
                kind=r.facility_type)
        if r.organization and uids["organization"] not in organizations:
            organizations[uids["organization"]] = rec.Organization(
                uids["organization"], r.where, r.organization,
                name_keys=name_keys(r.organization), kind=r.organization_type)
        for ref in r.sources:
            uid = make_uid("source", ref.name)
            if uid not in sources:
                sources[uid] = rec.Source(uid, r.where, title=ref.name, kind=ref.type or "report",
                                          date=ref.date, confidential=bool(ref.confidential))
    if problems:
        raise InvalidInput(problems)

    def batches():
        persons: list[rec.Person] = []
        batch: list[rec.Event] = []
        seen: set[str] = set()
        for r in flat.iter_records(path, [], encoding=encoding, mapping=mapping):
            uids = _flat_uids(r)
            if uids["person"] not in seen:  # a person's details come from their first row
                seen.add(uids["person"])
                persons.append(rec.Person(
                    uids["person"], r.where, r.person, r.person_name_ar,
                    list(r.person_aliases),
                    name_keys(r.person, r.person_name_ar, *r.person_aliases),
                    gender=r.gender, birth_year=r.birth_year, hometown=uids["hometown"],
                    protected=bool(r.protected)))
            batch.append(rec.Event(
                make_uid("event", r.record_id) if r.record_id else make_uid(
                    "event", r.person_id, r.event, r.date_edtf or r.date_text or "",
                    r.facility or r.location or "", str(r.sequence)),
                r.where, person=uids["person"], type=r.event, earliest=r.earliest,
                latest=r.latest, date_text=r.date_text, date_edtf=r.date_edtf,
                date_qualifier=r.date_qualifier, sequence=r.sequence,
                confidence=r.confidence, notes=r.notes, record_id=r.record_id,
                facility=uids["facility"], location=uids["location"],
                organization=uids["organization"],
                sources=[make_uid("source", ref.name) for ref in r.sources]))
            if len(batch) >= EVENT_BATCH:
                yield persons, batch
                persons, batch = [], []
        if batch or persons:
            yield persons, batch

    entities = [(rec.Location, list(locations.values())),
                (rec.Organization, list(organizations.values())),
                (rec.Facility, list(facilities.values())),
                (rec.Source, list(sources.values()))]
    return Prepared(entities, batches, events)


READERS: dict[str, Callable[..., Prepared]] = {
    ".yaml": prepare_case_file,
    ".yml": prepare_case_file,
    ".json": prepare_case_file,
    ".csv": prepare_flat_file,
    ".xlsx": prepare_flat_file,
    ".jsonl": prepare_flat_file,
}


def reader_for(path: str | Path) -> Callable[..., Prepared]:
    suffix = Path(path).suffix.lower()
    try:
        return READERS[suffix]
    except KeyError:
        raise InvalidInput([Problem(str(path), None, None,
                                    f"cannot read {suffix or 'files without an extension'}",
                                    f"use one of: {', '.join(sorted(READERS))}")]) from None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def ingest_file(store: Store, path: str | Path, *, dry_run: bool = False,
                batch_size: int = DEFAULT_BATCH,
                progress: Callable[[int, int], None] | None = None,
                **reader_options) -> IngestSummary:
    """Check a whole file, then write it; on any problem raise InvalidInput and write nothing.

    Ingesting the same file again changes nothing (and records no run); an edited file
    updates the records whose content changed. ``progress(done, total)`` is called after
    each batch of events. Returns counts of created, updated and unchanged records per kind.
    """
    from custodygraph import __version__

    path = Path(path)
    if not path.is_file():
        raise InvalidInput([Problem(str(path), None, None, "no such file",
                                    "check the path and the current directory")])
    prepared = reader_for(path)(path, **reader_options)
    sha = file_sha256(path)
    totals = writer.Plan()
    entity_plan = writer.plan(store, prepared.entities, batch_size)
    if entity_plan.problems:
        raise InvalidInput(entity_plan.problems)
    totals.add(entity_plan)

    run_params: dict | None = None

    def start_run() -> None:
        nonlocal run_params
        if run_params is None and not dry_run:
            started = _now()
            run_params = {"uid": f"run:{sha[:16]}:{started}", "file": path.name,
                          "sha256": sha, "rows": prepared.events, "started": started,
                          "finished": None, "version": __version__}
            store.write(RECORD_RUN, run_params)

    if any(entity_plan.created.values()) or any(entity_plan.updated.values()):
        start_run()
        if not dry_run:
            writer.write_entities(store, entity_plan, run_params["uid"], batch_size)
    seen_persons: set[str] = set()
    done = 0
    for persons, events in prepared.batches():
        fresh = [p for p in persons if p.uid not in seen_persons]
        seen_persons.update(p.uid for p in fresh)
        batch_plan = writer.plan(store, [(rec.Person, fresh), (rec.Event, events)], batch_size)
        totals.add(batch_plan)
        if batch_plan.problems:  # cannot happen for persons and events; kept as a guard
            raise InvalidInput(batch_plan.problems)
        if any(batch_plan.created.values()) or any(batch_plan.updated.values()):
            start_run()
            if not dry_run:
                writer.write_cases(store, batch_plan, run_params["uid"], batch_size)
        done += len(events)
        if progress:
            progress(done, prepared.events)
    counts = {name: asdict(c) for name, c in totals.counts.items()}
    if run_params is None:
        return IngestSummary(str(path), sha, prepared.events, None, dry_run, counts)
    store.write(RECORD_RUN, {**run_params, "finished": _now()})
    store.after_ingest()
    return IngestSummary(str(path), sha, prepared.events, run_params["uid"], False, counts)
