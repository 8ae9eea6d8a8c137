"""In a real browser at 360 px, through the pages only: a group's admin uploads the member list
of the group's old WhatsApp group, chooses the columns, looks at the preview and invites; an
invited person opens the link of their e-mail from the mailbox and confirms in French; the admin
sees them among the members. axe-core clean and no sideways scroll at each step.

``walk_member_import`` is the admin's part, for longer journeys (taking a group over)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from apps.enrolments.models import Enrolment
from apps.members.models import Member
from testkit.browser import assert_usable, log_in, open_page, outside_the_browser_loop, running_chromium
from testkit.world import build_world

from .helpers import csv_bytes, person

pytestmark = pytest.mark.browser


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    settings.BUURTWACHT_DEV_MAILBOX = True
    settings.VAR_DIR = tmp_path
    world = build_world()
    world.testdorp.language = "fr"
    world.testdorp.save(update_fields=["language"])
    return world


def walk_member_import(page, live_server, group_pk: int, path: Path, mapping: dict[str, str]) -> int:
    """The admin (logged in on ``page``) opens the group's page, goes to the import, uploads
    ``path``, chooses the columns ``mapping`` (field → the column's header) where the guess is
    not what they want, looks at the preview and invites. Returns how many were invited, as
    the preview said."""
    page.goto(f"{live_server.url}/beheer/groepen/{group_pk}/")
    assert_usable(page, "the group's page")
    with page.expect_navigation():
        page.locator(f"a[href='/beheer/groepen/{group_pk}/leden-importeren/']").click()
    assert_usable(page, "the import page")
    page.set_input_files("#id_file", str(path))
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ledenlijsten/\d+/kolommen/$"))
    assert_usable(page, "the columns page")
    for field, header in mapping.items():
        select = page.locator(f"#id_{field}")
        label = select.locator("option", has_text=header).first.inner_text()
        select.select_option(label=label)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/ledenlijsten/\d+/$"))
    assert_usable(page, "the preview")
    good = int(re.search(r"\d+", page.locator("#good-count").inner_text()).group(0))
    with page.expect_navigation():
        page.locator("button[name=action][value=invite]").click()
    page.wait_for_url(re.compile(rf"/beheer/groepen/{group_pk}/leden-importeren/$"))
    assert_usable(page, "the invited people")
    return good


def open_invitation(browser, live_server, recipient: str):
    """The invited person opens their e-mail in the mailbox and follows its link, in French."""
    page = open_page(browser, locale="fr-BE")
    page.goto(live_server.url + "/dev/mailbox/")
    page.locator("tr", has=page.locator(f"td:text-is('{recipient}')")).first.locator("a").click()
    page.wait_for_load_state()
    link = re.search(r"https?://\S+/lid-worden/[^/\s]+/", page.content()).group(0)
    page.goto(live_server.url + urlsplit(link).path)
    return page


def test_an_admin_imports_and_a_person_confirms_in_french(world, live_server, tmp_path):
    # "Contact" is not a header Buurtwacht recognises: the admin chooses it for the phone.
    header = ["Naam", "Straat", "Huisnummer", "Postcode", "Gemeente", "Contact", "E-mail"]
    rows = [person(1, name="Élise Dubois"), person(2, name="Luc Martin"), person(3, phone="011 22 33 44")]
    path = tmp_path / "oude-groep.csv"
    path.write_bytes(csv_bytes(rows, header=header, sep=",", encoding="cp1252", bom=True))
    with running_chromium() as browser:
        admin = open_page(browser, locale="nl-BE")
        log_in(admin, live_server, world.admin_a.username)
        invited = walk_member_import(admin, live_server, world.group_a.pk, path, {"phone": "Contact"})
        assert invited == 2
        assert outside_the_browser_loop(lambda: Enrolment.objects.filter(status="invited").count()) == 2

        person_page = open_invitation(browser, live_server, "persoon1@example.org")
        assert person_page.evaluate("document.documentElement.lang") == "fr"
        assert "Élise Dubois" in person_page.content()
        assert_usable(person_page, "the invitation")
        person_page.check("#id_adult")
        person_page.check("#id_accept_house_rules")
        with person_page.expect_navigation():
            person_page.locator("button[name=action][value=confirm]").click()
        assert_usable(person_page, "the confirmation")
        assert person_page.locator("[role=status]").count() == 1

        members = outside_the_browser_loop(
            lambda: list(Member.objects.filter(group=world.group_a).values_list("full_name", flat=True))
        )
        assert members == ["Élise Dubois"]

        admin.goto(f"{live_server.url}/beheer/groepen/{world.group_a.pk}/leden/")
        assert_usable(admin, "the members")
        assert admin.locator("h2.item-title", has_text="Élise Dubois").count() == 1
        admin.goto(f"{live_server.url}/beheer/groepen/{world.group_a.pk}/leden-importeren/")
        assert admin.locator(".enrolment-confirmed", has_text="Élise Dubois").count() == 1
        assert admin.locator(".enrolment-invited", has_text="Luc Martin").count() == 1
