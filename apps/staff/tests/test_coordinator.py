"""The municipal coordinator's pages: the municipality at a glance, admins, house rules and
residents' requests to start a group."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality
from apps.signs.models import StreetSign
from testkit.world import add_member, box

from .helpers import snapshot


def test_municipality_page_shows_groups_coverage_and_signs(client, world, desk):
    north = SubMunicipality.objects.create(municipality=world.testdorp, name="Noordhoek")
    south = SubMunicipality.objects.create(municipality=world.testdorp, name="Zuidhoek")
    SubMunicipality.objects.create(municipality=world.testdorp, name="Heide")
    save_area(
        actor=SYSTEM,
        municipality=world.testdorp,
        name="Noord",
        geometry=world.group_a.area.geometry,
        sub_municipality=north,
        area=world.group_a.area,
    )
    save_area(
        actor=SYSTEM,
        municipality=world.testdorp,
        name="Zuid",
        geometry=world.group_b.area.geometry,
        sub_municipality=south,
        area=world.group_b.area,
    )
    # A forming group does not cover its sub-municipality yet.
    Group.objects.filter(pk=world.group_b.pk).update(status=Group.Status.FORMING)
    for n in range(4):
        add_member(world.group_a, 400 + n)
    free = save_area(
        actor=SYSTEM, municipality=world.testdorp, name="Heideveld", geometry=box(5.33, 50.74, 5.35, 50.75)
    )
    StreetSign.objects.create(
        municipality=world.testdorp,
        group=world.group_a,
        road="Steenweg",
        lat=50.755,
        lon=5.30,
        placed_on=dt.date(2025, 3, 1),
    )

    client.force_login(world.coordinator)
    response = client.get(reverse("staff:municipality_detail", args=[world.testdorp.pk]))
    figures = response.context["figures"]
    assert (figures.active_groups, figures.forming_groups, figures.members, figures.largest_group) == (1, 1, 6, 5)
    assert (figures.covered, figures.sub_municipalities, figures.open_requests, figures.failed_messages) == (1, 3, 1, 2)
    coverage = {s.name: s.covered for s in response.context["sub_municipalities"]}
    assert coverage == {"Heide": False, "Noordhoek": True, "Zuidhoek": False}
    page = response.content.decode()
    assert "1 of 3" in page and "Steenweg" in page and "Heideveld" in page
    assert "Grensstad" not in page
    kinds = sorted(f["properties"]["kind"] for f in response.context["map_data"]["features"])
    assert kinds == ["free-area", "group", "group-forming", "sign"]
    assert free.name in {f["properties"]["label"] for f in response.context["map_data"]["features"]}


def test_house_rules_publish_a_new_version(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:house_rules_publish", args=[world.testdorp.pk])
    page = client.get(url).content.decode()
    assert "Eerst 101 bellen." in page and "Version 1" in page
    response = client.post(
        url, {"title": "Huisregels 2026", "text": "1. Eerst 101 bellen.\n2. Geen chat.\n3. Geen foto's."}
    )
    assert response.status_code == 302
    rules = world.testdorp.current_house_rules
    assert (rules.version, rules.title, rules.published_by) == (2, "Huisregels 2026", world.coordinator)
    assert AuditEvent.objects.filter(action=AuditEvent.Action.HOUSE_RULES_PUBLISHED, actor=world.coordinator).exists()
    assert world.grensstad.current_house_rules.version == 1


def test_house_rules_unchanged_or_empty_are_not_published(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:house_rules_publish", args=[world.testdorp.pk])
    before = snapshot()
    response = client.post(url, {"title": "Huisregels", "text": "1. Eerst 101 bellen.\n2. Geen chat."})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    response = client.post(url, {"title": "Huisregels", "text": ""})
    assert "text" in response.context["form"].errors
    assert snapshot() == before


def test_appoint_and_remove_an_admin(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    response = client.post(url, {"action": "appoint", "user": "ADMIN_B@example.org", "role": "co_admin"})
    assert response.status_code == 302
    assert GroupAdmin.objects.get(group=world.group_a, user=world.admin_b).role == GroupAdmin.Role.CO_ADMIN
    page = client.get(url).content.decode()
    assert "Admin_B" in page and "co-admin" in page
    # A co-admin goes at once (the group keeps its admin); the last admin is asked about first
    # (apps/staff/tests/test_group_flags.py).
    response = client.post(url, {"action": "remove", "user": str(world.co_admin_a.pk)})
    assert response.status_code == 302
    # co_admin_a is gone; the admin and the new co-admin remain.
    remaining = sorted(world.group_a.admin_roles.values_list("user__username", flat=True))
    assert remaining == ["admin_a", "admin_b"]
    actions = list(
        AuditEvent.objects.filter(group_id=world.group_a.pk, actor=world.coordinator).values_list("action", flat=True)
    )
    assert AuditEvent.Action.GROUP_ADMIN_APPOINTED in actions and AuditEvent.Action.GROUP_ADMIN_REMOVED in actions


def test_appointing_an_unknown_user_is_refused(client, world):
    client.force_login(world.coordinator)
    before = snapshot()
    response = client.post(
        reverse("staff:group_admins", args=[world.group_a.pk]),
        {"action": "appoint", "user": "niemand", "role": "admin"},
    )
    assert response.status_code == 200 and "user" in response.context["form"].errors
    response = client.post(
        reverse("staff:group_admins", args=[world.group_a.pk]), {"action": "remove", "user": str(world.admin_b.pk)}
    )  # not an admin of A
    assert response.status_code == 404
    assert snapshot() == before


def test_group_requests_list_and_decline_with_a_note(client, world, desk):
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:group_request_list")).content.decode()
    assert "Rita Veld" in page
    url = reverse("staff:group_request_detail", args=[desk.request_testdorp.pk])
    page = client.get(url).content.decode()
    assert "Wij willen een groep." in page and "rita@example.org" in page
    response = client.post(url, {"decision": "decline", "note": "Er is al een groep in de buurt."})
    assert response.status_code == 302
    request = GroupRequest.objects.get(pk=desk.request_testdorp.pk)
    assert (request.status, request.decided_by) == (GroupRequest.Status.DECLINED, world.coordinator)
    mail = OutgoingMessage.objects.get(topic="group_request.decided")
    assert mail.recipient == "rita@example.org" and "Er is al een groep in de buurt." in mail.body
    # Answering again changes nothing.
    before = snapshot()
    client.post(url, {"decision": "approve", "note": ""})
    assert snapshot() == before


def test_a_request_leads_to_a_new_group_and_is_approved_with_it(client, world, desk):
    client.force_login(world.coordinator)
    request_url = reverse("staff:group_request_detail", args=[desk.request_testdorp.pk])
    create_url = reverse("staff:group_create", args=[world.testdorp.pk]) + f"?request={desk.request_testdorp.pk}"
    assert create_url in client.get(request_url).content.decode()
    response = client.get(create_url)
    assert response.context["form"]["name"].value() == "Testdorp Veldweg"
    area = save_area(actor=SYSTEM, municipality=world.testdorp, name="Veld", geometry=box(5.39, 50.69, 5.41, 50.71))
    response = client.post(
        create_url,
        {
            "name": "Testdorp Veldweg",
            "status": "forming",
            "capacity": "256",
            "area_source": "existing",
            "existing_area": str(area.pk),
        },
    )
    group = Group.objects.get(name="Testdorp Veldweg")
    assert response.status_code == 302 and response.url == f"{request_url}?group={group.pk}"
    response = client.get(response.url)
    assert response.context["form"]["group"].value() == group.pk
    client.post(request_url, {"decision": "approve", "group": str(group.pk), "note": "Welkom!"})
    request = GroupRequest.objects.get(pk=desk.request_testdorp.pk)
    assert (request.status, request.group) == (GroupRequest.Status.APPROVED, group)


def test_a_request_cannot_be_linked_to_a_group_of_another_municipality(client, world, desk):
    client.force_login(world.superuser)
    before = snapshot()
    response = client.post(
        reverse("staff:group_request_detail", args=[desk.request_testdorp.pk]),
        {"decision": "approve", "group": str(world.group_nl.pk)},
    )
    assert response.status_code == 200 and "group" in response.context["form"].errors
    assert snapshot() == before


def test_message_list_and_retry(client, world, desk):
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:message_list"), {"status": "failed"})
    assert [m.pk for m in response.context["page"].object_list] == [desk.message_a.pk]
    assert "mailbox unavailable" in response.content.decode()
    response = client.post(reverse("staff:message_retry", args=[desk.message_a.pk]))
    assert response.status_code == 302
    desk.message_a.refresh_from_db()
    assert (desk.message_a.status, desk.message_a.last_error) == (OutgoingMessage.Status.QUEUED, "")
    # A message that has not failed is left alone.
    before = snapshot()
    response = client.post(reverse("staff:message_retry", args=[desk.message_a.pk]))
    assert snapshot() == before
    response = client.get(response.url)
    assert any("Only failed messages" in str(m) for m in response.context["messages"])


def test_coordinator_sees_the_municipality_messages(client, world, desk):
    client.force_login(world.coordinator)
    response = client.get(reverse("staff:message_list"))
    recipients = {m.recipient for m in response.context["page"].object_list}
    assert {"anna@example.org", "bert@example.org", "rita@example.org", "coordinator@example.org"} <= recipients
    assert not {"noor@example.org", "ruud@example.org"} & recipients


def test_reading_requests_and_messages_is_recorded(client, world):
    from apps.audit.models import AuditEvent
    from apps.groups.services import submit_group_request
    from apps.messaging.services import queue_email

    request = submit_group_request(
        municipality=world.testdorp,
        full_name="Els Jacobs",
        email="els@example.org",
        phone="+32470999999",
        postcode="3871",
        house_number="5",
    )
    queue_email(
        to="x@example.org", subject="S", body="B", topic="t", dedupe_key="audit:1", municipality_id=world.testdorp.pk
    )
    client.force_login(world.coordinator)
    client.get(f"/beheer/aanvragen/{request.pk}/")
    client.get("/beheer/berichten/")
    viewed = AuditEvent.objects.filter(actor=world.coordinator).values_list("action", "actor_label")
    assert ("group_request.viewed", "coordinator") in list(viewed)
    assert ("messages.viewed", "coordinator") in list(viewed)
