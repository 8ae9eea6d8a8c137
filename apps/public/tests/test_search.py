"""Searching by postcode and house number, or by a place on the map."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils.translation import ngettext, override

from apps.addresses.models import Address
from apps.groups.models import Group
from testkit.world import World, add_member, add_second_street

from .helpers import embedded_json, nothing_stored, says

SEARCH = reverse("public:search")


def border_sentence(plural: str, count: int) -> str:
    singular = plural.replace("areas", "area")
    with override("nl"):
        return ngettext(singular, plural + " You may choose the group you want to join.", count) % {"counter": count}


def apply_link(group) -> str:
    return reverse("public:apply", args=[group.slug])


@pytest.mark.parametrize("postcode", ["3870", " 3870 ", "3870\t"])
def test_belgian_postcode_finds_the_group(client, world: World, postcode):
    response = client.get(SEARCH, {"postcode": postcode, "house_number": "1"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Noordstraat 1, 3870 Testdorp" in html
    assert apply_link(world.group_a) in html
    assert apply_link(world.group_b) not in html


@pytest.mark.parametrize("postcode", ["6211 AB", "6211AB", "6211ab", "6211 ab", " 6211  Ab "])
def test_dutch_postcode_in_any_form_finds_the_group(client, world: World, postcode):
    html = client.get(SEARCH, {"postcode": postcode, "house_number": "10"}).content.decode()
    assert "Markt 10, 6211 AB Grensstad" in html
    assert apply_link(world.group_nl) in html


def test_result_shows_group_facts_and_prefills_the_application(client, world: World):
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "2", "addition": "a"}).content.decode()
    assert "Zuidstraat 2A, 3870 Testdorp" in html
    assert "Testdorp Zuid" in html
    assert says(html, "Places available")
    assert (
        apply_link(world.group_b)
        + "?postcode=3870&amp;house_number=2&amp;addition=A&amp;street=Zuidstraat&amp;town=Testdorp"
    ) in html


def test_house_number_with_inline_addition(client, world: World):
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "2a"}).content.decode()
    assert "Zuidstraat 2A, 3870 Testdorp" in html


def test_full_group_is_shown_as_full_without_numbers(client, world: World):
    Group.objects.filter(pk=world.group_a.pk).update(capacity=2)
    add_member(world.group_a, 1)
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "1"}).content.decode()
    assert says(html, "Only a few places left")
    add_member(world.group_a, 2)
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "1"}).content.decode()
    assert says(html, "Full at the moment. You can still apply: the municipality can make room.")
    assert apply_link(world.group_a) in html


def test_result_reminds_of_saar_with_the_municipality_police_numbers(client, world: World):
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "1"}).content.decode()
    assert says(html, "Alarm the police first")
    assert 'href="tel:101">101</a>' in html and 'href="tel:112">112</a>' in html
    html = client.get(SEARCH, {"postcode": "6211 AB", "house_number": "10"}).content.decode()
    assert 'href="tel:09008844">0900-8844</a>' in html


def test_point_search_finds_the_group(client, world: World):
    response = client.get(SEARCH, {"lat": "50.755", "lon": "5.31"})
    assert response.status_code == 200
    html = response.content.decode()
    assert apply_link(world.group_a) in html and apply_link(world.group_b) not in html
    assert says(html, "The place you chose on the map.")
    assert 'data-marker-lat="50.755000"' in html and 'data-marker-lon="5.310000"' in html
    areas = embedded_json(html, "result-map-areas")
    assert [f["properties"]["name"] for f in areas["features"]] == ["Testdorp Noord"]


def test_border_point_offers_both_groups(client, world: World):
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "3"}).content.decode()
    assert "Grensweg 3" in html
    assert says(html, "Choose your group")
    assert border_sentence("This address lies exactly on the border of %(counter)s areas.", 2) in html
    assert apply_link(world.group_a) in html and apply_link(world.group_b) in html
    point_html = client.get(SEARCH, {"lat": "50.75", "lon": "5.31"}).content.decode()
    assert apply_link(world.group_a) in point_html and apply_link(world.group_b) in point_html
    assert border_sentence("This place lies exactly on the border of %(counter)s areas.", 2) in point_html


def test_outer_edge_of_a_single_area_is_not_a_choice(client, world: World):
    html = client.get(SEARCH, {"lat": "50.76", "lon": "5.31"}).content.decode()
    assert apply_link(world.group_a) in html
    assert not says(html, "Choose your group")


def test_uncovered_address_offers_to_start_a_group(client, world: World):
    response = client.get(SEARCH, {"postcode": "3871", "house_number": "5"})
    assert response.status_code == 200
    html = response.content.decode()
    assert says(html, "No group covers this address yet.")
    assert reverse("public:start_group") + "?postcode=3871&amp;house_number=5" in html
    assert "/aanmelden/" not in html


def test_uncovered_point_offers_to_start_a_group(client, world: World):
    html = client.get(SEARCH, {"lat": "50.5", "lon": "4.5"}).content.decode()
    assert says(html, "No group covers this place yet.")
    assert 'href="' + reverse("public:start_group") + '"' in html
    # The country is unknown here, so both countries' police numbers are given.
    assert 'href="tel:101"' in html and 'href="tel:09008844"' in html


def test_closed_group_is_not_offered(client, world: World):
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    html = client.get(SEARCH, {"postcode": "3870", "house_number": "1"}).content.decode()
    assert apply_link(world.group_a) not in html
    assert says(html, "No group covers this address yet.")


def test_empty_search_page_shows_the_form(client, world: World):
    response = client.get(SEARCH)
    assert response.status_code == 200
    assert b'name="postcode"' in response.content


@pytest.mark.parametrize(
    "params, field, message",
    [
        ({"postcode": "", "house_number": ""}, "postcode", "Enter your postcode."),
        ({"postcode": "3870", "house_number": ""}, "house_number", "Enter your house number."),
        (
            {"postcode": "38", "house_number": "1"},
            "postcode",
            "Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands).",
        ),
        (
            {"postcode": "ABCD", "house_number": "1"},
            "postcode",
            "Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands).",
        ),
        ({"postcode": "3870", "house_number": "een"}, "house_number", "Enter a house number like 12 or 12A."),
        (
            {"postcode": "3870", "house_number": "1", "addition": "#!"},
            "addition",
            "Enter an addition like A, 2 or bus 3.",
        ),
        ({"postcode": "9999", "house_number": "1"}, "postcode", "We do not know postcode %(postcode)s."),
        (
            {"postcode": "3870", "house_number": "99"},
            "house_number",
            "House number %(number)s is not in postcode %(postcode)s.",
        ),
        (
            {"postcode": "3870", "house_number": "1", "addition": "Z"},
            "addition",
            "Addition %(addition)s is not known for this house number.",
        ),
    ],
)
def test_bad_address_input_gets_a_message_on_its_field(client, world: World, params, field, message):
    with nothing_stored():
        response = client.get(SEARCH, params)
    assert response.status_code == 200
    html = response.content.decode()
    values = {
        "postcode": params.get("postcode", "").strip().upper(),
        "number": params.get("house_number"),
        "addition": params.get("addition", "").upper(),
    }
    assert says(html, message, **values)
    # The error is tied to its field and listed at the top with a link to that field.
    assert f'id="search_{field}_error"' in html
    assert f'aria-describedby="search_{field}_error"' in html or f"search_{field}_helptext search_{field}_error" in html
    assert f'href="#search_{field}"' in html
    assert 'aria-invalid="true"' in html
    assert "/aanmelden/" not in html


@pytest.mark.parametrize(
    "params",
    [
        {"lat": "abc", "lon": "5.31"},
        {"lat": "50.75"},
        {"lon": "5.31"},
        {"lat": "nan", "lon": "5.31"},
        {"lat": "50,75", "lon": "5,31"},
        {"lat": "", "lon": ""},
        {"lat": "inf", "lon": "5.31"},
    ],
)
def test_unreadable_point_is_a_bad_request_with_a_message(client, world: World, params):
    with nothing_stored():
        response = client.get(SEARCH, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert says(html, "We could not read the place you chose on the map. Choose it again, or search by address.")
    assert 'name="postcode"' in html


@pytest.mark.parametrize("lat, lon", [("48.85", "2.35"), ("50.75", "-5.31"), ("5.31", "50.75"), ("90", "180")])
def test_point_outside_belgium_and_the_netherlands_is_refused(client, world: World, lat, lon):
    response = client.get(SEARCH, {"lat": lat, "lon": lon})
    assert response.status_code == 200
    html = response.content.decode()
    assert says(
        html, "This place lies outside Belgium and the Netherlands. Choose a place in Belgium or the Netherlands."
    )
    assert "/aanmelden/" not in html


@pytest.mark.django_db
def test_two_streets_with_the_same_number_ask_which_street(client, world):
    add_second_street(world)
    response = client.get("/zoeken/", {"postcode": "3870", "house_number": "1"})
    assert response.status_code == 200
    choices = response.context["street_choices"]
    assert [c["street"] for c in choices] == ["Noordstraat", "Sint-Jansstraat"]
    chosen = client.get("/zoeken/?" + choices[1]["query"])
    assert [card["group"] for card in chosen.context["cards"]] == [world.group_b]


@pytest.mark.django_db
def test_the_error_about_the_street_leads_to_the_list_of_streets(client, world):
    add_second_street(world)
    html = client.get("/zoeken/", {"postcode": "3870", "house_number": "1"}).content.decode()
    assert 'href="#street-choice"' in html and 'id="street-choice"' in html
    # Not to the form's hidden street field, where a tap goes nowhere.
    hidden = re.search(r'<input type="hidden" name="street"[^>]*id="([^"]+)"', html)
    assert hidden and f'href="#{hidden.group(1)}"' not in html


@pytest.mark.django_db
def test_the_addition_chooses_the_street_that_has_it(client, world):
    add_second_street(world)
    Address.objects.create(
        country="BE",
        postcode="3870",
        house_number=1,
        addition="B",
        street="Sint-Jansstraat",
        town="Testdorp",
        lon=5.311,
        lat=50.746,
        municipality=world.testdorp,
    )
    response = client.get("/zoeken/", {"postcode": "3870", "house_number": "1b"})
    assert "street_choices" not in response.context
    assert [card["group"] for card in response.context["cards"]] == [world.group_b]
