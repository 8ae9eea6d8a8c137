"""Coverage at national scale: the operators' national page and its map layer over a synthetic
country of 10,000 tessellated areas in about 840 municipalities, 9,500 active groups and 10
million addresses. Not a test: it checks nothing, and its figures belong to the machine.

Run ``make bench-coverage`` (or ``.venv/bin/python bench/coverage.py``; ``--addresses 1000000``
for a shorter run). In a temporary directory it migrates a fresh SQLite database (or uses
``--database-url`` for an empty PostgreSQL database), builds the country with bench/geo.py's
generators and the project's importers (``import_areas``, ``import_addresses``), gives every
address the municipality of the area it lies in, and then, in a fresh process (so its peak memory
is its own), measures:

- the first computation of the coverage cells (``aggregates.refresh``) and its peak memory;
- the national page (operator, and police of a zone of about 25 municipalities) and the map layer
  at national zoom, at a municipality's zoom, at regional zoom, at zoom 14 (counted from the view's
  own addresses) and at street zoom, each ``--rounds`` times, with the queries each runs;
- after a change of a group: the page while the figures are stale, and the second computation.

With ``--old`` (default on) a third process times what every page view and national-zoom layer
request did before the cells existed: reading every address and one STRtree query of all of them.

Figures go to ``bench/results/coverage-latest.json``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import math
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/ for its sibling scripts, the project for its apps (run as `python bench/<name>.py`).
sys.path[:0] = [str(HERE), str(HERE.parent)]

import run as base  # noqa: E402  (bench/run.py: configure, machine, finish)
from geo import grid, write_addresses, write_areas  # noqa: E402

from apps.core.actors import SYSTEM  # noqa: E402

RESULTS = HERE / "results" / "coverage-latest.json"
# Areas per municipality: a block of this many grid columns by rows.
BLOCK_COLS, BLOCK_ROWS = 4, 3
ACTIVE_SHARE = 0.95
SCREEN = (1920, 1080)
BUILT = (
    "country",
    "build_s",
    "addresses_imported",
    "addresses_without_municipality",
)  # the map's size in CSS pixels for the views asked for


def _configure(var: Path, database_url: str) -> None:
    if database_url:
        os.environ["BUURTWACHT_BENCH_DATABASE_URL"] = database_url
        from geo import _keep_database_url

        _keep_database_url()
    base.configure(str(var))


# --- building the country -----------------------------------------------------------------------


def build(results: dict, var: Path, n_areas: int, n_addresses: int, seed: int) -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False, stdout=io.StringIO())
    rng = random.Random(seed)
    phases = results["build_s"] = {}
    t0 = time.perf_counter()
    municipalities = _areas(var, n_areas, rng)
    phases["areas_and_municipalities"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    groups = _groups(rng)
    phases["groups_and_members"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    if n_addresses:
        path = var / "addresses.csv"
        write_addresses(path, n_addresses, rng)
        from apps.addresses.importer import import_addresses

        imported = import_addresses(path, report_path=var / "report.csv")
        path.unlink()
        results["addresses_imported"] = imported.inserted
    phases["addresses_import"] = round(time.perf_counter() - t0, 1)
    t0 = time.perf_counter()
    results["addresses_without_municipality"] = _assign_municipalities()
    phases["addresses_to_municipalities"] = round(time.perf_counter() - t0, 1)
    _roles(municipalities)
    results["country"] = {"municipalities": len(municipalities), **groups}


def _areas(var: Path, n_areas: int, rng: random.Random) -> list:
    from apps.areas.importer import import_areas
    from apps.areas.models import Area
    from apps.municipalities.models import Municipality

    cols, rows, corners = grid(n_areas, rng)
    path = var / "areas.geojson"
    write_areas(path, cols, rows, corners)
    import_areas(path, municipality="Synthetisch land", country="NL", actor=SYSTEM)
    # Blocks of areas become municipalities: the north Dutch, the south Belgian.
    blocks: dict[tuple[int, int], list[int]] = {}
    for pk, name in Area.objects.values_list("pk", "name"):
        i, j = (int(v) for v in name.split()[1].split("-"))
        blocks.setdefault((i // BLOCK_COLS, j // BLOCK_ROWS), []).append(pk)
    block_rows = max(j for _i, j in blocks) + 1
    made = Municipality.objects.bulk_create(
        [
            Municipality(
                name=f"Gemeente {i:02d}-{j:02d}",
                slug=f"gemeente-{i:02d}-{j:02d}",
                country="NL" if j > block_rows * 0.45 else "BE",
                code=f"B{i:02d}{j:02d}",
            )
            for i, j in sorted(blocks)
        ]
    )
    for municipality, key in zip(made, sorted(blocks), strict=True):
        Area.objects.filter(pk__in=blocks[key]).update(municipality=municipality)
    Municipality.objects.filter(name="Synthetisch land").delete()
    return list(Municipality.objects.order_by("pk"))


def _groups(rng: random.Random) -> dict:
    from django.utils import timezone

    from apps.areas.models import Area
    from apps.groups.models import Group
    from apps.members.models import Member
    from apps.municipalities.models import HouseRulesVersion, Municipality

    groups = [
        Group(
            municipality_id=a.municipality_id,
            area=a,
            name=a.name,
            slug=f"g-{a.pk}",
            status="active" if rng.random() < ACTIVE_SHARE else "forming",
        )
        for a in Area.objects.all()
    ]
    Group.objects.bulk_create(groups, batch_size=2000)
    rules = HouseRulesVersion.objects.create(
        municipality=Municipality.objects.first(), version=1, title="Huisregels", text="1. Eerst 101 bellen."
    )
    now = timezone.now()
    members = []
    count = 0
    for group in Group.objects.filter(status="active").only("pk"):
        for n in range(rng.randint(0, 60)):
            members.append(
                Member(
                    group_id=group.pk, full_name="Lid", street="Straat", house_number=str(n + 1), postcode="1000",
                    town="Plaats", age_checked_on="2020-01-01", phone=f"+3247{group.pk:05d}{n:03d}",
                    email="lid@example.org", house_rules_version=rules, house_rules_accepted_at=now,
                )
            )  # fmt: skip
        if len(members) >= 20_000:
            Member.objects.bulk_create(members)
            count += len(members)
            members = []
    Member.objects.bulk_create(members)
    count += len(members)
    return {
        "groups": len(groups),
        "active_groups": Group.objects.filter(status="active").count(),
        "members": count,
    }


def _assign_municipalities() -> int:
    """Every address gets the municipality of the area it lies in (none beyond the grid's edge)."""
    import numpy as np
    import shapely
    from django.db import connection, transaction
    from shapely.geometry import shape

    from apps.addresses.models import Address
    from apps.areas.models import Area

    areas = list(Area.objects.values_list("municipality_id", "geometry"))
    polygons = np.array([shape(g) for _m, g in areas], dtype=object)
    owners = np.array([m for m, _g in areas], dtype=np.int64)
    tree = shapely.STRtree(polygons)
    ids = np.fromiter(
        Address.objects.order_by("pk").values_list("pk", flat=True).iterator(chunk_size=100_000), np.int64
    )
    table = Address._meta.db_table
    without = 0
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_owner (id bigint PRIMARY KEY, m bigint)")
        for start in range(0, len(ids), 500_000):
            chunk = ids[start : start + 500_000]
            rows = list(
                Address.objects.filter(pk__gte=chunk[0], pk__lte=chunk[-1])
                .order_by("pk")
                .values_list("pk", "lon", "lat")
            )
            pks = np.array([r[0] for r in rows], dtype=np.int64)
            found, which = tree.query(
                shapely.points([r[1] for r in rows], [r[2] for r in rows]), predicate="intersects"
            )
            first = np.unique(found, return_index=True)[1]
            without += len(pks) - len(first)
            cursor.executemany(
                "INSERT INTO bench_owner (id, m) VALUES (%s, %s)",
                list(zip(pks[found[first]].tolist(), owners[which[first]].tolist(), strict=True)),
            )
        cursor.execute(f"UPDATE {table} SET municipality_id = o.m FROM bench_owner o WHERE o.id = {table}.id")  # noqa: S608
        cursor.execute("DROP TABLE bench_owner")
    return without


def _roles(municipalities: list) -> None:
    from apps.accounts.models import User
    from apps.municipalities.models import PoliceOfficer, PoliceZone

    User.objects.create_superuser("bench-root", "root@example.org", "bench-password")
    police = User.objects.create_user("bench-police", "police@example.org", "bench-password")
    zone = PoliceZone.objects.create(name="PZ Bench", country="BE")
    # About 25 neighbouring municipalities: a 5 by 5 block of them in the middle of the country.
    names = {f"Gemeente {i:02d}-{j:02d}" for i in range(10, 15) for j in range(10, 15)}
    zone.municipalities.add(*[m for m in municipalities if m.name in names])
    PoliceOfficer.objects.create(user=police, zone=zone)


# --- measuring ----------------------------------------------------------------------------------


def _peak_mb() -> float:
    """This process's peak resident memory (VmHWM): unlike ru_maxrss on Linux it does not carry
    the parent's peak over into a child started with exec."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return base.max_rss_mb()


def _view(lon: float, lat: float, zoom: int) -> str:
    """The bbox a map of SCREEN pixels shows around (lon, lat) at ``zoom``."""
    degrees = 360 / (256 * 2**zoom)
    half_w = SCREEN[0] / 2 * degrees
    half_h = SCREEN[1] / 2 * degrees * math.cos(math.radians(lat))
    return f"{lon - half_w:.6f},{lat - half_h:.6f},{lon + half_w:.6f},{lat + half_h:.6f}"


def _timed(client, url: str, query: dict, rounds: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times, size, queries, status = [], 0, 0, 0
    for _ in range(rounds):
        with CaptureQueriesContext(connection) as captured:
            t0 = time.perf_counter()
            response = client.get(url, query)
            times.append((time.perf_counter() - t0) * 1000)
        size, queries, status = len(response.content), len(captured), response.status_code
    body = json.loads(response.content) if response["Content-Type"].startswith("application/json") else {}
    return {
        "ms_min": round(min(times), 1),
        "ms_median": round(statistics.median(times), 1),
        "ms_max": round(max(times), 1),
        "queries": queries,
        "kb": round(size / 1024, 1),
        "status": status,
        "features": len(body.get("features", [])),
    }


def measure(results: dict, rounds: int) -> None:
    from django.db.models import Count, Max, Min, Sum
    from django.test import Client

    from apps.accounts.models import User
    from apps.areas.models import Area
    from apps.coverage import aggregates
    from apps.coverage.models import CoverageCell
    from apps.groups.models import Group

    results["max_rss_mb_before"] = _peak_mb()
    t0 = time.perf_counter()
    aggregates.refresh()
    results["first_computation_s"] = round(time.perf_counter() - t0, 1)
    results["max_rss_mb_after_first_computation"] = _peak_mb()
    results["cells"] = dict(
        CoverageCell.objects.values("zoom").annotate(n=Count("pk")).order_by("zoom").values_list("zoom", "n")
    )
    state = aggregates.freshness()
    results["addresses_counted"] = state.addresses
    # The densest spot (the fullest hexagon at zoom 13) and the largest municipality.
    dense = CoverageCell.objects.filter(zoom=13).values("lon", "lat").annotate(n=Sum("addresses")).order_by("-n")[0]
    biggest = (
        CoverageCell.objects.filter(zoom=6, municipality__isnull=False)
        .values("municipality_id")
        .annotate(n=Sum("addresses"))
        .order_by("-n")[0]["municipality_id"]
    )
    extent = Area.objects.filter(municipality_id=biggest).aggregate(
        a=Min("min_lon"), b=Min("min_lat"), c=Max("max_lon"), d=Max("max_lat")
    )
    municipality_zoom = max(0, min(13, int(math.log2(360 * SCREEN[0] / 256 / max(extent["c"] - extent["a"], 1e-6)))))
    centre = ((extent["a"] + extent["c"]) / 2, (extent["b"] + extent["d"]) / 2)
    operator, police = Client(), Client()
    operator.force_login(User.objects.get(username="bench-root"))
    police.force_login(User.objects.get(username="bench-police"))
    layer = "/beheer/dekking/kaartlaag.json"
    country = "3.0,50.0,7.0,53.5"
    requests = [
        ("page, operator (all municipalities)", operator, "/beheer/dekking/", {}),
        ("page, police (zone)", police, "/beheer/dekking/", {}),
        ("layer zoom 6 (national)", operator, layer, {"zoom": 6, "bbox": country}),
        ("layer zoom 8 (national)", operator, layer, {"zoom": 8, "bbox": country}),
        ("layer zoom 9 (national)", operator, layer, {"zoom": 9, "bbox": country}),
        (
            f"layer zoom {municipality_zoom} (largest municipality)",
            operator,
            layer,
            {"zoom": municipality_zoom, "bbox": _view(*centre, municipality_zoom)},
        ),
        ("layer zoom 13 (densest spot)", operator, layer, {"zoom": 13, "bbox": _view(dense["lon"], dense["lat"], 13)}),
        (
            "layer zoom 14 (densest spot, direct)",
            operator,
            layer,
            {"zoom": 14, "bbox": _view(dense["lon"], dense["lat"], 14)},
        ),
        (
            "layer zoom 17 (densest spot, street)",
            operator,
            layer,
            {"zoom": 17, "bbox": _view(dense["lon"], dense["lat"], 17)},
        ),
        ("layer zoom 8, police (zone)", police, layer, {"zoom": 8, "bbox": country}),
    ]
    for _name, client, url, query in requests:
        _timed(client, url, query, 1)  # warm: templates, translations, the area index
    results["requests"] = {name: _timed(client, url, query, rounds) for name, client, url, query in requests}
    # A change: the figures are stale; the page shows the last ones (a large register is only
    # counted in the background) until the worker has counted again.
    group = Group.objects.filter(status="active").first()
    group.status = "closed"
    group.save()
    results["stale_page"] = _timed(operator, "/beheer/dekking/", {}, rounds)
    results["stale_page"]["current"] = aggregates.freshness().fresh
    t0 = time.perf_counter()
    assert aggregates.refresh_if_stale()
    results["second_computation_s"] = round(time.perf_counter() - t0, 1)
    results["max_rss_mb"] = _peak_mb()


def measure_old(results: dict) -> None:
    """What the national page and the national-zoom layer did on every request before the cells:
    every address read into arrays and one STRtree query of all of them (then the counting)."""
    from collections import Counter

    from apps.coverage import hexbins, national

    results["max_rss_mb_before"] = _peak_mb()
    t0 = time.perf_counter()
    found = national.points(None)
    t1 = time.perf_counter()
    Counter(found.municipality_ids.tolist()), Counter(found.municipality_ids[found.covered].tolist())
    t2 = time.perf_counter()
    hexbins.hexbins(found.lons, found.lats, found.covered, hexbins.hex_size_for_zoom(8))
    t3 = time.perf_counter()
    results.update(
        addresses=len(found.lons),
        read_and_cover_s=round(t1 - t0, 1),
        figures_s=round(t2 - t1, 1),
        hexagons_zoom8_s=round(t3 - t2, 1),
        max_rss_mb=_peak_mb(),
    )


def _child(var: Path, database_url: str, mode: str, extra: list[str]) -> dict:
    out = var / f"{mode}.json"
    command = [sys.executable, __file__, f"--{mode}", str(var), "--output", str(out), *extra]
    if database_url:
        command += ["--database-url", database_url]
    subprocess.run(command, check=True)
    return json.loads(out.read_text())


def table(results: dict) -> str:
    m, c, new = results["machine"], results["country"], results["new"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, SQLite {m['sqlite']}, "
        f"shapely {m['shapely']}; database {results['database']}; load average {m['load_average_1min']} before, "
        f"{m['load_average_1min_after']} after",
        f"Country: {c['municipalities']} municipalities, {c['groups']} areas and groups ({c['active_groups']} active), "
        f"{c['members']} members, {new['addresses_counted']} addresses "
        f"({results['addresses_without_municipality']} outside every area); build {results['build_s']}",
        f"First computation: {new['first_computation_s']} s, "
        f"peak memory {new['max_rss_mb_after_first_computation']} MB "
        f"(process before: {new['max_rss_mb_before']} MB); cells per zoom {new['cells']}",
        f"After a change: page while stale {new['stale_page']['ms_median']} ms median; second computation "
        f"{new['second_computation_s']} s; peak memory of the measuring process {new['max_rss_mb']} MB",
        "",
        f"{'request':<44} {'min ms':>8} {'median':>8} {'max ms':>8} {'queries':>7} {'KB':>8} {'features':>8}",
        "-" * 96,
    ]
    for name, row in new["requests"].items():
        lines.append(
            f"{name:<44} {row['ms_min']:>8} {row['ms_median']:>8} {row['ms_max']:>8} {row['queries']:>7} "
            f"{row['kb']:>8} {row['features']:>8}"
        )
    old = results.get("old")
    if old:
        lines += [
            "",
            f"Before the cells, per request: reading and covering {old['addresses']} addresses "
            f"{old['read_and_cover_s']} s, figures {old['figures_s']} s, hexagons at zoom 8 "
            f"{old['hexagons_zoom8_s']} s; peak memory {old['max_rss_mb']} MB",
        ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--addresses", type=int, default=10_000_000)
    parser.add_argument("--rounds", type=int, default=7, help="times each request is measured")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--database-url", default="", help="an empty PostgreSQL database (default: SQLite in a temp dir)"
    )
    parser.add_argument("--no-old", action="store_true", help="skip timing the former per-request computation")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--keep", type=Path, help="build the country in this directory and keep it")
    parser.add_argument("--reuse", type=Path, help="measure again on a country kept with --keep (SQLite)")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-old", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.measure or args.measure_old:  # a child process on the built database
        var = args.measure or args.measure_old
        _configure(var, args.database_url)
        results: dict = {}
        measure(results, args.rounds) if args.measure else measure_old(results)
        args.output.write_text(json.dumps(results))
        return

    started = time.perf_counter()
    var = args.reuse or args.keep or Path(tempfile.mkdtemp(prefix="buurtwacht-coverage-"))
    try:
        _configure(var, args.database_url)
        from django.db import connection

        results = {"machine": base.machine(), "database": connection.vendor}
        if args.reuse:
            results.update(json.loads((var / "built.json").read_text()))
        else:
            var.mkdir(parents=True, exist_ok=True)
            build(results, var, args.areas, args.addresses, args.seed)
            (var / "built.json").write_text(json.dumps({k: results[k] for k in BUILT}))
        print("built:", results["country"], results["build_s"], flush=True)
        connection.close()
        results["new"] = _child(var, args.database_url, "measure", ["--rounds", str(args.rounds)])
        if not args.no_old:
            results["old"] = _child(var, args.database_url, "measure-old", [])
    finally:
        if not (args.keep or args.reuse):
            shutil.rmtree(var, ignore_errors=True)
    base.finish(results, started, table, args.output)


if __name__ == "__main__":
    main()
