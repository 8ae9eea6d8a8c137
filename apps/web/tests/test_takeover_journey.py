"""The municipality takes over an existing WhatsApp group, from its registration on the public
site to its first confirmed member, in a real browser and through the pages only:

1. the group's admin registers it at 360 px in Dutch, drawing the area on the map;
2. the coordinator (desktop, French) sees the overlaps and accepts it;
3. the new admin chooses a password from the mailbox's link and finds the group on the desk;
4. the new admin imports the old group's member list (a Windows-1252 CSV with a BOM), chooses
   the columns, looks at the preview and invites;
5. an invited person opens the link from the mailbox and confirms in French;
6. the admin sees them among the group's members.

Each page is checked with axe-core and for sideways scrolling by the steps it reuses
(``testkit.group_registration``, the member import's ``walk_member_import``)."""

from __future__ import annotations

import pytest
from shapely.geometry import shape

from apps.addresses.models import Address
from apps.enrolments.models import Enrolment
from apps.enrolments.tests.helpers import csv_bytes, person
from apps.enrolments.tests.test_browser_import import open_invitation, walk_member_import
from apps.groups.models import Group
from apps.members.models import Member
from testkit.browser import assert_usable, outside_the_browser_loop, running_chromium
from testkit.group_registration import (
    Registrant,
    coordinator_accepts,
    new_admin_sets_password,
    register_existing_group,
)
from testkit.world import build_world

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.BUURTWACHT_DEV_MAILBOX = True
    settings.VAR_DIR = tmp_path
    world = build_world()
    world.testdorp.language = "fr"  # the invitations go out in the municipality's language
    world.testdorp.save(update_fields=["language"])
    return world


def _addresses_inside(group_name: str) -> list[Address]:
    """Two register addresses inside the accepted group's area (the register is the
    municipality's data, there before the group came)."""
    group = Group.objects.select_related("area").get(name=group_name)
    inside = shape(group.area.geometry).representative_point()
    return [
        Address.objects.create(
            country="BE",
            postcode="3870",
            house_number=n,
            street="Oostlaan",
            town="Testdorp",
            lon=inside.x,
            lat=inside.y,
            municipality=group.municipality,
        )
        for n in (3, 5)
    ]


def test_an_existing_group_is_taken_over_up_to_its_first_confirmed_member(world, live_server, tmp_path):
    registrant = Registrant(
        municipality="Testdorp",
        group_name="WhatsApp Buurtpreventie Oost",
        full_name="Greet Oosterlinck",
        email="greet@example.org",
        phone="0470 12 34 56",
    )
    with running_chromium() as browser:
        register_existing_group(browser, live_server, registrant)
        coordinator_accepts(
            browser,
            live_server,
            world.coordinator.username,
            registrant.group_name,
            overlapping=(world.group_a.name, world.group_b.name),
        )
        admin = new_admin_sets_password(browser, live_server, registrant.email, registrant.group_name)

        addresses = outside_the_browser_loop(lambda: _addresses_inside(registrant.group_name))
        group_pk = outside_the_browser_loop(lambda: Group.objects.get(name=registrant.group_name).pk)
        header = ["Naam", "Adres", "Nr", "Postcode", "Gemeente", "Contact", "E-mail"]
        rows = [
            person(1, name="Élise Dubois", street=addresses[0].street, number=str(addresses[0].house_number)),
            person(2, name="Luc Martin", street=addresses[1].street, number=str(addresses[1].house_number)),
        ]
        path = tmp_path / "leden-oost.csv"
        path.write_bytes(csv_bytes(rows, header=header, sep=";", encoding="cp1252", bom=True))
        invited = walk_member_import(
            admin, live_server, group_pk, path, {"street": "Adres", "house_number": "Nr", "phone": "Contact"}
        )
        assert invited == 2

        person_page = open_invitation(browser, live_server, "persoon1@example.org")
        assert person_page.evaluate("document.documentElement.lang") == "fr"
        assert_usable(person_page, "the invitation")
        person_page.check("#id_adult")
        person_page.check("#id_accept_house_rules")
        with person_page.expect_navigation():
            person_page.locator("button[name=action][value=confirm]").click()
        assert_usable(person_page, "the confirmation")

        members = outside_the_browser_loop(
            lambda: list(Member.objects.filter(group_id=group_pk).values_list("full_name", flat=True))
        )
        assert members == ["Élise Dubois"]
        assert outside_the_browser_loop(lambda: Enrolment.objects.filter(status="invited").count()) == 1

        admin.goto(f"{live_server.url}/beheer/groepen/{group_pk}/leden/")
        assert_usable(admin, "the new group's members")
        assert admin.locator("h2.item-title", has_text="Élise Dubois").count() == 1
