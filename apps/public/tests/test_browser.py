"""The maps and the page layout in a real browser (Debian's chromium through Playwright)."""

from __future__ import annotations

import re

import pytest

from testkit.browser import assert_usable, open_page, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def page(live_server, transactional_db):
    build_world()
    with running_chromium() as browser:
        yield open_page(browser)


def test_home_map_draws_the_areas_and_a_click_searches_there(page, live_server):
    page.goto(live_server.url + "/")
    page.wait_for_selector(".public-map.leaflet-container")
    assert page.locator("#map-heading").is_visible()
    # the areas come from the map layer, fetched after the page has loaded
    page.wait_for_selector("#home-map[data-layer-loaded]")
    assert page.locator("#home-map path.leaflet-interactive").count() == 3
    # no tile server in tests: the areas are drawn on a plain background
    assert page.locator("#home-map .leaflet-tile").count() == 0
    page.set_viewport_size({"width": 1280, "height": 900})
    box = page.locator("#home-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_url(re.compile(r"/zoeken/\?lat=-?\d+\.\d{6}&lon=-?\d+\.\d{6}$"))
    assert page.locator("h1").count() == 1
    assert page.errors == []


@pytest.mark.parametrize(
    ("locale", "heading", "group_link"),
    [
        ("nl-BE", "Buurtpreventiegroepen in Testdorp", "Testdorp Noord"),
        ("fr-BE", "Groupes de surveillance de quartier à Testdorp", "Testdorp Noord"),
    ],
)
def test_a_resident_goes_from_the_home_page_to_a_municipality_and_one_of_its_groups(
    live_server, transactional_db, locale, heading, group_link
):
    build_world()
    with running_chromium() as browser:
        page = open_page(browser, width=360, locale=locale)
        page.goto(live_server.url + "/")
        page.get_by_role("link", name="Testdorp", exact=True).click()
        page.wait_for_url(re.compile(r"/gemeenten/testdorp/$"))
        assert page.locator("h1").inner_text() == heading
        # the map shows this municipality's areas only
        page.wait_for_selector("#municipality-map[data-layer-loaded]")
        assert page.locator("#municipality-map path.leaflet-interactive").count() == 2
        assert_usable(page, f"municipality page ({locale})")
        page.get_by_role("link", name=group_link).first.click()
        page.wait_for_url(re.compile(r"/groepen/testdorp-noord/$"))
        assert_usable(page, f"group page ({locale})")


def test_search_result_map_shows_the_place_and_its_group(page, live_server):
    page.goto(live_server.url + "/zoeken/?postcode=3870&house_number=1")
    page.wait_for_selector("#result-map.leaflet-container")
    assert page.locator("#result-map path.leaflet-interactive").count() == 2  # the area and the dot
    assert page.errors == []


def test_group_page_map_shows_its_area(page, live_server):
    page.goto(live_server.url + "/groepen/testdorp-zuid/")
    page.wait_for_selector("#group-map.leaflet-container")
    assert page.locator("#group-map path.leaflet-interactive").count() == 1
    assert page.errors == []


def test_pages_fit_a_small_phone(page, live_server):
    for path in (
        "/",
        "/zoeken/?postcode=3870&house_number=3",
        "/groepen/testdorp-noord/",
        "/groepen/testdorp-noord/aanmelden/",
        "/groep-starten/",
        "/gemeenten/testdorp/",
    ):
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
    assert page.errors == []


def test_error_summary_links_move_focus_to_the_field(page, live_server):
    page.goto(live_server.url + "/zoeken/?postcode=38&house_number=1")
    page.locator(".error-summary a").first.click()
    assert page.evaluate("document.activeElement.id") == "search_postcode"


def test_without_javascript_the_search_form_works_and_no_empty_map_shows(live_server, transactional_db):
    from playwright.sync_api import expect

    build_world()
    with running_chromium() as browser:
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(live_server.url + "/")
        assert not page.locator("#home-map").is_visible()
        assert not page.locator("#map-heading").is_visible()
        page.fill("#search_postcode", "6211ab")
        page.fill("#search_house_number", "10")
        page.click("button[type=submit].big")
        # the click returns once the answer's document is committed, before it is read:
        # wait for it to load before reading it
        page.wait_for_url(re.compile(r"/zoeken/\?postcode=6211ab&"))
        expect(page.locator("main")).to_contain_text("Grensstad Centrum")
