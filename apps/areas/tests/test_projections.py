"""A process builds no map projection until it needs one (they cost time at every start)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as a web process loads them
import apps.coverage.hexbins as hexbins, apps.areas.neighbours as neighbours
from apps.areas import projections
print(projections.built())
hexbins.to_metres([5.3], [50.75])
print(projections.built())
from shapely.geometry import Point
neighbours.to_metres(Point(5.3, 50.75))
print(projections.built())
hexbins.centres(*hexbins.cells_of(*hexbins.to_metres([5.3], [50.75]), 500.0), 500.0)
print(projections.built())
"""


def test_no_projection_is_built_at_start_and_each_once_when_used():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0", "1", "1", "2"]
