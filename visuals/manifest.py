"""Where outputs go, and the manifest that says how each was made.

Every view, diagram and export gets a sidecar ``FILE.manifest.json`` (for an output that is a
folder of files: ``manifest.json`` inside it) recording:

- ``command``: the command line that made it, as the tool understood it;
- ``query``: the function, its arguments and its filters;
- ``store``: which store and graph it was read from;
- ``created``: when (UTC), ``tool`` and ``version``;
- ``redacted``: whether confidential sources and protected persons are hidden;
- ``files``: each file's name, size and SHA-256.

Output paths are the user's: a single-file output is written exactly where ``-o`` says;
a folder output is written inside the folder ``-o`` names, under fixed names made safe by
``safe_name`` and checked to stay inside that folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from custodygraph.errors import CustodyGraphError
from custodygraph.ingest.keys import file_sha256

SUFFIX = ".manifest.json"
FOLDER_MANIFEST = "manifest.json"


class OutputError(CustodyGraphError):
    """An output cannot be written where it was asked to go."""


@dataclass
class Provenance:
    """How an output was made (see the module's notes)."""

    #: the command line, as a list of words (None when called from Python)
    command: list[str] | None = None
    #: the function and its arguments
    query: dict[str, Any] = field(default_factory=dict)
    #: store.describe(), plus the graph name where there is one
    store: str = ""


def store_description(store) -> str:
    """store.describe() and the graph name, never a password a URI may carry."""
    text = re.sub(r"//[^/@\s]+@", "//", store.describe())
    graph = getattr(store, "graph_name", None)
    return f"{text}, graph {graph}" if graph else text


def store_label(store) -> str:
    """Which store, without where it lives on this machine: for lines printed on outputs."""
    engine = "embedded FalkorDB" if store.backend == "falkordb" else "Neo4j"
    graph = getattr(store, "graph_name", None) or getattr(store, "database", None)
    return f"{engine}, graph {graph}" if graph else engine


def sha256(path: Path) -> str:
    return file_sha256(path)


def safe_name(name: str) -> str:
    """A file name with nothing but letters, digits, dot, dash and underscore, never a path.

    >>> safe_name("../../etc/passwd")
    'etc_passwd'
    >>> safe_name("nodes-Person.csv")
    'nodes-Person.csv'
    """
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")
    cleaned = re.sub(r"\.{2,}", ".", cleaned)
    if not cleaned:
        raise OutputError(f"cannot make a file name from {name!r}")
    return cleaned[:120]


def file_target(path: str | Path) -> Path:
    """The file ``path`` names; its folder must exist and it must not be a folder."""
    path = Path(path)
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name with -o")
    if not path.parent.exists():
        raise OutputError(f"the folder {path.parent} does not exist; create it first")
    return path


def folder_target(path: str | Path) -> Path:
    """The folder ``path`` names, created if missing (its parent must exist)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{path} is a file; this format writes a folder of files, give a "
                          "folder name with -o")
    if not path.exists():
        if not path.parent.exists():
            raise OutputError(f"the folder {path.parent} does not exist; create it first")
        path.mkdir()
    return path


def inside(folder: Path, name: str) -> Path:
    """``folder / safe_name(name)``, refusing anything that would land outside ``folder``."""
    target = folder / safe_name(name)
    if target.resolve().parent != folder.resolve():
        raise OutputError(f"refusing to write {name!r} outside {folder}")
    return target


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def record(files: list[Path], provenance: Provenance, *, fmt: str, redacted: bool,
           counts: dict[str, int] | None = None, folder: Path | None = None) -> Path:
    """Write the manifest of ``files``: next to a single file, or inside ``folder``."""
    from custodygraph import __version__

    manifest = {
        "tool": "custodygraph",
        "version": __version__,
        "created": _now(),
        "format": fmt,
        "redacted": redacted,
        "command": provenance.command,
        "query": provenance.query,
        "store": provenance.store,
        "counts": counts or {},
        "files": [{"name": f.name, "bytes": f.stat().st_size, "sha256": sha256(f)}
                  for f in files],
    }
    if folder is not None:
        target = folder / FOLDER_MANIFEST
    else:
        (single,) = files
        target = single.with_name(single.name + SUFFIX)
    target.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n",
                      encoding="utf-8")
    return target


def check(path: str | Path) -> dict[str, Any]:
    """Read a manifest and verify the SHA-256 of every file it lists; raise OutputError on a
    mismatch. ``path`` is the manifest, an output file or an output folder."""
    path = Path(path)
    if path.is_dir():
        manifest_path, folder = path / FOLDER_MANIFEST, path
    elif path.name.endswith(SUFFIX) or path.name == FOLDER_MANIFEST:
        manifest_path, folder = path, path.parent
    else:
        manifest_path, folder = path.with_name(path.name + SUFFIX), path.parent
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        actual = sha256(inside(folder, entry["name"]))
        if actual != entry["sha256"]:
            raise OutputError(f"{entry['name']} has changed since it was made "
                              f"(SHA-256 {actual}, manifest says {entry['sha256']})")
    return manifest
