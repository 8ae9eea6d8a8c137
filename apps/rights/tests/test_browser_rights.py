"""The residents' rights and the phone confirmation in a browser, on a phone (360 px), in Dutch
and in French, walked through the pages as a person does: a resident asks for the link, opens it
from the e-mail, downloads their data and erases it; the group's admin sees the removal task on
the desk and confirms it. A member confirms their phone number with the code from the SMS.
Every page: axe-core clean, no sideways scroll, no script error."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.audit.models import AuditEvent
from apps.members import confirmation
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.rights import services as rights
from apps.rights.models import WhatsAppRemoval
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.cache import clear as clear_cache
from testkit.world import World, add_member, application_data, build_world

pytestmark = pytest.mark.browser

EMAIL = "els.noord@example.org"
LANGUAGES = [("nl", "nl-BE"), ("fr", "fr-BE")]


@pytest.fixture
def world(transactional_db):
    clear_cache(cache)
    yield build_world()
    clear_cache(cache)


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def _apply(world: World, language: str, **data) -> Member:
    form = ApplicationForm(application_data(**data), country="BE")
    assert form.is_valid(), form.errors
    submitted = applications.submit(world.group_a, form.cleaned_data, language=language)
    application = applications.confirm(applications.confirmation_token(submitted.application))
    return applications.approve(application, actor=world.admin_a)


@pytest.mark.parametrize("language, locale", LANGUAGES)
def test_a_resident_downloads_and_erases_their_data_and_the_admin_removes_the_number(
    browser, live_server, world, language, locale
):
    member = outside_the_browser_loop(
        lambda: _apply(world, language, full_name="Els Noord", email=EMAIL, phone="0470 55 55 55")
    )
    other = outside_the_browser_loop(
        lambda: add_member(world.group_a, 6, full_name="Piet Ander", email="piet@example.org")
    )
    page = open_page(browser, width=360, locale=locale)

    # From the footer of the home page to the request form.
    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == language
    page.locator("footer a[href='/mijn-gegevens/']").click()
    page.wait_for_url(re.compile(r"/mijn-gegevens/$"))
    assert_usable(page, "request form")

    # A wrong address first: a clear message, nothing sent.
    page.fill("#id_email", "not-an-address")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert_usable(page, "request form with an error")
    assert outside_the_browser_loop(lambda: not OutgoingMessage.objects.filter(topic=rights.TOPIC).exists())

    page.fill("#id_email", EMAIL.upper())
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/mijn-gegevens/verstuurd/$"))
    assert_usable(page, "check your e-mail")

    # The e-mail, in the language the resident applied in, from the message table.
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic=rights.TOPIC))
    assert mail.recipient == EMAIL and mail.language == language
    path = re.search(r"http://testserver(/mijn-gegevens/[A-Za-z0-9_-]{30,}/)", mail.body).group(1)

    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == language
    main = page.locator("main").inner_text()
    assert "Els Noord" in main and "Testdorp Noord" in main and "+32 470 55 55 55" in main
    assert "Piet Ander" not in main
    assert_usable(page, "my data")

    # The download: everything in one JSON file.
    with page.expect_download() as caught:
        page.locator("button[name=format][value=json]").click()
    data = json.loads(Path(caught.value.path()).read_text(encoding="utf-8"))
    assert [m["full_name"] for m in data["memberships"]] == ["Els Noord"]
    assert [a["status"] for a in data["applications"]] == ["approved"]
    assert "Piet Ander" not in json.dumps(data)
    assert (
        outside_the_browser_loop(
            lambda: AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_DATA_DOWNLOADED).count()
        )
        == 1
    )

    # Erase: a confirm step; without the box ticked nothing happens.
    page.locator(f"a[href='{path}wissen/']").click()
    page.wait_for_url(re.compile(r"/wissen/$"))
    assert_usable(page, "erase: confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector(".error-summary")
    assert_usable(page, "erase: box not ticked")
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).erased_at is None)
    page.check("#id_confirm")
    page.locator("main form button[type=submit]").click()
    page.wait_for_selector("[role=status]")
    assert_usable(page, "erased")

    def erased():
        gone = Member.objects.get(pk=member.pk)
        return gone.erased_at is not None and gone.full_name == "" and gone.phone == "" and gone.left_at is not None

    assert outside_the_browser_loop(erased)
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=other.pk).full_name) == "Piet Ander"
    # The used link opens nothing any more.
    response = page.goto(live_server.url + path)
    assert response.status == 410
    assert_usable_ignoring_status(page, "used link")

    # The admin of the group sees the task on the desk and confirms it.
    desk = open_page(browser, width=360, locale=locale)
    log_in(desk, live_server, "admin_a")
    task = desk.locator("#whatsapp-removals").locator("..")
    assert "+32 470 55 55 55" in task.inner_text()
    assert_usable(desk, "desk with the removal")
    task.locator("form button[type=submit]").first.click()
    desk.wait_for_url(live_server.url + "/beheer/")
    assert desk.locator("#whatsapp-removals").count() == 0
    assert_usable(desk, "desk after the removal")
    done = outside_the_browser_loop(lambda: WhatsAppRemoval.objects.get())
    assert done.done_at is not None and done.phone == ""


def assert_usable_ignoring_status(page, what: str) -> None:
    """A link page answered 404/410 on purpose: that response is the page itself, not a broken
    resource."""
    page.errors[:] = [e for e in page.errors if not re.match(r"^(404|410) .*/mijn-gegevens/", e)]
    assert_usable(page, what)


@pytest.mark.parametrize("language, locale", LANGUAGES)
def test_a_member_confirms_their_phone_with_the_code_from_the_sms(
    browser, live_server, world, settings, language, locale
):
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    member = outside_the_browser_loop(lambda: _apply(world, language, alerts_opt_in="on", phone="0470 55 55 55"))
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic=confirmation.LINK_TOPIC))
    assert mail.language == language
    path = re.search(r"http://testserver(/nummer-bevestigen/[A-Za-z0-9_-]{30,}/)", mail.body).group(1)
    sms = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic=confirmation.CODE_TOPIC))
    assert sms.channel == "sms" and sms.recipient == "+32470555555"
    code = re.search(r"\b(\d{6})\b", sms.body).group(1)

    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + path)
    assert page.locator("html").get_attribute("lang") == language
    assert "+32 470 55 55 55" in page.locator("main").inner_text()
    assert_usable(page, "confirm the phone")

    page.fill("#id_code", "000000" if code != "000000" else "111111")
    page.locator("button[value=confirm]").click()
    page.wait_for_selector(".error-summary")
    assert_usable(page, "a wrong code")
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).phone_confirmed_at) is None

    page.fill("#id_code", code[:3] + " " + code[3:])
    page.locator("button[value=confirm]").click()
    page.wait_for_selector("main [role=status]")
    assert_usable(page, "confirmed")
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).phone_confirmed_at) is not None
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).phone_confirmed_at) <= timezone.now()
