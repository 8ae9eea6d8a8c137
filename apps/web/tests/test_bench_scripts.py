"""Every benchmark script starts as its make target runs it (``python bench/<name>.py``): its
imports resolve and its options parse. The figures themselves are not tested: they belong to the
machine (docs/benchmarks.md)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The scripts a make target runs, with an argument that makes each stop after parsing its options.
SCRIPTS = [
    "run",
    "geo",
    "coverage",
    "delivery",
    "faults",
    "import_addresses",
    "import_areas",
    "neighbours",
    "memory",
    "speed",
    "start",
]


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_script_starts_as_make_runs_it(name):
    done = subprocess.run(  # noqa: S603 (this interpreter, this project's scripts)
        [sys.executable, f"bench/{name}.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout


def test_the_memory_bench_runs_to_its_end_on_a_tiny_country(tmp_path):
    """bench/memory.py with tiny sizes: it imports, serves, loads, reads the worker and writes
    its figures (which are not checked)."""
    output = tmp_path / "memory.json"
    tiny = ["--areas", "20", "--addresses", "2000", "--import-cache-mb", "64", "--requests", "200"]
    tiny += ["--leak-requests", "400", "--per-kind", "0", "--worker-wait", "1", "--output", str(output)]
    done = subprocess.run(  # noqa: S603 (this interpreter, this project's script)
        [sys.executable, "bench/memory.py", *tiny], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    results = json.loads(output.read_text())
    assert {"machine", "import", "server", "worker", "figures"} <= results.keys()
    assert [run["cache_mb"] for run in results["import"]["runs"]][1:] == [64]
    assert all("peak_rss_mb" in run for run in results["import"]["runs"])
    assert [s["requests"] for s in results["server"]["samples"]] == [200, 400]
    assert {"VmRSS", "VmHWM"} <= results["server"]["after_requests"].keys()
    assert {"growth_mb", "slope_mb_per_10k"} <= results["server"]["leak"].keys()
    assert "VmRSS" in results["worker"]["idle"]


def test_measures_side_by_side_take_turns_in_blocks_and_reverse_the_order(monkeypatch):
    """``bench.run.measure_interleaved``: the order of the calls, not their times."""
    sys.path.insert(0, str(ROOT / "bench"))
    import run as base

    seen: list[str] = []

    def calls(name):
        while True:
            yield lambda: seen.append(name)

    clock = iter(range(1000))
    rows = base.measure_interleaved(
        [("a", calls("a")), ("b", calls("b"))], budget=0, block=2, cpu=lambda: float(next(clock))
    )
    assert seen == ["a", "a", "b", "b"]  # one turn, even with no budget
    assert [(r["name"], r["n"]) for r in rows] == [("a", 2), ("b", 2)]
    assert all(r["per_s"] > 0 and r["cpu_per_s"] == 2.0 for r in rows)
    # A clock that reads a quarter second per call made: the budget of one second ends after the
    # second turn, which goes the other way round.
    seen.clear()
    monkeypatch.setattr(base.time, "perf_counter", lambda: len(seen) / 4)
    base.measure_interleaved([("a", calls("a")), ("b", calls("b"))], budget=1, block=1)
    assert seen == ["a", "b", "b", "a"]


def test_the_room_a_ratio_of_0_8_leaves_is_a_quarter_of_the_minimal_view():
    """``bench/geo.py``'s ``headroom``: medians over the rounds, differences with the minimal view."""
    sys.path.insert(0, str(ROOT / "bench"))
    import geo

    def row(name, p50):
        return {"name": name, "n": 200, "per_s": 1.0, "p50_ms": p50, "p99_ms": p50}

    timings = [row(geo.REGISTER_QUERY, 0.08), row(geo.ROUND_TRIP, 0.11)]
    for minimal, point, address in ((0.80, 0.90, 1.20), (0.76, 0.88, 1.10), (0.90, 1.00, 1.30)):
        timings += [row("HTTP " + geo.MINIMAL, minimal), row("HTTP " + geo.POINT, point)]
        timings.append(row("HTTP " + geo.ADDRESS, address))
    room = geo.headroom({"timings": timings})
    assert room == {
        "minimal_p50_ms": 0.8,
        "allowed_extra_ms": 0.2,
        "point_extra_ms": 0.1,
        "address_extra_ms": 0.4,
        "register_query_ms": 0.08,
        "round_trip_ms": 0.11,
    }
    # No HTTP rows (the server did not start): nothing to say.
    assert geo.headroom({"timings": timings[:2]}) == {}
    # No register (--addresses 0): the address's figures are missing, not zero.
    by_point = [r for r in timings if r["name"] != "HTTP " + geo.ADDRESS]
    assert geo.headroom({"timings": by_point})["address_extra_ms"] is None
