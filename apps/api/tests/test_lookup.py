"""GET /api/v1/lookup: by Belgian and Dutch address, by point, on a border, and refused input."""

from __future__ import annotations

import pytest

from testkit.world import World, add_second_street

URL = "/api/v1/lookup"


def ids(items: list[dict]) -> list[int]:
    return [item["id"] for item in items]


def test_belgian_address_finds_its_group(client, world: World):
    body = client.get(URL, {"postcode": "3870", "house_number": "1"}).json()
    assert body["point"] == {"lat": 50.755, "lon": 5.31}
    assert body["address"] == {"street": "Noordstraat", "house_number": "1", "postcode": "3870", "town": "Testdorp"}
    assert body["on_border"] is False
    assert body["areas"] == [{"id": world.group_a.area_id, "name": "Noord"}]
    assert body["groups"] == [
        {
            "id": world.group_a.pk,
            "name": "Testdorp Noord",
            "slug": "testdorp-noord",
            "status": "active",
            "url": "http://testserver/groepen/testdorp-noord/",
        }
    ]


def test_dutch_postcode_as_typed_finds_its_group(client, world: World):
    body = client.get(URL, {"postcode": "6211ab", "house_number": "10"}).json()
    assert body["address"]["postcode"] == "6211 AB"
    assert ids(body["groups"]) == [world.group_nl.pk]


def test_addition_typed_with_the_number_finds_that_address(client, world: World):
    body = client.get(URL, {"postcode": "3870", "house_number": "2a"}).json()
    assert body["address"]["house_number"] == "2A"
    assert body["point"]["lon"] == 5.3101
    assert ids(body["groups"]) == [world.group_b.pk]


def test_point_finds_its_group_without_an_address(client, world: World):
    body = client.get(URL, {"lat": "50.745", "lon": "5.31"}).json()
    assert body["address"] is None
    assert body["point"] == {"lat": 50.745, "lon": 5.31}
    assert ids(body["groups"]) == [world.group_b.pk]


def test_address_on_the_border_gives_both_groups_in_a_stable_order(client, world: World):
    by_address = client.get(URL, {"postcode": "3870", "house_number": "3"}).json()
    by_point = client.get(URL, {"lat": "50.75", "lon": "5.31"}).json()
    for body in (by_address, by_point):
        assert body["on_border"] is True
        # Smallest area first: the northern box is slightly smaller on the globe.
        assert ids(body["groups"]) == [world.group_a.pk, world.group_b.pk]
        assert ids(body["areas"]) == [world.group_a.area_id, world.group_b.area_id]
    assert client.get(URL, {"postcode": "3870", "house_number": "3"}).json() == by_address


def test_closed_group_is_not_offered(client, world: World):
    world.group_a.status = "closed"
    world.group_a.save()
    body = client.get(URL, {"postcode": "3870", "house_number": "1"}).json()
    assert body["groups"] == [] and ids(body["areas"]) == [world.group_a.area_id]


def test_known_address_that_no_group_covers_answers_empty(client, world: World):
    response = client.get(URL, {"postcode": "3871", "house_number": "5"})
    assert response.status_code == 200
    assert response.json()["groups"] == [] and response.json()["areas"] == []


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"postcode": "38", "house_number": "1"}, "postcode"),
        ({"postcode": "6162 SA", "house_number": "1"}, "postcode"),
        ({"postcode": "3870", "house_number": "abc"}, "house_number"),
        ({"postcode": "3870"}, "house_number"),
        ({"house_number": "1"}, "postcode"),
        ({"postcode": "3870", "house_number": "1", "addition": "a b/c!"}, "addition"),
        ({"postcode": "9999", "house_number": "1"}, "postcode"),  # not in the register
        ({"postcode": "3870", "house_number": "999"}, "house_number"),  # not in the register
        ({"postcode": "3870", "house_number": "2", "addition": "Z"}, "addition"),  # not in the register
        ({"lat": "48.85", "lon": "2.35"}, "lat"),  # Paris
        ({"lat": "50.75", "lon": "13.4"}, "lon"),  # east of Germany's border
        ({"lat": "4.89", "lon": "52.37"}, "lat lon"),  # swapped
        ({"lat": "50.75"}, "lon"),
        ({"lat": "50.75", "lon": ""}, "lon"),
        ({"lat": "abc", "lon": "5.31"}, "lat"),
        ({"lat": "nan", "lon": "5.31"}, "lat"),
        ({}, "__all__"),
        ({"postcode": "3870", "house_number": "1", "lat": "50.75", "lon": "5.31"}, "__all__"),
    ],
)
def test_bad_input_is_refused_on_the_field_to_correct(client, world: World, query, field):
    response = client.get(URL, query)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert sorted(errors) == field.split()
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)


@pytest.mark.parametrize(
    ("language", "query", "field", "message"),
    [
        ("fr", {"postcode": "3870"}, "house_number", "Ce champ est obligatoire."),
        ("nl", {"postcode": "3870"}, "house_number", "Dit veld is verplicht."),
        ("fr", {"lat": "abc", "lon": "5.31"}, "lat", "Saisissez un nombre."),
        ("en", {"lat": "abc", "lon": "5.31"}, "lat", "Enter a number."),
    ],
)
def test_messages_follow_the_accept_language_header(client, world: World, language, query, field, message):
    response = client.get(URL, query, headers={"Accept-Language": language})
    assert response.json()["errors"][field] == [message]


@pytest.mark.django_db
def test_street_decides_where_two_streets_share_the_number(client, world):
    add_second_street(world)
    ambiguous = client.get("/api/v1/lookup", {"postcode": "3870", "house_number": "1"})
    assert ambiguous.status_code == 400
    assert "Sint-Jansstraat" in ambiguous.json()["errors"]["street"][0]
    chosen = client.get("/api/v1/lookup", {"postcode": "3870", "house_number": "1", "street": "sint-jansstraat"})
    assert chosen.status_code == 200 and [g["slug"] for g in chosen.json()["groups"]] == ["testdorp-zuid"]
