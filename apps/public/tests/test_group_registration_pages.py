"""The pages of an existing group's registration: the public form (drawn area or streets), the
thank-you and status pages, and the coordinator's list and page with the overlaps, the area to
adjust and the decision; everyone else is refused with nothing changed."""

from __future__ import annotations

import json

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.groups.models import Group, GroupAdmin, GroupRegistration
from apps.groups.tests.test_registrations import BOWTIE, FREE, OUTSIDE, OVERLAPPING, form_data
from apps.messaging.models import OutgoingMessage
from testkit.world import World

FORM = reverse("public:register_group")


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def snapshot() -> tuple:
    return (
        tuple(GroupRegistration.objects.order_by("pk").values_list("status", "geometry", "decision_reason")),
        Group.objects.count(),
        Area.objects.count(),
        GroupAdmin.objects.count(),
        get_user_model().objects.count(),
        OutgoingMessage.objects.count(),
        AuditEvent.objects.exclude(action=AuditEvent.Action.GROUP_REGISTRATION_VIEWED).count(),
    )


def register(client, world: World, **overrides):
    return client.post(FORM, form_data(world, **overrides))


def status_key() -> str:
    body = OutgoingMessage.objects.get(topic="group_registration.received").body
    return body.split("/groep-aanmelding/")[1].split("/")[0]


def test_the_form_is_linked_from_the_home_page_and_the_start_page(client, world):
    for page in (reverse("public:home"), reverse("public:start_group")):
        html = client.get(page).content.decode()
        assert f'href="{FORM}"' in html and "Already run a WhatsApp group?" in html
    html = client.get(FORM).content.decode()
    assert 'name="geometry"' in html and 'name="postcode"' in html and 'value="streets"' in html


def test_registering_sends_a_status_link_and_the_same_form_twice_counts_once(client, world):
    response = register(client, world)
    assert response.status_code == 302 and response.url == reverse("public:register_group_sent")
    assert "greet@example.org" in client.get(response.url).content.decode()
    assert GroupRegistration.objects.count() == 1
    before = snapshot()
    response = register(client, world)
    assert response.status_code == 302
    assert "We had already received this registration" in client.get(response.url).content.decode()
    assert snapshot() == before
    html = client.get(reverse("public:group_registration_status", args=[status_key()])).content.decode()
    assert "WhatsApp Buurtpreventie Oost" in html and "has not decided yet" in html


def test_an_unknown_status_link_is_not_found(client, world):
    assert client.get(reverse("public:group_registration_status", args=["x" * 43])).status_code == 404


@pytest.mark.parametrize(
    ("overrides", "field_text"),
    [
        ({"approximate_size": "0"}, "between 2 and"),
        ({"approximate_size": "5000"}, "between 2 and"),
        ({"phone": "0470 12"}, "Your mobile phone number"),
        ({"postcode": "12"}, "postcode"),
        ({"geometry": json.dumps(BOWTIE)}, "crossing lines"),
        ({"geometry": json.dumps(OUTSIDE)}, "outside Testdorp"),
        ({"geometry": ""}, "Draw the group"),
        ({"accepts_house_rules": ""}, "house rules"),
    ],
)
def test_bad_input_comes_back_with_a_message_and_stores_nothing(client, world, overrides, field_text):
    before = snapshot()
    response = register(client, world, **overrides)
    assert response.status_code == 200
    assert field_text in response.content.decode()
    assert snapshot() == before


def test_the_trap_field_stores_nothing(client, world):
    before = snapshot()
    assert register(client, world, website="http://spam.example").status_code == 200
    assert snapshot() == before


def test_without_a_map_the_streets_of_the_postcode_make_the_area(client, world):
    response = client.post(FORM, {**form_data(world, geometry="", postcode="3870"), "action": "streets"})
    html = response.content.decode()
    assert response.status_code == 200 and "Noordstraat" in html and "Grensweg" in html
    assert not GroupRegistration.objects.exists()
    response = register(client, world, geometry="", postcode="3870", streets=["Noordstraat", "Grensweg"])
    assert response.status_code == 302
    assert GroupRegistration.objects.get().streets == ["Grensweg", "Noordstraat"]


def test_past_the_limit_nothing_is_stored(client, world, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "1/h"
    assert register(client, world).status_code == 302
    before = snapshot()
    response = register(client, world, email="ander@example.org", group_name="Tweede groep")
    assert response.status_code == 429 and "too many times" in response.content.decode()
    assert snapshot() == before


# -- the desk ---------------------------------------------------------------------------------


@pytest.fixture
def registration(client, world) -> GroupRegistration:
    assert register(client, world, geometry=json.dumps(OVERLAPPING)).status_code == 302
    client.logout()
    return GroupRegistration.objects.get()


def detail(registration) -> str:
    return reverse("staff:group_registration_detail", args=[registration.pk])


def test_the_coordinator_sees_the_overlaps_and_accepts(client, world, registration):
    client.force_login(world.coordinator)
    assert registration.group_name in client.get(reverse("staff:group_registration_list")).content.decode()
    html = client.get(detail(registration)).content.decode()
    assert "Overlap with existing groups" in html
    assert world.group_a.name in html and world.group_b.name in html and "25.0 %" in html
    response = client.post(detail(registration), {"action": "decide", "decision": "accept"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == GroupRegistration.Status.ACCEPTED
    assert registration.group.status == Group.Status.ACTIVE
    before = snapshot()
    response = client.post(detail(registration), {"action": "decide", "decision": "decline", "reason": "Toch niet."})
    assert response.status_code == 302
    assert "already accepted" in client.get(response.url).content.decode()
    assert snapshot() == before


def test_the_coordinator_adjusts_the_area_then_declines_with_a_reason(client, world, registration):
    client.force_login(world.coordinator)
    before = snapshot()
    response = client.post(detail(registration), {"action": "area", "geometry": json.dumps(OUTSIDE)})
    assert response.status_code == 200 and "outside Testdorp" in response.content.decode()
    assert snapshot() == before
    response = client.post(detail(registration), {"action": "area", "geometry": json.dumps(FREE)})
    assert response.status_code == 302
    assert "The area overlaps no existing group." in client.get(detail(registration)).content.decode()
    before = snapshot()
    response = client.post(detail(registration), {"action": "decide", "decision": "decline", "reason": ""})
    assert response.status_code == 200 and "why the registration is declined" in response.content.decode()
    assert snapshot() == before
    client.post(detail(registration), {"action": "decide", "decision": "decline", "reason": "Valt al onder Noord."})
    registration.refresh_from_db()
    assert registration.status == GroupRegistration.Status.DECLINED
    response = client.post(detail(registration), {"action": "decide", "decision": "accept"})
    assert "already declined" in client.get(response.url).content.decode()
    assert registration.group is None and not Group.objects.filter(name=registration.group_name).exists()


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "co_admin_a", "police", "police_nl", "nobody"])
def test_others_are_refused_and_change_nothing(client, world, registration, who):
    client.force_login(getattr(world, who))
    before = snapshot()
    assert client.get(detail(registration)).status_code == 404
    assert client.post(detail(registration), {"action": "decide", "decision": "accept"}).status_code == 404
    assert client.post(detail(registration), {"action": "area", "geometry": json.dumps(FREE)}).status_code == 404
    html = client.get(reverse("staff:group_registration_list")).content.decode()
    assert registration.group_name not in html
    assert snapshot() == before


def test_visitors_are_sent_to_the_login_page(client, world, registration):
    before = snapshot()
    for response in (
        client.get(detail(registration)),
        client.post(detail(registration), {"action": "decide", "decision": "accept"}),
        client.get(reverse("staff:group_registration_list")),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert snapshot() == before
