"""The address import on SQLite and PostgreSQL, back to back on the same file. Not a test: it
checks nothing, and its figures belong to the machine.

``.venv/bin/python bench/import_addresses.py --rows 1000000 --rounds 3 --postgres
postgres://postgres@127.0.0.1:5432`` writes one synthetic CSV (the one of ``bench/geo.py``), then
per round, in turn: a fresh SQLite file and a fresh PostgreSQL database ``bench_import_<pid>``
(created and dropped on that server), each migrated in its own process, a first import and a
second one of the same file (which must change nothing). Without ``--postgres`` only SQLite runs;
with ``--no-sqlite`` only PostgreSQL. ``--writers 2,1`` runs the PostgreSQL import once per number
of writing connections each round (``BUURTWACHT_IMPORT_POSTGRES_WRITERS``, ADR 0014 and 0019).
Each import runs in a process of its own, the way ``manage.py import_addresses`` does.

Figures go to ``bench/results/import-latest.json``; see docs/benchmarks.md.
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
from urllib.parse import urlparse

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results" / "import-latest.json"


def _child(database_url: str, csv_path: str, var: str) -> None:
    """Runs in its own process: migrate, import, import again; prints one JSON line."""
    from child import start_django

    start_django(database_url, var)
    import resource

    from django.db import connection

    from apps.addresses.importer import import_addresses

    first = import_addresses(csv_path, report_path=Path(var) / "report.csv")
    second = import_addresses(csv_path, report_path=Path(var) / "report2.csv")
    print(
        json.dumps(
            {
                "database": connection.vendor,
                "rows": first.lines,
                "inserted": first.inserted,
                "rejected": first.rejected,
                "import_s": round(first.seconds, 2),
                "rows_per_s": round(first.per_second),
                "reimport_s": round(second.seconds, 2),
                "reimport_changed": second.inserted + second.updated,
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            }
        )
    )


def _psql(server: str, sql: str) -> None:
    parsed = urlparse(server)
    subprocess.run(
        [
            "psql",
            "-h",
            parsed.hostname or "127.0.0.1",
            "-p",
            str(parsed.port or 5432),
            "-U",
            parsed.username or "postgres",
        ]
        + ["-X", "-q", "-c", sql],
        check=True,
    )


def _run(database_url: str, csv_path: Path, var: Path, writers: int | None = None) -> dict:
    load_before = os.getloadavg()[0]
    env = dict(os.environ)
    if writers is not None:
        env["BUURTWACHT_IMPORT_POSTGRES_WRITERS"] = str(writers)
    out = subprocess.run(
        [sys.executable, __file__, "--child", database_url, str(csv_path), str(var)],
        env=env,
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
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--postgres", default="", help="a server URL without database, e.g. postgres://postgres@127.0.0.1:5432"
    )
    parser.add_argument(
        "--writers",
        default="",
        help="PostgreSQL: writing connections, one import per value each round (e.g. 2,1); default the setting's",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    writer_counts = [int(w) for w in args.writers.split(",") if w.strip()] or [None]

    sys.path[:0] = [str(HERE), str(ROOT)]
    from geo import write_addresses

    started = time.perf_counter()
    var = Path(tempfile.mkdtemp(prefix="buurtwacht-import-"))
    database = f"bench_import_{os.getpid()}"
    runs: list[dict] = []
    try:
        csv_path = var / "addresses.csv"
        write_addresses(csv_path, args.rows, random.Random(args.seed))
        for round_ in range(1, args.rounds + 1):
            if not args.no_sqlite:
                sqlite_var = var / f"sqlite-{round_}"
                sqlite_var.mkdir()
                row = _run(f"sqlite:///{sqlite_var}/bench.sqlite3", csv_path, sqlite_var)
                shutil.rmtree(sqlite_var)
                runs.append({"round": round_, **row})
                print(json.dumps(runs[-1]), flush=True)
            for writers in writer_counts if args.postgres else []:
                server = args.postgres.rstrip("/")
                _psql(server, f"DROP DATABASE IF EXISTS {database}")
                _psql(server, f"CREATE DATABASE {database}")
                try:
                    pg_var = var / f"pg-{round_}-{writers}"
                    pg_var.mkdir()
                    row = _run(f"{server}/{database}", csv_path, pg_var, writers)
                finally:
                    _psql(server, f"DROP DATABASE IF EXISTS {database}")
                runs.append({"round": round_, "writers": writers, **row})
                print(json.dumps(runs[-1]), flush=True)
    finally:
        shutil.rmtree(var, ignore_errors=True)
    results = {
        "date": time.strftime("%Y-%m-%d"),
        "cpus": os.cpu_count(),
        "rows": args.rows,
        "runs": runs,
        "total_s": round(time.perf_counter() - started, 1),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")
    print(f"Written to {args.output}")


if __name__ == "__main__":
    main()
