"""Neighbouring areas, across municipal and national borders."""

from __future__ import annotations

import pytest

from apps.areas import neighbours
from apps.areas.models import AreaNeighbour
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from testkit.world import box


def test_touching_areas_are_neighbours_both_ways(world, django_capture_on_commit_callbacks):
    a, b, nl = world.group_a.area, world.group_b.area, world.group_nl.area
    neighbours.recompute()
    assert neighbours.neighbour_ids(a.pk) == [b.pk]
    assert neighbours.neighbour_ids(b.pk) == [a.pk]
    assert neighbours.neighbour_ids(nl.pk) == []  # 25 km away
    assert AreaNeighbour.objects.get(area=a, neighbour=b).distance_m == pytest.approx(0, abs=0.01)


def test_within_distance_and_across_the_border(world, django_capture_on_commit_callbacks):
    # A Dutch area 300 m east of Testdorp Noord (0.0043° of longitude at 50.75° N ~ 300 m).
    with django_capture_on_commit_callbacks(execute=True):
        near = save_area(
            actor=SYSTEM, municipality=world.grensstad, name="Over de grens", geometry=box(5.3243, 50.75, 5.34, 50.76)
        )
    assert near.pk in neighbours.neighbour_ids(world.group_a.area.pk)
    distance = AreaNeighbour.objects.get(area=world.group_a.area, neighbour=near).distance_m
    assert 280 < distance < 320
    assert near.pk not in neighbours.neighbour_ids(world.group_nl.area.pk)
    # with a smaller distance it is no neighbour
    neighbours.recompute(distance_m=100)
    assert near.pk not in neighbours.neighbour_ids(world.group_a.area.pk)


def test_moving_an_area_updates_only_its_pairs(world, django_capture_on_commit_callbacks):
    neighbours.recompute()
    with django_capture_on_commit_callbacks(execute=True):
        save_area(
            actor=SYSTEM,
            municipality=world.testdorp,
            name="Zuid",
            geometry=box(5.30, 50.70, 5.32, 50.71),
            area=world.group_b.area,
        )
    assert neighbours.neighbour_ids(world.group_a.area.pk) == []
    assert neighbours.neighbour_ids(world.group_b.area.pk) == []
