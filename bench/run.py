"""Benchmarks of Buurtwacht on this machine: group lookups, the public lookup endpoint, application
submissions and memory. Not a test: it checks nothing, and its figures belong to the machine.

Run ``make bench`` (or ``.venv/bin/python bench/run.py``). It creates a throwaway SQLite database
in a temporary directory, migrates it, loads the demo (``load_demo``) and measures; the table is
printed and the figures are written to ``bench/results/latest.json``. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
WARMUP = 200  # uncounted calls before each read-only measure


def configure(var_dir: str) -> None:
    """Settings for the run, before Django reads them: the embedded mode on a fresh database."""
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "buurtwacht.settings",
            "BUURTWACHT_ENV": "development",
            "BUURTWACHT_VAR_DIR": var_dir,
            # Also when the shell points DATABASE_URL or REDIS_URL at a real server.
            "DATABASE_URL": f"sqlite:///{var_dir}/bench.sqlite3",
            "REDIS_URL": "",
            "CELERY_BROKER_URL": "memory://",
            "BUURTWACHT_WORKER": "embedded",
            # DEBUG keeps every SQL statement in memory and would distort time and memory.
            "DEBUG": "false",
            "ALLOWED_HOSTS": "testserver",
            # One client sends every request from one address: the per-IP limit would answer 429.
            "BUURTWACHT_APPLICATION_RATE": "1000000/m",
            "BUURTWACHT_TILE_URL": "",
            "LOG_LEVEL": "WARNING",
        }
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings

    settings.ROOT_URLCONF = "bench.urls"


def percentile(sorted_values: list[float], q: float) -> float:
    index = min(len(sorted_values) - 1, max(0, round(q / 100 * len(sorted_values)) - 1))
    return sorted_values[index]


def measure(name: str, calls, budget: float, limit: int, warmup: int = 0, counted: dict | None = None) -> dict:
    """Call each of ``calls`` in turn until ``budget`` seconds or ``limit`` calls have passed,
    after ``warmup`` calls that are not counted (caches, compiled queries, SQLite's pages).
    ``counted`` (status counts kept by the calls) is emptied after the warm-up."""
    for _ in range(warmup):
        next(calls)()
    if counted is not None:
        counted.clear()
    latencies = []
    started = time.perf_counter()
    for call in calls:
        t0 = time.perf_counter()
        call()
        latencies.append(time.perf_counter() - t0)
        if len(latencies) >= limit or time.perf_counter() - started >= budget:
            break
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "name": name,
        "n": len(latencies),
        "per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "p99_ms": round(percentile(latencies, 99) * 1000, 3),
    }


def measure_interleaved(named_calls: list[tuple[str, object]], budget: float, block: int = 200, cpu=None) -> list[dict]:
    """The measures of ``named_calls`` (name, an endless iterator of calls) taken side by side:
    ``block`` calls of each in turn, the order reversed every other turn, until ``budget``
    seconds have passed (one turn at least). What the machine does meanwhile (other processes, the host of a virtual
    machine) falls on all of them alike, where one measure after the other would give it to
    whichever ran at that moment. ``cpu`` (optional) returns CPU seconds used so far by the
    process doing the work; each row then has its requests per CPU second (``cpu_per_s``)."""
    latencies: dict[str, list[float]] = {name: [] for name, _calls in named_calls}
    spent = dict.fromkeys(latencies, 0.0)
    cpu_spent = dict.fromkeys(latencies, 0.0)
    order = list(named_calls)
    started = time.perf_counter()
    while True:  # at least one turn, whatever the budget
        for name, calls in order:
            c0 = cpu() if cpu else 0.0
            t_block = time.perf_counter()
            own = latencies[name]
            for _ in range(block):
                t0 = time.perf_counter()
                next(calls)()
                own.append(time.perf_counter() - t0)
            spent[name] += time.perf_counter() - t_block
            if cpu:
                cpu_spent[name] += cpu() - c0
        order.reverse()
        if time.perf_counter() - started >= budget:
            break
    rows = []
    for name, values in latencies.items():
        values.sort()
        row = {
            "name": name,
            "n": len(values),
            "per_s": round(len(values) / spent[name], 1),
            "p50_ms": round(percentile(values, 50) * 1000, 3),
            "p99_ms": round(percentile(values, 99) * 1000, 3),
        }
        if cpu and cpu_spent[name] > 0:
            row["cpu_per_s"] = round(len(values) / cpu_spent[name], 1)
        rows.append(row)
    return rows


def cycle(items: list):
    while True:
        yield from items


def max_rss_mb() -> float:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    # Kilobytes on Linux, bytes on macOS.
    return round(rss / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def machine() -> dict:
    import django
    import shapely

    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or "",
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "sqlite": sqlite3.sqlite_version,
        "shapely": shapely.__version__,
        "geos": ".".join(str(v) for v in shapely.geos_version),
        # Other work on the machine slows every figure down: note how busy it was.
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def setup_phase(results: dict) -> None:
    from django.core.management import call_command

    t0 = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    t1 = time.perf_counter()
    call_command("load_demo", stdout=io.StringIO())
    t2 = time.perf_counter()
    results["setup"] = {"migrate_s": round(t1 - t0, 2), "load_demo_s": round(t2 - t1, 2)}


def lookup_phase(results: dict, rng: random.Random, budget: float) -> list:
    from apps.addresses.models import Address
    from apps.areas import index
    from apps.groups.lookup import lookup_address, lookup_point

    addresses = list(Address.objects.values_list("postcode", "house_number", "addition", "lon", "lat"))
    rng.shuffle(addresses)
    index.invalidate()
    t0 = time.perf_counter()
    lookup_point(5.27, 50.76)
    results["index_build_ms"] = round((time.perf_counter() - t0) * 1000, 2)
    results["register"] = {"addresses": len(addresses)}

    by_address = [lambda a=a: lookup_address(a[0], str(a[1]), a[2]) for a in addresses]
    # Points anywhere over the two demo municipalities, so some fall outside every area.
    points = [(rng.uniform(5.19, 5.46), rng.uniform(50.71, 50.81)) for _ in range(5000)]
    by_point = [lambda p=p: lookup_point(*p) for p in points]
    results["timings"].append(measure("lookup_address (in process)", cycle(by_address), budget, 20000, WARMUP))
    results["timings"].append(measure("lookup_point (in process)", cycle(by_point), budget, 20000, WARMUP))
    # The part of lookup_point before the ORM fetches areas and groups: the freshness check of
    # the index (one aggregate query) and the STRtree search.
    by_index = [lambda p=p: index.lookup(*p) for p in points]
    results["timings"].append(measure("areas.index.lookup (in process)", cycle(by_index), budget, 50000, WARMUP))
    return addresses


def http_phase(results: dict, addresses: list, budget: float) -> None:
    from django.test import Client

    client = Client()
    postcode, number, addition = addresses[0][:3]
    api = client.get("/api/v1/lookup", {"postcode": postcode, "house_number": f"{number}{addition}"})
    if api.status_code == 200:
        path, label = "/api/v1/lookup", "GET /api/v1/lookup"
    else:
        # The API is not there (yet): the web search page answers the same question.
        path, label = "/zoeken/", f"GET /zoeken/ (API answered {api.status_code})"
    statuses: dict[int, int] = {}

    def get(query, path=path):
        status = client.get(path, query).status_code
        statuses[status] = statuses.get(status, 0) + 1

    queries = [{"postcode": a[0], "house_number": f"{a[1]}{a[2]}"} for a in addresses]
    results["timings"].append(
        measure(label, cycle([lambda q=q: get(q) for q in queries]), budget, 20000, WARMUP, statuses)
    )
    results["timings"][-1]["statuses"] = {str(k): v for k, v in sorted(statuses.items())}

    ping_statuses: dict[int, int] = {}

    def ping():
        status = client.get("/__bench__/ping").status_code
        ping_statuses[status] = ping_statuses.get(status, 0) + 1

    results["timings"].append(measure("GET minimal JSON view", cycle([ping]), budget, 50000, WARMUP, ping_statuses))
    results["timings"][-1]["statuses"] = {str(k): v for k, v in sorted(ping_statuses.items())}


def _applicants(rng: random.Random, addresses: list, count: int, first_phone: int) -> list[tuple]:
    """Valid, distinct applications: a register address inside one group's area, an adult, a
    mobile number nobody else uses."""
    from apps.addresses.models import Address
    from apps.areas import index
    from apps.core.phones import normalize_mobile
    from apps.groups.models import Group

    groups = {g.area_id: g for g in Group.objects.select_related("municipality")}
    versions = {g.municipality_id: g.municipality.current_house_rules.version for g in groups.values()}
    chosen = []
    for postcode, number, addition, lon, lat in addresses:
        if len(chosen) >= count:
            break
        hits = index.lookup(lon, lat)
        if len(hits) == 1 and not hits[0].on_border and hits[0].area_id in groups:
            chosen.append(((postcode, number, addition), groups[hits[0].area_id]))
    by_key = {
        (a.postcode, a.house_number, a.addition): a
        for a in Address.objects.filter(postcode__in={key[0] for key, _g in chosen})
    }
    applicants = []
    for key, group in chosen:
        n = first_phone + len(applicants)
        phone = normalize_mobile(f"+32478{n:06d}")
        birth = f"{rng.randint(1940, 2000)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        applicants.append((group, by_key[key], phone, birth, n, versions[group.municipality_id]))
    return applicants


def submit_phase(results: dict, rng: random.Random, addresses: list, budget: float) -> None:
    from django.test import Client

    from apps.applications import services
    from apps.applications.forms import ApplicationForm

    limit = 1500
    rows = _applicants(rng, addresses, limit, 0)
    cleaned = []
    for group, address, phone, birth, n, version in rows:
        form = ApplicationForm(
            {
                "full_name": f"Bench Aanvrager{n}",
                "street": address.street,
                "house_number": str(address.house_number),
                "addition": address.addition,
                "postcode": address.postcode,
                "town": address.town,
                "birth_date": birth,
                "phone": phone,
                "email": f"bench{n}@example.org",
                "accept_house_rules": "on",
                "house_rules_version": str(version),
            },
            country=group.municipality.country,
        )
        if not form.is_valid():
            raise SystemExit(f"bench applicant {n} is not valid: {form.errors.as_text()}")
        cleaned.append((group, form.cleaned_data))
    calls = [lambda g=g, d=d: services.submit(g, d, language="nl") for g, d in cleaned]
    results["timings"].append(measure("services.submit (in process)", iter(calls), budget, limit))

    client = Client()
    rows = _applicants(rng, list(reversed(addresses)), limit, 500_000)
    statuses: dict[int, int] = {}

    def post(group, address, phone, birth, n, version):
        payload = {
            "group": group.slug,
            "full_name": f"Bench Api{n}",
            "street": address.street,
            "house_number": str(address.house_number),
            "addition": address.addition,
            "postcode": address.postcode,
            "town": address.town,
            "birth_date": birth,
            "phone": phone,
            "email": f"api{n}@example.org",
            "accept_house_rules": True,
            "house_rules_version": version,
        }
        response = client.post("/api/v1/applications", payload, content_type="application/json")
        statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        return response

    first = post(*rows[0])
    if first.status_code != 201:
        results["timings"].append(
            {"name": "POST /api/v1/applications", "skipped": f"answered {first.status_code}: {first.content[:200]!r}"}
        )
        return
    calls = [lambda r=r: post(*r) for r in rows[1:]]
    results["timings"].append(measure("POST /api/v1/applications", iter(calls), budget, limit, counted=statuses))
    results["timings"][-1]["statuses"] = {str(k): v for k, v in sorted(statuses.items())}


TRACED_LOOKUPS = 300


def memory_phase(results: dict, addresses: list) -> None:
    """Python allocations of building the area index and a few hundred lookups (tracemalloc
    slows code down several times, so this runs after the timed phases)."""
    from apps.areas import index
    from apps.groups.lookup import lookup_address

    index.invalidate()
    tracemalloc.start()
    for postcode, number, addition, _lon, _lat in addresses[:TRACED_LOOKUPS]:
        lookup_address(postcode, str(number), addition)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    results["memory"] = {
        "max_rss_mb": max_rss_mb(),
        "tracemalloc_peak_mb": round(peak / 1024 / 1024, 2),
        "traced_lookups": TRACED_LOOKUPS,
    }


def table(results: dict) -> str:
    m = results["machine"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, Django {m['django']}, "
        f"SQLite {m['sqlite']}, shapely {m['shapely']} (GEOS {m['geos']}); load average "
        f"{m['load_average_1min']} before, {m['load_average_1min_after']} after",
        f"Setup: migrate {results['setup']['migrate_s']} s, load_demo {results['setup']['load_demo_s']} s; "
        f"{results['register']['addresses']} addresses; area index built in {results['index_build_ms']} ms",
        "",
        f"{'measure':<44} {'n':>7} {'per s':>9} {'p50 ms':>9} {'p99 ms':>9}",
        "-" * 82,
    ]
    for row in results["timings"]:
        if "skipped" in row:
            lines.append(f"{row['name']:<44} skipped: {row['skipped']}")
            continue
        lines.append(f"{row['name']:<44} {row['n']:>7} {row['per_s']:>9} {row['p50_ms']:>9} {row['p99_ms']:>9}")
        other = {k: v for k, v in row.get("statuses", {}).items() if k not in ("200", "201")}
        if other:
            lines.append(f"{'':<44} unexpected statuses: {other}")
    mem = results["memory"]
    lines += [
        "",
        f"Peak memory: {mem['max_rss_mb']} MB resident (whole run); "
        f"{mem['tracemalloc_peak_mb']} MB Python peak for index build + {mem['traced_lookups']} lookups",
        f"Total run time: {results['total_s']} s",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--budget", type=float, default=6.0, help="seconds per timed measure (default 6)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the random choice of addresses")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    args = parser.parse_args()

    started = time.perf_counter()
    var_dir = tempfile.mkdtemp(prefix="buurtwacht-bench-")
    try:
        configure(var_dir)
        rng = random.Random(args.seed)
        results: dict = {"machine": machine(), "budget_s": args.budget, "timings": []}
        setup_phase(results)
        phases = [
            ("lookups", lambda: results.__setitem__("_addresses", lookup_phase(results, rng, args.budget))),
            ("http", lambda: http_phase(results, results["_addresses"], args.budget)),
            ("submissions", lambda: submit_phase(results, rng, results["_addresses"], args.budget)),
            ("memory", lambda: memory_phase(results, results["_addresses"])),
        ]
        results["phases_s"] = {}
        for name, phase in phases:
            t0 = time.perf_counter()
            phase()
            results["phases_s"][name] = round(time.perf_counter() - t0, 1)
        del results["_addresses"]
    finally:
        shutil.rmtree(var_dir, ignore_errors=True)
    finish(results, started, table, args.output)


def finish(results: dict, started: float, table, output: Path) -> None:
    """Stamp the run (duration, load afterwards, date), print the table and write the JSON."""
    results["total_s"] = round(time.perf_counter() - started, 1)
    results["machine"]["load_average_1min_after"] = round(os.getloadavg()[0], 2)
    results["date"] = time.strftime("%Y-%m-%d")
    print(table(results))
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"\nWritten to {output}")


if __name__ == "__main__":
    main()
