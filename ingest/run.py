"""One ingest: check the whole file, then write it in batches, and record the run.

Every reader returns a ``Prepared`` input: the small tables (locations, organisations,
facilities, sources), already checked in full, and a way to iterate the persons and events
in batches. A flat file of a million rows is read and checked once, and never held in
memory: the check pass keeps its persons and events in an unnamed temporary file, and the
write pass reads them back from there; a case file is small and read once.

>>> reader_for("cases.yaml").__name__
'prepare_case_file'
"""

from __future__ import annotations

import functools
import gc
import marshal
import struct
import tempfile
from contextlib import contextmanager, nullcontext
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, Sequence

from custodygraph.errors import InvalidInput, Problem
from custodygraph.graph.store import DEFAULT_BATCH, Store
from custodygraph.ingest import records as rec
from custodygraph.ingest import writer
from custodygraph.ingest.keys import file_sha256, make_uid, name_keys
from custodygraph.queries.codetention import SLICES

#: events per write batch: every batch is planned, written and sealed with its digests
EVENT_BATCH = 10_000

RECORD_RUN = """
MERGE (r:IngestRun {uid: $uid})
SET r.file = $file, r.sha256 = $sha256, r.rows = $rows, r.started = $started,
    r.finished = $finished, r.version = $version,
    r.stay_key_slices = $stay_key_slices
"""


@dataclass
class Prepared:
    """A checked input: small tables in full, persons and events as re-iterable batches."""

    entities: list[tuple[type, list[rec.Entity]]]
    batches: Callable[[], Iterator[tuple[list[rec.Person], list[rec.Event]]]]
    events: int
    #: the kinds of entity the input only names (a spreadsheet's places, facilities and
    #: organisations: a name and a type): created when missing, never written over, so
    #: that they cannot erase what a case file recorded (an Arabic name, a level, PART_OF)
    references: frozenset[type] = frozenset()
    #: the uids of the input's persons: their ids are checked against those stored before
    #: anything is written (``writer.given_id_problems``)
    person_uids: set[str] = field(default_factory=set)


@dataclass
class IngestSummary:
    file: str
    sha256: str
    events: int
    run: str | None
    dry_run: bool
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    #: facility and organisation names no gazetteer entry has, created as written
    new_names: list[dict] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def prepare_case_file(path: Path, *, names=None, **_options) -> Prepared:
    """A YAML or JSON case file, read and checked in full (case files are small)."""
    from custodygraph.ingest.casefile import read_case_file

    data = read_case_file(path, names)
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
    return Prepared(entities, batches, len(data.events),
                    person_uids=set(persons))


#: problems kept in memory before the check pass gives up listing them one by one
MAX_PROBLEMS = 1000


def _flat_uids(r, names) -> dict[str, str | None]:
    """The uids a flat record refers to, by the same rules as the case-file reader.

    Facility and organisation names were checked against the gazetteer (``names``) while
    the file was read; here each is one cached look-up.
    """
    return {
        "person": make_uid("person", r.person_id),
        "facility": r.facility and names.resolve("facility", r.facility, r.facility_type).uid,
        "organization": r.organization and names.resolve(
            "organization", r.organization, r.organization_type).uid,
        "location": r.location and make_uid("location", r.location),
        "hometown": r.hometown and make_uid("location", r.hometown),
    }


def prepare_flat_file(path: Path, *, encoding: str | None = None,
                      mapping: str | Path | None = None, names=None, **_options) -> Prepared:
    """A CSV, XLSX or JSON Lines file: checked in one streaming pass, written in a second.

    Only the small tables (places, organisations, sources) and the set of person ids stay
    in memory. The check pass also builds the persons and events and keeps them, batch by
    batch, in an unnamed temporary file (private to this process, gone when it ends); the
    write pass reads them back from there instead of reading and checking the file again.
    """
    from custodygraph.ingest import flat

    problems: list[Problem] = []
    locations: dict[str, rec.Location] = {}
    facilities: dict[str, rec.Facility] = {}
    organizations: dict[str, rec.Organization] = {}
    sources: dict[str, tuple] = {}  # uid -> (file, line, title, kind, date, confidential)
    events = 0
    spill = _Spill()
    persons: list[tuple] = []
    batch: list[tuple] = []
    seen: set[str] = set()
    if names is None:
        from custodygraph.ingest.gazetteer import NameResolver
        names = NameResolver()
    for r in flat.iter_records(path, problems, encoding=encoding, mapping=mapping,
                               names=names):
        events += 1
        if len(problems) > MAX_PROBLEMS:
            break
        if problems:  # keep checking, but build nothing from a file that will be refused
            continue
        uids = _flat_uids(r, names)
        for field_name in ("location", "hometown"):
            name = getattr(r, field_name)
            if name and uids[field_name] not in locations:
                locations[uids[field_name]] = rec.Location(
                    uids[field_name], r.where, name, name_keys=name_keys(name))
        if r.facility and uids["facility"] not in facilities:
            facilities[uids["facility"]] = names.record(
                "facility", names.resolve("facility", r.facility, r.facility_type), r.where,
                r.facility, r.facility_type)
        if r.organization and uids["organization"] not in organizations:
            organizations[uids["organization"]] = names.record(
                "organization", names.resolve("organization", r.organization,
                                              r.organization_type),
                r.where, r.organization, r.organization_type)
        where = r.where
        source_uids = [ref.uid or make_uid("source", ref.name) for ref in r.sources]
        for uid, ref in zip(source_uids, r.sources):
            if uid not in sources:  # kept as a tuple until the check is done (memory)
                sources[uid] = (where.file, where.line, ref.name, ref.type or "report",
                                ref.date, bool(ref.confidential))
        if len(batch) >= EVENT_BATCH and (uids["person"] != batch[-1][3]
                                          or len(batch) >= 2 * EVENT_BATCH):
            # a batch ends between persons, so that a new person's events are written,
            # and its derived edges computed, in one batch (unless it has that many rows)
            spill.add(persons, batch)
            persons, batch = [], []
        if uids["person"] not in seen:  # a person's details come from their first row
            seen.add(uids["person"])
            persons.append((
                uids["person"], where.file, where.line, r.person, r.person_name_ar,
                list(r.person_aliases),
                name_keys(r.person, r.person_name_ar, *r.person_aliases),
                r.gender, r.birth_year, uids["hometown"], bool(r.protected), r.person_id))
        batch.append((
            flat.uid_of(r),
            where.file, where.line, uids["person"], r.event, r.earliest, r.latest,
            r.date_text, r.date_edtf, r.date_qualifier, r.sequence, r.confidence, r.notes,
            r.record_id, uids["facility"], uids["location"], uids["organization"],
            source_uids))
    if problems:
        spill.close()
        raise InvalidInput(problems)
    if batch or persons:
        spill.add(persons, batch)
    del persons, batch  # seen: the persons' uids, for the check of their ids

    def batches():
        for person_rows, event_rows in spill:
            yield ([rec.Person(p[0], rec.Where(p[1], p[2]), *p[3:7], gender=p[7],
                               birth_year=p[8], hometown=p[9], protected=p[10], given=p[11])
                    for p in person_rows],
                   [rec.Event(e[0], rec.Where(e[1], e[2]), *e[3:]) for e in event_rows])

    entities = [(rec.Location, list(locations.values())),
                (rec.Organization, list(organizations.values())),
                (rec.Facility, list(facilities.values())),
                (rec.Source, [rec.Source(uid, rec.Where(file, line), title=title, kind=kind,
                                         date=date, confidential=confidential)
                              for uid, (file, line, title, kind, date, confidential)
                              in sources.items()])]
    del sources
    return Prepared(entities, batches, events,
                    references=frozenset({rec.Location, rec.Organization, rec.Facility}),
                    person_uids=seen)


class _Spill:
    """Batches of plain tuples in an unnamed temporary file, read back in order.

    The file is created private to this process and unlinked at once, so nothing is left
    behind whatever happens to the process; it is closed when the last reader lets go.
    """

    def __init__(self) -> None:
        self._file = tempfile.TemporaryFile(prefix="custodygraph-")

    #: each batch is stored as its length, then its marshal bytes: read back whole, a batch
    #: loads several times faster than marshal.load reading the file piece by piece
    _LENGTH = struct.Struct("<Q")

    def add(self, *parts: list[tuple]) -> None:
        blob = marshal.dumps(parts)
        self._file.write(self._LENGTH.pack(len(blob)))
        self._file.write(blob)

    def __iter__(self) -> Iterator[tuple[list[tuple], ...]]:
        self._file.flush()
        self._file.seek(0)
        while True:
            head = self._file.read(self._LENGTH.size)
            if not head:
                return
            (length,) = self._LENGTH.unpack(head)
            yield marshal.loads(self._file.read(length))

    def close(self) -> None:
        self._file.close()


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


@contextmanager
def _fewer_collections():
    """Let the cyclic garbage collector run less often for the length of an ingest.

    An ingest allocates millions of short-lived rows and records, none of them in cycles;
    with the default thresholds the collector kept walking every one of them, which cost
    about a quarter of the ingest's own time.
    """
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _streamlined(ingest):
    """Run ``ingest`` with fewer collections, and with its writes pipelined where the store
    can (``pipelined()``: writes sent in order by a second thread, reads wait for them)."""

    @functools.wraps(ingest)
    def run(store: Store, *args, **kwargs):
        pipelined = getattr(store, "pipelined", None)
        with _fewer_collections(), (pipelined() if pipelined else nullcontext()):
            return ingest(store, *args, **kwargs)

    return run


@_streamlined
def ingest_file(store: Store, path: str | Path, *, dry_run: bool = False,
                batch_size: int = DEFAULT_BATCH,
                progress: Callable[[int, int], None] | None = None,
                allow_new: bool = False, gazetteers: Sequence[str | Path] = (),
                **reader_options) -> IngestSummary:
    """Check a whole file, then write it; on any problem raise InvalidInput and write nothing.

    Facility and organisation names must resolve against the gazetteer (the shipped one,
    then ``gazetteers``, the user's own files); a name it does not have is a problem unless
    ``allow_new``, which creates it as written and lists it in the summary's ``new_names``.

    Ingesting the same file again changes nothing (and records no run); an edited file
    updates the records whose content changed. ``progress(done, total)`` is called after
    each batch of events. Returns counts of created, updated and unchanged records per kind.
    """
    from custodygraph import __version__

    path = Path(path)
    if not path.is_file():
        raise InvalidInput([Problem(str(path), None, None, "no such file",
                                    "check the path and the current directory")])
    from custodygraph.ingest.gazetteer import NameResolver, load, shipped

    names = NameResolver(load(gazetteers) if gazetteers else shipped(), allow_new=allow_new)
    prepared = reader_for(path)(path, names=names, **reader_options)
    sha = file_sha256(path)
    totals = writer.Plan()
    entity_plan = writer.plan(store, prepared.entities, batch_size,
                              references=prepared.references)
    entity_plan.problems += writer.given_id_problems(store, prepared.person_uids,
                                                     prepared.batches, batch_size)
    if entity_plan.problems:
        raise InvalidInput(entity_plan.problems)
    prepared.person_uids = set()
    totals.add(entity_plan)

    run_params: dict | None = None

    def start_run() -> None:
        nonlocal run_params
        if run_params is None and not dry_run:
            store.install_schema()  # whoever opened the store: indexes before the first write
            started = _now()
            run_params = {"uid": f"run:{sha[:16]}:{started}", "file": path.name,
                          "sha256": sha, "rows": prepared.events, "started": started,
                          "finished": None, "version": __version__,
                          "stay_key_slices": SLICES}
            store.write(RECORD_RUN, run_params)

    if any(entity_plan.created.values()) or any(entity_plan.updated.values()):
        start_run()
        if not dry_run:
            writer.write_entities(store, entity_plan, run_params["uid"], batch_size)
    entity_plan = prepared.entities = None  # written: let the small tables go (memory)
    seen_persons: set[str] = set()
    done = 0
    for persons, events in prepared.batches():
        fresh = [p for p in persons if p.uid not in seen_persons]
        seen_persons.update(p.uid for p in fresh)
        # no earlier batch wrote these persons (``fresh``) or events (a file records each
        # event on one row), so they are planned while those batches are still being written
        batch_plan = writer.plan(store, [(rec.Person, fresh), (rec.Event, events)], batch_size,
                                 aside=True)
        totals.add(batch_plan)
        if batch_plan.problems:  # cannot happen for persons and events; kept as a guard
            raise InvalidInput(batch_plan.problems)
        if any(batch_plan.created.values()) or any(batch_plan.updated.values()):
            start_run()
            if not dry_run:
                writer.write_cases(store, batch_plan, run_params["uid"], batch_size)
        done += len(events)
        if progress:  # what progress reports is written, not queued
            report = functools.partial(progress, done, prepared.events)
            when_written = getattr(store, "when_written", None)
            if when_written:
                when_written(report)
            else:
                report()
    counts = {name: asdict(c) for name, c in totals.counts.items()}
    new_names = names.listed_new()
    if not dry_run:  # this run's marks, and those a killed run left (writer.refresh_stay_tables)
        writer.refresh_stay_tables(store)
        writer.refresh_case_table(store)
        writer.refresh_summaries(store, batch_size)
    if run_params is None:
        return IngestSummary(str(path), sha, prepared.events, None, dry_run, counts, new_names)
    store.write(RECORD_RUN, {**run_params, "finished": _now()})
    store.after_ingest()
    return IngestSummary(str(path), sha, prepared.events, run_params["uid"], False, counts,
                         new_names)
