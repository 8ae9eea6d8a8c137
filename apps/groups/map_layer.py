"""The map layers of open groups: every group that is not closed, with its area, as GeoJSON.

At national scale (10,000 groups) the layer is several megabytes. It is written out while it is
read, a few hundred rows at a time: each area's stored GeoJSON text goes into the answer as it is,
never parsed into Python objects and dumped again. A process serving it holds one batch of rows,
not the whole layer, and spends its time reading rather than converting.

Two layers share the writing: the public map's (what a resident sees on hovering an area), here,
and the API's (``GET /api/v1/groups``, apps/api/groups.py, with the member counts its
``places_available`` needs). Groups only, never people.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator

from django.db.models import Count, Q, QuerySet, TextField
from django.db.models.functions import Cast
from django.urls import reverse

from apps.municipalities.models import Municipality

from .models import Group

# Rows read per database round trip, and the size of the pieces handed to the server.
BATCH = 500
PIECE = 64 * 1024

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def open_groups() -> QuerySet[Group]:
    """The groups a map shows: all but the closed ones."""
    return Group.objects.exclude(status=Group.Status.CLOSED)


def municipalities_with_groups() -> QuerySet[Municipality]:
    """Municipalities that have at least one open group, by name, each with ``group_count`` (its
    active groups) and ``forming_count`` (those being started), counted as the desk and the figures
    count them."""
    return (
        Municipality.objects.annotate(
            group_count=Count("groups", filter=Q(groups__status=Group.Status.ACTIVE)),
            forming_count=Count("groups", filter=Q(groups__status=Group.Status.FORMING)),
        )
        .filter(Q(group_count__gt=0) | Q(forming_count__gt=0))
        .order_by("name", "id")
    )


def with_geometry_text(groups: QuerySet[Group]) -> QuerySet[Group]:
    # The stored GeoJSON as text: it is valid JSON as it was saved, and goes out unchanged.
    return groups.annotate(geometry_text=Cast("area__geometry", output_field=TextField()))


def collection(features: Iterable[str]) -> Iterator[bytes]:
    """``{"type":"FeatureCollection","features":[...]}`` in pieces of about ``PIECE`` bytes."""
    parts = ['{"type":"FeatureCollection","features":[']
    size = len(parts[0])
    first = True
    for feature in features:
        if not first:
            parts.append(",")
        first = False
        parts.append(feature)
        size += len(feature)
        if size >= PIECE:
            yield "".join(parts).encode()
            parts, size = [], 0
    parts.append("]}")
    yield "".join(parts).encode()


def features(rows: Iterable[tuple], feature: Callable[..., tuple[dict, str]]) -> Iterator[str]:
    """Each row as a Feature's JSON text: ``feature(*row)`` gives the fields other than the
    geometry (``type``, ``properties``, maybe ``id``) and the geometry's stored text."""
    for row in rows:
        head, geometry = feature(*row)
        # The feature's own fields first, then the geometry spliced in as stored.
        yield _dumps(head)[:-1] + ',"geometry":' + geometry + "}"


def public_layer(municipality: Municipality | None = None) -> Iterator[bytes]:
    """The public map's layer, for the whole site or one municipality: per group its name, status
    (and its label in the active language), municipality and page.

    The labels and addresses are fixed before the first row is read, so the answer is the same
    whenever the server reads it."""
    labels = {value: str(label) for value, label in Group.Status.choices}
    page = reverse("public:group_detail", args=["slug-placeholder"])
    groups = open_groups()
    if municipality is not None:
        groups = groups.filter(municipality=municipality)
    rows = (
        with_geometry_text(groups)
        .order_by("municipality__name", "name", "id")
        .values_list("name", "slug", "status", "municipality__name", "geometry_text")
    )

    def feature(name, slug, status, municipality_name, geometry):
        properties = {
            "name": name,
            "status": status,
            "status_label": labels.get(status, status),
            "municipality": municipality_name,
            "url": page.replace("slug-placeholder", slug),
        }
        return {"type": "Feature", "properties": properties}, geometry

    return collection(features(rows.iterator(chunk_size=BATCH), feature))
