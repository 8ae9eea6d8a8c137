"""On a phone (360 px): the admin's list with the waiting list of a full group, and the page
where a staff member chooses the language of their messages, reached from the desk."""

from __future__ import annotations

import re

import pytest

from apps.accounts.models import User
from apps.applications import services
from apps.applications.forms import ApplicationForm
from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
from testkit.world import PASSWORD, World, add_member, application_data, build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    world = build_world()
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    add_member(world.group_a, 2)
    for n, name in enumerate(["Eerste Wachter", "Tweede Wachter"]):
        data = application_data(World.ADDRESS_A, full_name=name, phone=f"0470 9{n} 00 00", waiting_list="on")
        form = ApplicationForm(data, country="BE")
        assert form.is_valid(), form.errors
        services.confirm(services.confirmation_token(services.submit(world.group_a, form.cleaned_data).application))
    return world


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def test_waiting_list_and_message_language_on_a_phone(browser, live_server, world):
    page = open_page(browser, width=360, locale="nl-BE")
    page.goto(live_server.url + "/beheer/aanmeldingen/")
    page.wait_for_url(re.compile(r"/account/inloggen/"))
    page.fill("input[name=username]", world.admin_a.username)
    page.fill("input[name=password]", PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    section = page.locator("#waiting-lists").locator("xpath=..")
    text = section.inner_text()
    assert text.index("Eerste Wachter") < text.index("Tweede Wachter")
    assert_usable(page, "applications with a waiting list")

    # The desk links to the language of messages.
    page.locator(".desk-nav a[href='/account/taal/']").click()
    page.wait_for_url(re.compile(r"/account/taal/$"))
    assert_usable(page, "language of messages")
    page.locator("input[name=language][value=fr]").check()
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert outside_the_browser_loop(lambda: User.objects.get(pk=world.admin_a.pk).language) == "fr"
    assert_usable(page, "language saved")
