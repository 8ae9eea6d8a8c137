"""GET /api/v1/groups: every open group as a GeoJSON feature, in a constant number of queries,
written out while it is read."""

from __future__ import annotations

import json

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from testkit.world import World, add_member, box


def groups(client) -> dict:
    response = client.get("/api/v1/groups")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(b"".join(response.streaming_content))


def test_open_groups_are_features_with_their_area(client, world: World):
    world.group_nl.status = Group.Status.FORMING
    world.group_nl.save()
    collection = groups(client)
    assert collection["type"] == "FeatureCollection"
    by_slug = {f["properties"]["slug"]: f for f in collection["features"]}
    assert set(by_slug) == {"testdorp-noord", "testdorp-zuid", "grensstad-centrum"}
    north = by_slug["testdorp-noord"]
    assert north["type"] == "Feature" and north["id"] == world.group_a.pk
    assert north["geometry"] == world.group_a.area.geometry
    assert north["geometry"]["type"] == "Polygon"
    assert north["properties"] == {
        "id": world.group_a.pk,
        "name": "Testdorp Noord",
        "slug": "testdorp-noord",
        "status": "active",
        "municipality": "Testdorp",
        "country": "BE",
        "capacity": 256,
        "places_available": True,
        "url": "http://testserver/groepen/testdorp-noord/",
    }
    nl = by_slug["grensstad-centrum"]["properties"]
    assert (nl["status"], nl["country"], nl["municipality"]) == ("forming", "NL", "Grensstad")


def test_closed_groups_are_left_out(client, world: World):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    slugs = [f["properties"]["slug"] for f in groups(client)["features"]]
    assert "testdorp-zuid" not in slugs and "testdorp-noord" in slugs


def test_full_group_has_no_places_available_and_former_members_do_not_count(client, world: World):
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    gone = add_member(world.group_a, 2)
    gone.left_at = gone.joined_at
    gone.save()

    def places() -> bool:
        features = groups(client)["features"]
        return next(f for f in features if f["id"] == world.group_a.pk)["properties"]["places_available"]

    assert places() is True
    add_member(world.group_a, 3)
    assert places() is False


def _add_groups(world: World, count: int) -> None:
    for i in range(count):
        lon = 4.0 + i * 0.01
        area = save_area(
            actor=SYSTEM, municipality=world.testdorp, name=f"Extra {i}", geometry=box(lon, 51.0, lon + 0.005, 51.005)
        )
        group = Group.objects.create(
            municipality=world.testdorp, area=area, name=f"Extra {i}", slug=f"extra-{i}", status=Group.Status.ACTIVE
        )
        add_member(group, i + 1)


def _queries_for_groups(client) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        collection = groups(client)
    return len(queries), len(collection["features"])


def test_number_of_queries_does_not_grow_with_the_number_of_groups(client, world: World):
    few_queries, few = _queries_for_groups(client)
    _add_groups(world, 30)
    many_queries, many = _queries_for_groups(client)
    assert (few, many) == (3, 33)
    assert many_queries == few_queries <= 2


def test_a_name_with_quotes_and_accents_stays_valid_json(client, world: World):
    world.group_a.name = 'Sint-Truiden "Zuid" – Émile\\Straat'
    world.group_a.save()
    by_id = {f["id"]: f for f in groups(client)["features"]}
    assert by_id[world.group_a.pk]["properties"]["name"] == 'Sint-Truiden "Zuid" – Émile\\Straat'


def test_with_no_open_group_the_collection_is_empty(client, world: World):
    Group.objects.update(status=Group.Status.CLOSED)
    assert groups(client) == {"type": "FeatureCollection", "features": []}


def test_a_layer_larger_than_one_piece_comes_in_pieces_that_join_into_one_document(client, world: World, monkeypatch):
    from apps.groups import map_layer

    monkeypatch.setattr(map_layer, "PIECE", 200)
    _add_groups(world, 5)
    pieces = list(client.get("/api/v1/groups").streaming_content)
    assert len(pieces) > 3
    assert all(len(piece) < 200 + 2000 for piece in pieces)
    assert len(json.loads(b"".join(pieces))["features"]) == 8
