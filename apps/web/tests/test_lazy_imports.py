"""A web process loads the heavy libraries only when a request uses them: fpdf2 (a PDF; it brings
fontTools and Pillow, about 20 MB of resident memory), pyproj (transforming and measuring
geometry, about 12 MB), cryptography (sealing and opening messages, about 6 MB), icalendar
(calendar files, about 100 modules and 3 MB) and segno (QR codes). Every process that loads the
URLs would otherwise pay for all of them (bench/memory.py); lookups and the public pages use none.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("fpdf", "fontTools", "pyproj", "cryptography", "icalendar", "segno")

PROBE = """
import sys
import django
django.setup()
from django.urls import get_resolver
get_resolver().url_patterns  # every view module, as a web process loads them
import buurtwacht.wsgi, apps.figures.report, apps.signs.printing
import apps.areas.crs, apps.areas.geometry, apps.areas.projections
import apps.messaging.sealing, apps.meetings.ical
print(sorted(name for name in %r if name in sys.modules))
"""

# Each feature in a fresh process, where its library is imported by the call itself: the paths
# that catch the library's own exceptions included.
USE = """
import sys
import django
django.setup()
import shapely
from apps.areas import crs, geometry, projections
from apps.messaging import sealing
from apps.meetings import ical
from apps.signs import printing

assert "pyproj" not in sys.modules
square = shapely.box(5.0, 51.0, 5.001, 51.001)
assert 7_700 < geometry.geodesic_area_m2(square) < 7_900, geometry.geodesic_area_m2(square)
assert crs.epsg_from_wkt("not a coordinate system") is None  # pyproj's CRSError, caught
x, y = crs.transformer_to_wgs84(28992).transform(155_000, 463_000)  # Amersfoort
assert abs(x - 5.3872) < 0.001 and abs(y - 52.1552) < 0.001, (x, y)
e, n = projections.wgs84_to_laea().transform(5.0, 51.0)
lon, lat = projections.laea_to_wgs84().transform(e, n)
assert abs(lon - 5.0) < 1e-6 and abs(lat - 51.0) < 1e-6, (lon, lat)

assert "cryptography" not in sys.modules
sealed = sealing.seal("geheime tekst")
assert sealed.startswith(sealing.PREFIX) and sealing.unseal(sealed) == "geheime tekst"
assert sealing.unseal(sealing.PREFIX + "bm90IGEgdG9rZW4=") == sealing.UNREADABLE  # InvalidToken, caught

assert "icalendar" not in sys.modules
assert b"PRODID:" + ical.PRODID.encode() in ical._calendar("feed").to_ical()

assert "segno" not in sys.modules
assert printing.qr_svg("https://example.org/b/abc/").startswith("<svg")
print("ok")
"""


def run(code: str) -> str:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.split()[-1]


def test_loading_the_urls_does_not_load_the_pdf_library():
    assert run(PROBE % (("fpdf", "fontTools"),)) == "[]"


def test_loading_the_urls_loads_none_of_the_heavy_libraries():
    assert run(PROBE % (HEAVY,)) == "[]"


def test_each_feature_imports_its_library_when_used():
    assert run(USE) == "ok"
