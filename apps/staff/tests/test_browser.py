"""The desk in a real browser (Debian's chromium through Playwright): the maps, drawing an area,
and pages that fit the phone of a volunteer admin."""

from __future__ import annotations

import pytest

from testkit.browser import draw_rectangle, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import World, add_member, build_world

from .helpers import make_application

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_world(transactional_db) -> tuple[World, object]:
    world = build_world()
    application = make_application(world.group_a, World.ADDRESS_A, full_name="Anna Noord", phone="0470 11 11 11")
    add_member(
        world.group_a,
        1,
        full_name="Maximiliaan Vandenbroucke-Verhaegen",
        email="maximiliaan.vandenbroucke-verhaegen@voorbeeld-provider.example.org",
    )
    return world, application


@pytest.fixture
def browser_page(live_server, desk_world):
    with running_chromium() as browser:
        yield open_page(browser, locale="en")


def assert_pages_fit_the_phone(page, live_server, *paths: str) -> None:
    """Each page no wider than the 360 px phone, with one heading, and nothing broken on the way."""
    for path in paths:
        page.goto(live_server.url + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 360, (path, width)
        assert page.locator("h1").count() == 1, path
    assert page.errors == []


def test_admin_pages_fit_a_small_phone(browser_page, live_server, desk_world):
    world, application = desk_world
    page = browser_page
    log_in(page, live_server, "admin_a")
    assert_pages_fit_the_phone(
        page,
        live_server,
        "/beheer/",
        "/beheer/aanmeldingen/",
        f"/beheer/aanmeldingen/{application.pk}/",
        f"/beheer/groepen/{world.group_a.pk}/",
        f"/beheer/groepen/{world.group_a.pk}/leden/",
        "/beheer/berichten/",
    )


def test_coordinator_pages_fit_a_small_phone(browser_page, live_server, desk_world):
    # The long choices of the area select ("area (municipality) – used by group"), the import
    # page's list of CSV columns and a file's name as a heading once made these pages wider
    # than the phone.
    from apps.areas.models import ImportJob

    world, _application = desk_world
    job = outside_the_browser_loop(
        lambda: ImportJob.objects.create(
            municipality=world.testdorp,
            kind=ImportJob.Kind.AREAS,
            path="/nonexistent",
            original_name="be_deelgemeenten_heers_epsg31370_export_2026.geojson",
            status=ImportJob.Status.DONE,
            progress=100,
            summary="12 new",
            details=["Overlap Vechmaal / Kaldenveld-Opheerlo-Bovenhoek (Testdorp): 4.824.898 m²"],
            created_by=world.coordinator,
        )
    )
    page = browser_page
    log_in(page, live_server, "coordinator")
    municipality = world.testdorp.pk
    assert_pages_fit_the_phone(
        page,
        live_server,
        f"/beheer/gemeente/{municipality}/",
        f"/beheer/gemeente/{municipality}/groepen/nieuw/",
        f"/beheer/groepen/{world.group_a.pk}/bewerken/",
        f"/beheer/gemeente/{municipality}/importeren/",
        f"/beheer/importeren/{job.pk}/",
        f"/beheer/gemeente/{municipality}/dekking/",
        f"/beheer/gemeente/{municipality}/huisregels/",
        "/beheer/aanvragen/",
    )


def test_application_map_shows_the_area_and_the_address(browser_page, live_server, desk_world):
    _world, application = desk_world
    page = browser_page
    log_in(page, live_server, "admin_a")
    page.goto(f"{live_server.url}/beheer/aanmeldingen/{application.pk}/")
    page.wait_for_selector(".map.leaflet-container")
    assert page.locator(".map path.leaflet-interactive").count() == 2  # the area and the dot
    assert page.locator(".map .leaflet-tile").count() == 0  # no tile server in tests
    assert page.errors == []


def test_coordinator_draws_an_area_and_creates_a_group(browser_page, live_server, desk_world):
    world, _application = desk_world
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/beheer/gemeente/{world.testdorp.pk}/groepen/nieuw/")
    page.wait_for_selector(".map.leaflet-container")
    page.fill("#id_name", "Testdorp Oost")
    geometry = draw_rectangle(page)
    assert geometry["type"] == "Polygon" and len(geometry["coordinates"][0]) == 5
    assert page.is_checked("input[name=area_source][value=draw]")
    page.click("button[type=submit].primary")
    page.wait_for_selector("h1:has-text('Testdorp Oost')")
    from apps.groups.models import Group

    group = outside_the_browser_loop(lambda: Group.objects.select_related("area").get(name="Testdorp Oost"))
    assert group.area.area_m2 > 100 and group.area.municipality_id == world.testdorp.pk
    assert page.errors == []


def test_group_form_shows_the_current_outline_for_editing(browser_page, live_server, desk_world):
    world, _application = desk_world
    page = browser_page
    page.set_viewport_size({"width": 1280, "height": 1000})
    log_in(page, live_server, "coordinator")
    page.goto(f"{live_server.url}/beheer/groepen/{world.group_a.pk}/bewerken/")
    page.wait_for_selector(".map.leaflet-container")
    # Two outlines: the group's own (editable) and its neighbour for context.
    assert page.locator(".map path.leaflet-interactive").count() == 2
    assert page.locator(".map .leaflet-pm-icon-edit").count() == 1
    # The editor's buttons can be reached by name, as a screen reader announces them.
    assert page.get_by_role("button", name="Move the corners").count() == 1
    assert page.input_value("#id_geometry") == ""  # nothing changes unless the outline is edited
    assert page.errors == []


def test_without_javascript_no_empty_map_shows(live_server, desk_world):
    _world, application = desk_world
    with running_chromium() as browser:
        page = browser.new_context(java_script_enabled=False, locale="en").new_page()
        log_in(page, live_server, "admin_a")
        page.goto(f"{live_server.url}/beheer/aanmeldingen/{application.pk}/")
        assert not page.locator(".map").is_visible()
        assert not page.locator(".map-legend").is_visible()
        assert page.locator("text=Lives in the group's area").is_visible()  # the checks say it in words
