"""A web process loads the PDF library only when a PDF is asked for: fpdf2 brings fontTools and
Pillow, about 20 MB of resident memory in every process that loads the URLs (bench/memory.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as a web process loads them
import buurtwacht.wsgi, apps.figures.report, apps.signs.printing
print(sorted(name for name in ("fpdf", "fontTools") if name in sys.modules))
"""


def test_loading_the_urls_does_not_load_the_pdf_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split()[-1] == "[]"
