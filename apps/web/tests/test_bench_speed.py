"""``bench/speed.py`` reads each benchmark's JSON into one table of figures and goals: a figure
beside the wrong goal, or a missed goal shown as met, would make the summary lie. The figures
here are made up; the real ones belong to the machine (docs/benchmarks.md)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def _speed():
    spec = importlib.util.spec_from_file_location("bench_speed", ROOT / "bench" / "speed.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


GEO = {
    "ratio": {
        "http_point_vs_minimal_view": [0.9, 0.85, 0.95],
        "http_point_vs_minimal_view_cpu": [0.9, 0.9, 0.9],
        "point_vs_minimal_view": [0.8, 0.8, 0.8],
        "http_address_vs_minimal_view": [0.7, 0.81, 0.79],
        "http_address_vs_minimal_view_cpu": [0.8, 0.8, 0.8],
        "address_vs_minimal_view": [0.5, 0.5, 0.5],
    },
    "timings": [
        {"name": "bare STRtree query", "per_s": 100000.0},
        {"name": "areas.index.lookup", "per_s": 80000.0},
        {"name": "bare STRtree query", "per_s": 110000.0},
        {"name": "areas.index.lookup", "per_s": 90000.0},
    ],
    "addresses": {"rows": 10_000_000, "import_s": 181.0},
}


def _by_figure(rows):
    return {row["figure"]: row for row in rows}


def test_lookup_ratios_are_medians_of_the_rounds_against_their_goal():
    speed = _speed()
    rows = []
    speed.geo_rows(rows, GEO, "sqlite")
    found = _by_figure(rows)
    point = found["lookup by point / minimal view, over HTTP"]
    address = found["lookup by address / minimal view, over HTTP"]
    assert (point["value"], point["met"]) == (0.9, True)
    assert (address["value"], address["met"]) == (0.79, False)
    assert found["area index lookup / bare STRtree query"]["value"] == round(85000 / 105000, 3)
    imported = found["import of 10,000,000 addresses"]
    assert (imported["value"], imported["met"]) == (181.0, False)


def test_a_relay_with_too_few_runs_does_not_meet_its_goal():
    speed = _speed()
    relay = {"relay_1000_per_s": {"runs": 3, "click_p50_ms": 120.0, "last_accepted_p95_s": 0.5}}
    rows = []
    speed.delivery_rows(rows, relay, "postgresql")
    found = _by_figure(rows)
    assert found["relay to 100 admins: the click, median"]["met"] is True
    assert found["relay: last message accepted at 1,000/s, p95 of 3 runs"]["met"] is False


def test_a_failed_run_is_a_missed_goal_and_the_table_says_so():
    speed = _speed()
    rows = []
    speed.geo_rows(rows, None, "postgresql")
    speed.neighbours_rows(
        rows,
        {
            "areas": {"areas": 10130},
            "full": {"best_refresh_wall_cpu_s": [2.3, 2.2]},
            "one_area": {"refresh_ms_median": 19.2, "refresh_ms_max": 27.7},
        },
        "sqlite",
    )
    summary = {
        "machine": {"platform": "Linux", "cpus": 2, "python": "3.11.7"},
        "date": "2026-12-06",
        "total_s": 1.0,
        "runs": [
            {"name": "geo (postgresql)", "seconds": 1.0, "load_before": 0.1, "load_after": 0.2, "exit": 1},
        ],
        "rows": rows,
    }
    text = speed.table(summary)
    assert "FAILED (exit 1)" in text
    assert "Not met: lookups and address import (postgresql)" in text
    assert _by_figure(rows)["neighbours of all 10,130 areas, full recompute"]["met"] is True


def test_memory_figures_keep_their_own_goal_and_verdict():
    speed = _speed()
    rows = []
    speed.memory_rows(
        rows,
        {
            "figures": [
                ["web server RSS after 10000 requests", 317.3, "<= 150 MB", False],
                ["import peak", 248.6, "", None],
            ]
        },
        "sqlite",
    )
    assert [(r["figure"], r["value"], r["met"]) for r in rows] == [
        ("web server RSS after 10000 requests", 317.3, False),
        ("import peak", 248.6, None),
    ]
