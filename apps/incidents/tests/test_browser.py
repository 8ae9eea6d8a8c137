"""An admin on a 360 px phone, in Dutch, through the pages only: records an incident by typing
the address, finds the relay's recipients on the incident's page, checks them and sends. The
place can also come from a tap on the map or the phone's location."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from apps.areas import neighbours
from apps.incidents.models import Incident, ProfilingTerm
from apps.relays.models import Relay
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    neighbours.recompute()
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def fill_the_report(page) -> None:
    page.check("#id_police_called")
    page.select_option("#id_category", "suspicious_person")
    page.fill("#id_text", "Man belt aan bij verschillende huizen en vraagt naar de bewoners.")
    page.fill("#id_person_clothing", "grijze jas, blauwe pet")


def test_admin_records_by_address_and_relays_from_the_incident_page(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.admin_a.username)
    page.goto(live_server.url + "/beheer/meldingen/nieuw/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_usable(page, "the incident form")
    fill_the_report(page)
    # Their own group is chosen already; the place is the address they know.
    assert page.input_value("#id_group") == str(world.group_a.pk)
    page.fill("#id_street", "Noordstraat")
    page.fill("#id_house_number", "1")
    page.fill("#id_postcode", "3870")
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/\d+/$")):
        page.locator("form.card button[type=submit].primary").click()
    incident = outside_the_browser_loop(Incident.objects.get)
    assert incident.area_id == world.group_a.area_id

    # The incident's page lists who the relay reaches, one tap from sending.
    main = page.locator("main").inner_text()
    assert world.admin_b.display_name in main and "PZ Testzone" in main
    assert_usable(page, "the incident page with the relay step")
    with page.expect_navigation(url=re.compile(r"/beheer/doorgeven/melding/\d+/\?scope=neighbours")):
        page.locator("a[data-relay-step]").click()
    assert world.admin_b.display_name in page.locator("main").inner_text()
    assert_usable(page, "the relay preview")
    with page.expect_navigation(url=re.compile(r"/beheer/doorgeven/\d+/$")):
        page.locator("form[action$='/versturen/'] button[type=submit]").click()
    relay = outside_the_browser_loop(lambda: Relay.objects.select_related("incident").get())
    assert relay.incident_id == incident.pk and relay.scope == Relay.Scope.NEIGHBOURS
    recipients = outside_the_browser_loop(lambda: set(relay.recipients.values_list("name", flat=True)))
    assert {world.admin_b.display_name, "PZ Testzone"} <= recipients
    assert_usable(page, "the relay's page")


def test_the_place_from_a_tap_on_the_map_or_the_phones_location(browser, live_server, world):
    page = open_page(
        browser,
        width=360,
        locale="nl-BE",
        # In Testdorp Zuid, 220 m from the admin's own area: within the 500 m allowed.
        geolocation={"latitude": 50.748, "longitude": 5.31},
        permissions=["geolocation"],
    )
    log_in(page, live_server, world.admin_a.username)
    page.goto(live_server.url + "/beheer/meldingen/nieuw/")
    the_map = page.locator("[data-incident-place]")
    the_map.scroll_into_view_if_needed()
    assert the_map.is_visible()
    # A tap on the map puts the pin there.
    the_map.click(position={"x": 60, "y": 60})
    assert page.input_value("input[name=lat]") and page.input_value("input[name=lon]")
    assert page.locator("#place-status").inner_text()
    assert_usable(page, "the form with a pin")
    # "Use my location" moves the pin to where the phone is.
    page.click("#place-locate")
    expect(page.locator("input[name=lat]")).to_have_value("50.748")
    assert page.input_value("input[name=lon]") == "5.31"
    fill_the_report(page)
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/\d+/$")):
        page.locator("form.card button[type=submit].primary").click()
    incident = outside_the_browser_loop(Incident.objects.get)
    assert (incident.lat, incident.lon) == (50.748, 5.31) and incident.area_id == world.group_b.area_id
    assert page.errors == []


def test_a_coordinator_keeps_the_municipalitys_words_on_a_phone(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in(page, live_server, world.coordinator.username)
    page.goto(live_server.url + "/beheer/meldingen/")
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/woorden/$")):
        page.locator("a[href$='/meldingen/woorden/']").click()
    assert_usable(page, "the word list")
    page.fill("#id_term", "kermisvolk*")
    with page.expect_navigation():
        page.locator("form.card button[type=submit].primary").click()
    assert "kermisvolk*" in page.locator("main").inner_text()
    assert_usable(page, "the word list with a word")
    assert outside_the_browser_loop(lambda: list(ProfilingTerm.objects.values_list("term", flat=True))) == [
        "kermisvolk*"
    ]
