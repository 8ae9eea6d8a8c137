"""The area import at national scale, with its neighbours: how long it takes and how long its
write transaction holds the database. Not a test: it checks nothing, and its figures belong to
the machine.

``.venv/bin/python bench/import_areas.py --areas 10000 --rounds 2`` writes the GeoJSON of
bench/geo.py (a jittered grid over Belgium and the Netherlands, 9,951 areas for 10,000 asked),
then per round, in a process of its own on a fresh SQLite file (or, with ``--postgres
postgres://…``, also a fresh PostgreSQL database ``bench_areas_<pid>`` created and dropped on that
server), times:

- ``import_areas`` of the file into an empty database (with the neighbours of every area);
- the same file again (every area unchanged);
- the same file again after every neighbour row was deleted (what an import killed right after
  committing its areas left before ADR 0019): what a rerun repairs, and what it costs;
- ``save_area`` of one area moved by a few metres (its neighbours recomputed);
- per step, the longest write transaction (``atomic`` block) and the neighbour rows at the end.

Figures go to ``bench/results/import-areas-latest.json``; see docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "import-areas-latest.json"


def _child(database_url: str, geojson: str, var: str) -> None:
    from child import start_django

    start_django(database_url, var)
    from django.db import connection, transaction

    from apps.areas.importer import import_areas
    from apps.areas.models import Area, AreaNeighbour
    from apps.areas.services import save_area
    from apps.core.actors import SYSTEM

    # The outermost atomic blocks of this connection, from their start to their COMMIT: how long
    # each held its transaction (on SQLite the one write lock, which IMMEDIATE transactions take at
    # their start). Work done after the commit (``on_commit``) is not counted.
    blocks: list[float] = []
    opened: list[float] = []
    enter = transaction.Atomic.__enter__

    def timed_enter(self):
        if not connection.in_atomic_block:
            opened.append(time.perf_counter())
        return enter(self)

    transaction.Atomic.__enter__ = timed_enter
    connection.ensure_connection()
    commit = connection._commit

    def timed_commit():
        commit()
        if opened:
            blocks.append(time.perf_counter() - opened.pop())

    connection._commit = timed_commit

    def step(name: str, run) -> dict:
        blocks.clear()
        t0 = time.perf_counter()
        outcome = run()
        seconds = time.perf_counter() - t0
        return {
            "step": name,
            "s": round(seconds, 2),
            "longest_transaction_s": round(max(blocks, default=0.0), 2),
            "neighbour_rows": AreaNeighbour.objects.count(),
            **outcome,
        }

    def imported() -> dict:
        result = import_areas(geojson, municipality="Synthetisch land", country="NL", actor=SYSTEM)
        return {k: result.count(k) for k in ("created", "updated", "unchanged")}

    rows = [step("first import", imported), step("same file again", imported)]
    AreaNeighbour.objects.all().delete()
    rows.append(step("again, after every neighbour row was deleted", imported))
    area = Area.objects.order_by("pk")[len(rows) * 1000]

    def moved() -> dict:
        geometry = area.geometry
        ring = [[x + 0.00005, y] for x, y in geometry["coordinates"][0]]
        save_area(
            municipality=area.municipality,
            name=area.name,
            geometry={"type": "Polygon", "coordinates": [ring]},
            area=area,
            actor=SYSTEM,
        )
        return {}

    rows.append(step("save_area of one area", moved))
    print(json.dumps({"database": connection.vendor, "areas": Area.objects.count(), "steps": rows}))


def _psql(server: str, sql: str) -> None:
    from urllib.parse import urlparse

    parsed = urlparse(server)
    subprocess.run(
        ["psql", "-h", parsed.hostname or "127.0.0.1", "-p", str(parsed.port or 5432)]
        + ["-U", parsed.username or "postgres", "-X", "-q", "-c", sql],
        check=True,
    )


def _run(database_url: str, geojson: Path, var: Path) -> dict:
    load_before = os.getloadavg()[0]
    out = subprocess.run(
        [sys.executable, __file__, "--child", database_url, str(geojson), str(var)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    row = json.loads(out.strip().splitlines()[-1])
    row["load_before"] = round(load_before, 2)
    row["load_after"] = round(os.getloadavg()[0], 2)
    return row


def main() -> None:
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        _child(*sys.argv[2:])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--postgres", default="", help="a server URL without database")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()

    sys.path[:0] = [str(HERE), str(ROOT)]
    from geo import grid, write_areas

    var = Path(tempfile.mkdtemp(prefix="buurtwacht-areas-"))
    database = f"bench_areas_{os.getpid()}"
    runs: list[dict] = []
    try:
        geojson = var / "areas.geojson"
        cols, rows, corners = grid(args.areas, random.Random(args.seed))
        write_areas(geojson, cols, rows, corners)
        for round_ in range(1, args.rounds + 1):
            sqlite_var = var / f"sqlite-{round_}"
            sqlite_var.mkdir()
            runs.append({"round": round_, **_run(f"sqlite:///{sqlite_var}/bench.sqlite3", geojson, sqlite_var)})
            print(json.dumps(runs[-1]), flush=True)
            if args.postgres:
                server = args.postgres.rstrip("/")
                _psql(server, f"DROP DATABASE IF EXISTS {database}")
                _psql(server, f"CREATE DATABASE {database}")
                try:
                    pg_var = var / f"pg-{round_}"
                    pg_var.mkdir()
                    runs.append({"round": round_, **_run(f"{server}/{database}", geojson, pg_var)})
                    print(json.dumps(runs[-1]), flush=True)
                finally:
                    _psql(server, f"DROP DATABASE IF EXISTS {database}")
    finally:
        shutil.rmtree(var, ignore_errors=True)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps({"runs": runs}, indent=1))
    for run in runs:
        print(
            f"round {run['round']} {run['database']} ({run['areas']} areas, "
            f"load {run['load_before']}–{run['load_after']})"
        )
        for s in run["steps"]:
            print(
                f"  {s['step']:<48} {s['s']:>7} s  longest transaction {s['longest_transaction_s']:>6} s  "
                f"{s['neighbour_rows']:>7} neighbour rows"
            )


if __name__ == "__main__":
    main()
