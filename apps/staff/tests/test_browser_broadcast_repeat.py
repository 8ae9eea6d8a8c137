"""A police officer on a 360 px phone, in Dutch, sends a message to the admins of the zone; the
form reaches the server twice (a double click), and later the officer sends the same message
again from a new form. One broadcast goes out, and the page says the message was sent already
and when. Every page passes ``assert_usable``; the database is read only to check the outcome.

The double click is made certain: the browser's one submission is passed to the server twice,
and the page shows the answer to the second, as after a real double click."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

from .journeys import log_in_through_the_page

pytestmark = pytest.mark.browser

SUBJECT = "Inbraakgolf in Testdorp"
TEXT = "Sluit ramen en deuren, ook overdag."


@pytest.fixture(autouse=True)
def _english():
    """These pages are seen in the officer's own language (Dutch), not the desk tests' English."""


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def fill_and_check(page) -> None:
    """The message to the zone's admins, up to the count of who receives it."""
    page.locator("input[name=urgency][value=red]").check()
    page.select_option("select[name=zone]", label="PZ Testzone")
    page.fill("input[name=subject]", SUBJECT)
    page.fill("textarea[name=text]", TEXT)
    with page.expect_navigation():
        page.locator("main form button[type=submit].primary").click()
    page.wait_for_selector("#preview")


def outcome() -> tuple[int, int, object]:
    broadcast = Broadcast.objects.first()
    return Broadcast.objects.count(), OutgoingMessage.objects.count(), broadcast


def sent_at(broadcast) -> str:
    return timezone.localtime(broadcast.created_at).strftime("%H:%M:%S")


def test_the_form_sent_twice_makes_one_broadcast_and_the_officer_is_told(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    log_in_through_the_page(page, live_server, world.police.username)
    page.goto(live_server.url + "/beheer/doorgeven/bericht/")
    assert page.locator("html").get_attribute("lang") == "nl"
    assert_usable(page, "the message form")
    fill_and_check(page)
    assert_usable(page, "who receives the message")

    # A double click: the form's POST reaches the server twice, the page shows the second answer.
    posts = []

    def twice(route):
        if route.request.method == "POST" and "send=1" in (route.request.post_data or ""):
            posts.append(route.fetch().status)
            response = route.fetch()
            posts.append(response.status)
            route.fulfill(response=response)
        else:
            route.continue_()

    page.route(re.compile(r"/beheer/doorgeven/bericht/$"), twice)
    with page.expect_navigation():
        page.locator("main form button[name=send]").click()
    page.unroute(re.compile(r"/beheer/doorgeven/bericht/$"))
    assert posts == [200, 200]
    broadcasts, messages, broadcast = outside_the_browser_loop(outcome)
    assert (broadcasts, messages) == (1, 3)  # admin and co-admin of A, admin of B: once each
    notice = page.locator(".notice-warning")
    assert notice.count() == 1 and sent_at(broadcast) in notice.inner_text()
    sent = page.locator("main section[aria-labelledby=sent]")
    assert "PZ Testzone" in sent.inner_text() and "Admin_A" in sent.inner_text()
    assert_usable(page, "the message sent, the second time told it went already")

    # Not sure it went: the officer writes the same message again in the new form and sends it.
    fill_and_check(page)
    assert_usable(page, "the same message, checked again")
    with page.expect_navigation():
        page.locator("main form button[name=send]").click()
    assert (outside_the_browser_loop(outcome))[:2] == (1, 3)
    assert sent_at(broadcast) in page.locator(".notice-warning").inner_text()
    assert page.locator(".notice-success").count() == 0
    assert_usable(page, "the same message sent again, told it went already")

    # The list under the form holds the one broadcast; its page shows each admin's message.
    earlier = page.locator("main section[aria-labelledby=recent] tbody tr")
    assert earlier.count() == 1 and SUBJECT in earlier.inner_text()
    with page.expect_navigation(url=re.compile(rf"/beheer/doorgeven/bericht/{broadcast.pk}/$")):
        earlier.locator("a").click()
    assert page.locator("main h1").inner_text() == SUBJECT
    assert page.locator("main section[aria-labelledby=sent] tbody tr").count() == 3
    assert_usable(page, "the page of the message")
