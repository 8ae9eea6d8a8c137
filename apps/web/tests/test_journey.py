"""The whole journey in a real browser: a resident finds their group and applies, confirms
the e-mail address, the admin approves on a phone or a desktop, and the resident gets the
WhatsApp invite. The interface is the default one: Dutch."""

from __future__ import annotations

import re

import pytest

from apps.applications.models import Application
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.browser import open_page, outside_the_browser_loop, running_chromium
from testkit.world import PASSWORD, build_world

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize(
    ("resident_view", "admin_view"), [(PHONE, PHONE), (DESKTOP, DESKTOP)], ids=["phone", "desktop"]
)
def test_resident_applies_and_admin_approves(browser, live_server, world, resident_view, admin_view):
    # The resident searches for their address on the home page.
    page = open_page(browser, locale="nl-BE", **resident_view)
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "nl"
    page.fill("input[name=postcode]", "3870")
    page.fill("input[name=house_number]", "1")
    page.locator("form.search-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/zoeken/\?"))
    assert "Testdorp Noord" in page.locator("main").inner_text()
    assert fits(page)

    # ... applies; the search carried the address into the form.
    page.locator("a[href*='/groepen/testdorp-noord/aanmelden/']").first.click()
    page.wait_for_url(re.compile(r"/aanmelden/"))
    assert page.input_value("input[name=postcode]") == "3870"
    assert page.input_value("input[name=street]") == "Noordstraat"
    page.fill("input[name=full_name]", "Maria Janssens")
    page.fill("input[name=birth_date]", "1951-03-08")
    page.fill("input[name=phone]", "0470 12 34 56")
    page.fill("input[name=email]", "maria@example.org")
    page.check("input[name=accept_house_rules]")
    assert fits(page)
    page.locator("form.apply-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/aanmelding/verstuurd/"))
    application = outside_the_browser_loop(Application.objects.get)
    assert application.status == Application.Status.SUBMITTED and application.phone == "+32470123456"

    # ... opens the link in the confirmation e-mail and confirms.
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="application.confirm"))
    confirm_url = re.search(r"http://testserver(/aanmelding/bevestigen/\S+)", mail.body).group(1)
    page.goto(live_server.url + confirm_url)
    outside_the_browser_loop(application.refresh_from_db)
    assert application.status == Application.Status.SUBMITTED  # opening the link changes nothing
    with page.expect_navigation():  # the page after the confirmation, loaded
        page.locator("main form button[type=submit]").click()
    outside_the_browser_loop(application.refresh_from_db)
    assert application.status == Application.Status.CONFIRMED
    assert page.errors == []

    # The admin logs in, sees the application with its checks, and approves it.
    desk = open_page(browser, locale="nl-BE", **admin_view)
    desk.goto(live_server.url + "/beheer/")
    desk.wait_for_url(re.compile(r"/account/inloggen/"))
    desk.fill("input[name=username]", world.admin_a.username)
    desk.fill("input[name=password]", PASSWORD)
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url(re.compile(r"/beheer/$"))
    desk.goto(live_server.url + f"/beheer/aanmeldingen/{application.pk}/")
    assert "Maria Janssens" in desk.locator("main").inner_text()
    assert fits(desk)
    # the answer comes back to the same address: wait for that navigation, not for the address
    with desk.expect_navigation(url=re.compile(rf"/beheer/aanmeldingen/{application.pk}/$")):
        desk.locator(f"form[action$='/aanmeldingen/{application.pk}/goedkeuren/'] button[type=submit]").click()
    outside_the_browser_loop(application.refresh_from_db)
    assert application.status == Application.Status.APPROVED
    assert outside_the_browser_loop(Member.objects.get).full_name == "Maria Janssens"
    welcome = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="application.approved"))
    assert welcome.recipient == "maria@example.org" and world.group_a.invite_link in welcome.body
    assert desk.errors == []
