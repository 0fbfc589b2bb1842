"""One ingest: pick the reader for a file, check it all, plan, write, record the run.

>>> reader_for("cases.yaml").__name__
'read_case_file'
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from custodygraph.errors import InvalidInput, Problem
from custodygraph.graph.store import DEFAULT_BATCH, Store
from custodygraph.ingest import records as rec
from custodygraph.ingest import writer
from custodygraph.ingest.casefile import read_case_file

READERS: dict[str, Callable[[Path], rec.Dataset]] = {
    ".yaml": read_case_file,
    ".yml": read_case_file,
    ".json": read_case_file,
}

RECORD_RUN = """
MERGE (r:IngestRun {uid: $uid})
SET r.file = $file, r.sha256 = $sha256, r.rows = $rows, r.started = $started,
    r.finished = $finished, r.version = $version
"""


@dataclass
class IngestSummary:
    file: str
    sha256: str
    events: int
    run: str | None
    dry_run: bool
    counts: dict[str, dict[str, int]]

    def as_dict(self) -> dict:
        return asdict(self)


def reader_for(path: str | Path) -> Callable[[Path], rec.Dataset]:
    suffix = Path(path).suffix.lower()
    try:
        return READERS[suffix]
    except KeyError:
        raise InvalidInput([Problem(str(path), None, None,
                                    f"cannot read {suffix or 'files without an extension'}",
                                    f"use one of: {', '.join(sorted(READERS))}")]) from None


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def ingest_file(store: Store, path: str | Path, *, dry_run: bool = False,
                batch_size: int = DEFAULT_BATCH) -> IngestSummary:
    """Check a whole file, then write it; on any problem raise InvalidInput and write nothing.

    Ingesting the same file again changes nothing; an edited file updates the records whose
    content changed. Returns counts of created, updated and unchanged records per kind.
    """
    from custodygraph import __version__

    path = Path(path)
    if not path.is_file():
        raise InvalidInput([Problem(str(path), None, None, "no such file",
                                    "check the path and the current directory")])
    data = reader_for(path)(path)
    sha = _sha256(path)
    the_plan = writer.plan(store, data, batch_size)
    if the_plan.problems:
        raise InvalidInput(the_plan.problems)
    counts = {name: asdict(c) for name, c in the_plan.counts.items()}
    nothing_new = not any(the_plan.changed.values())
    if dry_run or nothing_new:
        # an identical re-ingest leaves the graph exactly as it was: no run is recorded
        return IngestSummary(str(path), sha, len(data.events), None, dry_run, counts)
    started = _now()
    run = f"run:{sha[:16]}:{started}"
    run_params = {"uid": run, "file": path.name, "sha256": sha, "rows": len(data.events),
                  "started": started, "finished": None, "version": __version__}
    store.write(RECORD_RUN, run_params)
    writer.write(store, data, the_plan, run, batch_size)
    store.write(RECORD_RUN, {**run_params, "finished": _now()})
    store.after_ingest()
    return IngestSummary(str(path), sha, len(data.events), run, False, counts)
