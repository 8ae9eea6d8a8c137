"""On a 360 px phone, through the pages only: an admin asks for a street sign in Dutch by
tapping the spot on the map; the coordinator, in French, approves it and records its placement
with a photo. Every page is usable (no sideways scroll, axe-core clean)."""

from __future__ import annotations

import re

import pytest

from apps.incidents.tests.helpers import jpeg_with_gps
from apps.signs.models import StreetSign
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "files"
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def test_an_admin_asks_in_dutch_and_the_coordinator_approves_and_places_in_french(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.admin_a.username)
    assert page.locator("html").get_attribute("lang") == "nl"
    page.locator("nav.desk-nav a[href='/beheer/borden/']").click()
    page.wait_for_url(live_server.url + "/beheer/borden/")
    assert_usable(page, "the admin's list of signs")
    page.locator("main a[href='/beheer/borden/nieuw/']").click()
    page.wait_for_url(live_server.url + "/beheer/borden/nieuw/")
    assert_usable(page, "the sign form")
    # Their only group is chosen already; the map shows its area, and a tap puts the pin.
    assert page.input_value("#id_group") == str(world.group_a.pk)
    page.fill("#id_road", "Steenweg")
    the_map = page.locator("[data-sign-place]")
    the_map.evaluate("element => element.scrollIntoView({block: 'center'})")
    box = the_map.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_function("document.querySelector('#id_lat').value.length > 0")
    lat, lon = float(page.input_value("#id_lat")), float(page.input_value("#id_lon"))
    assert 50.75 < lat < 50.76 and 5.30 < lon < 5.32
    assert page.locator("#place-status").inner_text()
    assert_usable(page, "the sign form with the pin")
    with page.expect_navigation(url=re.compile(r"/beheer/borden/\d+/$")):
        page.locator("main form button[type=submit].primary").click()
    sign = outside_the_browser_loop(StreetSign.objects.get)
    assert (sign.state, sign.road, sign.group_id) == ("requested", "Steenweg", world.group_a.pk)
    assert abs(sign.lat - lat) < 1e-6 and abs(sign.lon - lon) < 1e-6
    assert "Steenweg" in page.locator("h1").inner_text()
    # The admin sees no step to take: that is the coordinator's.
    assert page.locator("form[action*='/borden/']").count() == 0
    assert_usable(page, "the requested sign for its admin")

    page = open_page(browser, width=360, locale="fr-BE")
    log_in(page, live_server, world.coordinator.username)
    assert page.locator("html").get_attribute("lang") == "fr"
    page.locator("nav.desk-nav a[href='/beheer/borden/']").click()
    page.wait_for_url(live_server.url + "/beheer/borden/")
    assert_usable(page, "the coordinator's list and map of signs")
    page.locator(f"main a[href='/beheer/borden/{sign.pk}/']").first.click()
    page.wait_for_url(live_server.url + f"/beheer/borden/{sign.pk}/")
    assert_usable(page, "the sign awaiting a decision")
    with page.expect_navigation():
        page.locator("form[action$='/approve/'] button[type=submit]").click()
    assert outside_the_browser_loop(lambda: StreetSign.objects.get().state) == "approved"
    assert_usable(page, "the approved sign")
    placement = page.locator("form[action$='/place/']")
    placement.locator("input[name=placed_on]").fill("2026-11-30")
    placement.locator("input[name=photo]").set_input_files(
        files=[{"name": "bord.jpg", "mimeType": "image/jpeg", "buffer": jpeg_with_gps()}]
    )
    with page.expect_navigation():
        placement.locator("button[type=submit]").click()
    placed = outside_the_browser_loop(StreetSign.objects.get)
    assert placed.state == "placed" and placed.placed_on.isoformat() == "2026-11-30" and placed.photo
    assert page.locator(f"main a[href='/beheer/borden/{sign.pk}/foto/']").count() == 1
    assert_usable(page, "the placed sign")
