"""The group admin's day in a real browser on a 360 px phone, in Dutch, through the pages only:
logs in, approves the application waiting for them, records an incident by typing its address,
relays it from the incident's page to the neighbouring group and the police; the neighbouring
group's admin opens the link in their message on their own phone and acknowledges; the admin
reloads the relay's page and sees who acknowledged and when. Every page passes
``assert_usable``; the database is read only to check the outcome and to take the link from the
neighbour's message.

Only the setup (a resident's application through the public form's service) uses services."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from apps.applications.models import Application
from apps.areas import neighbours
from apps.incidents.models import Incident
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Relay, RelayRecipient
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import World, build_world

from .helpers import make_application
from .journeys import assert_in_sight, log_in_through_the_page

pytestmark = pytest.mark.browser

REPORT = "Man belt aan bij verschillende huizen en vraagt naar de bewoners."


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen as a Dutch-speaking volunteer sees them: the site's default language."""


@pytest.fixture
def world(transactional_db):
    world = build_world()
    neighbours.recompute()
    return world


@pytest.fixture
def application(world) -> Application:
    """Sent by a resident through the public form, e-mail address confirmed: waiting for the admin."""
    return make_application(
        world.group_a, World.ADDRESS_A, full_name="Anna Noord", phone="0470 11 11 11", email="anna@example.org"
    )


@pytest.fixture
def browser(live_server, world, application):
    """Started after the setup: while it runs, the database is read only outside its loop."""
    with running_chromium() as browser:
        yield browser


def texts() -> dict[str, str]:
    with override("nl"):
        return {
            "acknowledge": gettext("I posted it in my group"),
            "not_yet": gettext("not yet"),
            "acknowledged": gettext("%(done)s of %(total)s recipients acknowledged."),
        }


def row_of(page, name: str):
    """The row of one recipient on the relay's page."""
    return page.locator("main tbody tr", has=page.locator("td", has_text=re.compile(rf"^{re.escape(name)}$")))


def test_admin_approves_records_relays_and_sees_the_acknowledgement(browser, live_server, world, application):
    expected = texts()
    page = open_page(browser, width=360, locale="nl-BE")
    log_in_through_the_page(page, live_server, world.admin_a.username)

    # The desk says an application waits; the admin opens it and approves.
    with page.expect_navigation(url=re.compile(r"/beheer/aanmeldingen/\?")):
        page.locator("main a.button[href^='/beheer/aanmeldingen/?group=']").click()
    assert_usable(page, "the applications waiting")
    with page.expect_navigation(url=re.compile(rf"/beheer/aanmeldingen/{application.pk}/$")):
        page.locator(f"main .items a[href='/beheer/aanmeldingen/{application.pk}/']").click()
    assert "Anna Noord" in page.locator("main h1").inner_text()
    assert_usable(page, "the application")
    approve = page.locator(f"form[action='/beheer/aanmeldingen/{application.pk}/goedkeuren/'] button[type=submit]")
    assert_in_sight(approve, "the approve button")
    with page.expect_navigation(url=re.compile(rf"/beheer/aanmeldingen/{application.pk}/$")):
        approve.click()
    assert page.locator(".notice-success").count() == 1
    assert_usable(page, "the application approved")
    outside_the_browser_loop(application.refresh_from_db)
    assert application.status == Application.Status.APPROVED
    assert outside_the_browser_loop(lambda: Member.objects.get(group=world.group_a).full_name) == "Anna Noord"

    # Later that day: an incident, recorded by the address the admin knows.
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/$")):
        page.locator("nav.desk-nav a[href='/beheer/meldingen/']").click()
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/nieuw/$")):
        page.locator("main a.button[href='/beheer/meldingen/nieuw/']").click()
    assert_usable(page, "the incident form")
    page.check("#id_police_called")
    page.select_option("#id_category", "suspicious_person")
    page.fill("#id_text", REPORT)
    page.fill("#id_person_clothing", "grijze jas, blauwe pet")
    assert page.input_value("#id_group") == str(world.group_a.pk)  # their own group, chosen already
    page.fill("#id_street", "Noordstraat")
    page.fill("#id_house_number", "1")
    page.fill("#id_postcode", "3870")
    with page.expect_navigation(url=re.compile(r"/beheer/meldingen/\d+/$")):
        page.locator("form.card button[type=submit].primary").click()
    incident = outside_the_browser_loop(Incident.objects.get)
    assert incident.area_id == world.group_a.area_id and incident.text == REPORT
    assert_usable(page, "the incident recorded")

    # ... relays it from the incident's page: the neighbouring group's admin and the police.
    relay_step = page.locator("a[data-relay-step]")
    assert_in_sight(relay_step, "the relay step")
    with page.expect_navigation(url=re.compile(rf"/beheer/doorgeven/melding/{incident.pk}/\?scope=neighbours")):
        relay_step.click()
    assert world.admin_b.display_name in page.locator("main").inner_text()
    assert_usable(page, "the relay's recipients")
    with page.expect_navigation(url=re.compile(r"/beheer/doorgeven/\d+/$")):
        page.locator("form[action$='/versturen/'] button[type=submit]").click()
    relay = outside_the_browser_loop(lambda: Relay.objects.get(incident=incident))
    total = outside_the_browser_loop(relay.recipients.count)
    assert page.locator("main").get_by_text(expected["acknowledged"] % {"done": 0, "total": total}).count() == 1
    assert_in_sight(row_of(page, world.admin_b.display_name).get_by_text(expected["not_yet"]), "not acknowledged yet")
    # Delivery in words of the page's language, not the codes the database keeps.
    codes = re.compile(r"\b(queued|sending|sent|failed|cancelled|no_channel|email|whatsapp)\b")
    assert not codes.search(page.locator("main tbody").inner_text())
    assert_usable(page, "the relay's page")

    # The neighbouring admin opens the link in their message on their own phone and acknowledges.
    message = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="relay", user_id=world.admin_b.pk))
    link = re.search(r"http://testserver(/doorgegeven/[^/\s]+/)", message.body).group(1)
    neighbour = open_page(browser, width=360, locale="nl-BE")
    neighbour.goto(live_server.url + link)
    assert REPORT in neighbour.locator("main").inner_text()
    assert_usable(neighbour, "the relayed incident, for the neighbour")
    with neighbour.expect_navigation():
        neighbour.get_by_role("button", name=expected["acknowledge"]).click()
    assert_usable(neighbour, "acknowledged, for the neighbour")
    recipient = outside_the_browser_loop(lambda: RelayRecipient.objects.get(relay=relay, user=world.admin_b))
    assert recipient.acknowledged_at is not None

    # The admin reloads the relay's page: who acknowledged, and when.
    page.reload()
    assert page.locator("main").get_by_text(expected["acknowledged"] % {"done": 1, "total": total}).count() == 1
    row = row_of(page, world.admin_b.display_name)
    assert_in_sight(row.locator("td", has_text=re.compile(rf"^{re.escape(world.admin_b.display_name)}$")), "who")
    when = timezone.localtime(recipient.acknowledged_at).strftime("%H:%M")
    assert_in_sight(row.locator(".badge.ok", has_text=when), "when they acknowledged")
    assert row.get_by_text(expected["not_yet"]).count() == 0
    assert_usable(page, "the relay's page with the acknowledgement")
