"""In a real browser, through the pages only: the admin of an existing WhatsApp group registers
it at 360 px in Dutch, drawing the area by tapping the map; the coordinator (desktop, French)
sees the overlap with the existing groups and accepts; the new admin chooses a password through
the mailbox's link and finds the group on the desk."""

from __future__ import annotations

import pytest

from apps.groups.models import Group, GroupAdmin, GroupRegistration
from testkit.browser import outside_the_browser_loop, running_chromium
from testkit.group_registration import (
    Registrant,
    coordinator_accepts,
    new_admin_sets_password,
    register_existing_group,
)
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db):
    return build_world()


@pytest.fixture
def browser(live_server, world):
    with running_chromium() as browser:
        yield browser


def test_an_existing_group_is_registered_accepted_and_taken_over(browser, live_server, world):
    registrant = Registrant(
        municipality="Testdorp",
        group_name="WhatsApp Buurtpreventie Oost",
        full_name="Greet Oosterlinck",
        email="greet@example.org",
        phone="0470 12 34 56",
    )
    _page, drawn = register_existing_group(browser, live_server, registrant)
    assert drawn["type"] == "Polygon" and len(drawn["coordinates"][0]) == 5
    registration = outside_the_browser_loop(lambda: GroupRegistration.objects.get())
    assert registration.status == "open" and registration.language == "nl"

    coordinator_accepts(
        browser,
        live_server,
        world.coordinator.username,
        registrant.group_name,
        overlapping=(world.group_a.name, world.group_b.name),
    )

    def taken_over():
        group = Group.objects.get(name=registrant.group_name)
        admin = GroupAdmin.objects.select_related("user").get(group=group)
        return group.status, admin.user.email, admin.role

    assert outside_the_browser_loop(taken_over) == ("active", "greet@example.org", "admin")

    new_admin_sets_password(browser, live_server, registrant.email, registrant.group_name)
