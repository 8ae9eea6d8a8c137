"""Area geometry: what is refused, and why, and what the index answers at borders and holes."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from apps.areas import index
from apps.areas.geometry import parse_area_geometry
from apps.areas.models import Area
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.municipalities.models import Municipality
from testkit.world import box

BOWTIE = {
    "type": "Polygon",
    "coordinates": [[[5.30, 50.74], [5.32, 50.76], [5.32, 50.74], [5.30, 50.76], [5.30, 50.74]]],
}


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        ("{not json", "not valid GeoJSON"),
        ([1, 2], "Expected a GeoJSON object"),
        ({"type": "Point", "coordinates": [5.3, 50.7]}, "Polygon or MultiPolygon"),
        ({"type": "Polygon", "coordinates": "abc"}, "cannot be read"),
        ({"type": "Polygon", "coordinates": [[[5.3, 50.7], [5.31, 50.7]]]}, "fewer than 4 points"),
        (BOWTIE, "not valid"),
        (box(50.74, 5.30, 50.76, 5.32), "outside Belgium and the Netherlands"),  # lat/lon swapped
        (box(220000, 160000, 221000, 161000), "outside Belgium and the Netherlands"),  # Lambert 72 metres
        (box(5.3, 50.7, 5.30001, 50.70001), "smaller than 100"),
        ({"type": "FeatureCollection", "features": []}, "exactly one"),
    ],
)
def test_bad_geometry_is_refused_with_a_reason(value, fragment):
    with pytest.raises(ValidationError) as excinfo:
        parse_area_geometry(value)
    assert fragment in " ".join(excinfo.value.messages)


def test_feature_and_feature_collection_and_text_are_accepted():
    feature = {"type": "Feature", "properties": {}, "geometry": box(5.30, 50.74, 5.32, 50.76)}
    for value in (feature, {"type": "FeatureCollection", "features": [feature]}, json.dumps(feature)):
        parsed = parse_area_geometry(value)
        assert parsed.geojson["type"] == "Polygon"
        assert 3_000_000 < parsed.area_m2 < 3_300_000  # about 1.41 km x 2.22 km


@pytest.mark.django_db
def test_nothing_saved_for_bad_geometry():
    m = Municipality.objects.create(name="X", slug="x", country="BE")
    with pytest.raises(ValidationError):
        save_area(actor=SYSTEM, municipality=m, name="Kapot", geometry=BOWTIE)
    assert Area.objects.count() == 0


@pytest.mark.django_db
def test_index_handles_holes_multipolygons_borders_and_changes():
    m = Municipality.objects.create(name="X", slug="x", country="BE")
    ring = {
        "type": "Polygon",
        "coordinates": [
            [[5.30, 50.70], [5.40, 50.70], [5.40, 50.80], [5.30, 50.80], [5.30, 50.70]],
            [[5.34, 50.74], [5.36, 50.74], [5.36, 50.76], [5.34, 50.76], [5.34, 50.74]],
        ],
    }
    donut = save_area(actor=SYSTEM, municipality=m, name="Ring", geometry=ring)
    two_parts = {
        "type": "MultiPolygon",
        "coordinates": [box(5.34, 50.74, 5.36, 50.76)["coordinates"], box(5.50, 50.70, 5.52, 50.72)["coordinates"]],
    }
    hole = save_area(actor=SYSTEM, municipality=m, name="Kern", geometry=two_parts)
    assert [h.area_id for h in index.lookup(5.31, 50.71)] == [donut.pk]
    assert [h.area_id for h in index.lookup(5.35, 50.75)] == [hole.pk]  # in the hole: only the filling
    assert [h.area_id for h in index.lookup(5.51, 50.71)] == [hole.pk]  # the second part
    on_edge = index.lookup(5.34, 50.75)  # on the hole's edge: both, smallest first, flagged
    assert [h.area_id for h in on_edge] == [hole.pk, donut.pk] and all(h.on_border for h in on_edge)
    assert index.lookup(6.0, 51.0) == []
    # a change in the table reaches the index on the next lookup
    save_area(actor=SYSTEM, municipality=m, name="Kern", geometry=box(5.50, 50.70, 5.52, 50.72), area=hole)
    assert [h.area_id for h in index.lookup(5.35, 50.75)] == []


def test_only_the_municipalitys_coordinator_saves_its_areas(world):
    from django.core.exceptions import PermissionDenied

    before = list(Area.objects.values_list("pk", "geometry"))
    for outsider in (world.coordinator_nl, world.admin_a, world.police):
        with pytest.raises(PermissionDenied):
            save_area(municipality=world.testdorp, name="Nieuw", geometry=box(5.4, 50.7, 5.41, 50.71), actor=outsider)
        with pytest.raises(PermissionDenied):
            save_area(
                municipality=world.grensstad,
                name="Kaping",
                geometry=box(5.4, 50.7, 5.41, 50.71),
                area=world.group_a.area,
                actor=world.coordinator_nl,
            )
    assert list(Area.objects.values_list("pk", "geometry")) == before
    save_area(municipality=world.testdorp, name="Nieuw", geometry=box(5.4, 50.7, 5.41, 50.71), actor=world.coordinator)
