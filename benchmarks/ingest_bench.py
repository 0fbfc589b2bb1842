"""Ingest throughput and memory on generated flat records, end to end through the CLI.

    python benchmarks/ingest_bench.py --persons 150000          # about 1,000,000 rows

Generates the file (unless it exists), ingests it with ``custodygraph ingest`` into a fresh
embedded store, and prints a Markdown table: rows, wall time, rows per second, peak RSS of the
custodygraph process and of the server, and the size of the append-only files after
compaction. A second ingest of the same file is timed too (everything unchanged). With
``--runs N`` the whole measurement is repeated on fresh stores and the table gives the
median of each figure; the load average is printed, since a shared machine slows every run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
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
    """Wall time and peak RSS (KB) of one ``custodygraph ingest``."""
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home)}
    env.pop("NEO4J_URI", None)
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "custodygraph", "ingest", str(path),
                             "--quiet", "--json"], env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode:
        raise SystemExit(f"custodygraph ingest failed with status {proc.returncode}")
    return wall, usage.ru_maxrss


def _measure(work: Path, path: Path) -> tuple[float, int, int, int, float]:
    """One measurement on a fresh store: first ingest (wall, peak KB), server peak KB,
    append-only bytes, second ingest wall."""
    home = work / "home"
    shutil.rmtree(home, ignore_errors=True)
    try:
        wall, peak_kb = _ingest(home, path)
        server_kb = _server_peak_kb(home)
        aof = sum(f.stat().st_size for f in (home / "appendonlydir").iterdir())
        again, _ = _ingest(home, path)
    finally:
        subprocess.run([sys.executable, "-m", "custodygraph", "db", "stop", "--data-dir",
                        str(home)], check=False, stdout=subprocess.DEVNULL)
    return wall, peak_kb, server_kb, aof, again


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=150_000)
    parser.add_argument("--file", type=Path, default=None,
                        help="CSV to ingest (generated there if missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=1,
                        help="repeat on fresh stores and report medians")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="cg-ingest-bench-"))
    path = args.file or work / f"events-{args.persons}.csv"
    if not path.exists():
        generate(args.persons, path, seed=args.seed)
    rows = sum(1 for _ in open(path, encoding="utf-8")) - 1
    runs = []
    for number in range(args.runs):
        runs.append(_measure(work, path))
        print(f"run {number + 1}: {runs[-1][0]:.1f} s, {rows / runs[-1][0]:,.0f} rows/s, "
              f"peak {runs[-1][1] / 1024:.0f} MB, load average {os.getloadavg()[0]:.1f}",
              file=sys.stderr)
    wall, peak_kb, server_kb, aof, again = (statistics.median(column) for column in zip(*runs))
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}; {args.runs} run(s), medians; load average "
          f"{os.getloadavg()[0]:.1f} at the end\n")
    print("| rows | first ingest | rows/s | custodygraph peak RSS | server peak RSS "
          "| append-only files | second ingest (unchanged) |")
    print("|---|---|---|---|---|---|---|")
    print(f"| {rows:,} | {wall:.1f} s | {rows / wall:,.0f} | {peak_kb / 1024:.0f} MB | "
          f"{server_kb / 1024:.0f} MB | {aof / 2**20:.0f} MB | {again:.1f} s |")


if __name__ == "__main__":
    main()
