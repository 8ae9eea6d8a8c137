"""The demo's geometry: outlines and sub-municipalities in WGS84, streets and houses drawn in
metres on a local plane, and the address registers that follow from them (Belgian and Dutch
numbering)."""

from __future__ import annotations

import math
import random
import string
from dataclasses import dataclass

import shapely
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box

from . import names
from .world import House, Sub

# Geometry is made in metres on a local plane and stored in WGS84 snapped to a 1e-6 degree
# grid (about 10 cm): neighbouring cells then share their borders exactly, and the union of
# two of them is one clean polygon.
GRID = 1e-6
_ORIGIN = (5.2, 50.7)
_M_PER_DEG_LAT = 110_540.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(50.76))
# Houses keep this distance (metres) from every border, so no address lies on the edge
# between two areas and every lookup has one answer.
BORDER_MARGIN = 40.0


# ---------------------------------------------------------------------------------------
# Coordinates: metres on a local plane <-> WGS84.


def to_metres(geom):
    return shapely.transform(geom, lambda c: (c - _ORIGIN) * (_M_PER_DEG_LON, _M_PER_DEG_LAT), include_z=False)


def lonlat(x: float, y: float) -> tuple[float, float]:
    return round(x / _M_PER_DEG_LON + _ORIGIN[0], 6), round(y / _M_PER_DEG_LAT + _ORIGIN[1], 6)


# ---------------------------------------------------------------------------------------
# Boundaries.


def draw_outline(rng: random.Random, bounds: tuple[float, float, float, float], vertices: int = 40) -> Polygon:
    """A rounded, slightly ragged outline inside ``bounds`` (degrees)."""
    min_lon, min_lat, max_lon, max_lat = bounds
    cx, cy = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    rx, ry = (max_lon - min_lon) / 2, (max_lat - min_lat) / 2
    points = []
    for i in range(vertices):
        t = 2 * math.pi * i / vertices
        c, s = math.cos(t), math.sin(t)
        # A superellipse fills the box better than an ellipse, so the corner cells keep a fair size.
        r = (abs(c) ** 4 + abs(s) ** 4) ** -0.25 * rng.uniform(0.9, 1.0)
        points.append((cx + rx * r * c, cy + ry * r * s))
    return shapely.set_precision(Polygon(points), GRID)


def tessellate(rng: random.Random, outline: Polygon, cols: int, rows: int, pairs) -> dict:
    """Voronoi cells of a jittered grid, clipped to ``outline``: {(column, row): Polygon}.

    Draws again until every cell is one polygon and every pair in ``pairs`` shares a border,
    so that a group spanning two cells gets one connected area.
    """
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    w, h = (max_lon - min_lon) / cols, (max_lat - min_lat) / rows
    envelope = box(*outline.buffer(0.1).bounds)
    for _attempt in range(100):
        sites = {
            (c, r): Point(
                min_lon + (c + 0.5 + rng.uniform(-0.2, 0.2)) * w, min_lat + (r + 0.5 + rng.uniform(-0.2, 0.2)) * h
            )
            for r in range(rows)
            for c in range(cols)
        }
        if not all(outline.contains(p) for p in sites.values()):
            continue
        regions = list(shapely.voronoi_polygons(MultiPoint(list(sites.values())), extend_to=envelope).geoms)
        cells = {}
        for key, site in sites.items():
            region = next(g for g in regions if g.contains(site))
            cells[key] = shapely.intersection(shapely.set_precision(region, GRID), outline, grid_size=GRID)
        if not all(isinstance(cell, Polygon) and cell.is_valid for cell in cells.values()):
            continue
        if all(isinstance(union([cells[a], cells[b]]), Polygon) for a, b in pairs):
            return cells
    raise RuntimeError("Could not draw the demo sub-municipalities; try another seed.")


def union(polygons) -> Polygon:
    return shapely.union_all(polygons, grid_size=GRID)


# ---------------------------------------------------------------------------------------
# Streets and houses, in metres.


def _clip_from(line: LineString, inner) -> LineString | None:
    """The part of ``line`` inside ``inner`` that starts nearest to the line's start."""
    clipped = line.intersection(inner)
    parts = [g for g in getattr(clipped, "geoms", [clipped]) if isinstance(g, LineString) and not g.is_empty]
    if not parts:
        return None
    start = Point(line.coords[0])
    return min(parts, key=lambda g: g.distance(start))


def _ray(origin: Point, angle: float, start: float, length: float) -> LineString:
    dx, dy = math.cos(angle), math.sin(angle)
    return LineString(
        [
            (origin.x + dx * start, origin.y + dy * start),
            (origin.x + dx * (start + length), origin.y + dy * (start + length)),
        ]
    )


def entry_target(cell: Polygon, centre: Point, outward: float, outline: Polygon, neighbours) -> Point | None:
    """The point on the municipal border where the cell's entry road leaves, roughly in the
    ``outward`` direction and well away from the neighbouring cells."""
    border = shapely.segmentize(outline.exterior, 25.0)
    candidates = []
    for x, y in border.coords[:-1]:
        p = Point(x, y)
        if cell.distance(p) > 0.5 or neighbours.distance(p) < 250:
            continue
        angle = math.atan2(y - centre.y, x - centre.x)
        off = abs((angle - outward + math.pi) % (2 * math.pi) - math.pi)
        candidates.append((off, x, y))
    for _off, x, y in sorted(candidates):
        road = LineString([(centre.x, centre.y), (x, y)])
        if cell.buffer(0.5).covers(road):
            return Point(x, y)
    return None


@dataclass
class _Street:
    name: str
    line: LineString


def _streets(rng, cell: Polygon, centre: Point, pool: list[str], entry: tuple[str, Point] | None) -> list[_Street]:
    inner = cell.buffer(-BORDER_MARGIN)
    streets = []
    taken = []
    if entry is not None:
        road_name, target = entry
        angle = math.atan2(target.y - centre.y, target.x - centre.x)
        line = _clip_from(_ray(centre, angle, 60, centre.distance(target)), inner)
        if line is not None:
            streets.append(_Street(road_name, line))
            taken.append(angle)
    base = rng.uniform(0, 2 * math.pi)
    count = rng.randint(4, 6)
    names = iter(rng.sample(pool, count + 2))
    for i in range(count):
        angle = base + i * 2 * math.pi / count + rng.uniform(-0.25, 0.25)
        # Leave room around the entry road: two streets on top of each other look wrong on the map.
        if any(abs((angle - a + math.pi) % (2 * math.pi) - math.pi) < 0.5 for a in taken):
            continue
        line = _clip_from(_ray(centre, angle, 60, rng.uniform(450, 1100)), inner)
        if line is not None and line.length > 150:
            streets.append(_Street(next(names), line))
            taken.append(angle)
    # A street across one of the radial ones, as villages grow along a second road.
    if streets:
        spine = streets[rng.randrange(len(streets))].line
        mid = spine.interpolate(rng.uniform(0.4, 0.7), normalized=True)
        (x0, y0), (x1, y1) = spine.coords[0], spine.coords[-1]
        angle = math.atan2(y1 - y0, x1 - x0) + math.pi / 2
        half = rng.uniform(200, 400)
        cross = _ray(Point(mid.x - math.cos(angle) * half, mid.y - math.sin(angle) * half), angle, 0, 2 * half)
        line = _clip_from(cross, inner)
        if line is not None and line.length > 150:
            streets.append(_Street(next(names), line))
    return streets


def _houses(rng, street: _Street, inner, first_number: int) -> list[tuple[int, str, float, float]]:
    """Houses on both sides of ``street``: odd numbers left, even right, from ``first_number``
    (odd). Returns (number, addition, x, y) in metres; plots may stay empty."""
    line = street.line
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    spacing = rng.uniform(20, 32)
    houses = []
    for i in range(int(length // spacing) + 1):
        d = min(length, i * spacing + rng.uniform(-0.2, 0.2) * spacing)
        px, py = x0 + ux * d, y0 + uy * d
        for side, number in ((1, first_number + 2 * i), (-1, first_number + 2 * i + 1)):
            if rng.random() < 0.2:  # a field, a barn, a gap between farms
                continue
            setback = side * rng.uniform(10, 20)
            hx, hy = px - uy * setback, py + ux * setback
            if not inner.contains(Point(hx, hy)):
                continue
            houses.append((number, "", hx, hy))
            # A few houses are split into an upstairs and a downstairs flat.
            if rng.random() < 0.05:
                houses.append((number, "A", hx + 3, hy))
                if rng.random() < 0.3:
                    houses.append((number, "B", hx + 6, hy))
    return houses


def _letter_pairs():
    for a in string.ascii_uppercase:
        for b in string.ascii_uppercase:
            if a + b not in ("SA", "SD", "SS"):  # never issued in the Netherlands
                yield a + b


def fill_be(rng, sub: Sub, cell_m: Polygon, centre: Point, postcode: str, entry) -> None:
    """Belgian register: one postcode per sub-municipality. The register's key is postcode +
    house number, so each street continues the numbering where the previous one ended."""
    inner = cell_m.buffer(-BORDER_MARGIN)
    next_number = 1
    for street in _streets(rng, cell_m, centre, list(names.STREETS_BE), entry):
        numbers = _houses(rng, street, inner, next_number)
        for number, addition, x, y in numbers:
            lon, lat = lonlat(x, y)
            sub.houses.append(House(street.name, number, addition, postcode, sub.name, lon, lat))
        highest = max((n for n, _a, _x, _y in numbers), default=next_number)
        next_number = highest + 1 if highest % 2 == 0 else highest + 2


def fill_nl(rng, sub: Sub, cell_m: Polygon, centre: Point, digits: str, town: str) -> None:
    """Dutch register: house numbers 1..N per street, a new postcode (letter pair) every
    stretch of about a dozen houses along a street, as PostNL assigns them."""
    inner = cell_m.buffer(-BORDER_MARGIN)
    pairs = _letter_pairs()
    for street in _streets(rng, cell_m, centre, list(names.STREETS_NL), None):
        postcode, in_stretch, stretch = "", 0, 0
        for number, addition, x, y in _houses(rng, street, inner, 1):
            # A flat (12A) keeps the postcode of its house.
            if not postcode or (in_stretch >= stretch and not addition):
                postcode, in_stretch, stretch = f"{digits} {next(pairs)}", 0, rng.randint(10, 16)
            in_stretch += 1
            lon, lat = lonlat(x, y)
            sub.houses.append(House(street.name, number, addition, postcode, town, lon, lat))
