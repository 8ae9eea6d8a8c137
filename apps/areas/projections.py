"""The map projections Buurtwacht measures in, built on first use.

Building a pyproj ``Transformer`` reads the PROJ database and costs tens of milliseconds each;
made at import time, every process (web, worker, each ``manage.py`` command, each test worker)
paid for all of them before it did anything. Built here once per process, when first asked;
pyproj itself is imported then too (about 12 MB of resident memory that a web process answering
lookups never needs).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Transformer

# ETRS89-LAEA: equal-area metres for all of Europe (hexagons, distances between areas).
LAEA = "EPSG:3035"
WGS84 = "EPSG:4326"


@cache
def wgs84_to_laea() -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs(WGS84, LAEA, always_xy=True)


@cache
def laea_to_wgs84() -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs(LAEA, WGS84, always_xy=True)


def built() -> int:
    """How many of the projections this process has built (for tests of start-up cost)."""
    return wgs84_to_laea.cache_info().currsize + laea_to_wgs84.cache_info().currsize
