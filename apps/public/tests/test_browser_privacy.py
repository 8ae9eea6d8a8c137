"""A resident on a phone (360 px), in Dutch and in French, opens the privacy page from the
application form and reads how long their details are kept: the page is usable as a person
meets it (axe-core, no sideways scroll, no script error) and shows the municipality's periods."""

from __future__ import annotations

import pytest

from testkit.browser import assert_usable, open_page, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    world.testdorp.retention_members_days = 92
    world.testdorp.save()
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


@pytest.mark.parametrize(("locale", "language"), [("nl-BE", "nl"), ("fr-BE", "fr")])
def test_a_resident_reads_the_privacy_page_from_the_application_form(browser, live_server, world, locale, language):
    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/groepen/testdorp-noord/aanmelden/")
    assert page.locator("html").get_attribute("lang") == language
    assert_usable(page, "application form")

    link = page.locator("a[href='/privacy/testdorp/']")
    link.scroll_into_view_if_needed()
    link.click()
    page.wait_for_url(live_server.url + "/privacy/testdorp/")
    assert page.locator("html").get_attribute("lang") == language
    assert_usable(page, "privacy page")
    assert page.locator("[data-kind=members]").inner_text().startswith("92")
    assert page.locator("[data-kind=applications]").inner_text().startswith("30")
    assert page.locator("h1").inner_text().endswith("Testdorp")

    # The footer leads to the general page, with every municipality's own periods.
    page.locator("footer a[href='/privacy/']").click()
    page.wait_for_url(live_server.url + "/privacy/")
    assert_usable(page, "general privacy page")
    assert page.locator("a[href='/privacy/grensstad/']").count() == 1
