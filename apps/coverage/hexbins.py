"""Covered and uncovered addresses for a map: hexagons at town and national zoom, points at
street zoom. Hexagons are laid out in metres (ETRS89-LAEA, EPSG:3035, equal area), so every
hexagon holds the same surface wherever it is. A hexagon is named by its axial coordinates
``(q, r)`` at a size: the national layer stores the counts per cell (``aggregates``) and draws
them with :func:`cell_features`, the municipal layer counts them on the fly (:func:`hexbins`)."""

from __future__ import annotations

import math

import numpy as np

from apps.areas.projections import laea_to_wgs84, wgs84_to_laea

SQRT3 = math.sqrt(3)


def hex_size_for_zoom(zoom: int) -> float:
    """Hexagon radius in metres: a few pixels wide at every zoom."""
    return float(max(50, min(20_000, 40_000_000 / 256 / 2**zoom * 12)))


def to_metres(lons, lats) -> tuple[np.ndarray, np.ndarray]:
    x, y = wgs84_to_laea().transform(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
    return np.asarray(x), np.asarray(y)


def cells_of(x: np.ndarray, y: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates ``(q, r)`` of the pointy-top hexagon of radius ``size_m`` that holds
    each point (in EPSG:3035 metres)."""
    # Axial coordinates, then rounding in cube coordinates to the nearest hexagon.
    q = (SQRT3 / 3 * x - y / 3) / size_m
    r = (2 / 3 * y) / size_m
    cx, cz = q, r
    cy = -cx - cz
    rx, ry, rz = np.round(cx), np.round(cy), np.round(cz)
    dx, dy, dz = np.abs(rx - cx), np.abs(ry - cy), np.abs(rz - cz)
    fix_x = (dx > dy) & (dx > dz)
    fix_y = ~fix_x & (dy > dz)
    rx = np.where(fix_x, -ry - rz, rx)
    rz = np.where(~fix_x & ~fix_y, -rx - ry, rz)
    return rx.astype(np.int64), rz.astype(np.int64)


def centres(q: np.ndarray, r: np.ndarray, size_m: float) -> tuple[np.ndarray, np.ndarray]:
    """(lon, lat) of the hexagons' centres."""
    x = size_m * (SQRT3 * q + SQRT3 / 2 * r)
    y = size_m * (1.5 * r)
    lon, lat = laea_to_wgs84().transform(x, y)
    return np.asarray(lon), np.asarray(lat)


def cell_features(q, r, totals, covered, size_m: float) -> list[dict]:
    """GeoJSON features: one hexagon per cell with ``addresses``, ``covered`` and ``share``."""
    q, r = np.asarray(q, dtype=np.int64), np.asarray(r, dtype=np.int64)
    if not len(q):
        return []
    # Corners of every hexagon at once.
    centre_x = size_m * (SQRT3 * q + SQRT3 / 2 * r)
    centre_y = size_m * (1.5 * r)
    angles = np.radians(np.arange(6) * 60 + 30)
    corner_x = centre_x[:, None] + size_m * np.cos(angles)[None, :]
    corner_y = centre_y[:, None] + size_m * np.sin(angles)[None, :]
    lon, lat = laea_to_wgs84().transform(corner_x.ravel(), corner_y.ravel())
    lon = np.round(np.asarray(lon).reshape(-1, 6), 6).tolist()
    lat = np.round(np.asarray(lat).reshape(-1, 6), 6).tolist()
    features = []
    for i, (total, hit) in enumerate(zip(np.asarray(totals).tolist(), np.asarray(covered).tolist(), strict=True)):
        ring = [[lon[i][k], lat[i][k]] for k in range(6)]
        ring.append(ring[0])
        total, hit = int(total), int(hit)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"addresses": total, "covered": hit, "share": round(hit / total, 3) if total else 0.0},
            }
        )
    return features


def hexbins(lons: np.ndarray, lats: np.ndarray, covered: np.ndarray, size_m: float) -> list[dict]:
    """GeoJSON features: one pointy-top hexagon of radius ``size_m`` per cell that holds
    addresses, with ``addresses``, ``covered`` and ``share``."""
    if not len(lons):
        return []
    q, r = cells_of(*to_metres(lons, lats), size_m)
    keys = np.stack([q, r], axis=1)
    cells, inverse = np.unique(keys, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    totals = np.bincount(inverse, minlength=len(cells))
    covered_counts = np.bincount(inverse, weights=np.asarray(covered).astype(float), minlength=len(cells)).astype(int)
    return cell_features(cells[:, 0], cells[:, 1], totals, covered_counts, size_m)


def point_features(lons, lats, covered, limit: int = 5000) -> list[dict]:
    n = min(len(lons), limit)
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(float(lons[i]), 6), round(float(lats[i]), 6)]},
            "properties": {"covered": bool(covered[i])},
        }
        for i in range(n)
    ]
