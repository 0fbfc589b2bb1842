"""Ingest throughput and memory on generated flat records, end to end through the CLI.

    python benchmarks/ingest_bench.py --persons 150000          # about 1,000,000 rows

Generates the file (unless it exists), ingests it with ``custodygraph ingest`` into a fresh
embedded store, and prints a Markdown table: rows, wall time, rows per second, peak RSS of the
custodygraph process and of the server, and the size of the append-only files after
compaction. A second ingest of the same file is timed too (everything unchanged).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402


def _server_peak_kb(home: Path) -> int:
    pid = int((home / "server.pid").read_text())
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def _ingest(home: Path, path: Path) -> tuple[float, int]:
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home)}
    env.pop("NEO4J_URI", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "custodygraph.cli", "ingest", str(path), "--quiet",
                    "--json"], env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(peak, before)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=150_000)
    parser.add_argument("--file", type=Path, default=None,
                        help="CSV to ingest (generated there if missing)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-ingest-bench-"))
    path = args.file or work / f"events-{args.persons}.csv"
    if not path.exists():
        generate(args.persons, path, seed=args.seed)
    rows = sum(1 for _ in open(path, encoding="utf-8")) - 1
    home = work / "home"
    try:
        wall, peak_kb = _ingest(home, path)
        server_kb = _server_peak_kb(home)
        aof = sum(f.stat().st_size for f in (home / "appendonlydir").iterdir())
        again, _ = _ingest(home, path)
    finally:
        subprocess.run([sys.executable, "-m", "custodygraph.cli", "db", "stop", "--data-dir",
                        str(home)], check=False, stdout=subprocess.DEVNULL)
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}\n")
    print("| rows | first ingest | rows/s | custodygraph peak RSS | server peak RSS "
          "| append-only files | second ingest (unchanged) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {rows:,} | {wall:.1f} s | {rows / wall:,.0f} | {peak_kb / 1024:.0f} MB | "
          f"{server_kb / 1024:.0f} MB | {aof / 2**20:.0f} MB | {again:.1f} s |")


if __name__ == "__main__":
    main()
