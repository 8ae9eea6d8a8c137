"""Every public page renders, in Dutch by default, with its map assets served locally."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse
from django.utils.translation import override

from apps.applications import services
from apps.groups.models import Group
from testkit.world import World, application_data

from .helpers import embedded_json, latest_status_key, says, submit_application


def layer(client, url: str = "/kaart/gebieden.json", **headers) -> dict:
    response = client.get(url, headers=headers)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/geo+json; charset=utf-8"
    return json.loads(b"".join(response.streaming_content))


def test_home_shows_search_form_map_and_municipalities(client, world: World):
    response = client.get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="nl">' in html
    assert 'name="postcode"' in html and 'name="house_number"' in html and 'name="addition"' in html
    assert f'action="{reverse("public:search")}"' in html and 'method="get"' in html
    # The map fetches its areas; the page carries none of them.
    assert 'data-layer-url="/kaart/gebieden.json"' in html and "home-map-areas" not in html
    for municipality in (world.testdorp, world.grensstad):
        assert reverse("public:municipality", args=[municipality.slug]) in html
    assert "Testdorp</a>" in html and "(2 groepen)" in html and "(1 groep)" in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/vendor/leaflet/leaflet.css" in html
    assert "/static/js/public-map.js" in html and "/static/css/public.css" in html
    # Every script and style sheet is served by the site itself. (Not a search for "cdn" in the
    # page: the random CSRF token holds those three letters now and then.)
    sources = re.findall(r'<script[^>]* src="([^"]+)"|<link[^>]* href="([^"]+)"', html)
    assert sources and all((src or href).startswith("/") for src, href in sources), sources


def test_map_layer_gives_the_open_groups_as_geojson(client, world: World):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    areas = layer(client)
    assert areas["type"] == "FeatureCollection"
    by_name = {f["properties"]["name"]: f for f in areas["features"]}
    assert set(by_name) == {"Testdorp Noord", "Grensstad Centrum"}
    noord = by_name["Testdorp Noord"]
    with override("nl"):
        status_label = str(Group.Status.ACTIVE.label)
    assert noord["type"] == "Feature"
    assert noord["geometry"] == world.group_a.area.geometry and noord["geometry"]["type"] == "Polygon"
    assert noord["properties"] == {
        "name": "Testdorp Noord",
        "status": "active",
        "status_label": status_label,
        "municipality": "Testdorp",
        "url": reverse("public:group_detail", args=["testdorp-noord"]),
    }


def test_map_layer_labels_follow_the_language(client, world: World):
    client.cookies["django_language"] = "fr"
    labels = {f["properties"]["status_label"] for f in layer(client)["features"]}
    with override("fr"):
        assert labels == {str(Group.Status.ACTIVE.label)}
    assert labels != {"Actief"}


def test_map_layer_is_not_sent_again_until_a_group_changes(client, world: World):
    first = client.get("/kaart/gebieden.json")
    etag = first["ETag"]
    assert etag and "no-cache" in first["Cache-Control"]
    again = client.get("/kaart/gebieden.json", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag
    world.group_a.name = "Testdorp Noordrand"
    world.group_a.save()
    changed = client.get("/kaart/gebieden.json", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed["ETag"] != etag
    names = {f["properties"]["name"] for f in json.loads(b"".join(changed.streaming_content))["features"]}
    assert "Testdorp Noordrand" in names
    # Another language is another version.
    client.cookies["django_language"] = "fr"
    assert client.get("/kaart/gebieden.json", headers={"If-None-Match": changed["ETag"]}).status_code == 200


def test_map_layer_takes_only_reads(client, world: World):
    assert client.post("/kaart/gebieden.json").status_code == 405
    assert client.head("/kaart/gebieden.json").status_code == 200


def test_municipality_page_lists_its_open_groups_and_maps_them(client, world: World):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    html = client.get(reverse("public:municipality", args=["testdorp"])).content.decode()
    assert "Buurtpreventiegroepen in Testdorp" in html
    assert reverse("public:group_detail", args=["testdorp-noord"]) in html
    assert reverse("public:group_detail", args=["testdorp-zuid"]) not in html
    assert reverse("public:group_detail", args=["grensstad-centrum"]) not in html
    assert 'data-layer-url="/gemeenten/testdorp/gebieden.json"' in html
    names = {f["properties"]["name"] for f in layer(client, "/gemeenten/testdorp/gebieden.json")["features"]}
    assert names == {"Testdorp Noord"}


def test_municipality_without_open_groups_offers_to_start_one(client, world: World):
    Group.objects.filter(municipality=world.grensstad).update(status=Group.Status.CLOSED)
    html = client.get(reverse("public:municipality", args=["grensstad"])).content.decode()
    assert reverse("public:start_group") in html and "data-layer-url" not in html
    assert layer(client, "/gemeenten/grensstad/gebieden.json") == {"type": "FeatureCollection", "features": []}
    home = client.get("/").content.decode()
    assert reverse("public:municipality", args=["grensstad"]) not in home


def test_unknown_municipality_is_404(client, world: World):
    assert client.get("/gemeenten/bestaat-niet/").status_code == 404
    assert client.get("/gemeenten/bestaat-niet/gebieden.json").status_code == 404


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
    assert layer(client) == {"type": "FeatureCollection", "features": []}
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


def test_groups_being_started_are_counted_apart_as_on_the_desk(client, world: World):
    Group.objects.filter(pk=world.group_b.pk).update(status=Group.Status.FORMING)
    home = client.get("/").content.decode()
    assert "(1 groep + 1 in oprichting)" in home
    page = client.get(reverse("public:municipality", args=[world.testdorp.slug])).content.decode()
    assert re.search(r'<h2 id="list-heading">1 groep \+ 1 in oprichting</h2>', page)
    # The coordinator's desk: the same two figures.
    client.force_login(world.coordinator)
    desk = client.get(reverse("staff:dashboard"), HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    assert "+ 1 in oprichting" in desk
    # A municipality whose only group is being started is still listed.
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    assert "(0 groepen + 1 in oprichting)" in client.get("/").content.decode()


@pytest.mark.parametrize("language, postcode", [("nl", "Postcode: "), ("fr", "Code postal : ")])
def test_the_error_summary_joins_label_and_message_as_the_language_writes_it(client, world: World, language, postcode):
    data = application_data(None, postcode="38", accept_house_rules="")
    response = client.post(reverse("public:apply", args=[world.group_a.slug]), data, HTTP_ACCEPT_LANGUAGE=language)
    summary = response.content.decode().split('class="error-summary"')[1].split("</ul>")[0]
    # The label of the house rules is a sentence: no full stop before the colon.
    assert ".:" not in summary and ". :" not in summary
    assert postcode in summary


@pytest.mark.parametrize(
    "language, note", [("fr", "La commune a publié ce règlement uniquement en néerlandais."), ("nl", None)]
)
def test_house_rules_in_another_language_than_the_page_say_so(client, world: World, language, note):
    page = client.get(
        reverse("public:group_detail", args=[world.group_a.slug]), HTTP_ACCEPT_LANGUAGE=language
    ).content.decode()
    assert 'class="house-rules"' in page
    if note:
        assert note in page and 'id="house-rules-language"' in page
    else:
        assert 'id="house-rules-language"' not in page
