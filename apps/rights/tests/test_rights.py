"""Residents' rights by e-mail link: the request (no enumeration, rate-limited), the page, the
download, leaving a group, erasure, and the WhatsApp removal on the admin's desk."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.groups.services import submit_group_request
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.rights import services as rights
from apps.rights.models import AccessLink, WhatsAppRemoval
from apps.staff.tests.helpers import make_application
from testkit.cache import clear as clear_cache
from testkit.world import PASSWORD, World, add_member

EMAIL = "els.noord@example.org"


@pytest.fixture(autouse=True)
def fresh_limits():
    clear_cache(cache)
    yield
    clear_cache(cache)


@pytest.fixture
def client(client):
    """The resident's pages in English, so the messages read as written here in any catalogue."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def resident(world: World):
    """A member of group A, an open application to group B, and another person's data beside."""
    member = add_member(world.group_a, 5, full_name="Els Noord", email=EMAIL, alerts_opt_in_at=timezone.now())
    application = make_application(
        world.group_b, World.ADDRESS_B, full_name="Els Noord", phone="0470 55 55 55", email="Els.Noord@example.org"
    )
    other = add_member(world.group_a, 6, full_name="Piet Ander", email="piet@example.org")
    return member, application, other


def ask(client, email: str, **extra):
    return client.post("/mijn-gegevens/", {"email": email, "website": "", **extra})


def link_path(email: str = EMAIL) -> str:
    mail = OutgoingMessage.objects.filter(topic=rights.TOPIC, recipient=email).latest("pk")
    return re.search(r"http://testserver(/mijn-gegevens/[A-Za-z0-9_-]{30,}/)", mail.body).group(1)


def test_the_same_answer_whether_or_not_anything_is_held(client, world, resident):
    known = ask(client, EMAIL.upper())
    unknown = ask(client, "nobody-here@example.org")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/mijn-gegevens/verstuurd/"
    assert OutgoingMessage.objects.filter(topic=rights.TOPIC).count() == 1
    assert OutgoingMessage.objects.get(topic=rights.TOPIC).recipient == EMAIL
    assert AccessLink.objects.count() == 1
    assert client.get("/mijn-gegevens/verstuurd/").status_code == 200


def test_the_link_goes_in_the_language_the_person_applied_in(client, world):
    add_member(world.group_a, 5, email=EMAIL)
    from apps.applications import services as applications
    from apps.applications.forms import ApplicationForm
    from testkit.world import application_data

    form = ApplicationForm(application_data(World.ADDRESS_B, email=EMAIL, phone="0470 55 55 55"), country="BE")
    assert form.is_valid(), form.errors
    applications.submit(world.group_b, form.cleaned_data, language="fr")
    ask(client, EMAIL)
    assert OutgoingMessage.objects.get(topic=rights.TOPIC).language == "fr"


@pytest.mark.parametrize(
    "data, message",
    [
        ({"email": ""}, "Enter your e-mail address."),
        ({"email": "not-an-address"}, "Enter an e-mail address like name@example.org."),
        ({"email": EMAIL, "website": "http://spam"}, "This form could not be sent. Please try again."),
    ],
)
def test_bad_input_says_why_and_sends_nothing(client, world, resident, data, message):
    response = client.post("/mijn-gegevens/", {"website": "", **data})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccessLink.objects.exists()
    assert not OutgoingMessage.objects.filter(topic=rights.TOPIC).exists()


def test_one_address_is_sent_a_limited_number_of_links(client, world, resident, settings):
    for _ in range(5):
        assert ask(client, EMAIL).status_code == 302
    # BUURTWACHT_APPLICATION_PHONE_RATE (3 a day) per address; the answer stays the same.
    assert OutgoingMessage.objects.filter(topic=rights.TOPIC).count() == 3


def test_the_page_shows_everything_held_and_nothing_of_anyone_else(client, world, resident):
    member, application, other = resident
    ask(client, EMAIL)
    response = client.get(link_path())
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin" and "noindex" in response["X-Robots-Tag"]
    page = response.content.decode()
    for text in ("Els Noord", "Testdorp Noord", "Testdorp Zuid", "+32 478 00 00 05", "+32 470 55 55 55"):
        assert text in page
    assert "Piet Ander" not in page and other.phone not in page and "piet@example.org" not in page


def test_the_download_holds_everything_and_is_audited(client, world, resident):
    member, application, other = resident
    ask(client, EMAIL)
    path = link_path()
    response = client.post(path + "downloaden/", {"format": "json"})
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert [m["full_name"] for m in data["memberships"]] == ["Els Noord"]
    assert data["memberships"][0]["house_rules_version"] == 1
    assert data["memberships"][0]["alerts_agreed_at"]
    assert [a["group"] for a in data["applications"]] == ["Testdorp Zuid"]
    assert any(m["to"] == EMAIL for m in data["messages"])
    assert "Piet Ander" not in response.content.decode()
    text = client.post(path + "downloaden/", {"format": "txt"})
    assert text["Content-Type"].startswith("text/plain") and "Els Noord" in text.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_DATA_DOWNLOADED).count() == 2
    # A format that does not exist: back to the page, nothing downloaded, nothing audited.
    bad = client.post(path + "downloaden/", {"format": "exe"}, follow=True)
    assert "Choose JSON or text." in bad.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_DATA_DOWNLOADED).count() == 2


def test_leaving_a_group_is_a_member_leaving_and_asks_the_admin_to_remove_the_number(client, world, resident):
    member, application, other = resident
    ask(client, EMAIL)
    path = link_path()
    response = client.post(path + f"verlaten/{member.pk}/", follow=True)
    assert response.status_code == 200
    member.refresh_from_db()
    assert member.left_at is not None and member.leave_reason == Member.LeaveReason.LEFT
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_LEFT, target_id=str(member.pk)).count() == 1
    task = WhatsAppRemoval.objects.get()
    assert task.group == world.group_a and task.phone == member.phone and task.done_at is None
    # Another person's membership cannot be left through this link; nothing changes.
    assert client.post(path + f"verlaten/{other.pk}/").status_code == 302
    other.refresh_from_db()
    assert other.left_at is None
    assert WhatsAppRemoval.objects.count() == 1


def test_erasure_asks_to_confirm_then_erases_everything_once(client, world, resident):
    member, application, other = resident
    submit_group_request(
        municipality=world.testdorp,
        full_name="Els Noord",
        email=EMAIL,
        phone="",
        postcode="3870",
        house_number="9",
        street="Veldweg",
        lat=None,
        lon=None,
        wants_to_be_admin=False,
        message="",
    )
    ask(client, EMAIL)
    path = link_path()
    assert client.get(path + "wissen/").status_code == 200
    # Without the box ticked: nothing happens.
    refused = client.post(path + "wissen/", {})
    assert refused.status_code == 200
    assert "Tick the box" in refused.content.decode()
    assert Application.objects.filter(pk=application.pk).exists()

    response = client.post(path + "wissen/", {"confirm": "yes"})
    assert response.status_code == 200
    assert not Application.objects.filter(email__iexact=EMAIL).exists()
    member.refresh_from_db()
    assert member.left_at is not None and member.erased_at is not None
    assert (member.full_name, member.phone, member.email, member.street, member.postcode) == ("", "", "", "", "")
    other.refresh_from_db()
    assert other.full_name == "Piet Ander" and other.left_at is None
    assert not OutgoingMessage.objects.filter(recipient__iexact=EMAIL).exists()
    erased = [m for m in OutgoingMessage.objects.all() if m.body == rights.ERASED]
    assert erased and all(m.status != "queued" and m.recipient == "" for m in erased)
    assert WhatsAppRemoval.objects.get().phone == "+32478000005"
    assert AccessLink.objects.get().email == "" and AccessLink.objects.get().used_at is not None
    assert AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_ERASED).exists()
    assert "Els Noord" not in json.dumps(list(AuditEvent.objects.values("data")), default=str)

    # The same form sent again: nothing more is erased, and the page says so.
    events = AuditEvent.objects.count()
    again = client.post(path + "wissen/", {"confirm": "yes"})
    assert again.status_code == 409
    assert "Everything was erased already. Nothing was changed." in again.content.decode()
    assert AuditEvent.objects.count() == events
    # The used link opens nothing any more.
    assert client.get(path).status_code == 410


def test_forged_and_expired_links_open_nothing(client, world, resident):
    assert client.get("/mijn-gegevens/" + "x" * 43 + "/").status_code == 404
    response = client.post("/mijn-gegevens/" + "x" * 43 + "/wissen/", {"confirm": "yes"})
    assert response.status_code == 404
    ask(client, EMAIL)
    path = link_path()
    AccessLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(path).status_code == 410
    assert client.post(path + "wissen/", {"confirm": "yes"}).status_code == 410
    assert client.post(path + "downloaden/", {"format": "json"}).status_code == 410
    assert Application.objects.filter(email__iexact=EMAIL).exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_DATA_DOWNLOADED).exists()


def test_only_the_groups_admins_see_and_confirm_the_removal(client, world, resident):
    member, application, other = resident
    ask(client, EMAIL)
    client.post(link_path() + "wissen/", {"confirm": "yes"})
    task = WhatsAppRemoval.objects.get()
    shown = "+32 478 00 00 05"
    for username in ("admin_b", "coordinator", "police", "coordinator_nl", "police_nl"):
        assert client.login(username=username, password=PASSWORD)
        assert shown not in client.get("/beheer/").content.decode(), username
        page = client.get(f"/beheer/groepen/{world.group_a.pk}/")
        assert shown not in page.content.decode(), username
        response = client.post(f"/beheer/whatsapp-verwijderen/{task.pk}/")
        assert response.status_code in (403, 404), username
        task.refresh_from_db()
        assert task.done_at is None and task.phone
        client.logout()
    client.logout()
    assert client.post(f"/beheer/whatsapp-verwijderen/{task.pk}/").status_code == 302  # to the login page
    task.refresh_from_db()
    assert task.done_at is None

    assert client.login(username="admin_a", password=PASSWORD)
    assert shown in client.get("/beheer/").content.decode()
    assert shown in client.get(f"/beheer/groepen/{world.group_a.pk}/").content.decode()
    response = client.post(f"/beheer/whatsapp-verwijderen/{task.pk}/", {"next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == "/beheer/"
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == world.admin_a and task.phone == ""
    assert AuditEvent.objects.filter(action=AuditEvent.Action.WHATSAPP_REMOVAL_DONE).count() == 1
    assert shown not in client.get("/beheer/").content.decode()
    again = client.post(f"/beheer/whatsapp-verwijderen/{task.pk}/", follow=True)
    assert 'class="notice notice-error"' in again.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.WHATSAPP_REMOVAL_DONE).count() == 1


def test_an_open_invitation_to_join_and_a_registered_group_are_shown_downloaded_and_erased(
    client, world, settings, tmp_path
):
    from apps.enrolments import services as enrolments
    from apps.enrolments.models import Enrolment
    from apps.enrolments.tests.helpers import csv_bytes, person, upload
    from apps.enrolments.tests.test_import import FULL
    from apps.groups.models import Group, GroupRegistration
    from apps.groups.tests.test_registrations import submit

    settings.VAR_DIR = tmp_path
    imp = enrolments.start_import(
        world.group_a, upload(csv_bytes([person(1, name="Els Noord", email=EMAIL)])), actor=world.admin_a
    )
    enrolments.check_import(imp, FULL, actor=world.admin_a)
    enrolments.invite(imp, actor=world.admin_a)
    submit(world, email=EMAIL, full_name="Els Noord")
    groups = Group.objects.count()

    ask(client, EMAIL)
    path = link_path()
    page = client.get(path).content.decode()
    assert "Invitations to join a group" in page and world.group_a.name in page
    assert "Groups you registered" in page and "WhatsApp Buurtpreventie Oost" in page
    data = json.loads(client.post(path + "downloaden/", {"format": "json"}).content)
    assert [e["phone"] for e in data["invitations_to_join"]] == ["+32471000001"]
    assert [r["whatsapp_group"] for r in data["registered_groups"]] == ["WhatsApp Buurtpreventie Oost"]

    client.post(path + "wissen/", {"confirm": "yes"})
    enrolment = Enrolment.objects.get()
    assert (enrolment.status, enrolment.full_name, enrolment.phone, enrolment.email) == ("declined", "", "", "")
    assert not GroupRegistration.objects.exists()
    assert Group.objects.count() == groups
    erased = AuditEvent.objects.filter(action=AuditEvent.Action.RIGHTS_ERASED)  # one per municipality
    assert sum(e.data.get("enrolments", 0) for e in erased) == 1
    assert sum(e.data.get("group_registrations", 0) for e in erased) == 1
