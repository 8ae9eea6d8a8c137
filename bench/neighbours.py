"""Neighbours of every area on real-shaped boundaries, and of one area after a change.

Areas: a jittered grid over Belgium and the Netherlands (``--areas``, default 10,000) whose
edges are jagged like real boundaries (``--vertices`` points per edge, the same on both sides of
a shared edge, so the areas still tessellate), plus the real boundaries of the seeds' places
from ``../shared/data/geo/`` when that folder is there (Belgian sub-municipalities and
municipalities, Dutch buurten, wijken and municipalities, the Baarle enclaves).

Measures, on a throwaway SQLite database (or ``--database-url``):
- the import of the areas (their neighbours are computed in the import's transaction);
- a full recompute from an empty neighbour table, split into reading the areas, the geometry
  work (projection, STRtree ``dwithin``, distances), comparing with the stored rows and writing,
  best of ``--repeat`` (CPU and wall);
- a change to one area: ``neighbours.refresh([id])`` after its geometry changed, and the whole
  ``save_area`` (parse, check, save, audit, neighbours), median and worst over ``--changes``
  areas.

    .venv/bin/python bench/neighbours.py [--areas 10000] [--vertices 40]

Not a test: it checks nothing, and its figures belong to the machine (docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import io
import json
import math
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# bench/ for its sibling scripts, the project for its apps (run as `python bench/neighbours.py`).
sys.path[:0] = [str(HERE), str(HERE.parent)]

import run as base  # noqa: E402  (bench/run.py: configure, machine, finish)
from geo import EAST, NORTH, SOUTH, WEST  # noqa: E402

from apps.core.actors import SYSTEM  # noqa: E402

RESULTS = HERE / "results" / "neighbours-latest.json"
SHARED_GEO = HERE.parent.parent / "shared" / "data" / "geo"
REAL_FILES = (
    ("be_deelgemeenten.geojson", "BE"),
    ("be_gemeenten.geojson", "BE"),
    ("nl_buurten.geojson", "NL"),
    ("nl_wijken.geojson", "NL"),
    ("nl_gemeenten.geojson", "NL"),
    ("baarle_enclaves.geojson", "NL"),
)


def jagged_grid(n_areas: int, per_edge: int, rng: random.Random) -> list[list[tuple[float, float]]]:
    """Rings of a jittered grid whose edges wiggle: each edge gets ``per_edge`` points with a
    sideways offset drawn from the edge's own seed, so both areas along it draw the same line."""
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

    def edge(a, b) -> list[tuple[float, float]]:
        start, end = min(a, b), max(a, b)
        wiggle = random.Random(hash((start, end)))
        length = math.dist(start, end)
        nx, ny = (start[1] - end[1]) / length, (end[0] - start[0]) / length
        points = []
        for k in range(1, per_edge + 1):
            t = k / (per_edge + 1)
            off = wiggle.uniform(-0.3, 0.3) * length / (per_edge + 1)
            points.append(
                (
                    round(start[0] + t * (end[0] - start[0]) + off * nx, 7),
                    round(start[1] + t * (end[1] - start[1]) + off * ny, 7),
                )
            )
        return points if a == start else points[::-1]

    rings = []
    for i in range(cols):
        for j in range(rows):
            c = [corners[i][j], corners[i + 1][j], corners[i + 1][j + 1], corners[i][j + 1]]
            ring = []
            for k in range(4):
                ring.append(c[k])
                ring.extend(edge(c[k], c[(k + 1) % 4]))
            ring.append(c[0])
            rings.append(ring)
    return rings


def write_rings(path: Path, rings) -> None:
    with path.open("w") as f:
        f.write('{"type":"FeatureCollection","features":[')
        for n, ring in enumerate(rings):
            feature = {
                "type": "Feature",
                "properties": {"name": f"Wijk {n:05d}"},
                "geometry": {"type": "Polygon", "coordinates": [[list(p) for p in ring]]},
            }
            f.write(("," if n else "") + json.dumps(feature, separators=(",", ":")))
        f.write("]}")


def clock():
    return time.perf_counter(), time.process_time()


def since(start) -> tuple[float, float]:
    wall, cpu = clock()
    return round(wall - start[0], 3), round(cpu - start[1], 3)


def import_phase(results: dict, var: Path, args, rng: random.Random) -> None:
    import shapely
    from shapely.geometry import shape

    from apps.areas.importer import AreaImportRefused, import_areas
    from apps.areas.models import Area, AreaNeighbour

    rings = jagged_grid(args.areas, args.vertices, rng)
    path = var / "areas.geojson"
    write_rings(path, rings)
    start = clock()
    import_areas(path, municipality="Synthetisch land", country="NL", actor=SYSTEM)
    imports = {"synthetic": since(start)}
    real = []
    if args.real.is_dir():
        for name, country in REAL_FILES:
            if (args.real / name).exists():
                start = clock()
                try:
                    import_areas(args.real / name, municipality=name.split(".")[0], country=country, actor=SYSTEM)
                except AreaImportRefused as exc:
                    # The import takes a file whole or not at all; what it refuses is said.
                    imports[name] = f"refused: {' '.join(exc.messages)}"
                    continue
                imports[name] = since(start)
                real.append(name)
    geoms = [shape(g) for g in Area.objects.values_list("geometry", flat=True)]
    results["areas"] = {
        "synthetic": len(rings),
        "real_files": real,
        "areas": len(geoms),
        "vertices": int(sum(shapely.get_num_coordinates(g) for g in geoms)),
        "most_vertices": int(max(shapely.get_num_coordinates(g) for g in geoms)),
        "import_wall_cpu_s": imports,
        "neighbour_rows": AreaNeighbour.objects.count(),
    }


def full_phase(results: dict, repeat: int) -> None:
    from apps.areas import neighbours
    from apps.areas.models import AreaNeighbour

    runs = []
    for _ in range(repeat):
        AreaNeighbour.objects.all().delete()
        start = clock()
        ids, geoms = neighbours._candidates(None, _distance())
        read = since(start)
        start = clock()
        pairs = neighbours.compute_pairs(ids, geoms, _distance())
        geometry = since(start)
        AreaNeighbour.objects.all().delete()
        start = clock()
        changes = neighbours.refresh()
        whole = since(start)
        start = clock()
        again = neighbours.refresh()
        unchanged = since(start)
        assert not again, "a second recompute found changes"
        runs.append(
            {
                "read": read,
                "geometry": geometry,
                "refresh": whole,
                "again": unchanged,
                "pairs": len(pairs),
                "rows": changes.rows,
            }
        )
    best = min(runs, key=lambda r: r["refresh"][1])
    results["full"] = {
        "runs": runs,
        "best_refresh_wall_cpu_s": best["refresh"],
        "best_again_wall_cpu_s": min(r["again"] for r in runs),
        "rows": best["rows"],
    }


def _distance() -> float:
    from django.conf import settings

    return float(settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M)


def change_phase(results: dict, changes: int, rng: random.Random) -> None:
    from django.db import transaction

    from apps.areas import neighbours
    from apps.areas.models import Area
    from apps.areas.services import save_area

    synthetic = list(Area.objects.filter(municipality__name="Synthetisch land").values_list("id", flat=True))
    chosen = rng.sample(synthetic, min(changes, len(synthetic)))
    refresh_ms, save_ms = [], []
    for area_id in chosen:
        area = Area.objects.select_related("municipality").get(pk=area_id)
        geometry = area.geometry
        # Moved about 300 m east: a change that can win or lose neighbours, and still a valid area.
        geometry["coordinates"] = [[[x + 0.0043, y] for x, y in ring] for ring in geometry["coordinates"]]
        with transaction.atomic():
            Area.objects.filter(pk=area_id).update(geometry=geometry)
            start = time.perf_counter()
            neighbours.refresh([area_id])
            refresh_ms.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
        with transaction.atomic():
            start = time.perf_counter()
            save_area(municipality=area.municipality, name=area.name, geometry=geometry, area=area, actor=SYSTEM)
            save_ms.append((time.perf_counter() - start) * 1000)
            transaction.set_rollback(True)
    results["one_area"] = {
        "areas": len(chosen),
        "refresh_ms_median": round(statistics.median(refresh_ms), 1),
        "refresh_ms_max": round(max(refresh_ms), 1),
        "save_area_ms_median": round(statistics.median(save_ms), 1),
        "save_area_ms_max": round(max(save_ms), 1),
    }


def table(results: dict) -> str:
    m, a, f, o = results["machine"], results["areas"], results["full"], results["one_area"]
    lines = [
        f"Machine: {m['platform']}, {m['cpus']} CPUs, Python {m['python']}, SQLite {m['sqlite']}, "
        f"shapely {m['shapely']} (GEOS {m['geos']}); database {results['database']}; load average "
        f"{m['load_average_1min']} before, {m['load_average_1min_after']} after",
        f"Areas: {a['areas']} ({a['synthetic']} synthetic, real files: {', '.join(a['real_files']) or 'none'}); "
        f"{a['vertices']} vertices, most in one area {a['most_vertices']}; {a['neighbour_rows']} neighbour rows",
        f"Imports (wall s, CPU s): {a['import_wall_cpu_s']}",
        "",
        "Full recompute from an empty table, then again with every row stored (wall s, CPU s):",
    ]
    for n, run in enumerate(f["runs"], 1):
        lines.append(
            f"  run {n}: read {run['read']}, geometry {run['geometry']}, whole refresh {run['refresh']} "
            f"({run['rows']} rows), again with the rows stored {run['again']}"
        )
    lines += [
        f"  best whole refresh: {f['best_refresh_wall_cpu_s']}; best again with the rows stored: "
        f"{f['best_again_wall_cpu_s']}",
        "",
        f"One area changed ({o['areas']} areas): neighbours.refresh median {o['refresh_ms_median']} ms "
        f"(max {o['refresh_ms_max']}); save_area median {o['save_area_ms_median']} ms (max {o['save_area_ms_max']})",
        f"Peak resident memory: {results['max_rss_mb']} MB; total {results['total_s']} s",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--vertices", type=int, default=40, help="points per edge of a synthetic area")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--real", type=Path, default=SHARED_GEO, help="folder of the real boundaries' GeoJSON files")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    started = time.perf_counter()
    var = Path(tempfile.mkdtemp(prefix="buurtwacht-neighbours-"))
    try:
        base.configure(str(var))
        from django.core.management import call_command
        from django.db import connection

        call_command("migrate", verbosity=0, interactive=False, stdout=io.StringIO())
        rng = random.Random(args.seed)
        results: dict = {"machine": base.machine(), "database": connection.vendor}
        import_phase(results, var, args, rng)
        print("areas:", results["areas"], flush=True)
        full_phase(results, args.repeat)
        print("full:", results["full"], flush=True)
        change_phase(results, args.changes, rng)
        results["max_rss_mb"] = base.max_rss_mb()
    finally:
        shutil.rmtree(var, ignore_errors=True)
    base.finish(results, started, table, args.output)


if __name__ == "__main__":
    main()
