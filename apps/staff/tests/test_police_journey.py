"""The police officer's day in a real browser on a 360 px phone, through the pages only: logs in,
reads the contacts of the admins of the zone's groups (name, phone to tap, e-mail) without
scrolling sideways, opens an incident an admin reported in the zone, closes it with feedback,
and sends a message to the admins of the zone. In Dutch, and in French for an officer in
Wallonia. Every page passes ``assert_usable``; the database is read only to check the outcome.

Only the setup (the admin's report) goes through the services."""

from __future__ import annotations

import re

import pytest
from django.utils.translation import gettext, ngettext, override

from apps.accounts.models import User
from apps.incidents.models import Incident
from apps.incidents.tests.helpers import report
from apps.relays.models import Broadcast
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

from .journeys import assert_in_sight, log_in_through_the_page

pytestmark = pytest.mark.browser

# An admin whose name and e-mail address are as long as real ones get.
LONG_NAME = ("Marie-Christine", "Vandenbroucke-Verhaegen")
LONG_EMAIL = "marie-christine.vandenbroucke-verhaegen@buurtpreventie-testdorp-zuid.example.be"
FEEDBACK = "Patrouille ter plaatse geweest; de bestelwagen is gecontroleerd en in orde bevonden."


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen in the officer's own language, not the desk tests' English."""


@pytest.fixture
def world(transactional_db):
    world = build_world()
    User.objects.filter(pk=world.admin_b.pk).update(first_name=LONG_NAME[0], last_name=LONG_NAME[1], email=LONG_EMAIL)
    world.admin_b.refresh_from_db()
    return world


@pytest.fixture
def incident(world) -> Incident:
    """Reported by the admin of group A, in the zone, before the officer's day begins."""
    return report(world)


@pytest.fixture
def browser(live_server, world, incident):
    """Started after the setup: while it runs, the database is read only outside its loop."""
    with running_chromium() as browser:
        yield browser


def texts(language: str) -> dict[str, str]:
    with override(language):
        return {
            "feedback_saved": gettext("Your feedback was saved; the group's admins are told."),
            "closed": str(Incident.Status.CLOSED.label),
            "sent": gettext("The message was queued for %(admins)s admins and %(members)s members.")
            % {"admins": 3, "members": 0},
            "reaches": ngettext("%(n)s group admin", "%(n)s group admins", 3) % {"n": 3},
        }


def read_the_contacts(page, world) -> None:
    """Every admin of the zone's groups: name, phone as a link to call, e-mail, all in sight."""
    main = page.locator("main")
    for admin in (world.admin_a, world.co_admin_a, world.admin_b):
        strong = page.locator("strong", has_text=re.compile(rf"^{re.escape(admin.display_name)}$"))
        contact = main.locator(".admin-contacts li", has=strong)
        assert_in_sight(contact.locator(strong), f"the name of {admin.username}")
        assert_in_sight(contact.locator(f"a[href='tel:{admin.phone}']"), f"the phone of {admin.username}")
        assert_in_sight(contact.locator(f"a[href='mailto:{admin.email}']"), f"the e-mail of {admin.username}")
    assert "Testdorp Noord" in main.inner_text() and "Testdorp Zuid" in main.inner_text()
    assert "Grensstad Centrum" not in main.inner_text()  # not their zone


@pytest.mark.parametrize(("locale", "language"), [("nl-BE", "nl"), ("fr-BE", "fr")], ids=["dutch", "french"])
def test_police_officer_reads_contacts_closes_an_incident_and_broadcasts(
    browser, live_server, world, incident, locale, language
):
    expected = texts(language)
    page = open_page(browser, width=360, locale=locale)
    log_in_through_the_page(page, live_server, world.police.username, lang=language)

    # The desk names the zone and leads to the groups and their admins.
    assert "PZ Testzone" in page.locator("main").inner_text()
    with page.expect_navigation(url=re.compile(r"/beheer/politie/$")):
        page.locator("main section a.button[href='/beheer/politie/']").click()
    assert page.locator("html").get_attribute("lang") == language
    assert_usable(page, "the police overview")
    read_the_contacts(page, world)

    # The incident the admin reported, from the incidents of the zone.
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/$")):
        page.locator("nav.desk-nav a[href='/beheer/meldingen/']").click()
    assert_usable(page, "the incidents of the zone")
    with page.expect_navigation(url=re.compile(rf"/beheer/meldingen/{incident.pk}/$")):
        page.locator(f"main a[href='/beheer/meldingen/{incident.pk}/']").click()
    assert "Wagen rijdt traag door de straat" in page.locator("main").inner_text()
    assert_usable(page, "the incident")

    # ... closes it with feedback for the admins.
    feedback = page.locator(f"form[action='/beheer/meldingen/{incident.pk}/terugkoppeling/']")
    feedback.locator("textarea[name=feedback]").fill(FEEDBACK)
    feedback.locator("input[name=close]").check()
    with page.expect_navigation(url=re.compile(rf"/beheer/meldingen/{incident.pk}/$")):
        feedback.locator("button[type=submit]").click()
    assert expected["feedback_saved"] in page.locator(".notice-success").inner_text()
    assert page.locator("main .meta .badge.status-closed").inner_text() == expected["closed"]
    assert FEEDBACK in page.locator("main .details").inner_text()
    assert page.locator("form[action$='/terugkoppeling/']").count() == 0  # closed: nothing more to send
    assert_usable(page, "the closed incident")
    outside_the_browser_loop(incident.refresh_from_db)
    assert incident.status == Incident.Status.CLOSED and incident.police_feedback == FEEDBACK
    assert incident.closed_by_id == world.police.pk

    # ... and writes to every admin of the zone: first who receives it, then send.
    page.locator("main p.back a").click()
    page.wait_for_url(re.compile(r"/beheer/meldingen/$"))
    with page.expect_navigation(url=re.compile(r"/beheer/doorgeven/bericht/$")):
        page.locator("main a[href='/beheer/doorgeven/bericht/']").click()
    assert_usable(page, "the message form")
    page.locator("input[name=urgency][value=green]").check()
    page.select_option("select[name=zone]", label="PZ Testzone")
    page.fill("input[name=subject]", "Inbraakgolf in Testdorp")
    page.fill("textarea[name=text]", "Sluit ramen en deuren, ook overdag. Meld verdachte bestelwagens.")
    with page.expect_navigation():
        page.locator("main form button[type=submit].primary").click()
    preview = page.locator("#preview")
    assert_in_sight(preview.locator("p").first, "who receives the message")
    assert expected["reaches"] in preview.locator("p").first.inner_text()
    assert outside_the_browser_loop(Broadcast.objects.count) == 0  # nothing sent yet
    assert_usable(page, "the message with its recipients")
    with page.expect_navigation():
        page.locator("main form button[name=send]").click()
    assert expected["sent"] in page.locator(".notice-success").inner_text()
    sent = page.locator("main section[aria-labelledby=sent]")
    for admin in (world.admin_a, world.co_admin_a, world.admin_b):
        name = sent.locator("td", has_text=re.compile(rf"^{re.escape(admin.display_name)}$"))
        assert_in_sight(name, f"{admin.username} among the recipients")
    assert_usable(page, "the message sent")

    broadcast = outside_the_browser_loop(
        lambda: Broadcast.objects.prefetch_related("recipients").get(created_by=world.police)
    )
    assert (broadcast.scope, broadcast.zone_id, broadcast.urgency) == ("zone", world.zone.pk, "green")
    assert broadcast.subject == "Inbraakgolf in Testdorp"
    assert {r.user_id for r in broadcast.recipients.all()} == {world.admin_a.pk, world.co_admin_a.pk, world.admin_b.pk}
