"""What a process pays before it serves anything: Django's set-up, every URL module (as a web
process loads them) and the map modules, in fresh interpreters. Prints the median and the
spread of CPU and wall time over a number of starts, and how many map projections were built
on the way (0: they are built when first used, ``apps/areas/projections.py``).

    .venv/bin/python bench/start.py [starts] [--output FILE]

The figures also go to ``bench/results/start-latest.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "start-latest.json"

PROBE = """
import time
wall, cpu = time.perf_counter(), time.process_time()
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns
import apps.coverage.hexbins, apps.areas.neighbours
from apps.areas import projections
print(time.process_time() - cpu, time.perf_counter() - wall, projections.built())
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("starts", type=int, nargs="?", default=9)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    starts = args.starts
    load_before = os.getloadavg()[0]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", "PYTHONPATH": str(ROOT)}
    cpu, wall, built = [], [], set()
    for _ in range(starts):
        done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
            [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        )
        c, w, b = done.stdout.split()
        cpu.append(float(c))
        wall.append(float(w))
        built.add(int(b))
    load = os.getloadavg()[0]
    print(f"process start over {starts} starts (load {load:.2f} at the end):")
    print(f"  CPU  median {statistics.median(cpu):.3f} s (min {min(cpu):.3f}, max {max(cpu):.3f})")
    print(f"  wall median {statistics.median(wall):.3f} s (min {min(wall):.3f}, max {max(wall):.3f})")
    print(f"  map projections built at start: {sorted(built)}")
    results = {
        "starts": starts,
        "cpu_median_s": round(statistics.median(cpu), 3),
        "cpu_min_s": round(min(cpu), 3),
        "cpu_max_s": round(max(cpu), 3),
        "wall_median_s": round(statistics.median(wall), 3),
        "projections_built": sorted(built),
        "load_average_1min": round(load_before, 2),
        "load_average_1min_after": round(load, 2),
        "date": time.strftime("%Y-%m-%d"),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
