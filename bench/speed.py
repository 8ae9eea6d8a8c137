"""Every speed and memory goal of the project in one run, each figure beside its goal. Not a test:
it checks nothing, and its figures belong to the machine.

Run ``make bench-speed`` (or ``.venv/bin/python bench/speed.py``; add ``--database-url
postgres://user@host:5432/name`` for the PostgreSQL rows: a fresh database is created next to
the one named for each run, and dropped after). It runs the other benchmark scripts in turn, each
in its own process so that one's caches and memory do not touch the next's, notes the machine's
load average before and after each, and prints one table:

- ``bench/geo.py``: the lookup by point and by address against a minimal Django view over HTTP
  (waitress) and in process, with the bare STRtree query and the area index side by side, and
  the import of the address register (10 million addresses by default);
- ``bench/neighbours.py``: neighbours of 10,000 real-shaped areas, and of one changed area;
- ``bench/delivery.py``: the click of a relay to 100 admins and the last of its messages accepted
  by a fake gateway at 1,000 messages a second;
- ``bench/memory.py``: the web process after 10,000 mixed requests and across 100,000, the idle
  worker and the import's peak;
- ``bench/start.py``: what a process pays at start.

Each script's own JSON is kept beside the summary (``bench/results/speed/``); the summary goes to
``bench/results/speed-latest.json``. docs/benchmarks.md records the runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results" / "speed-latest.json"
FOLDER = HERE / "results" / "speed"


def _load() -> float:
    return round(os.getloadavg()[0], 2)


def _run(name: str, script: str, args: list[str], output: Path, runs: list[dict], *, output_flag=True) -> dict | None:
    """Run ``bench/<script>`` with ``args`` (and ``--output``), note the load around it and
    return its JSON, or None when it failed (the failure is in the summary)."""
    command = [sys.executable, str(HERE / script), *args]
    if output_flag:
        command += ["--output", str(output)]
    print(f"\n=== {name}: {' '.join(command[1:])}", flush=True)
    before, started = _load(), time.perf_counter()
    done = subprocess.run(command, check=False)  # noqa: S603 (this interpreter, this project's scripts)
    entry = {
        "name": name,
        "command": " ".join(command[1:]),
        "load_before": before,
        "load_after": _load(),
        "seconds": round(time.perf_counter() - started, 1),
        "exit": done.returncode,
    }
    runs.append(entry)
    if done.returncode != 0 or not output.exists():
        return None
    return json.loads(output.read_text())


def _median(values) -> float | None:
    values = [v for v in values or () if v is not None]
    return round(statistics.median(values), 3) if values else None


def _row(rows: list[dict], figure: str, value, goal: str, met: bool | None, run: str, unit: str = "") -> None:
    rows.append({"figure": figure, "value": value, "unit": unit, "goal": goal, "met": met, "run": run})


def _at_least(value, goal: float) -> bool | None:
    return None if value is None else value >= goal


def _at_most(value, goal: float) -> bool | None:
    return None if value is None else value <= goal


def _per_s(timings: list[dict], name: str) -> float | None:
    return _median([t["per_s"] for t in timings if t["name"] == name])


def geo_rows(rows: list[dict], result: dict | None, run: str) -> None:
    if result is None:
        _row(rows, "lookups and address import", "failed", "", False, run)
        return
    ratio = result.get("ratio", {})
    for kind, label in (("point", "lookup by point"), ("address", "lookup by address")):
        value = _median(ratio.get(f"http_{kind}_vs_minimal_view"))
        _row(rows, f"{label} / minimal view, over HTTP", value, "≥ 0.8", _at_least(value, 0.8), run)
        cpu = _median(ratio.get(f"http_{kind}_vs_minimal_view_cpu"))
        _row(rows, f"{label} / minimal view, over HTTP, per server CPU second", cpu, "", None, run)
        value = _median(ratio.get(f"{kind}_vs_minimal_view"))
        _row(rows, f"{label} / minimal view, in process", value, "", None, run)
    room = result.get("headroom") or {}
    if room.get("address_extra_ms") is not None:
        # What a ratio of 0.8 leaves a lookup beyond the minimal view, beside what each takes.
        _row(
            rows,
            "what 0.8 leaves a lookup beyond the minimal view, over HTTP",
            room["allowed_extra_ms"],
            "",
            None,
            run,
            "ms",
        )
        _row(rows, "lookup by point beyond the minimal view, over HTTP", room["point_extra_ms"], "", None, run, "ms")
        _row(
            rows, "lookup by address beyond the minimal view, over HTTP", room["address_extra_ms"], "", None, run, "ms"
        )
        _row(rows, "register query of a lookup by address, in process", room["register_query_ms"], "", None, run, "ms")
        _row(rows, "empty database round trip, in process", room["round_trip_ms"], "", None, run, "ms")
    timings = result.get("timings", [])
    bare, ours = _per_s(timings, "bare STRtree query"), _per_s(timings, "areas.index.lookup")
    if bare and ours:
        _row(rows, "area index lookup / bare STRtree query", round(ours / bare, 3), "", None, run)
    addresses = result.get("addresses", {})
    if not addresses.get("skipped"):
        _row(
            rows,
            f"import of {addresses.get('rows', 0):,} addresses",
            addresses.get("import_s"),
            "≤ 180 s",
            _at_most(addresses.get("import_s"), 180),
            run,
            "s",
        )


def neighbours_rows(rows: list[dict], result: dict | None, run: str) -> None:
    if result is None:
        _row(rows, "neighbours", "failed", "", False, run)
        return
    full = result["full"]["best_refresh_wall_cpu_s"]
    wall = full[0] if isinstance(full, list | tuple) else full
    areas = result["areas"]["areas"]
    _row(rows, f"neighbours of all {areas:,} areas, full recompute", wall, "≤ 3 s", _at_most(wall, 3), run, "s")
    one = result["one_area"]["refresh_ms_median"]
    _row(rows, "neighbours of one changed area, median", one, "≤ 50 ms", _at_most(one, 50), run, "ms")
    _row(rows, "neighbours of one changed area, worst", result["one_area"]["refresh_ms_max"], "", None, run, "ms")


def delivery_rows(rows: list[dict], result: dict | None, run: str) -> None:
    if result is None:
        _row(rows, "relay to 100 admins", "failed", "", False, run)
        return
    fast = result["relay_1000_per_s"]
    click = fast["click_p50_ms"]
    _row(rows, "relay to 100 admins: the click, median", click, "≤ 150 ms", _at_most(click, 150), run, "ms")
    last = fast["last_accepted_p95_s"]
    runs = fast["runs"]
    _row(
        rows,
        f"relay: last message accepted at 1,000/s, p95 of {runs} runs",
        last,
        "≤ 1 s",
        _at_most(last, 1) if runs >= 5 else False,
        run,
        "s",
    )


def memory_rows(rows: list[dict], result: dict | None, run: str) -> None:
    if result is None:
        _row(rows, "memory", "failed", "", False, run)
        return
    for figure, value, goal, met in result.get("figures", []):
        _row(rows, figure, value, goal, met, run)


def start_rows(rows: list[dict], result: dict | None, run: str) -> None:
    if result is None:
        _row(rows, "process start", "failed", "", False, run)
        return
    _row(rows, "process start, CPU median", result["cpu_median_s"], "", None, run, "s")
    built = result["projections_built"]
    _row(rows, "map projections built at start", built, "0", built == [0], run)


def table(summary: dict) -> str:
    m = summary["machine"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}; {summary['date']}; "
        f"total {summary['total_s']} s",
        "",
        "Runs (load average before → after):",
    ]
    for run in summary["runs"]:
        state = "" if run["exit"] == 0 else f"  FAILED (exit {run['exit']})"
        lines.append(
            f"  {run['name']:<22} {run['seconds']:>7} s   load {run['load_before']} → {run['load_after']}{state}"
        )
    lines += ["", f"{'figure':<66} {'measured':>12} {'goal':>10}  met  run", "-" * 110]
    for row in summary["rows"]:
        value = row["value"]
        shown = f"{value}{' ' + row['unit'] if row['unit'] and value is not None else ''}"
        met = {True: "yes", False: "NO", None: ""}[row["met"]]
        lines.append(f"{row['figure']:<66} {shown:>12} {row['goal']:>10}  {met:<4} {row['run']}")
    missed = [r["figure"] + f" ({r['run']})" for r in summary["rows"] if r["met"] is False]
    lines += ["", "Every goal met." if not missed else "Not met: " + "; ".join(missed)]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=int, default=10_000_000, help="size of the register (bench/geo.py)")
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--database-url", default="", help="postgres://… for the PostgreSQL rows (default: none)")
    parser.add_argument("--budget", type=float, default=4.0, help="seconds per timed lookup measure")
    parser.add_argument("--requests", type=int, default=10_000, help="mixed requests before the memory reading")
    parser.add_argument("--leak-requests", type=int, default=100_000)
    parser.add_argument("--relay-runs", type=int, default=10)
    parser.add_argument(
        "--only",
        default="geo,neighbours,delivery,memory,start",
        help="comma-separated parts to run (geo, neighbours, delivery, memory, start)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    parts = {p.strip() for p in args.only.split(",") if p.strip()}

    started = time.perf_counter()
    FOLDER.mkdir(parents=True, exist_ok=True)
    runs: list[dict] = []
    rows: list[dict] = []
    databases = [("sqlite", [])]
    if args.database_url:
        databases.append(("postgresql", ["--database-url", args.database_url]))
    size = ["--areas", str(args.areas)]
    if "geo" in parts:
        for db, extra in databases:
            out = FOLDER / f"geo-{db}.json"
            geo = ["--addresses", str(args.addresses), "--budget", str(args.budget), *size, *extra]
            if db == "postgresql":
                fresh = _fresh_database(args.database_url)
                geo[-1] = fresh
            try:
                geo_rows(rows, _run(f"geo ({db})", "geo.py", geo, out, runs), db)
            finally:
                if db == "postgresql":
                    _drop_database(args.database_url, fresh)
    if "neighbours" in parts:
        out = FOLDER / "neighbours.json"
        neighbours_rows(rows, _run("neighbours", "neighbours.py", size, out, runs), "sqlite")
    if "delivery" in parts:
        for db, extra in databases:
            out = FOLDER / f"delivery-{db}.json"
            delivery = ["--runs", str(args.relay_runs), "--messages", "2000", *extra]
            delivery_rows(rows, _run(f"delivery ({db})", "delivery.py", delivery, out, runs), db)
    if "memory" in parts:
        for db, extra in databases[:1]:
            out = FOLDER / f"memory-{db}.json"
            memory = [
                "--addresses",
                str(args.addresses),
                *size,
                "--requests",
                str(args.requests),
                "--leak-requests",
                str(args.leak_requests),
                *extra,
            ]
            memory_rows(rows, _run(f"memory ({db})", "memory.py", memory, out, runs), db)
    if "start" in parts:
        out = FOLDER / "start.json"
        start_rows(rows, _run("start", "start.py", ["9"], out, runs), "")

    sys.path.insert(0, str(HERE))
    summary = {
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
        },
        "date": time.strftime("%Y-%m-%d"),
        "runs": runs,
        "rows": rows,
        "total_s": round(time.perf_counter() - started, 1),
    }
    text = table(summary)
    print("\n" + text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(summary, indent=1, ensure_ascii=False) + "\n")
    print(f"\nWritten to {args.output}")


def _fresh_database(url: str) -> str:
    """A fresh, empty database on the server of ``url`` (bench/geo.py migrates what it is given)."""
    import psycopg

    name = f"bench_speed_{os.getpid()}"
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")
    return url.rsplit("/", 1)[0] + f"/{name}"


def _drop_database(url: str, fresh_url: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {fresh_url.rsplit('/', 1)[1]} WITH (FORCE)")


if __name__ == "__main__":
    main()
