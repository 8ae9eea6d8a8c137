"""The area index: one cheap version check at most every N ms, and every process sees every change."""

from __future__ import annotations

import uuid

import pytest
from django.db import transaction

from apps.areas import index
from apps.areas.models import Area, AreaIndexVersion
from apps.core.actors import SYSTEM
from testkit.world import box


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


@pytest.fixture
def clock(settings):
    settings.BUURTWACHT_AREA_INDEX_CHECK_MS = 1000
    fake = Clock()
    original = index._index.clock
    index._index.clock = fake
    index.invalidate()
    yield fake
    index._index.clock = original
    index.invalidate()


def _other_process_moves(area: Area, geometry: dict) -> None:
    """What another process's save looks like from here: the row and the token change, and no
    signal or callback runs in this process."""
    Area.objects.filter(pk=area.pk).update(geometry=geometry)
    AreaIndexVersion.objects.filter(pk=1).update(token=uuid.uuid4().hex)


@pytest.mark.django_db(transaction=True)
def test_lookups_between_checks_do_not_touch_the_database(world, clock, django_assert_num_queries):
    a = world.group_a.area
    assert [h.area_id for h in index.lookup(5.31, 50.755)] == [a.pk]
    with django_assert_num_queries(0):
        for _ in range(100):
            assert index.lookup(5.31, 50.755)[0].area_id == a.pk
    clock.now += 1.5
    with django_assert_num_queries(1):  # the version token; no rebuild, nothing changed
        index.lookup(5.31, 50.755)


@pytest.mark.django_db(transaction=True)
def test_a_change_in_another_process_arrives_within_the_interval(world, clock):
    a = world.group_a.area
    assert [h.area_id for h in index.lookup(5.31, 50.755)] == [a.pk]
    _other_process_moves(a, box(5.50, 50.50, 5.52, 50.52))
    assert [h.area_id for h in index.lookup(5.31, 50.755)] == [a.pk]  # not checked yet
    clock.now += 1.01
    assert index.lookup(5.31, 50.755) == []
    assert [h.area_id for h in index.lookup(5.51, 50.51)] == [a.pk]


def test_a_change_in_this_process_arrives_at_once(world, clock):
    from apps.areas.services import save_area

    index.lookup(5.31, 50.755)
    save_area(
        actor=SYSTEM,
        municipality=world.testdorp,
        name="Noord",
        geometry=box(5.50, 50.50, 5.52, 50.52),
        area=world.group_a.area,
    )
    assert index.lookup(5.31, 50.755) == []
    spare = save_area(actor=SYSTEM, municipality=world.testdorp, name="Los", geometry=box(5.60, 50.60, 5.62, 50.62))
    assert [h.area_id for h in index.lookup(5.61, 50.61)] == [spare.pk]
    spare.delete()
    assert index.lookup(5.61, 50.61) == []


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_change_never_looks_current(clock):
    from apps.areas.services import save_area
    from apps.municipalities.models import Municipality

    m = Municipality.objects.create(name="X", slug="x", country="BE")
    area = save_area(actor=SYSTEM, municipality=m, name="A", geometry=box(5.30, 50.70, 5.32, 50.72))
    assert [h.area_id for h in index.lookup(5.31, 50.71)] == [area.pk]
    with pytest.raises(RuntimeError), transaction.atomic():
        save_area(actor=SYSTEM, municipality=m, name="A", geometry=box(5.50, 50.50, 5.52, 50.52), area=area)
        assert index.lookup(5.31, 50.71) == []  # seen inside its own transaction
        raise RuntimeError
    # The token went back with the rollback; the tree built inside the transaction is not reused.
    assert [h.area_id for h in index.lookup(5.31, 50.71)] == [area.pk]
