"""A sign's place as typed: with a decimal comma (as Dutch and French speakers write) or a point,
spaces around; each field's error names an example of its own; and coordinates shown the one
way on the form's pin text and on the sign's page."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from apps.signs.models import StreetSign
from testkit.world import World

from .helpers import IN_A, IN_GRENSSTAD, snapshot

URL = "/beheer/borden/nieuw/"
LAT_EXAMPLE, LON_EXAMPLE = "50.7512", "5.3104"


def request_data(world: World, **overrides) -> dict:
    data = {"group": world.group_a.pk, "road": "Kiezelweg", "lat": "50.7552", "lon": "5.3101", "note": ""}
    data.update(overrides)
    return data


def post(client, world, language: str, **overrides):
    with translation.override(language):
        return client.post(URL, request_data(world, **overrides), HTTP_ACCEPT_LANGUAGE=language)


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(
    ("lat", "lon"),
    [("50,7551", "5,3012"), (" 50,7551 ", "\t5,3012 "), ("50.7551", "5.3012"), ("50,755100", "5.3012")],
    ids=["comma", "comma-spaces", "point", "mixed"],
)
def test_a_decimal_comma_is_read_whole(client, world: World, language, lat, lon):
    client.force_login(world.admin_a)
    response = post(client, world, language, lat=lat, lon=lon)
    assert response.status_code == 302, response.context["form"].errors
    sign = StreetSign.objects.get()
    assert (sign.lat, sign.lon) == (IN_A["lat"], IN_A["lon"])


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("50,737", 50.737),
        ("50.737", 50.737),
        ("  50,737\u00a0", 50.737),
        ("-5,2", -5.2),
        ("\u22125,2", -5.2),
        ("+5,2", 5.2),
        ("50", 50.0),
        ("50,", 50.0),
        (",5", 0.5),
        (50.737, 50.737),
    ],
)
def test_the_field_reads_a_point_or_a_comma(typed, read):
    from apps.signs.forms import CoordinateField

    assert CoordinateField(limit=90).clean(typed) == read


@pytest.mark.parametrize("typed", ["abc", "50,7,3", "50.7.3", "50,7.3", "50 737", "1e3", "nan", "inf", "0x10", "--5"])
def test_the_field_reads_nothing_half(typed):
    from apps.signs.forms import CoordinateField

    field = CoordinateField(limit=90, error_messages={"invalid": "EXAMPLE"})
    with pytest.raises(Exception) as caught:
        field.clean(typed)
    assert caught.value.messages == ["EXAMPLE"]


# (what is typed, the field whose error it is, that error in English)
BAD = [
    ({"lat": "abc"}, "lat", "Enter the latitude as a number between -90 and 90, such as 50.7512."),
    ({"lon": "abc"}, "lon", "Enter the longitude as a number between -180 and 180, such as 5.3104."),
    ({"lat": "50,7,3"}, "lat", "Enter the latitude as a number between -90 and 90, such as 50.7512."),
    ({"lon": "5,2,2"}, "lon", "Enter the longitude as a number between -180 and 180, such as 5.3104."),
    ({"lat": ""}, "lat", "Tap the spot on the map or type its latitude."),
    ({"lon": "  "}, "lon", "Tap the spot on the map or type its longitude."),
    ({"lat": "91"}, "lat", "Enter the latitude as a number between -90 and 90, such as 50.7512."),
    ({"lon": "-181"}, "lon", "Enter the longitude as a number between -180 and 180, such as 5.3104."),
    ({"lat": "50,85", "lon": "5,69"}, "lat", "This spot lies outside Testdorp."),  # in Grensstad
    ({"lat": "5,3012", "lon": "50,7551"}, "lat", "This spot lies outside Testdorp."),  # swapped
]
BAD_IDS = ["abc-lat", "abc-lon", "two-commas-lat", "two-commas-lon", "empty", "spaces", "91", "-181", "out", "swapped"]


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(("typed", "field", "english"), BAD, ids=BAD_IDS)
def test_bad_coordinates_are_told_per_field_and_nothing_is_stored(
    client, world: World, language, typed, field, english
):
    client.force_login(world.admin_a)
    before = snapshot()
    response = post(client, world, language, **typed)
    assert response.status_code == 200
    assert f'<html lang="{language}"' in response.content.decode()
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    said = " ".join(errors[field])
    if language == "en":
        assert said.startswith(english), said
    # Each field's error gives an example of its own kind, in any language.
    if field == "lon":
        assert LAT_EXAMPLE not in said
    if field == "lat":
        assert LON_EXAMPLE not in said
    assert snapshot() == before
    # What was typed comes back as typed, in both fields.
    form = response.context["form"]
    values = request_data(world, **typed)
    assert (form["lat"].value(), form["lon"].value()) == (values["lat"], values["lon"])


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_both_fields_wrong_each_names_its_own_example(client, world: World, language):
    client.force_login(world.admin_a)
    errors = post(client, world, language, lat="abc", lon="50,7,3").context["form"].errors
    assert LAT_EXAMPLE in " ".join(errors["lat"]) and LON_EXAMPLE not in " ".join(errors["lat"])
    assert LON_EXAMPLE in " ".join(errors["lon"]) and LAT_EXAMPLE not in " ".join(errors["lon"])


def test_the_outside_check_still_holds_with_a_point(client, world: World):
    client.force_login(world.admin_a)
    before = snapshot()
    response = post(client, world, "en", lat=str(IN_GRENSSTAD["lat"]), lon=str(IN_GRENSSTAD["lon"]))
    assert "This spot lies outside Testdorp." in " ".join(response.context["form"].errors["lat"])
    assert snapshot() == before


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_the_signs_page_shows_its_coordinates_as_the_form_does(client, world: World, language):
    client.force_login(world.admin_a)
    post(client, world, language, lat="50,7551", lon=" 5,3012")
    sign = StreetSign.objects.get()
    page = client.get(reverse("staff:sign_detail", args=[sign.pk]), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "50.755100, 5.301200" in page
    assert "50,755100" not in page and "5,301200" not in page
    assert sign.coordinates == "50.755100, 5.301200"
    # The pin's text on the form writes them the same way: a point and 6 decimals.
    from apps.signs.models import format_coordinate

    assert format_coordinate(50.737) == "50.737000"
    form = client.get(URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert "signs/sign-place.js" in form and "data-sign-place" in form and "js/incident-place.js" not in form
