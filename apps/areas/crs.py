"""The coordinate systems Buurtwacht reads, and turning them into WGS84 (lon, lat).

Files come in WGS84 (EPSG:4326), RD New (EPSG:28992, the Netherlands), Belgian Lambert 72
(EPSG:31370) or Lambert 2008 (EPSG:3812). Anything else is refused by name rather than guessed.

pyproj is imported by the functions that use it, not with this module: it costs a process about
12 MB of resident memory, and the forms and lookups that read the names and codes above never
transform anything.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyproj import Transformer

SUPPORTED_CRS = (4326, 28992, 31370, 3812)
CRS_NAMES = {4326: "WGS84", 28992: "RD New", 31370: "Belgian Lambert 72", 3812: "Belgian Lambert 2008"}
# Where each system's coordinates fall for Belgium and the Netherlands (with a wide margin):
# used to tell a file that says nothing about its CRS from one in the wrong one.
PLAUSIBLE = {
    4326: (2.0, 49.0, 8.0, 54.0),
    28992: (-100_000, 250_000, 350_000, 700_000),
    31370: (-50_000, -50_000, 350_000, 350_000),
    3812: (450_000, 450_000, 850_000, 850_000),
}
_EPSG_IN_NAME = re.compile(r"EPSG:{1,2}(?:[\d.]*:)?(\d+)$", re.IGNORECASE)


@lru_cache(maxsize=8)
def transformer_to_wgs84(epsg: int) -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs(f"EPSG:{epsg}", "EPSG:4326", always_xy=True)


def epsg_from_name(name: str) -> int | None:
    """``urn:ogc:def:crs:EPSG::31370``, ``EPSG:28992``, ``urn:ogc:def:crs:OGC:1.3:CRS84`` → code."""
    name = (name or "").strip()
    if name.upper().endswith("CRS84"):
        return 4326
    match = _EPSG_IN_NAME.search(name)
    return int(match.group(1)) if match else None


def epsg_from_wkt(wkt: str) -> int | None:
    """The EPSG code of a .prj file's WKT, when pyproj recognises it."""
    from pyproj import CRS
    from pyproj.exceptions import CRSError

    try:
        crs = CRS.from_wkt(wkt)
    except CRSError:
        return None
    code = crs.to_epsg(min_confidence=70)
    if code is None:
        # ESRI's names for the Belgian and Dutch systems.
        name = (crs.name or "").lower()
        for fragment, epsg in (
            ("lambert_72", 31370),
            ("lambert 72", 31370),
            ("lambert_2008", 3812),
            ("lambert 2008", 3812),
            ("rd_new", 28992),
            ("rd new", 28992),
        ):
            if fragment in name:
                return epsg
    return code


def plausible(epsg: int, bounds: tuple[float, float, float, float]) -> bool:
    min_x, min_y, max_x, max_y = bounds
    lo_x, lo_y, hi_x, hi_y = PLAUSIBLE[epsg]
    return lo_x <= min_x and lo_y <= min_y and max_x <= hi_x and max_y <= hi_y
