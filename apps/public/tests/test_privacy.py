"""Public pages show groups, never people: no member's or applicant's phone, e-mail or date of
birth, and never a group's WhatsApp invite link."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import override

from apps.applications import services
from apps.applications.models import Application
from apps.core.phones import display as display_phone
from testkit.world import World, add_member

from .helpers import latest_status_key, submit_application

MEMBER_BIRTH = dt.date(1955, 3, 14)
APPLICANT_BIRTH = dt.date(1960, 5, 17)  # testkit.world.application_data


def forbidden(world: World) -> list[str]:
    """Everything personal or secret the world holds, in the forms a page could show it."""
    values = []
    for person in [*world.group_a.members.all(), *Application.objects.all()]:
        values += [person.phone, display_phone(person.phone), "0" + person.phone[3:], person.email]
    # The dates of birth typed on the forms (no longer stored, so they cannot be read back).
    for birth in (MEMBER_BIRTH, APPLICANT_BIRTH):
        values += [
            birth.isoformat(),
            birth.strftime("%d-%m-%Y"),
            birth.strftime("%d/%m/%Y"),
            date_format(birth, "j F Y"),
            date_format(birth, "j-n-Y"),
        ]
    values += [world.group_a.invite_link, world.group_b.invite_link, "chat.whatsapp.com"]
    values += [world.admin_a.email, world.admin_a.phone, world.admin_b.email, world.admin_b.phone]
    return values


@pytest.fixture
def populated(client, world: World):
    add_member(world.group_a, 1, birth_date=MEMBER_BIRTH, email="lid1@example.org")
    assert submit_application(client, world.group_a).status_code == 302
    key = latest_status_key(client)
    application = Application.objects.get()
    return world, application, key


def public_pages(world: World, application: Application) -> list[str]:
    token = services.confirmation_token(application)
    return [
        "/",
        reverse("public:search") + "?postcode=3870&house_number=1",
        reverse("public:search") + "?postcode=3870&house_number=3",
        reverse("public:search") + "?lat=50.755&lon=5.31",
        reverse("public:group_detail", args=[world.group_a.slug]),
        reverse("public:group_detail", args=[world.group_b.slug]),
        reverse("public:apply", args=[world.group_a.slug]),
        reverse("public:application_sent"),
        reverse("public:application_confirm", args=[token]),
        reverse("public:start_group"),
        reverse("public:start_group_sent"),
    ]


def test_public_pages_show_no_personal_data_or_invite_links(client, populated):
    world, application, _key = populated
    with override("nl"):
        secrets = forbidden(world)
    assert len(secrets) > 20 and "+32470123456" in secrets and "jan.peeters@example.org" in secrets
    for url in public_pages(world, application):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        leaked = [s for s in secrets if s and s in html]
        assert not leaked, (url, leaked)


def test_confirming_shows_no_personal_data(client, populated):
    world, application, _key = populated
    html = client.post(reverse("public:application_confirm", args=[services.confirmation_token(application)]))
    html = html.content.decode()
    assert not [s for s in forbidden(world) if s and s in html]


def test_status_page_shows_own_data_but_no_invite_link_or_birth_date(client, populated):
    world, application, key = populated
    services.confirm(services.confirmation_token(application))
    services.approve(application, actor=world.admin_a)
    html = client.get(reverse("public:application_status", args=[key])).content.decode()
    assert application.email in html
    assert "chat.whatsapp.com" not in html
    assert APPLICANT_BIRTH.isoformat() not in html and "17-05-1960" not in html
    assert "lid1@example.org" not in html
