"""Why an area file or an area's outline is refused, in the reader's language.

The libraries that read areas explain a problem in English and in their own terms: Python's
json ("Expecting value: line 1 column 1 (char 0)"), shapely ("A linearring requires at least 4
coordinates."), GEOS ("Self-intersection[5.2225 50.7375]", x y = longitude latitude), zipfile,
pyshp and SQLite. None of that text reaches a person: each function here logs it (INFO, for
support) and returns a translated sentence that says what is wrong and what to do, with the
line where reading stopped or the place of the fault as numbers inside the sentence.
"""

from __future__ import annotations

import json
import logging
import math
import re
from dataclasses import dataclass

import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

log = logging.getLogger(__name__)


def _described(exc: BaseException | str) -> str:
    return exc if isinstance(exc, str) else f"{type(exc).__name__}: {exc}"


def _coordinate(value: float) -> str:
    """A degree as messages show it: a decimal point, at most 6 decimals (about 10 cm)."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


# --- Text that is not JSON ----------------------------------------------------------------------


def _stopped_at_line(exc: BaseException) -> int | None:
    """The line where the JSON reader stopped, or ``None`` when it could not read the very
    first character (the text is no JSON at all)."""
    if not isinstance(exc, json.JSONDecodeError):
        return None
    if not exc.doc[: exc.pos].strip():
        return None
    return exc.lineno


def outline_not_json(exc: BaseException) -> str:
    """An outline given as text (pasted, drawn or one uploaded GeoJSON file) that is not JSON."""
    log.info("area outline is not JSON: %s", _described(exc))
    if isinstance(exc, UnicodeDecodeError):
        return _("The file is not a text file in UTF-8. Export the area as GeoJSON.")
    line = _stopped_at_line(exc)
    if line is None:
        return _(
            "This is not valid GeoJSON: it is not JSON text. Export the area as a GeoJSON file, or draw it on the map."
        )
    return _(
        "This is not valid GeoJSON: reading stopped at line %(line)d. Correct the text at that line, or export the "
        "area as GeoJSON again."
    ) % {"line": line}


def file_not_json(exc: BaseException) -> str:
    """An area file that is neither a zip nor a GeoPackage, and not JSON either."""
    log.info("area file is not JSON: %s", _described(exc))
    line = _stopped_at_line(exc)
    if line is None:
        return _(
            "This file is not GeoJSON, a zipped Shapefile or a GeoPackage. Export the areas in one of these formats "
            "and upload the file again."
        )
    return _(
        "This GeoJSON file cannot be read: reading stopped at line %(line)d. Correct the file at that line, or "
        "export the areas as GeoJSON again."
    ) % {"line": line}


# --- Coordinates that are not an outline -------------------------------------------------------

_RING_TOO_SHORT = re.compile(r"linearring.*at least", re.IGNORECASE)


def _ring_too_short() -> str:
    return _(
        "A ring of the area's outline has fewer than 4 points. An outline needs at least three corners, and its "
        "last point must be the same as its first. Draw the area again or correct the file."
    )


def coordinates_unreadable(exc: BaseException) -> str:
    """The coordinates of a GeoJSON Polygon or MultiPolygon that shapely cannot turn into one."""
    log.info("area coordinates cannot be read: %s", _described(exc))
    if _RING_TOO_SHORT.search(str(exc)):
        return _ring_too_short()
    return _(
        "The coordinates of the area's outline cannot be read: each point must be a pair of numbers, longitude and "
        "latitude. Export the area as GeoJSON again, or draw it on the map."
    )


def shape_unreadable(exc: BaseException) -> str:
    """A Shapefile record or a GeoPackage geometry that cannot be read."""
    log.info("area shape cannot be read: %s", _described(exc))
    if _RING_TOO_SHORT.search(str(exc)):
        return _ring_too_short()
    return _(
        "The shape of this feature cannot be read: the file is damaged or holds something other than an outline. "
        "Correct the feature or export the file again."
    )


# --- Outlines that are not valid ---------------------------------------------------------------

# GEOS's reason, and where (x y: longitude latitude), e.g. "Self-intersection[5.2225 50.7375]".
_REASON = re.compile(r"^\s*(?P<reason>[^\[]*?)\s*(?:\[\s*(?P<x>[^\s\]]+)\s+(?P<y>[^\s\]]+)[^\]]*\])?\s*$")

# (how GEOS's reason starts, in lower case; what is wrong; what to do). The first that matches
# wins, so "ring self-intersection" comes before "self-intersection".
_WHERE = (
    (
        ("ring self-intersection",),
        gettext_noop(
            "The area's outline is not valid: it touches itself in one point near latitude %(lat)s, longitude %(lon)s."
        ),
        gettext_noop("Move the points there apart, or draw two separate areas."),
    ),
    (
        ("self-intersection",),
        gettext_noop("The area's outline is not valid: it crosses itself near latitude %(lat)s, longitude %(lon)s."),
        gettext_noop("Move the points there so that there are no crossing lines."),
    ),
    (
        ("too few",),
        gettext_noop(
            "The area's outline is not valid: a ring near latitude %(lat)s, longitude %(lon)s has fewer than three "
            "different corners."
        ),
        gettext_noop("Remove that ring, or give it at least three corners."),
    ),
    (
        ("hole lies outside shell",),
        gettext_noop(
            "The area's outline is not valid: a hole near latitude %(lat)s, longitude %(lon)s lies outside the area."
        ),
        gettext_noop("Remove the hole, or move it inside the outline."),
    ),
    (
        ("holes are nested", "nested holes"),
        gettext_noop(
            "The area's outline is not valid: a hole near latitude %(lat)s, longitude %(lon)s lies inside another hole."
        ),
        gettext_noop("Remove one of the two holes."),
    ),
    (
        ("nested shells",),
        gettext_noop(
            "The area's outline is not valid: a part of the area near latitude %(lat)s, longitude %(lon)s lies inside "
            "another part."
        ),
        gettext_noop("Remove the inner part, or make it a hole."),
    ),
    (
        ("interior is disconnected",),
        gettext_noop(
            "The area's outline is not valid: holes near latitude %(lat)s, longitude %(lon)s cut the area into pieces."
        ),
        gettext_noop("Make the holes smaller so that the area stays one piece, or draw the pieces as separate parts."),
    ),
    (
        ("duplicate rings",),
        gettext_noop(
            "The area's outline is not valid: the same ring appears twice near latitude %(lat)s, longitude %(lon)s."
        ),
        gettext_noop("Remove one of the two rings."),
    ),
    (
        ("ring is not closed",),
        gettext_noop("The area's outline is not valid: a ring near latitude %(lat)s, longitude %(lon)s is not closed."),
        gettext_noop("Make the last point of the ring the same as its first."),
    ),
)


@dataclass(frozen=True)
class OutlineProblem:
    """Why an outline is not valid (``what``, with the place when known) and what to do
    (``advice``), both translated; ``reason`` is GEOS's own text, for the log and for tests."""

    what: str
    advice: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what} {self.advice}"


def outline_problem(geom) -> OutlineProblem:
    """Why ``geom`` (longitude, latitude) is not valid, in the active language."""
    reason = shapely.is_valid_reason(geom) or ""
    log.info("area outline is not valid: %s", reason)
    match = _REASON.match(reason)
    kind = match["reason"].strip().casefold() if match else ""
    place = None
    if match and match["x"] is not None:
        try:
            lon, lat = float(match["x"]), float(match["y"])
        except ValueError:
            lon = lat = math.nan
        if math.isfinite(lon) and math.isfinite(lat):
            place = {"lat": _coordinate(lat), "lon": _coordinate(lon)}
    if kind.startswith("invalid coordinate"):
        return OutlineProblem(
            _("The area's outline is not valid: one of its points has a coordinate that is not a number."),
            _("Correct the coordinates in the file, or draw the area again."),
            reason,
        )
    if place is not None:
        for starts, what, advice in _WHERE:
            if kind.startswith(starts):
                return OutlineProblem(_(what) % place, _(advice), reason)
        return OutlineProblem(
            _("The area's outline is not valid near latitude %(lat)s, longitude %(lon)s.") % place,
            _("Check the outline there for crossing lines or loose rings, and correct it."),
            reason,
        )
    return OutlineProblem(
        _("The area's outline is not valid."),
        _("Check it for crossing lines or loose rings, and correct it."),
        reason,
    )


# --- Zip files, Shapefiles and GeoPackages -----------------------------------------------------


def zip_unreadable(exc: BaseException) -> str:
    log.info("area zip file cannot be opened: %s", _described(exc))
    if isinstance(exc, RuntimeError) and ("encrypted" in str(exc) or "password" in str(exc)):
        return _("The zip file is protected with a password. Make it again without a password and upload that.")
    if isinstance(exc, NotImplementedError):
        return _(
            "The zip file is packed in a way Buurtwacht cannot unpack. Make it again with your computer's ordinary "
            "zip function and upload that."
        )
    return _("This zip file cannot be opened: it is damaged or incomplete. Make the zip file again and upload that.")


def shapefile_unreadable(exc: BaseException | str) -> str:
    log.info("area Shapefile cannot be read: %s", _described(exc))
    return _(
        "The Shapefile cannot be read: its files are damaged or do not belong together. Export it again and zip "
        "its .shp, .shx, .dbf and .prj files together."
    )


def geopackage_unreadable(exc: BaseException | str) -> str:
    log.info("area GeoPackage cannot be read: %s", _described(exc))
    return _(
        "The GeoPackage cannot be read: the file is damaged, or it is not a GeoPackage. Export the areas as a "
        "GeoPackage again."
    )


def not_a_geopackage(exc: BaseException | str) -> str:
    log.info("area SQLite file is not a GeoPackage: %s", _described(exc))
    return _(
        "This SQLite file is not a GeoPackage: it has no list of layers with areas. Export the areas as a GeoPackage."
    )
