"""POST /api/v1/incidents with the place as an address (street, number, postcode), and the
confirmation of words for origin, ethnicity or religion as a boolean: the desk's rules."""

from __future__ import annotations

import pytest

from apps.incidents.models import Incident
from testkit.world import World

from .test_incidents import URL, body
from .utils import bearer


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def post(client, world: World, **overrides):
    return client.post(URL, body(world, **overrides), content_type="application/json", headers=bearer(world.admin_a))


def test_an_address_instead_of_a_point(client, world: World):
    # Zuidstraat lies in Testdorp Zuid: its admin records it.
    data = body(world, group_id=world.group_b.pk, lat=None, lon=None, street="Zuidstraat", house_number="2")
    response = client.post(
        URL, {**data, "postcode": "3870"}, content_type="application/json", headers=bearer(world.admin_b)
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["area_id"] == world.group_b.area_id and (data["lat"], data["lon"]) == (50.745, 5.31)
    assert data["address"] == "Zuidstraat 2, 3870 Testdorp"


def test_an_unknown_address_answers_400_on_its_field(client, world: World):
    response = post(client, world, lat=None, lon=None, address="Meidoornstraat 5")
    assert response.status_code == 400 and "address" in response.json()["errors"]
    assert not Incident.objects.exists()


def test_no_place_in_ones_own_group_is_the_groups_area(client, world: World):
    response = post(client, world, lat=None, lon=None)
    assert response.status_code == 201 and response.json()["area_id"] == world.group_a.area_id


def test_words_for_origin_need_the_confirmation(client, world: World):
    text = "Twee Roemeense mannen met een grijze bestelwagen."
    refused = post(client, world, text=text)
    assert refused.status_code == 400
    assert "Roemeense" in " ".join(refused.json()["errors"]["profiling_confirmed"])
    assert not Incident.objects.exists()
    kept = post(client, world, text=text, profiling_confirmed=True)
    assert kept.status_code == 201
    assert kept.json()["profiling_words"] == ["Roemeense"] and kept.json()["profiling_confirmed_at"]
