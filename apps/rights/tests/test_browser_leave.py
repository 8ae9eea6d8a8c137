"""Leaving a group through the link to one's own data, on a phone (360 px), in Dutch and in
French: the tap on "Leave" asks first, "Back to my data" changes nothing, and only the
confirmation leaves. Every page axe-core clean, no sideways scroll."""

from __future__ import annotations

import re

import pytest

from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.rights import services as rights
from apps.rights.models import WhatsAppRemoval
from testkit.browser import assert_usable, open_page, outside_the_browser_loop

# The same world and browser as the other rights journeys.
from .test_browser_rights import EMAIL, LANGUAGES, _apply, browser, world  # noqa: F401, F811

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("language, locale", LANGUAGES)
def test_leaving_a_group_asks_first(browser, live_server, world, language, locale):  # noqa: F811
    member = outside_the_browser_loop(
        lambda: _apply(world, language, full_name="Els Noord", email=EMAIL, phone="0470 55 55 55")
    )
    page = open_page(browser, width=360, locale=locale)
    page.goto(live_server.url + "/mijn-gegevens/")
    page.fill("#id_email", EMAIL)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/mijn-gegevens/verstuurd/$"))
    mail = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic=rights.TOPIC))
    path = re.search(r"http://testserver(/mijn-gegevens/[A-Za-z0-9_-]{30,}/)", mail.body).group(1)
    page.goto(live_server.url + path)
    assert_usable(page, "my data")

    def still_a_member():
        return Member.objects.get(pk=member.pk).left_at is None and not WhatsAppRemoval.objects.exists()

    # The tap on "Leave": a question naming the group, nothing changed yet.
    page.locator(f"main a[href='{path}verlaten/{member.pk}/']").click()
    page.wait_for_url(re.compile(r"/verlaten/\d+/$"))
    assert page.locator("html").get_attribute("lang") == language
    assert "Testdorp Noord" in page.locator("h1").inner_text()
    assert_usable(page, "leave: the question")
    assert outside_the_browser_loop(still_a_member)

    # Back to the data: still a member.
    page.locator(f"main a[href='{path}']").click()
    page.wait_for_url(re.compile(r"/mijn-gegevens/[A-Za-z0-9_-]{30,}/$"))
    assert outside_the_browser_loop(still_a_member)

    # Asked again and confirmed: left, and the admin is asked to remove the number.
    page.locator(f"main a[href='{path}verlaten/{member.pk}/']").click()
    page.wait_for_url(re.compile(r"/verlaten/\d+/$"))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/mijn-gegevens/[A-Za-z0-9_-]{30,}/$"))
    assert page.locator("[role=status] .notice").count() == 1
    assert_usable(page, "left the group")
    assert outside_the_browser_loop(lambda: Member.objects.get(pk=member.pk).left_at is not None)
    assert outside_the_browser_loop(lambda: WhatsAppRemoval.objects.count()) == 1
    assert page.locator(f"main a[href='{path}verlaten/{member.pk}/']").count() == 0
