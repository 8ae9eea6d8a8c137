"""GeoJSON for the desk's maps. Each feature carries a label and a kind; static/js/area-editor.js
styles by kind and shows the label as text (never as HTML)."""

from __future__ import annotations

from typing import Any


def area_feature(geometry: dict, label: str, kind: str = "area", url: str = "") -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": {"label": label, "kind": kind, "url": url}}


def point_feature(lon: float, lat: float, label: str, kind: str = "point", url: str = "") -> dict[str, Any]:
    return area_feature({"type": "Point", "coordinates": [lon, lat]}, label, kind, url)


def collection(features) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}
