"""A French-speaking resident on a phone (360 px, fr-BE) walks the journey through the pages
only: search, apply, the confirmation e-mail (in French), the confirmation link, the status
page. Every page is checked as a person meets it (axe-core, no sideways scroll, no script
error)."""

from __future__ import annotations

import re

import pytest

from apps.applications.models import Application
from apps.messaging.models import OutgoingMessage
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

# Words the English confirmation e-mail opens with; the French one has none of them.
ENGLISH = ("Dear", "Confirm your", "You applied", "Follow your application", "If you did not apply")


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def test_a_french_speaking_resident_applies_on_a_phone(browser, live_server, world):
    page = open_page(browser, width=360, locale="fr-BE")

    # The home page, in French because the browser asks for it.
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_usable(page, "home")
    page.fill("input[name=postcode]", "3870")
    page.fill("input[name=house_number]", "1")
    page.locator("form.search-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/zoeken/\?"))
    assert "Testdorp Noord" in page.locator("main").inner_text()
    assert_usable(page, "search result")

    # The application form, carried over from the search.
    page.locator("a[href*='/groepen/testdorp-noord/aanmelden/']").first.click()
    page.wait_for_url(re.compile(r"/aanmelden/"))
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_usable(page, "application form")
    page.fill("input[name=full_name]", "Marie Dubois")
    page.fill("input[name=birth_date]", "1958-11-02")
    page.fill("input[name=phone]", "0470 98 76 54")
    page.fill("input[name=email]", "marie@example.org")
    page.check("input[name=accept_house_rules]")
    page.check("input[name=offers_to_help]")
    page.locator("form.apply-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/aanmelding/verstuurd/"))
    assert_usable(page, "check your e-mail")
    application = outside_the_browser_loop(Application.objects.get)
    assert application.language == "fr" and application.offers_to_help

    # The confirmation e-mail, read from the outgoing messages.
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="application.confirm"))
    assert mail.recipient == "marie@example.org"
    confirm_path = re.search(r"http://testserver(/aanmelding/bevestigen/\S+)", mail.body).group(1)
    status_path = re.search(r"http://testserver(/aanmelding/(?!bevestigen/)[A-Za-z0-9_-]{20,}/)", mail.body).group(1)

    # The link opens a page with a button; pressing it confirms.
    page.goto(live_server.url + confirm_path)
    assert page.locator("html").get_attribute("lang") == "fr"
    assert_usable(page, "confirm")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    outside_the_browser_loop(application.refresh_from_db)
    assert application.status == Application.Status.CONFIRMED
    assert_usable(page, "confirmed")

    # The status page from the e-mail's other link.
    page.goto(live_server.url + status_path)
    assert "Marie Dubois" in page.locator("main").inner_text()
    assert_usable(page, "status")

    # The e-mail was French: no English sentence, and French words (needs the French catalogue).
    text = f"{mail.subject}\n{mail.body}"
    assert not [word for word in ENGLISH if word in text], text
    assert " vous " in text or " votre " in text, text


def test_a_full_group_offers_the_waiting_list_and_the_group_next_door_on_a_phone(browser, live_server, world):
    def fill_group_a():
        from apps.areas import neighbours
        from testkit.world import add_member

        neighbours.recompute()
        world.group_a.capacity = 2
        world.group_a.save()
        add_member(world.group_a, 1)
        add_member(world.group_a, 2)

    outside_the_browser_loop(fill_group_a)
    page = open_page(browser, width=360, locale="fr-BE")
    page.goto(live_server.url + "/groepen/testdorp-noord/aanmelden/?postcode=3870&house_number=1&street=Noordstraat")
    notice = page.locator("#group-full")
    assert notice.is_visible()
    assert notice.locator("a[href='/groepen/testdorp-zuid/']").count() == 1
    assert_usable(page, "full group")
    page.fill("input[name=full_name]", "Marie Dubois")
    page.fill("input[name=town]", "Testdorp")
    page.fill("input[name=birth_date]", "1958-11-02")
    page.fill("input[name=phone]", "0470 98 76 54")
    page.fill("input[name=email]", "marie@example.org")
    page.check("input[name=accept_house_rules]")
    # Without the waiting-list box: told on that box, nothing stored.
    with page.expect_navigation():
        page.locator("form.apply-form button[type=submit]").click()
    assert outside_the_browser_loop(Application.objects.count) == 0
    assert_usable(page, "full group, box not ticked")
    page.check("input[name=waiting_list]")
    page.check("input[name=accept_house_rules]")
    page.locator("form.apply-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/aanmelding/verstuurd/"))
    assert outside_the_browser_loop(Application.objects.count) == 1
