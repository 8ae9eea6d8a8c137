"""The figures downloads at size: 100,000 rows written as CSV (streamed line by line, as the
desk's StreamingHttpResponse sends them) and as XLSX (openpyxl's write-only mode into a temporary
file, as the desk's FileResponse streams it). Prints the time of each and how much the process's
peak resident memory grew while it ran (each format in a fresh process, so the peak is its own);
with ``--trace`` also the peak of Python's allocations by tracemalloc (which makes the run several
times slower). Not a test: it checks nothing, and its figures belong to the machine.

Run ``.venv/bin/python bench/figures.py`` (``--rows 1000000`` for a longer run).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def rows(n: int):
    categories = ("burglary", "theft", "vandalism", "=formula-looking text", "suspicious_vehicle")
    for i in range(n):
        yield [f"Incidents per month {categories[i % 5]}", f"{2021 + i % 5}-{1 + i % 12:02d} row {i}", i]


def child(kind: str, n: int, trace: bool) -> None:
    """In a fresh process: write ``n`` rows as ``kind`` and print the figures as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buurtwacht.settings")
    os.environ.setdefault("BUURTWACHT_ENV", "development")
    import django

    django.setup()
    from apps.figures import exports

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    if kind == "csv":
        size = sum(len(line.encode()) for line in exports.csv_lines(exports.header(), rows(n)))
    else:
        with exports.xlsx_file("Figures", exports.header(), rows(n)) as out:
            out.seek(0, os.SEEK_END)
            size = out.tell()
    seconds = time.perf_counter() - t0
    traced = tracemalloc.get_traced_memory()[1] if trace else None
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
    print(json.dumps({"seconds": seconds, "rss_growth": grown, "traced_peak": traced, "size": size}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--trace", action="store_true")
    parser.add_argument("--child", choices=["csv", "xlsx"])
    args = parser.parse_args()
    if args.child:
        child(args.child, args.rows, args.trace)
        return
    print(f"{args.rows:,} rows of (figure, item, value):")
    for kind in ("csv", "xlsx"):
        command = [sys.executable, __file__, "--child", kind, "--rows", str(args.rows)]
        if args.trace:
            command.append("--trace")
        done = subprocess.run(command, capture_output=True, text=True, check=True)  # noqa: S603 (this script)
        r = json.loads(done.stdout.strip().splitlines()[-1])
        traced = f"   tracemalloc peak {r['traced_peak'] / 1e6:6.2f} MB" if r["traced_peak"] is not None else ""
        print(
            f"{kind.upper():5s} {r['seconds']:7.2f} s   peak RSS grew {r['rss_growth'] / 1e6:6.1f} MB"
            f"   output {r['size'] / 1e6:6.2f} MB{traced}"
        )


if __name__ == "__main__":
    main()
