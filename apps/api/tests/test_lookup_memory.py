"""The public lookup by point is answered from memory, and changes reach it at once."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.groups.models import Group

POINT = {"lat": "50.755", "lon": "5.31"}


@pytest.mark.django_db(transaction=True)
def test_lookup_by_point_makes_no_query_once_warm(client, settings):
    # Committed data: inside an open transaction that changed areas the index checks its version
    # on every lookup, since a rollback could take the change back.
    from testkit.world import build_world

    build_world()
    settings.BUURTWACHT_AREA_INDEX_CHECK_MS = 60_000
    assert client.get("/api/v1/lookup", POINT).status_code == 200  # builds index and snapshot
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/lookup", POINT)
    assert response.status_code == 200 and [g["slug"] for g in response.json()["groups"]] == ["testdorp-noord"]
    assert len(queries) == 0


@pytest.mark.django_db
def test_group_changes_reach_the_lookup_at_once(client, world, settings):
    settings.BUURTWACHT_AREA_INDEX_CHECK_MS = 60_000
    client.get("/api/v1/lookup", POINT)
    Group.objects.filter(pk=world.group_a.pk).update(name="ignored: update() sends no signal")
    world.group_a.name = "Testdorp Noord-West"
    world.group_a.save()
    assert client.get("/api/v1/lookup", POINT).json()["groups"][0]["name"] == "Testdorp Noord-West"
    world.group_a.status = Group.Status.CLOSED
    world.group_a.save()
    assert client.get("/api/v1/lookup", POINT).json()["groups"] == []


@pytest.mark.django_db
def test_border_point_lists_both_groups_in_the_same_order_as_the_web(client, world):
    from apps.groups.lookup import lookup_point

    body = client.get("/api/v1/lookup", {"lat": "50.75", "lon": "5.31"}).json()
    assert body["on_border"] is True
    assert [g["id"] for g in body["groups"]] == [g.pk for g in lookup_point(5.31, 50.75).groups]
