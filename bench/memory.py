"""Memory at national scale: the web server, the worker and the address import, each measured from
outside as its own process. Not a test: it checks nothing, and its figures belong to the machine.

Run ``make bench-memory`` (or ``.venv/bin/python bench/memory.py``; ``--addresses 1000000`` for a
shorter run). In a temporary directory it migrates a fresh SQLite database (or uses
``--database-url`` for PostgreSQL), imports ``--areas`` synthetic areas (those of bench/geo.py)
with one active group each, and measures:

- the address import of ``--addresses`` rows, run as ``manage.py import_addresses`` in a child
  process: its time and its peak resident memory (the child's ``ru_maxrss``), with the SQLite page
  cache of imports as the settings give it (BUURTWACHT_IMPORT_SQLITE_CACHE_MB) and, for each value
  of ``--import-cache-mb`` (e.g. ``512,64``), again into a fresh copy of the database as it was
  before the import (SQLite only: the setting does nothing on PostgreSQL);
- the web server, started as production starts it (``manage.py serve --no-worker``, waitress),
  sent ``--requests`` requests of a fixed mix (lookups by point and by address through the API and
  the search page, a group's page, the home page with its map, the empty search page, the groups'
  GeoJSON) over HTTP from ``--clients`` keep-alive connections; then its resident memory
  (``VmRSS``, ``VmHWM`` and ``smaps_rollup`` from ``/proc``);
- the same mix on up to ``--leak-requests`` requests, the resident memory read every
  ``--requests``: the growth after the first ``--requests`` is what a leak would show;
- the worker (``manage.py run_worker``) on the same database: once the jobs it finds at start are
  done (the national coverage count after the import) and it has used under 5 % of a CPU for
  ``--worker-wait`` seconds, its resident memory, and its peak until then.

The table gives each figure with its goal; the JSON goes to ``bench/results/memory-latest.json``.
See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
# bench/ for its sibling scripts, the project for its apps (run as `python bench/<name>.py`).
sys.path[:0] = [str(HERE), str(ROOT)]

import geo  # noqa: E402  (bench/geo.py: the synthetic country)
import http_load  # noqa: E402  (bench/http_load.py: the loopback port, /proc CPU time)
import run as base  # noqa: E402  (bench/run.py: configure, machine, finish)

RESULTS = HERE / "results" / "memory-latest.json"
GOAL_MB = 150.0
# Growth of the server's resident memory from the first sample to the last that still counts as
# none: the allocator's arenas settle by a few megabytes whatever the code does.
LEAK_TOLERANCE_MB = 5.0
# The mix, per 1,000 requests: what residents do most (look a place up) most often; the two
# answers that carry every group's area (the public map's layer, which the home page's script
# fetches, and the open GeoJSON) rarely, as each is megabytes at 10,000 groups.
MIX = (
    ("api_point", 350),
    ("api_address", 250),
    ("search_point", 100),
    ("search_address", 100),
    ("group_page", 120),
    ("search_page", 77),
    ("home", 1),
    ("map_layer", 1),
    ("groups_geojson", 1),
)
HEADERS = http_load.HEADERS


# --- Reading a process from outside -----------------------------------------------------------


def proc_status(pid: int) -> dict:
    """``VmRSS``, ``VmHWM`` (the peak) in MB and the number of threads, from /proc/<pid>/status."""
    out: dict = {}
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        key, _sep, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
        elif key == "Threads":
            out[key] = int(value)
    return out


def smaps_rollup(pid: int) -> dict:
    """What the resident memory is made of (MB): anonymous (the heap: Python objects, SQLite's
    page cache, GEOS) against file-backed (the interpreter and the libraries' code, shared)."""
    out: dict = {}
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return out
    for line in text.splitlines()[1:]:
        key, _sep, value = line.partition(":")
        if key in ("Rss", "Pss", "Shared_Clean", "Private_Clean", "Private_Dirty", "Anonymous"):
            out[key] = round(int(value.split()[0]) / 1024, 1)
    return out


def child_env(**extra: str) -> dict:
    """The environment of the project's processes: bench/run.py's configuration (the embedded
    mode, no DEBUG, this run's database and var directory) plus ``extra``."""
    env = dict(os.environ)
    env.update(extra)
    return env


def manage(*args: str, env: dict, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, **kwargs)  # noqa: S603


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- The import -------------------------------------------------------------------------------


def import_measured(csv_path: Path, var: Path, env: dict) -> dict:
    """``manage.py import_addresses`` in a child process: its time, and its peak resident memory
    and CPU time as ``wait4`` gives them for that child alone."""
    load = round(os.getloadavg()[0], 2)
    t0 = time.perf_counter()
    log = var / "import.log"
    with log.open("wb") as out:
        process = manage(
            "import_addresses",
            str(csv_path),
            "--report",
            str(var / "rejected.csv"),
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - t0
    process.returncode = os.waitstatus_to_exitcode(status)
    text = log.read_text(errors="replace").strip()
    if process.returncode != 0:
        raise SystemExit(f"import_addresses failed ({process.returncode}): {text[-2000:]}")
    return {
        "seconds": round(seconds, 1),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
        "load_before": load,
        "load_after": round(os.getloadavg()[0], 2),
        "said": text.splitlines()[-1] if text else "",
    }


def import_phase(results: dict, var: Path, n: int, cache_values: list[int], rng: random.Random) -> list:
    from django.conf import settings
    from django.db import connection

    csv_path = var / "addresses.csv"
    t0 = time.perf_counter()
    sample = geo.write_addresses(csv_path, n, rng)
    rows: list[dict] = []
    section = {
        "rows": n,
        "file_mb": round(csv_path.stat().st_size / 1e6, 1),
        "generate_s": round(time.perf_counter() - t0, 1),
        "runs": rows,
    }
    results["import"] = section
    sqlite = connection.vendor == "sqlite"
    snapshot = var / "before-import.sqlite3"
    if sqlite and cache_values:
        # The database as it is before the import, for the other cache sizes to start from.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM INTO %s", [str(snapshot)])
    connection.close()
    default = settings.BUURTWACHT_IMPORT_SQLITE_CACHE_MB if sqlite else None
    row = {"cache_mb": default, "default": True, **import_measured(csv_path, var, child_env())}
    rows.append(row)
    print("import:", row, flush=True)
    if cache_values and not sqlite:
        section["other_cache_sizes"] = "not measured: the page cache of imports is SQLite's"
    for value in cache_values if sqlite else []:
        copy = var / f"cache-{value}"
        copy.mkdir()
        shutil.copy(snapshot, copy / "bench.sqlite3")
        env = child_env(
            DATABASE_URL=f"sqlite:///{copy}/bench.sqlite3",
            BUURTWACHT_VAR_DIR=str(copy),
            BUURTWACHT_IMPORT_SQLITE_CACHE_MB=str(value),
        )
        row = {"cache_mb": value, "default": False, **import_measured(csv_path, copy, env)}
        rows.append(row)
        print("import:", row, flush=True)
        shutil.rmtree(copy)
    snapshot.unlink(missing_ok=True)
    csv_path.unlink()
    return sample


# --- The web server ---------------------------------------------------------------------------


def schedule(sample: list, group_slugs: list[str], rng: random.Random, length: int = 5000) -> list[tuple[str, str]]:
    """``length`` requests (kind, path) in the proportions of ``MIX``, in a shuffled but fixed order."""
    points = [
        (round(rng.uniform(geo.WEST, geo.EAST), 6), round(rng.uniform(geo.SOUTH, geo.NORTH), 6)) for _ in range(500)
    ]
    addresses = [{"postcode": a[0], "house_number": a[1], "street": a[2]} for a in sample]

    def path(kind: str, i: int) -> str | None:
        lon, lat = points[i % len(points)]
        if kind == "api_point":
            return f"/api/v1/lookup?{urlencode({'lon': lon, 'lat': lat})}"
        if kind == "search_point":
            return f"/zoeken/?{urlencode({'lat': lat, 'lon': lon})}"
        if kind in ("api_address", "search_address"):
            if not addresses:
                return None
            query = urlencode(addresses[i % len(addresses)])
            return f"/api/v1/lookup?{query}" if kind == "api_address" else f"/zoeken/?{query}"
        if kind == "group_page":
            return f"/groepen/{group_slugs[i % len(group_slugs)]}/"
        return {
            "search_page": "/zoeken/",
            "home": "/",
            "map_layer": "/kaart/gebieden.json",
            "groups_geojson": "/api/v1/groups",
        }[kind]

    kinds = [kind for kind, weight in MIX for _ in range(weight)]
    out = []
    for i in range(length):
        kind = kinds[i % len(kinds)]
        p = path(kind, rng.randrange(1 << 30))
        out.append((kind, p) if p else ("api_point", path("api_point", i)))
    rng.shuffle(out)
    return out


class Load:
    """Sends the schedule over ``clients`` keep-alive connections (one thread each), in runs of
    a given number of requests, counting statuses and time per kind."""

    def __init__(self, port: int, paths: list[tuple[str, str]], clients: int) -> None:
        self.port, self.paths, self.clients = port, paths, clients
        self.sent = 0
        self.lock = threading.Lock()
        self.connections: list[http.client.HTTPConnection | None] = [None] * clients
        self.kinds: dict[str, dict] = {}
        self.errors: list[str] = []

    def _next(self, until: int) -> int | None:
        with self.lock:
            if self.sent >= until:
                return None
            self.sent += 1
            return self.sent - 1

    def _count(self, kind: str, status: int, seconds: float) -> None:
        with self.lock:
            row = self.kinds.setdefault(kind, {"n": 0, "seconds": 0.0, "statuses": {}})
            row["n"] += 1
            row["seconds"] += seconds
            row["statuses"][str(status)] = row["statuses"].get(str(status), 0) + 1

    def _client(self, slot: int, until: int) -> None:
        while (i := self._next(until)) is not None:
            kind, path = self.paths[i % len(self.paths)]
            t0 = time.perf_counter()
            try:
                connection = self.connections[slot]
                if connection is None:
                    connection = self.connections[slot] = http.client.HTTPConnection(
                        "127.0.0.1", self.port, timeout=120
                    )
                connection.request("GET", path, headers=HEADERS)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                self.connections[slot] = None
                status = 0
                with self.lock:
                    if len(self.errors) < 20:
                        self.errors.append(f"{kind} {path}: {exc!r}")
            self._count(kind, status, time.perf_counter() - t0)

    def run_until(self, until: int) -> float:
        t0 = time.perf_counter()
        threads = [threading.Thread(target=self._client, args=(slot, until)) for slot in range(self.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return time.perf_counter() - t0

    def close(self) -> None:
        for connection in self.connections:
            if connection is not None:
                connection.close()


def start_server(var: Path, timeout: float = 120.0) -> tuple[subprocess.Popen, int]:
    """``manage.py serve --no-worker`` (waitress, as in production) on a free loopback port."""
    port = http_load._free_port()
    server = manage(
        "serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port), env=child_env(), stdout=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/zoeken/", headers=HEADERS)
            connection.getresponse().read()
            connection.close()
            return server, port
        except OSError:
            pass
        if server.poll() is not None or time.monotonic() > deadline:
            stop(server)
            raise SystemExit("manage.py serve did not start")
        time.sleep(0.2)


def kinds_phase(results: dict, var: Path, paths: list[tuple[str, str]], per_kind: int) -> None:
    """What each kind of request adds alone: per kind a fresh server, ``per_kind`` requests of
    that kind one after the other, and its resident memory before and after."""
    section: dict = {}
    results["per_kind"] = section
    for kind, _weight in MIX:
        chosen = [p for k, p in paths if k == kind][:per_kind]
        if not chosen:
            continue
        server, port = start_server(var)
        try:
            before = proc_status(server.pid)
            load = Load(port, [(kind, p) for p in chosen], 1)
            seconds = load.run_until(len(chosen))
            load.close()
            after = proc_status(server.pid)
        finally:
            stop(server)
        section[kind] = {
            "n": len(chosen),
            "mean_ms": round(seconds / len(chosen) * 1000, 1),
            "statuses": load.kinds[kind]["statuses"],
            "rss_start_mb": before.get("VmRSS"),
            "rss_after_mb": after.get("VmRSS"),
            "hwm_after_mb": after.get("VmHWM"),
        }
        print(f"{kind}: {section[kind]}", flush=True)


def server_phase(results: dict, var: Path, paths: list[tuple[str, str]], args) -> None:
    server, port = start_server(var)
    section: dict = {
        "command": "manage.py serve --no-worker",
        "clients": args.clients,
        "mix": {kind: weight for kind, weight in MIX if kind not in args.without},
    }
    results["server"] = section
    try:
        section["after_start"] = proc_status(server.pid)
        load = Load(port, paths, args.clients)
        samples = []
        cpu0 = http_load.cpu_seconds(server.pid)
        total = max(args.leak_requests, args.requests)
        mark = args.requests
        elapsed = 0.0
        while True:
            elapsed += load.run_until(mark)
            status = proc_status(server.pid)
            samples.append({"requests": mark, "rss_mb": status.get("VmRSS"), "hwm_mb": status.get("VmHWM")})
            print(f"server after {mark} requests: {status} ({elapsed:.0f} s)", flush=True)
            if mark == args.requests:
                section["after_requests"] = {"requests": mark, **status, "smaps_rollup": smaps_rollup(server.pid)}
            if mark >= total:
                break
            mark = min(total, mark + args.requests)
        cpu1 = http_load.cpu_seconds(server.pid)
        load.close()
        section["at_end"] = {"requests": load.sent, **proc_status(server.pid), "smaps_rollup": smaps_rollup(server.pid)}
        section["samples"] = samples
        section["seconds"] = round(elapsed, 1)
        section["per_s"] = round(load.sent / elapsed, 1) if elapsed else None
        if cpu0 is not None and cpu1 is not None:
            section["server_cpu_s"] = round(cpu1 - cpu0, 1)
        section["kinds"] = {
            kind: {
                "n": row["n"],
                "mean_ms": round(row["seconds"] / row["n"] * 1000, 2),
                "statuses": dict(sorted(row["statuses"].items())),
            }
            for kind, row in sorted(load.kinds.items())
        }
        section["errors"] = load.errors
        section["leak"] = leak(samples)
    finally:
        stop(server)


def leak(samples: list[dict]) -> dict:
    """Growth from the first sample (after the first ``--requests``) to the last, and the slope
    of a least-squares line through all samples, in MB per 10,000 requests."""
    points = [(s["requests"], s["rss_mb"]) for s in samples if s["rss_mb"] is not None]
    if len(points) < 2:
        return {"growth_mb": None, "slope_mb_per_10k": None}
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    slope = sum((x - mx) * (y - my) for x, y in points) / sxx if sxx else 0.0
    return {
        "from_requests": points[0][0],
        "to_requests": points[-1][0],
        "growth_mb": round(points[-1][1] - points[0][1], 1),
        "slope_mb_per_10k": round(slope * 10_000, 2),
    }


# --- The worker -------------------------------------------------------------------------------


def worker_phase(results: dict, args) -> None:
    from django.db import close_old_connections
    from django.utils import timezone

    from apps.messaging.models import WorkerHeartbeat

    since = timezone.now()
    worker = manage("run_worker", env=child_env(), stdout=subprocess.DEVNULL)
    section: dict = {"command": "manage.py run_worker"}
    results["worker"] = section
    try:
        deadline = time.monotonic() + 120
        while not WorkerHeartbeat.objects.filter(last_seen__gte=since, stopped_at__isnull=True).exists():
            close_old_connections()
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("manage.py run_worker did not beat")
            time.sleep(0.2)
        section["first_beat_s"] = round((timezone.now() - since).total_seconds(), 1)
        # Idle: its jobs at start done (the national coverage count after an import, say), it
        # uses under 5 % of a CPU (the heartbeat's rounds) for --worker-wait seconds in a row.
        t0, quiet, readings = time.monotonic(), 0.0, []
        cpu = http_load.cpu_seconds(worker.pid) or 0.0
        while quiet < args.worker_wait:
            if worker.poll() is not None or time.monotonic() - t0 > args.worker_timeout:
                section["not_idle_after_s"] = round(time.monotonic() - t0, 1)
                break
            time.sleep(0.5)
            now = http_load.cpu_seconds(worker.pid) or cpu
            quiet = quiet + 0.5 if now - cpu < 0.025 else 0.0
            cpu = now
            readings.append(proc_status(worker.pid).get("VmRSS"))
        section["busy_s"] = round(time.monotonic() - t0 - quiet, 1)
        section["idle"] = {**proc_status(worker.pid), "smaps_rollup": smaps_rollup(worker.pid)}
        section["idle_s"] = quiet
        section["rss_readings_mb"] = readings[-20:]
    finally:
        stop(worker)


# --- The run ----------------------------------------------------------------------------------


def setup_phase(results: dict, var: Path, n_areas: int, rng: random.Random) -> None:
    from apps.areas import neighbours
    from apps.areas.importer import import_areas
    from apps.areas.models import Area
    from apps.core.actors import SYSTEM
    from apps.groups.models import Group

    cols, rows, corners = geo.grid(n_areas, rng)
    path = var / "areas.geojson"
    count = geo.write_areas(path, cols, rows, corners)
    t0 = time.perf_counter()
    import_areas(path, municipality="Synthetisch land", country="NL", actor=SYSTEM)
    neighbours.recompute()
    # One active group per area, as bench/geo.py, so lookups find groups.
    Group.objects.bulk_create(
        [
            Group(municipality_id=a.municipality_id, area=a, name=a.name, slug=f"g-{a.pk}", status="active")
            for a in Area.objects.all()
        ],
        batch_size=2000,
    )
    results["areas"] = {
        "features": count,
        "groups": Group.objects.count(),
        "setup_s": round(time.perf_counter() - t0, 1),
    }
    path.unlink()


def figures(results: dict) -> list[tuple[str, float | None, str, bool | None]]:
    """(what, measured, goal, met) for the table and the JSON."""
    rows = []
    server = results.get("server", {})
    after = server.get("after_requests", {})
    end = server.get("at_end", {})
    rows.append((f"web server RSS after {after.get('requests')} requests", after.get("VmRSS"), f"<= {GOAL_MB:.0f} MB"))
    rows.append(("web server peak (VmHWM) by then", after.get("VmHWM"), f"<= {GOAL_MB:.0f} MB"))
    rows.append((f"web server RSS after {end.get('requests')} requests", end.get("VmRSS"), f"<= {GOAL_MB:.0f} MB"))
    rows.append(("web server peak (VmHWM) at the end", end.get("VmHWM"), f"<= {GOAL_MB:.0f} MB"))
    growth = server.get("leak", {}).get("growth_mb")
    rows.append(("web server RSS growth over the leak check", growth, f"<= {LEAK_TOLERANCE_MB:.0f} MB"))
    worker = results.get("worker", {})
    rows.append(("worker RSS, idle", worker.get("idle", {}).get("VmRSS"), f"<= {GOAL_MB:.0f} MB"))
    out = []
    for what, value, goal in rows:
        limit = float(goal.split()[1])
        out.append((what, value, goal, None if value is None else value <= limit))
    for run in results.get("import", {}).get("runs", []):
        label = "default" if run["default"] else "asked"
        cache = "no page cache setting" if run["cache_mb"] is None else f"{run['cache_mb']} MB page cache"
        out.append((f"import peak RSS, {cache} ({label}), {run['seconds']} s", run["peak_rss_mb"], "stated", None))
    if worker.get("idle"):
        busy = f"worker peak (VmHWM) over its jobs at start, {worker.get('busy_s')} s"
        out.append((busy, worker["idle"].get("VmHWM"), "stated", None))
    return out


def table(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, Django {m['django']}, "
        f"SQLite {m['sqlite']}; database {results['database']} (CONN_MAX_AGE {results['conn_max_age']}); "
        f"load average {m['load_average_1min']} before, {m['load_average_1min_after']} after",
        f"Areas: {results['areas']['features']} with {results['areas']['groups']} active groups; "
        f"addresses: {results['import']['rows'] if 'import' in results else 0}",
    ]
    server = results.get("server")
    if server:
        lines.append(
            f"Server: {server['at_end'].get('requests')} requests from {server['clients']} clients in "
            f"{server['seconds']} s ({server['per_s']}/s), server CPU {server.get('server_cpu_s')} s; "
            f"samples (requests: MB) "
            + ", ".join(f"{s['requests']}: {s['rss_mb']}" for s in server["samples"])
            + f"; slope {server['leak']['slope_mb_per_10k']} MB per 10,000 requests"
        )
        for kind, row in server["kinds"].items():
            lines.append(
                f"  {kind:<16} {row['n']:>8} requests, mean {row['mean_ms']:>8} ms, statuses {row['statuses']}"
            )
        if server["errors"]:
            lines.append(f"  errors: {server['errors'][:3]}")
    if results.get("per_kind"):
        lines.append("Each kind alone on a fresh server (resident MB at start -> after; peak):")
        for kind, row in results["per_kind"].items():
            lines.append(
                f"  {kind:<16} {row['n']:>4} requests, mean {row['mean_ms']:>8} ms: "
                f"{row['rss_start_mb']} -> {row['rss_after_mb']} (peak {row['hwm_after_mb']})"
            )
    lines += ["", f"{'figure':<66} {'MB':>8}  {'goal':<10} met", "-" * 92]
    for what, value, goal, met in (tuple(f) for f in results["figures"]):
        shown = "-" if value is None else f"{value:.1f}"
        lines.append(f"{what:<66} {shown:>8}  {goal:<10} {'' if met is None else ('yes' if met else 'NO')}")
    lines.append(f"Total {results['total_s']} s")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--addresses", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=10_000, help="requests before the first reading")
    parser.add_argument("--leak-requests", type=int, default=100_000, help="requests in all, read every --requests")
    parser.add_argument("--clients", type=int, default=4, help="keep-alive connections sending at once")
    parser.add_argument(
        "--import-cache-mb",
        default="",
        help="SQLite page cache sizes of imports (MB) to measure next to the default, e.g. 512,64",
    )
    parser.add_argument(
        "--without",
        type=lambda value: {kind for kind in value.split(",") if kind},
        default=set(),
        help="kinds of request to leave out of the mix, e.g. home,groups_geojson (kinds: "
        + ", ".join(kind for kind, _weight in MIX)
        + ")",
    )
    parser.add_argument(
        "--per-kind", type=int, default=20, help="requests of each kind alone, each on a fresh server (0: none)"
    )
    parser.add_argument("--worker-wait", type=float, default=5.0, help="seconds the worker idles before reading")
    parser.add_argument("--worker-timeout", type=float, default=1800.0, help="seconds the worker may be busy at start")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", default="", help="e.g. postgres://... (default: SQLite in a temp dir)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    cache_values = [int(v) for v in args.import_cache_mb.split(",") if v.strip()]

    started = time.perf_counter()
    var = Path(tempfile.mkdtemp(prefix="buurtwacht-memory-"))
    try:
        if args.database_url:
            # bench/run.py's configure() points DATABASE_URL at SQLite; keep the one asked for.
            os.environ["BUURTWACHT_BENCH_DATABASE_URL"] = args.database_url
            geo._keep_database_url()
        base.configure(str(var))
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False, stdout=io.StringIO())
        rng = random.Random(args.seed)
        results: dict = {
            "machine": base.machine(),
            "database": connection.vendor,
            "conn_max_age": connection.settings_dict.get("CONN_MAX_AGE"),
            "goal_mb": GOAL_MB,
        }
        setup_phase(results, var, args.areas, rng)
        print("areas:", results["areas"], flush=True)
        sample = import_phase(results, var, args.addresses, cache_values, rng) if args.addresses > 0 else []
        connection.close()
        from apps.groups.models import Group

        slugs = list(Group.objects.order_by("pk").values_list("slug", flat=True))
        paths = [(kind, path) for kind, path in schedule(sample, slugs, rng) if kind not in args.without]
        if args.per_kind:
            kinds_phase(results, var, paths, args.per_kind)
        server_phase(results, var, paths, args)
        worker_phase(results, args)
        connection.close()
        results["figures"] = [list(f) for f in figures(results)]
    finally:
        shutil.rmtree(var, ignore_errors=True)
    base.finish(results, started, table, args.output)


if __name__ == "__main__":
    main()
