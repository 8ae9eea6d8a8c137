"""On a 360 px phone in Dutch: coordinates typed with a decimal comma move the pin to the whole
numbers and are stored as such; numbers that cannot be read whole place no pin and stay as
typed; the pin's text and the sign's page write coordinates the same way."""

from __future__ import annotations

import re

import pytest

from apps.signs.models import StreetSign
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

PIN = "[data-sign-place] .leaflet-marker-icon"


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "files"
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def type_place(page, lat: str, lon: str) -> None:
    page.fill("#id_lat", lat)
    page.fill("#id_lon", lon)
    page.locator("#id_lon").dispatch_event("change")


def test_typed_coordinates_with_a_decimal_comma_place_the_pin_whole(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.admin_a.username)
    page.goto(live_server.url + "/beheer/borden/nieuw/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.fill("#id_road", "Steenweg")

    # Half a number places no pin, and the page does not say where one is.
    type_place(page, "50,7,3", "5,3012")
    assert page.locator(PIN).count() == 0
    assert "50," not in page.locator("#place-status").inner_text()
    # Sent anyway: refused, the typed text comes back untouched and still places no pin.
    with page.expect_navigation():
        page.locator("main form button[type=submit].primary").click()
    assert page.locator("#id_lat").input_value() == "50,7,3"
    assert page.locator("#id_lon").input_value() == "5,3012"
    assert page.locator(PIN).count() == 0
    assert page.locator("#place-status").inner_text() == ""
    assert "5.3104" not in page.locator(".field.has-error").inner_text()  # the latitude's own example
    assert outside_the_browser_loop(StreetSign.objects.count) == 0
    assert_usable(page, "the sign form with a latitude that cannot be read")

    # Off the globe: no pin either.
    type_place(page, "91", "5,3012")
    assert page.locator(PIN).count() == 0

    # Whole numbers with a decimal comma: the pin goes there, the text says so with a point and 6 decimals.
    type_place(page, "50,7551", " 5,3012 ")
    assert page.locator(PIN).count() == 1
    assert re.search(r"50\.755100, 5\.301200", page.locator("#place-status").inner_text())
    assert page.locator("#id_lat").input_value() == "50,7551"  # left as typed
    with page.expect_navigation(url=re.compile(r"/beheer/borden/\d+/$")):
        page.locator("main form button[type=submit].primary").click()
    sign = outside_the_browser_loop(StreetSign.objects.get)
    assert (sign.lat, sign.lon) == (50.7551, 5.3012)
    assert "50.755100, 5.301200" in page.locator("dl.details").inner_text()


def test_a_tap_writes_the_fields_as_the_signs_page_shows_them(browser, live_server, world):
    page = open_page(browser, width=360, locale="fr-BE")
    log_in(page, live_server, world.admin_a.username)
    page.goto(live_server.url + "/beheer/borden/nieuw/")
    the_map = page.locator("[data-sign-place]")
    the_map.evaluate("element => element.scrollIntoView({block: 'center'})")
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#id_lat').value.length > 0")
    lat, lon = page.locator("#id_lat").input_value(), page.locator("#id_lon").input_value()
    assert re.fullmatch(r"50\.\d{6}", lat) and re.fullmatch(r"5\.\d{6}", lon)
    assert f"{lat}, {lon}" in page.locator("#place-status").inner_text()
