"""Every public page renders, in Dutch by default, with its map assets served locally."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.translation import override

from apps.applications import services
from apps.groups.models import Group
from testkit.world import World

from .helpers import embedded_json, latest_status_key, says, submit_application


def test_home_shows_search_form_map_and_group_list(client, world: World):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert 'name="postcode"' in html and 'name="house_number"' in html and 'name="addition"' in html
    assert f'action="{reverse("public:search")}"' in html and 'method="get"' in html
    for group in (world.group_a, world.group_b, world.group_nl):
        assert reverse("public:group_detail", args=[group.slug]) in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/vendor/leaflet/leaflet.css" in html
    assert "/static/js/public-map.js" in html and "/static/css/public.css" in html
    # Every script and style sheet is served by the site itself. (Not a search for "cdn" in the
    # page: the random CSRF token holds those three letters now and then.)
    sources = re.findall(r'<script[^>]* src="([^"]+)"|<link[^>]* href="([^"]+)"', html)
    assert sources and all((src or href).startswith("/") for src, href in sources), sources


def test_home_embeds_the_open_groups_as_geojson(client, world: World):
    Group.objects.filter(pk=world.group_b.pk).update(status=Group.Status.CLOSED)
    html = client.get("/").content.decode()
    areas = embedded_json(html, "home-map-areas")
    assert areas["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in areas["features"]}
    assert set(by_name) == {"Testdorp Noord", "Grensstad Centrum"}
    noord = by_name["Testdorp Noord"]
    with override("nl"):
        status_label = str(Group.Status.ACTIVE.label)
    assert noord["geometry"]["type"] == "Polygon"
    assert noord["properties"] == {
        "name": "Testdorp Noord",
        "status": "active",
        "status_label": status_label,
        "municipality": "Testdorp",
        "url": reverse("public:group_detail", args=["testdorp-noord"]),
    }


def test_home_without_tile_server_draws_no_tile_layer(client, world: World):
    html = client.get("/").content.decode()
    assert 'data-tile-url=""' in html
    assert "tile.openstreetmap.org" not in html


def test_home_passes_a_configured_tile_server_to_the_map(client, world: World, settings):
    settings.BUURTWACHT_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    html = client.get("/").content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in html


def test_home_with_no_groups_offers_to_start_one(client, db):
    html = client.get("/").content.decode()
    assert embedded_json(html, "home-map-areas") == {"type": "FeatureCollection", "features": []}
    assert reverse("public:start_group") in html


def test_group_page_shows_public_info_area_and_house_rules(client, world: World):
    response = client.get(reverse("public:group_detail", args=[world.group_a.slug]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Testdorp Noord" in html and "Testdorp" in html
    assert "1. Eerst 101 bellen." in html and "2. Geen chat." in html
    assert reverse("public:apply", args=[world.group_a.slug]) in html
    areas = embedded_json(html, "group-map-areas")
    assert [f["properties"]["name"] for f in areas["features"]] == ["Testdorp Noord"]
    assert 'href="tel:101"' in html and 'href="tel:112"' in html


def test_closed_group_page_says_it_takes_no_members(client, world: World):
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    html = client.get(reverse("public:group_detail", args=[world.group_a.slug])).content.decode()
    assert says(html, "This group no longer takes new members.")
    assert reverse("public:apply", args=[world.group_a.slug]) not in html


def test_unknown_group_is_404(client, world: World):
    assert client.get(reverse("public:group_detail", args=["bestaat-niet"])).status_code == 404
    assert client.get(reverse("public:apply", args=["bestaat-niet"])).status_code == 404


@pytest.mark.parametrize(
    "name, args",
    [
        ("search", []),
        ("apply", ["testdorp-noord"]),
        ("application_sent", []),
        ("application_confirm", ["some-token"]),
        ("start_group", []),
        ("start_group_sent", []),
    ],
)
def test_page_renders(client, world: World, name, args):
    response = client.get(reverse(f"public:{name}", args=args))
    assert response.status_code == 200
    assert b"<h1>" in response.content


def test_status_and_withdraw_pages_render(client, world: World):
    submit_application(client, world.group_a)
    key = latest_status_key(client)
    assert client.get(reverse("public:application_status", args=[key])).status_code == 200
    assert client.get(reverse("public:application_withdraw", args=[key])).status_code == 200
    assert services.by_access_key(key) is not None


def test_group_page_without_house_rules_explains_why_there_is_no_apply_button(client, world: World):
    world.testdorp.house_rules.all().delete()
    html = client.get(reverse("public:group_detail", args=[world.group_a.slug])).content.decode()
    assert says(html, "The municipality has not published the house rules yet. You can apply as soon as it has.")
    assert reverse("public:apply", args=[world.group_a.slug]) not in html
