"""Every benchmark script starts as its make target runs it (``python bench/<name>.py``): its
imports resolve and its options parse. The figures themselves are not tested: they belong to the
machine (docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# The scripts a make target runs, with an argument that makes each stop after parsing its options.
SCRIPTS = ["run", "geo", "coverage", "delivery", "faults", "import_addresses", "import_areas", "neighbours"]


@pytest.mark.parametrize("name", SCRIPTS)
def test_the_script_starts_as_make_runs_it(name):
    done = subprocess.run(  # noqa: S603 (this interpreter, this project's scripts)
        [sys.executable, f"bench/{name}.py", "--help"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "usage:" in done.stdout
