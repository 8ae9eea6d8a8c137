"""On a phone (360 px), in Dutch and in French, through the pages as a resident goes: a Belgian
box number typed as they write it ("bus 2", "boîte 2") finds their group; a request to start a
group reaches the coordinators in their own language and the resident in theirs, and the same
request sent again is not sent twice. Every page axe-core clean, no sideways scroll."""

from __future__ import annotations

import re

import pytest

from apps.addresses.models import Address
from apps.groups.models import GroupRequest
from apps.messaging.models import OutgoingMessage
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

LANGUAGES = [("nl", "nl-BE", "bus 2"), ("fr", "fr-BE", "boîte 2")]


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


@pytest.mark.parametrize("language, locale, box", LANGUAGES)
def test_a_box_number_as_residents_write_it_finds_their_group(browser, live_server, world, language, locale, box):
    # The register writes the box as a bare number, as the Belgian address registers do.
    outside_the_browser_loop(
        lambda: Address.objects.create(
            country="BE",
            postcode="3870",
            house_number=1,
            addition="2",
            street="Noordstraat",
            town="Testdorp",
            lon=5.31,
            lat=50.755,
            municipality=world.testdorp,
        )
    )
    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#search_postcode", "3870")
    page.fill("#search_house_number", "1")
    page.fill("#search_addition", box)
    page.locator("main form.search-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/zoeken/\?"))
    main = page.locator("main").inner_text()
    assert "Testdorp Noord" in main and "Noordstraat 1 bus 2" in main
    assert_usable(page, f"search result for {box}")

    # A box the register does not have: named as the resident wrote it, in their language.
    page.fill("#search_addition", box.replace("2", "9"))
    page.locator("main form.search-form button[type=submit]").first.click()
    page.wait_for_selector(".error-summary")
    assert "bus 9" in page.locator(".error-summary").inner_text()
    assert_usable(page, "an unknown box")


@pytest.mark.parametrize("language, locale, _box", LANGUAGES)
def test_a_request_to_start_a_group_is_written_to_each_in_their_language_and_sent_once(
    browser, live_server, world, language, locale, _box
):
    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/")
    page.fill("#search_postcode", "3871")
    page.fill("#search_house_number", "5")
    page.locator("main form.search-form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/zoeken/\?"))
    page.locator("main a[href^='/groep-starten/']").click()
    page.wait_for_url(re.compile(r"/groep-starten/\?"))
    assert page.input_value("#id_postcode") == "3871"
    assert_usable(page, "start a group")
    page.fill("#id_full_name", "Els Jacobs")
    page.fill("#id_email", "els.jacobs@example.org")
    page.fill("#id_phone", "0470 99 88 77")
    page.locator("main form.start-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/groep-starten/verstuurd/$"))
    first = page.locator("main").inner_text()
    assert "els.jacobs@example.org" in first
    assert_usable(page, "request sent")

    # Back to the form, and the same request sent again (a second tap, a doubt).
    page.go_back()
    page.wait_for_url(re.compile(r"/groep-starten/\?"))
    if not page.input_value("#id_full_name"):
        page.fill("#id_full_name", "Els Jacobs")
        page.fill("#id_email", "els.jacobs@example.org")
        page.fill("#id_phone", "0470 99 88 77")
    page.locator("main form.start-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/groep-starten/verstuurd/$"))
    again = page.locator("main").inner_text()
    assert again != first and "els.jacobs@example.org" in again
    assert_usable(page, "request sent again")

    def sent():
        return (
            GroupRequest.objects.count(),
            GroupRequest.objects.get().language,
            {m.recipient: m.language for m in OutgoingMessage.objects.filter(topic__startswith="group_request.")},
        )

    count, asked_in, languages = outside_the_browser_loop(sent)
    assert count == 1 and asked_in == language
    # The coordinator of Testdorp reads it in Dutch; the resident in the language they asked in.
    assert languages == {world.coordinator.email: "nl", "els.jacobs@example.org": language}
