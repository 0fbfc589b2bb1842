"""Time the investigation queries on a loaded graph and print a Markdown table.

    python benchmarks/queries_bench.py --data-dir DIR [--graph NAME] [--seed 1]

DIR is a data directory whose embedded store already holds the graph (load it first with
``custodygraph ingest``). The embedded server is started if needed and stays running, so
the command-line figure is that of a command run against a running server. Measured:

- one custody chain (``custody_chain`` by uid), over ``--chains`` random persons: p50, p99;
  and through the API's front door (``api.chain``), which also reads every protected
  person's names to scrub the chain's free text of them, over a tenth as many (no target:
  the command's wall time below includes it);
- recurrence over every case (``recurring``), ``--repeat`` times: median;
- co-detention (``codetained``) for ``--codetention`` random persons: p50, p99, as the
  command answers by default (the first 50 certain and possible co-detainees, ranked from
  the stay tables, with how many there are in all), and with every co-detainee listed, with
  the number of co-detainees found;
- the whole ``custodygraph chain PERSON --format json`` command, ``--cli`` runs: median
  wall time, interpreter start included.

The objects loaded before the timing starts are set aside from the garbage collector's full
passes (``gc.freeze``), as the command does at start; ``--no-freeze`` leaves them in, as a
long-running program that does not freeze its start-up has them (one call in a few dozen
then pays a pass over all of them).

Targets are those set for a graph of one million events.
"""

from __future__ import annotations

import argparse
import gc
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from custodygraph import api
from custodygraph.config import Config
from custodygraph.graph.falkor import FalkorStore
from custodygraph.queries.codetention import FIRST as LIMIT
from custodygraph.queries.codetention import RUNS_WITHOUT_KEYS, SLICES, codetained
from custodygraph.queries.custody import custody_chain
from custodygraph.queries.recurrence import recurring
from custodygraph.ingest.writer import STALE_TABLES

PERSONS = "MATCH (p:Person) RETURN p.uid AS uid ORDER BY p.uid"
EVENTS = "MATCH (e:Event) RETURN count(e) AS n"

TARGETS = {
    "chain p50": 2.0, "chain p99": 10.0, "recurrence": 1000.0, "co-detention p50": 50.0,
    "co-detention p99": 50.0, "co-detention, every one, p50": 50.0,
    "co-detention, every one, p99": 50.0, "CLI chain": 600.0,
    "api.chain p50": None, "api.chain p99": None,
}



def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method."""
    ranked = sorted(values)
    rank = max(1, -(-len(ranked) * q // 100))  # ceiling
    return ranked[int(rank) - 1]


def timed(func, *args, **kwargs) -> float:
    """Milliseconds one call takes."""
    start = time.perf_counter()
    func(*args, **kwargs)
    return (time.perf_counter() - start) * 1000


def machine_pace() -> float:
    """Seconds a plain Python loop of ten million additions takes: how fast this machine
    runs today, to compare figures taken on different days (the same code has measured
    twice as slow on a slow day)."""
    start = time.perf_counter()
    total = 0
    for i in range(10_000_000):
        total += i
    return time.perf_counter() - start


def round_trip(store: FalkorStore) -> float:
    """Microseconds a PING to the server takes, median of 1,000: how fast this machine
    passes a message between two processes today (a chain is mostly such passing)."""
    connection = store.db.connection
    times = []
    for _ in range(1000):
        start = time.perf_counter()
        connection.ping()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e6


def cli_command() -> list[str]:
    script = Path(sys.executable).with_name("custodygraph")
    if script.exists():
        return [str(script)]
    found = shutil.which("custodygraph")
    return [found] if found else [sys.executable, "-m", "custodygraph"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path,
                        help="data directory of the embedded store, with the graph loaded")
    parser.add_argument("--graph", default=Config(Path(".")).graph, help="graph name")
    parser.add_argument("--seed", type=int, default=1, help="seed of the random persons")
    parser.add_argument("--chains", type=int, default=1000)
    parser.add_argument("--codetention", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3, help="recurrence runs")
    parser.add_argument("--cli", type=int, default=5, help="command-line runs")
    parser.add_argument("--no-freeze", action="store_true",
                        help="leave the start-up objects to the garbage collector's full "
                             "passes (by default they are set aside, as the command does)")
    args = parser.parse_args(argv)

    store = FalkorStore(args.data_dir.expanduser().absolute(), args.graph)
    try:
        persons = [r["uid"] for r in store.read(PERSONS)]
        if not persons:
            print(f"no persons in graph {args.graph!r} of {args.data_dir}", file=sys.stderr)
            return 1
        events = store.read(EVENTS)[0]["n"]
        rng = random.Random(args.seed)

        def sample(n: int) -> list[str]:
            return [rng.choice(persons) for _ in range(n)]

        ping = round_trip(store)
        custody_chain(store, persons[0])  # warm the connection and the caches
        codetained(store, persons[0], limit=LIMIT)  # and load what co-detention imports
        if not args.no_freeze:
            # what was loaded so far lives as long as the process: as the command does
            # (custodygraph.__main__), it is set aside from the collector's full passes,
            # each of which would otherwise go over its tens of thousands of objects
            gc.freeze()
        chains = [timed(custody_chain, store, uid) for uid in sample(args.chains)]
        fronted = [timed(api.chain, store, uid) for uid in sample(max(1, args.chains // 10))]
        runs = [timed(recurring, store) for _ in range(args.repeat)]
        cases = len(recurring(store))
        if store.read(RUNS_WITHOUT_KEYS, {"slices": SLICES})[0]["runs"]:
            print("note: runs of an earlier version wrote this graph; co-detention is not "
                  "ranked by the store", file=sys.stderr)
        if store.read(STALE_TABLES):
            print("note: stay tables are out of date (an ingest was cut short); co-detention "
                  "is ranked by the store where they are", file=sys.stderr)
        # the answers as the command gives them first, then every co-detainee of the same
        # persons: answers of thousands of co-detainees left in memory would make the
        # garbage collector's passes during the next calls longer than the calls
        persons_asked = sample(args.codetention)
        codet = [timed(codetained, store, uid, limit=LIMIT) for uid in persons_asked]
        whole, found = [], []
        for uid in persons_asked:
            start = time.perf_counter()
            result = codetained(store, uid)
            whole.append((time.perf_counter() - start) * 1000)
            found.append(len(result.certain) + len(result.possible))
            del result
    finally:
        store.close()

    walls = []
    for uid in sample(args.cli):
        command = cli_command() + ["chain", uid, "--data-dir", str(args.data_dir), "--graph",
                                   args.graph, "--format", "json"]
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        walls.append((time.perf_counter() - start) * 1000)

    measured = {
        "chain p50": percentile(chains, 50), "chain p99": percentile(chains, 99),
        "api.chain p50": percentile(fronted, 50), "api.chain p99": percentile(fronted, 99),
        "recurrence": statistics.median(runs),
        "co-detention p50": percentile(codet, 50), "co-detention p99": percentile(codet, 99),
        "co-detention, every one, p50": percentile(whole, 50),
        "co-detention, every one, p99": percentile(whole, 99),
        "CLI chain": statistics.median(walls),
    }
    detail = {
        "chain p50": f"{args.chains} random persons", "chain p99": f"{args.chains} random persons",
        "api.chain p50": f"{len(fronted)} random persons, free text scrubbed of every "
                         "protected person's names",
        "api.chain p99": f"{len(fronted)} random persons, free text scrubbed of every "
                         "protected person's names",
        "recurrence": f"median of {args.repeat}; {cases} facilities and organisations",
        "co-detention p50": f"{args.codetention} random persons, the first {LIMIT} of "
                            "each kind and the counts",
        "co-detention p99": f"{args.codetention} random persons, the first {LIMIT} of "
                            "each kind and the counts",
        "co-detention, every one, p50": f"the same persons; co-detainees p50 "
                                        f"{percentile(found, 50):,}",
        "co-detention, every one, p99": f"the same persons; co-detainees p99 "
                                        f"{percentile(found, 99):,}",
        "CLI chain": f"median of {args.cli}, `custodygraph chain UID --format json`",
    }
    print(f"Graph {args.graph!r}: {len(persons):,} persons, {events:,} events; start-up "
          + ("left to the collector" if args.no_freeze else "set aside (gc.freeze)") + "; "
          f"machine pace: a Python loop of 10,000,000 additions in {machine_pace():.2f} s, "
          f"a PING to the server {ping:.0f} µs.\n")
    print("| measure | ms | target at 1M events (ms) | runs |")
    print("|---|---:|---:|---|")
    for name, value in measured.items():
        target = "" if TARGETS[name] is None else f"{TARGETS[name]:g}"
        print(f"| {name} | {value:.1f} | {target} | {detail[name]} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
