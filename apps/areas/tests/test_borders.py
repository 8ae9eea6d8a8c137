"""Points on borders resolve deterministically: every area that holds the point, smallest first,
then by id, each flagged as on its border."""

from __future__ import annotations

import pytest

from apps.areas import index
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.municipalities.models import Municipality
from testkit.world import box


@pytest.mark.django_db
def test_a_corner_shared_by_four_areas():
    m = Municipality.objects.create(name="X", slug="x", country="BE")
    # Four squares around (5.32, 50.75); the north-east one is larger.
    sw = save_area(actor=SYSTEM, municipality=m, name="ZW", geometry=box(5.30, 50.74, 5.32, 50.75))
    se = save_area(actor=SYSTEM, municipality=m, name="ZO", geometry=box(5.32, 50.74, 5.34, 50.75))
    nw = save_area(actor=SYSTEM, municipality=m, name="NW", geometry=box(5.30, 50.75, 5.32, 50.76))
    ne = save_area(actor=SYSTEM, municipality=m, name="NO", geometry=box(5.32, 50.75, 5.36, 50.77))
    first = index.lookup(5.32, 50.75)
    assert [h.area_id for h in first][-1] == ne.pk
    assert sorted(h.area_id for h in first[:3]) == sorted([sw.pk, se.pk, nw.pk])
    assert all(h.on_border for h in first)
    for _ in range(5):
        assert index.lookup(5.32, 50.75) == first
    # On an edge between two: both; just inside one: only that one, not on a border.
    assert {h.area_id for h in index.lookup(5.31, 50.75)} == {sw.pk, nw.pk}
    inside = index.lookup(5.31, 50.7501)
    assert [(h.area_id, h.on_border) for h in inside] == [(nw.pk, False)]
