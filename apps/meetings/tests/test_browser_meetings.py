"""In a real browser at 360 px, through the pages only: the coordinator (Dutch) plans an
information evening for two people on the desk; three residents (French) answer from the map
page and the municipality's list; the third goes onto the waiting list; the first cancels through
the link of their e-mail (the mailbox), and the third moves up and is told by e-mail.
axe-core clean and no sideways scroll at each step."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.utils import timezone

from apps.meetings.models import Meeting, Participant
from apps.messaging.models import OutgoingMessage
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

pytestmark = pytest.mark.browser

TITLE = "Infoavond WhatsApp-buurtpreventie"


@pytest.fixture
def world(transactional_db):
    return build_world()


def coordinator_plans(browser, live_server, username: str):
    page = open_page(browser, locale="nl-BE")
    log_in(page, live_server, username)
    page.locator("a[href='/beheer/bijeenkomsten/']").first.click()
    page.wait_for_url("**/beheer/bijeenkomsten/")
    assert_usable(page, "the meetings on the desk")
    page.locator("a[href='/beheer/bijeenkomsten/nieuw/']").click()
    page.wait_for_url("**/beheer/bijeenkomsten/nieuw/")
    assert page.evaluate("document.documentElement.lang") == "nl"
    assert_usable(page, "the form of a new meeting")
    start = timezone.localtime() + dt.timedelta(days=5)
    page.select_option("#id_kind", "information_evening")
    page.fill("#id_title", TITLE)
    page.fill("#id_place", "Gemeentehuis, Markt 1, 3870 Testdorp")
    page.fill("#id_starts_at", start.strftime("%Y-%m-%dT19:30"))
    page.fill("#id_ends_at", start.strftime("%Y-%m-%dT21:30"))
    page.fill("#id_capacity", "2")
    with page.expect_navigation():
        page.locator("main form.card button[type=submit]").click()
    assert "/beheer/bijeenkomsten/" in page.url and "nieuw" not in page.url
    assert_usable(page, "the meeting's page on the desk")
    return page


def resident_answers(browser, live_server, n: int, *, start: str) -> object:
    page = open_page(browser, locale="fr-BE")
    page.goto(live_server.url + start)
    assert_usable(page, f"the page the evening is listed on ({start})")
    page.get_by_role("link", name=TITLE).first.click()
    page.wait_for_selector("#id_name")
    assert page.evaluate("document.documentElement.lang") == "fr"
    assert_usable(page, f"the evening's page (resident {n})")
    page.fill("#id_name", f"Résident {n}")
    page.fill("#id_email", f"resident{n}@example.org")
    page.check("#id_answer_0")  # yes
    page.fill("#id_people", "1")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert "/mijn-antwoord/" in page.url
    assert_usable(page, f"the answer of resident {n}")
    return page


def open_mail(browser, live_server, recipient: str, topic_subject: str | None = None):
    page = open_page(browser, locale="fr-BE")
    page.goto(live_server.url + "/dev/mailbox/")
    rows = page.locator("tr", has=page.locator(f"td:text-is('{recipient}')"))
    if topic_subject:
        rows = rows.filter(has_text=topic_subject)
    rows.first.locator("a").click()
    link = page.locator("a[href*='/mijn-antwoord/']").first.get_attribute("href")
    page.goto(live_server.url + urlsplit(link).path)
    page.wait_for_selector("#answer-state")
    return page


def test_an_information_evening_fills_up_and_the_waiting_list_moves_up(world, live_server):
    with running_chromium() as browser:
        desk = coordinator_plans(browser, live_server, world.coordinator.username)
        meeting = outside_the_browser_loop(lambda: Meeting.objects.get(title=TITLE))
        assert meeting.capacity == 2 and meeting.municipality_id == world.testdorp.pk

        resident_answers(browser, live_server, 1, start="/")  # from the map page's side
        resident_answers(browser, live_server, 2, start="/bijeenkomsten/testdorp/")
        third = resident_answers(browser, live_server, 3, start="/")

        def answers():
            return dict(Participant.objects.filter(meeting=meeting).values_list("email", "answer"))

        assert outside_the_browser_loop(answers) == {
            "resident1@example.org": "yes",
            "resident2@example.org": "yes",
            "resident3@example.org": "waiting",
        }
        assert outside_the_browser_loop(
            lambda: set(Participant.objects.filter(meeting=meeting).values_list("language", flat=True))
        ) == {"fr"}

        # The first can no longer come: through the link of the e-mail they received.
        first = open_mail(browser, live_server, "resident1@example.org")
        assert_usable(first, "the answer reached from the e-mail")
        first.check("#id_answer_2")  # no
        with first.expect_navigation():
            first.locator("main form button[type=submit]").click()
        assert_usable(first, "the changed answer")
        assert outside_the_browser_loop(answers)["resident3@example.org"] == "yes"
        assert outside_the_browser_loop(answers)["resident1@example.org"] == "no"

        # The third is told, in French, and sees they are expected.
        told = outside_the_browser_loop(
            lambda: list(OutgoingMessage.objects.filter(topic="meeting.moved_up").values_list("recipient", "language"))
        )
        assert told == [("resident3@example.org", "fr")]
        moved = outside_the_browser_loop(lambda: OutgoingMessage.objects.get(topic="meeting.moved_up").subject)
        news = open_mail(browser, live_server, "resident3@example.org", moved)
        assert_usable(news, "the answer after moving up")
        third.reload()
        assert "resident3" not in third.inner_text("main")  # no one else's data on the page

        desk.reload()
        assert desk.inner_text("#count-yes") == "2"
        assert desk.inner_text("#count-waiting") == "0"
        assert desk.inner_text("#count-no") == "1"
        assert_usable(desk, "the answers on the desk")
