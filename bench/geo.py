"""Geography at national scale: a synthetic country of 10,000 tessellated areas and 10 million
addresses. Not a test: it checks nothing, and its figures belong to the machine.

Run ``make bench-geo`` (or ``.venv/bin/python bench/geo.py``; ``--addresses 1000000`` for a
shorter run, ``--addresses 0`` to skip the address import and measure only the areas, the index
and the lookup endpoint by point). In a temporary directory it migrates a fresh SQLite database (or uses
``--database-url`` for PostgreSQL), writes the synthetic files, and measures:

- ``import_areas`` of a GeoJSON with the areas (a jittered grid over Belgium and the Netherlands,
  so neighbours share edges) and the neighbour computation of all of them;
- ``import_addresses`` of the CSV, then a second import of the same file (which changes nothing);
- the area index: a bare shapely STRtree query next to ``areas.index.lookup`` in the same run;
- ``lookup_point`` and ``lookup_address`` in process, with the lookup by address's floor beside
  them: its register query alone and an empty round trip to the database;
- ``GET /api/v1/lookup`` next to a minimal
  Django view in the same run (``--rounds``), the three side by side in blocks of 200 requests:
  through Django's WSGI handler in process, then over HTTP from waitress in a child process
  (bench/http_load.py); and what a ratio of 0.8 leaves a lookup over HTTP, in milliseconds,
  beside what the lookups and the register query take;
- peak resident memory.

Figures go to ``bench/results/geo-latest.json``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/ for its sibling scripts, the project for its apps (run as `python bench/<name>.py`).
sys.path[:0] = [str(HERE), str(HERE.parent)]

import http_load  # noqa: E402  (bench/http_load.py: waitress in a child process)
import run as base  # noqa: E402  (bench/run.py: configure, measure, machine)

from apps.core.actors import SYSTEM  # noqa: E402

RESULTS = HERE / "results" / "geo-latest.json"
# Belgium and the Netherlands, roughly: the synthetic country lies over them.
WEST, SOUTH, EAST, NORTH = 3.0, 50.0, 7.0, 53.5


def grid(n_areas: int, rng: random.Random):
    """Corners of a jittered grid with ``n_areas`` cells: neighbouring cells share their corners,
    so the areas tessellate (no gaps, no overlaps) like real wijken."""
    cols = int(round((n_areas * (EAST - WEST) / (NORTH - SOUTH)) ** 0.5))
    rows = max(1, n_areas // cols)
    dx, dy = (EAST - WEST) / cols, (NORTH - SOUTH) / rows
    corners = [
        [
            (
                round(WEST + i * dx + (rng.uniform(-0.2, 0.2) * dx if 0 < i < cols else 0), 7),
                round(SOUTH + j * dy + (rng.uniform(-0.2, 0.2) * dy if 0 < j < rows else 0), 7),
            )
            for j in range(rows + 1)
        ]
        for i in range(cols + 1)
    ]
    return cols, rows, corners


def write_areas(path: Path, cols: int, rows: int, corners) -> int:
    with path.open("w") as f:
        f.write('{"type":"FeatureCollection","features":[')
        first = True
        for i in range(cols):
            for j in range(rows):
                ring = [corners[i][j], corners[i + 1][j], corners[i + 1][j + 1], corners[i][j + 1], corners[i][j]]
                feature = {
                    "type": "Feature",
                    "properties": {"name": f"Wijk {i:03d}-{j:03d}"},
                    "geometry": {"type": "Polygon", "coordinates": [[list(c) for c in ring]]},
                }
                f.write(("" if first else ",") + json.dumps(feature, separators=(",", ":")))
                first = False
        f.write("]}")
    return cols * rows


def write_addresses(path: Path, n: int, rng: random.Random) -> list[tuple]:
    """``n`` addresses spread over the country; 25 numbers per street, 20 streets per postcode.
    Returns a sample of (postcode, number, lon, lat) for the lookups."""
    sample = []
    with path.open("w", buffering=1 << 20) as f:
        f.write("postcode,house_number,addition,street,town,lat,lon\n")
        written = 0
        block = 0
        while written < n:
            block += 1
            digits = 1000 + block % 9000
            letters = chr(65 + (block // 9000) % 26) + chr(65 + (block // 234000) % 26)
            dutch = (block // 9000) % 26 not in (0,) and block % 2 == 0
            postcode = f"{digits} {letters}" if dutch and letters not in ("SA", "SD", "SS") else f"{digits}"
            lon0, lat0 = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
            lines = []
            for s in range(20):
                street = f"Straat {block}-{s}"
                for h in range(1, 26):
                    if written >= n:
                        break
                    lon = lon0 + s * 0.0004 + h * 0.00002
                    lat = lat0 + h * 0.00001
                    lines.append(f"{postcode},{h},,{street},Plaats {block % 2000},{lat:.6f},{lon:.6f}\n")
                    written += 1
                    if written % 1000 == 0:
                        sample.append((postcode, h, street, lon, lat))
            f.write("".join(lines))
    return sample


def areas_phase(results: dict, var: Path, n_areas: int, rng: random.Random) -> None:
    from apps.areas import neighbours
    from apps.areas.importer import import_areas
    from apps.areas.models import Area

    cols, rows, corners = grid(n_areas, rng)
    path = var / "areas.geojson"
    count = write_areas(path, cols, rows, corners)
    t0 = time.perf_counter()
    result = import_areas(path, municipality="Synthetisch land", country="NL", actor=SYSTEM)
    t1 = time.perf_counter()
    again = import_areas(path, municipality="Synthetisch land", actor=SYSTEM)
    t2 = time.perf_counter()
    pairs = neighbours.recompute()
    t3 = time.perf_counter()
    # The bare STRtree bulk query the issue compares with.
    import numpy as np
    import shapely
    from shapely.geometry import shape

    geoms = neighbours.to_metres(np.array([shape(g) for g in Area.objects.values_list("geometry", flat=True)]))
    t4 = time.perf_counter()
    shapely.STRtree(geoms).query(geoms, predicate="dwithin", distance=500)
    t5 = time.perf_counter()
    results["areas"] = {
        "features": count,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "import_s": round(t1 - t0, 2),
        "created": result.count("created"),
        "overlaps_reported": len(result.overlaps),
        "reimport_s": round(t2 - t1, 2),
        "reimport_unchanged": again.count("unchanged"),
        "neighbours_s": round(t3 - t2, 2),
        "neighbour_rows": pairs,
        "bare_strtree_dwithin_s": round(t5 - t4, 2),
    }


def addresses_phase(results: dict, var: Path, n: int, rng: random.Random) -> list:
    from apps.addresses.importer import import_addresses

    path = var / "addresses.csv"
    t0 = time.perf_counter()
    sample = write_addresses(path, n, rng)
    t1 = time.perf_counter()
    first = import_addresses(path, report_path=var / "report.csv")
    second = import_addresses(path, report_path=var / "report2.csv")
    results["addresses"] = {
        "rows": first.lines,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "generate_s": round(t1 - t0, 1),
        "import_s": round(first.seconds, 1),
        "rows_per_s": round(first.per_second),
        "inserted": first.inserted,
        "rejected": first.rejected,
        "reimport_s": round(second.seconds, 1),
        "reimport_changed": second.inserted + second.updated,
        "max_rss_mb_after_import": base.max_rss_mb(),
    }
    path.unlink()
    return sample


def lookup_phase(results: dict, sample: list, budget: float, rng: random.Random) -> None:
    import shapely
    from shapely.geometry import shape

    from apps.areas import index
    from apps.areas.models import Area
    from apps.groups.lookup import lookup_address, lookup_point

    index.invalidate()
    t0 = time.perf_counter()
    index.lookup(5.0, 52.0)
    results["index_build_s"] = round(time.perf_counter() - t0, 2)
    points = [(rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)) for _ in range(20000)]
    tree = shapely.STRtree([shape(g) for g in Area.objects.order_by("id").values_list("geometry", flat=True)])
    bare = [lambda p=p: tree.query(shapely.Point(*p), predicate="intersects") for p in points]
    ours = [lambda p=p: index.lookup(*p) for p in points]
    # Interleaved twice, so both see the same machine.
    for _ in range(2):
        results["timings"].append(base.measure("bare STRtree query", base.cycle(bare), budget, 200000, 1000))
        results["timings"].append(base.measure("areas.index.lookup", base.cycle(ours), budget, 200000, 1000))
    by_point = [lambda p=p: lookup_point(*p) for p in points]
    results["timings"].append(base.measure("lookup_point (in process)", base.cycle(by_point), budget, 50000, 200))
    if sample:
        by_address = [lambda a=a: lookup_address(a[0], str(a[1]), "", a[2]) for a in sample]
        results["timings"].append(
            base.measure("lookup_address (in process)", base.cycle(by_address), budget, 50000, 200)
        )
        # The lookup's floor: its register query alone, and a round trip to the database that
        # carries no work, sent the way the register query is (addresses.services._fetch).
        from django.db import connection

        from apps.addresses.services import _fetch, candidates

        register = [lambda a=a: candidates(a[0], a[1], a[2]) for a in sample]
        results["timings"].append(base.measure(REGISTER_QUERY, base.cycle(register), budget, 50000, 200))
        empty = [lambda: _fetch(connection, "SELECT 1", [])]
        results["timings"].append(base.measure(ROUND_TRIP, base.cycle(empty), budget, 50000, 200))


def http_phase(results: dict, sample: list, budget: float, rng: random.Random, rounds: int, var: Path) -> None:
    """``GET /api/v1/lookup`` next to the minimal view, in turns: in process through Django's WSGI
    handler, then over HTTP from waitress in a child process (bench/http_load.py)."""
    from urllib.parse import urlencode

    from django.core.handlers.wsgi import WSGIHandler
    from django.test import RequestFactory

    # In process: the WSGI application a server calls (``buurtwacht.wsgi``), given each request's
    # environ as a server would. Not Django's test client: it connects signal receivers on every
    # request, three of which it never lets go (measured: 12 objects more per request, so the
    # garbage collector's full passes grow through the run), and it does work of its own (template
    # and exception capture, cookies) that no server does.
    handler = WSGIHandler()
    factory = RequestFactory()
    environs: dict[str, dict] = {}
    statuses: dict[str, dict[int, int]] = {}
    points = [(round(rng.uniform(WEST, EAST), 6), round(rng.uniform(SOUTH, NORTH), 6)) for _ in range(5000)]
    # Written out before timing: encoding a query is the client's work, not the server's. The
    # minimal view is sent the same query strings (and ignores them), so what the client,
    # the server and Django do with a URL and its query is the same on both sides.
    queries = [urlencode({"lon": lon, "lat": lat}) for lon, lat in points]
    by_point = [f"/api/v1/lookup?{q}" for q in queries]
    minimal = [f"/__bench__/ping?{q}" for q in queries]
    by_address = [
        f"/api/v1/lookup?{urlencode({'postcode': a[0], 'house_number': a[1], 'street': a[2]})}" for a in sample
    ]
    measures = [(MINIMAL, minimal), (POINT, by_point)]
    if by_address:
        measures.append((ADDRESS, by_address))

    for _name, paths in measures:
        for path in paths:
            environs[path] = factory.get(path).environ  # written out before timing, as the queries
    answered: list[str] = []

    def start_response(status, headers, exc_info=None):
        answered.append(status)

    def get(path, counts):
        answered.clear()
        response = handler(dict(environs[path]), start_response)
        b"".join(response)
        response.close()  # what the server does; Django's request_finished
        status = int(answered[0][:3])
        counts[status] = counts.get(status, 0) + 1

    # Each round takes the measures side by side, 200 requests of each in turn (the order
    # reversed every other turn), so that whatever else the machine does at a moment falls on
    # the minimal view and the lookups alike; one measure after the other, a slow few seconds
    # went to whichever ran then (the same run's rounds read 0.70 and 1.09).
    named = []
    for name, paths in measures:
        counts = statuses.setdefault(name, {})
        calls = base.cycle([lambda p=p, c=counts: get(p, c) for p in paths])
        for _warmup in range(200):
            next(calls)()
        counts.clear()
        named.append((name, calls))
    for _ in range(rounds):
        # Requests per second of this process's own CPU time too: what other work on the
        # machine takes away from the wall clock figure, it does not (much) take from this one.
        rows = base.measure_interleaved(named, budget * len(named), 200, time.process_time)
        for row in rows:
            counts = statuses[row["name"]]
            row["statuses"] = {str(k): v for k, v in sorted(counts.items())}
            counts.clear()
        results["timings"].extend(rows)
    try:
        child, port = http_load.start(str(var))
    except (OSError, RuntimeError) as exc:
        print(f"HTTP rows skipped: {exc}", flush=True)
        results["http_skipped"] = str(exc)
        return
    try:
        named_paths = [(f"HTTP {name}", paths) for name, paths in measures]
        for _ in range(rounds):
            results["timings"].extend(
                http_load.measure_interleaved(named_paths, port, budget * len(named_paths), 200, child.pid)
            )
    finally:
        http_load.stop(child)


MINIMAL = "GET minimal JSON view"
POINT = "GET /api/v1/lookup (point)"
ADDRESS = "GET /api/v1/lookup (address)"
REGISTER_QUERY = "register query (candidates)"
ROUND_TRIP = "database round trip (SELECT 1)"


def ratio(results: dict) -> dict:
    """The endpoint by point and by address against the minimal view, round by round (the goal:
    0.8 for both), in process and over HTTP."""
    rows = results["timings"]

    def per_round(prefix: str, figure: str, name: str = POINT) -> list[float]:
        ping = [r.get(figure) for r in rows if r["name"] == prefix + MINIMAL]
        ours = [r.get(figure) for r in rows if r["name"] == prefix + name]
        return [round(p / m, 3) for p, m in zip(ours, ping, strict=False) if p and m]

    shares = {}
    for kind, name in (("point", POINT), ("address", ADDRESS)):
        shares[f"{kind}_vs_minimal_view"] = per_round("", "per_s", name)
        shares[f"{kind}_vs_minimal_view_cpu"] = per_round("", "cpu_per_s", name)
        shares[f"http_{kind}_vs_minimal_view"] = per_round("HTTP ", "per_s", name)
        shares[f"http_{kind}_vs_minimal_view_cpu"] = per_round("HTTP ", "cpu_per_s", name)
    return shares


def headroom(results: dict) -> dict:
    """What a ratio of 0.8 leaves the lookup by address over HTTP, beside what its parts take:
    a request may take 1/0.8 of the minimal view's, so 0.25 of it (median latencies over the
    rounds) for all the lookup adds; the lookup by point already adds its area search and answer,
    and the address adds its register query on top, whose floor is one database round trip."""

    def p50(name: str) -> float | None:
        return _median([r["p50_ms"] for r in results["timings"] if r["name"] == name])

    minimal, point = p50("HTTP " + MINIMAL), p50("HTTP " + POINT)
    if minimal is None or point is None:
        return {}
    return {
        "minimal_p50_ms": minimal,
        "allowed_extra_ms": round(minimal * (1 / 0.8 - 1), 3),
        "point_extra_ms": round(point - minimal, 3),
        "address_extra_ms": None if p50("HTTP " + ADDRESS) is None else round(p50("HTTP " + ADDRESS) - minimal, 3),
        "register_query_ms": p50(REGISTER_QUERY),
        "round_trip_ms": p50(ROUND_TRIP),
    }


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 3) if values else None


def table(results: dict) -> str:
    m = results["machine"]
    a, r = results["areas"], results["addresses"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, SQLite {m['sqlite']}, "
        f"shapely {m['shapely']} (GEOS {m['geos']}); database {results['database']}; load average "
        f"{m['load_average_1min']} before, {m['load_average_1min_after']} after",
        f"Areas: {a['features']} ({a['file_mb']} MB GeoJSON) imported in {a['import_s']} s, re-import "
        f"{a['reimport_s']} s ({a['reimport_unchanged']} unchanged); neighbours of all {a['neighbours_s']} s "
        f"({a['neighbour_rows']} rows; bare STRtree dwithin {a['bare_strtree_dwithin_s']} s)",
        (
            "Addresses: skipped (--addresses 0)"
            if r.get("skipped")
            else f"Addresses: {r['rows']} rows ({r['file_mb']} MB) imported in {r['import_s']} s "
            f"({r['rows_per_s']}/s), re-import {r['reimport_s']} s ({r['reimport_changed']} changed)"
        ),
        f"Index built in {results['index_build_s']} s",
        "",
        f"{'measure':<36} {'n':>8} {'per s':>10} {'p50 ms':>9} {'p99 ms':>9} {'per CPU s':>10}",
        "-" * 87,
    ]
    for row in results["timings"]:
        cpu = row.get("cpu_per_s", "")
        lines.append(
            f"{row['name']:<36} {row['n']:>8} {row['per_s']:>10} {row['p50_ms']:>9} {row['p99_ms']:>9} {cpu:>10}"
        )
        other = {k: v for k, v in row.get("statuses", {}).items() if k != "200"}
        if other:
            lines.append(f"{'':<36} other statuses: {other}")
    shares = results["ratio"]
    for kind in ("point", "address"):
        lines += ["", f"Lookup by {kind} / minimal view, per round (median): requests a second; per CPU second"]
        for label, key in (
            ("in process (WSGI handler)", f"{kind}_vs_minimal_view"),
            ("over HTTP (waitress)", f"http_{kind}_vs_minimal_view"),
        ):
            if key.startswith("http") and results.get("http_skipped"):
                lines += [f"  {label}: skipped ({results['http_skipped']})"]
                continue
            wall, cpu = shares[key], shares[key + "_cpu"]
            if not wall:
                lines += [f"  {label}: not measured (no addresses)"]
                continue
            lines += [f"  {label}: {wall} ({_median(wall)}); {cpu} ({_median(cpu)})"]
    room = results.get("headroom") or {}
    if room.get("address_extra_ms") is not None:
        lines += [
            "",
            f"At 0.8 a lookup may take {room['allowed_extra_ms']} ms more than the minimal view's "
            f"{room['minimal_p50_ms']} ms over HTTP (p50). By point it takes {room['point_extra_ms']} ms more, "
            f"by address {room['address_extra_ms']} ms more; in process the register query takes "
            f"{room['register_query_ms']} ms and a database round trip {room['round_trip_ms']} ms.",
        ]
    lines += [f"Peak resident memory: {results['max_rss_mb']} MB; total {results['total_s']} s"]
    return "\n".join(lines)


def _keep_database_url() -> None:
    update = os.environ.update

    def update_keeping_database(values=(), **kwargs):
        values = dict(values, **kwargs)
        values["DATABASE_URL"] = os.environ["BUURTWACHT_BENCH_DATABASE_URL"]
        update(values)

    os.environ.update = update_keeping_database  # type: ignore[method-assign]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--addresses", type=int, default=10_000_000)
    parser.add_argument(
        "--budget",
        type=float,
        default=4.0,
        help="seconds per timed measure (per round: this for each kind of request)",
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--rounds", type=int, default=3, help="turns of the endpoint against the minimal view")
    parser.add_argument("--database-url", default="", help="e.g. postgres://... (default: SQLite in a temp dir)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    started = time.perf_counter()
    var = Path(tempfile.mkdtemp(prefix="buurtwacht-geo-"))
    try:
        if args.database_url:
            # bench/run.py's configure() points DATABASE_URL at SQLite; keep the one asked for.
            os.environ["BUURTWACHT_BENCH_DATABASE_URL"] = args.database_url
            _keep_database_url()
        base.configure(str(var))
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False, stdout=io.StringIO())
        rng = random.Random(args.seed)
        results: dict = {"machine": base.machine(), "database": connection.vendor, "timings": []}
        areas_phase(results, var, args.areas, rng)
        print("areas:", results["areas"], flush=True)
        if args.addresses > 0:
            sample = addresses_phase(results, var, args.addresses, rng)
        else:  # --addresses 0: no register, so no lookups by address
            sample, results["addresses"] = [], {"skipped": True}
        print("addresses:", results["addresses"], flush=True)
        from apps.areas.models import Area
        from apps.groups.models import Group

        # One active group per area, so lookups find groups.

        Group.objects.bulk_create(
            [
                Group(municipality_id=a.municipality_id, area=a, name=a.name, slug=f"g-{a.pk}", status="active")
                for a in Area.objects.all()
            ],
            batch_size=2000,
        )
        lookup_phase(results, sample, args.budget, rng)
        print("lookups:", results["timings"], flush=True)
        http_phase(results, sample, args.budget, rng, args.rounds, var)
        results["ratio"] = ratio(results)
        results["headroom"] = headroom(results)
        results["max_rss_mb"] = base.max_rss_mb()
    finally:
        shutil.rmtree(var, ignore_errors=True)
    base.finish(results, started, table, args.output)


if __name__ == "__main__":
    main()
