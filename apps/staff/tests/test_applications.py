"""Deciding on applications at the desk: approve, reject, and what is refused."""

from __future__ import annotations

import re

from django.urls import reverse

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member

from .helpers import make_application, snapshot


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_approve_creates_the_member_and_queues_the_invite_to_the_applicant(client, world, desk):
    client.force_login(world.admin_a)
    response = client.post(reverse("staff:application_approve", args=[desk.app_a.pk]), follow=True)
    assert response.status_code == 200
    application = Application.objects.get(pk=desk.app_a.pk)
    assert application.status == Application.Status.APPROVED
    assert application.decided_by == world.admin_a
    member = Member.objects.get(pk=application.member_id)
    assert (member.group, member.full_name, member.phone) == (world.group_a, "Anna Noord", "+32470111111")
    welcome = OutgoingMessage.objects.get(topic="application.approved", recipient="anna@example.org")
    assert "https://chat.whatsapp.com/INVITEnoord" in welcome.body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.APPLICATION_APPROVED, actor=world.admin_a, target_id=str(application.pk)
    ).exists()
    assert any("invite link" in m for m in messages_of(response))


def test_the_coordinator_may_approve_for_a_group_of_the_municipality(client, world, desk):
    client.force_login(world.coordinator)
    client.post(reverse("staff:application_approve", args=[desk.app_b.pk]))
    assert Application.objects.get(pk=desk.app_b.pk).status == Application.Status.APPROVED


def test_approving_twice_is_harmless(client, world, desk):
    client.force_login(world.admin_a)
    url = reverse("staff:application_approve", args=[desk.app_a.pk])
    client.post(url)
    before = snapshot(ignore_views=True)
    response = client.post(url, follow=True)
    assert response.status_code == 200
    assert Member.objects.filter(group=world.group_a, phone="+32470111111").count() == 1
    assert OutgoingMessage.objects.filter(topic="application.approved").count() == 1
    assert snapshot(ignore_views=True) == before
    assert any("already" in m for m in messages_of(response))


def test_approving_a_full_group_is_refused_with_a_message(client, world, desk):
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 50)  # with Marc Noord from the fixture: 2 of 2
    client.force_login(world.admin_a)
    before = snapshot(ignore_views=True)
    response = client.post(reverse("staff:application_approve", args=[desk.app_a.pk]), follow=True)
    assert snapshot(ignore_views=True) == before
    assert Application.objects.get(pk=desk.app_a.pk).status == Application.Status.CONFIRMED
    assert any("full" in m for m in messages_of(response))
    # The capacity check on the page says so too.
    assert {c.name: c.ok for c in response.context["checks"]}["capacity"] is False
    assert "2 of 2 places taken" in response.content.decode()


def test_an_unconfirmed_application_cannot_be_approved_yet(client, world, desk):
    application = make_application(world.group_a, World.ADDRESS_A, confirm=False, phone="0470 33 33 33")
    client.force_login(world.admin_a)
    # Not shown to the admin until the applicant confirms their e-mail address.
    assert client.get(reverse("staff:application_detail", args=[application.pk])).status_code == 404
    before = snapshot(ignore_views=True)
    response = client.post(reverse("staff:application_approve", args=[application.pk]))
    assert response.status_code == 404
    assert snapshot(ignore_views=True) == before


def test_reject_needs_a_reason(client, world, desk):
    client.force_login(world.admin_a)
    url = reverse("staff:application_reject", args=[desk.app_a.pk])
    for reason in ("", "   "):
        before = snapshot()
        response = client.post(url, {"reason": reason})
        assert response.status_code == 200
        assert response.context["reject_form"].errors["reason"]
        assert Application.objects.get(pk=desk.app_a.pk).status == Application.Status.CONFIRMED
        assert not OutgoingMessage.objects.filter(topic="application.rejected").exists()
        # Only the page being shown again was recorded, nothing else.
        after = snapshot()
        assert after["audit"] == before["audit"] + 1
        assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}


def test_reject_with_a_reason_tells_the_applicant(client, world, desk):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("staff:application_reject", args=[desk.app_a.pk]), {"reason": "Dit adres ligt buiten de buurt."}
    )
    assert response.status_code == 302
    application = Application.objects.get(pk=desk.app_a.pk)
    assert application.status == Application.Status.REJECTED
    assert application.decision_reason == "Dit adres ligt buiten de buurt."
    mail = OutgoingMessage.objects.get(topic="application.rejected")
    assert mail.recipient == "anna@example.org" and "Dit adres ligt buiten de buurt." in mail.body
    assert not Member.objects.filter(phone="+32470111111").exists()


def test_rejecting_a_decided_application_changes_nothing(client, world, desk):
    client.force_login(world.admin_a)
    client.post(reverse("staff:application_approve", args=[desk.app_a.pk]))
    before = snapshot(ignore_views=True)
    response = client.post(
        reverse("staff:application_reject", args=[desk.app_a.pk]), {"reason": "Toch niet."}, follow=True
    )
    assert snapshot(ignore_views=True) == before
    assert Application.objects.get(pk=desk.app_a.pk).status == Application.Status.APPROVED
    assert any("already" in m for m in messages_of(response))


def test_detail_shows_the_applicant_the_checks_and_the_map(client, world, desk):
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:application_detail", args=[desk.app_a.pk]))
    page = response.content.decode()
    assert "Anna Noord" in page and "+32470111111" in page and "Noordstraat 1" in page
    checks = {c.name: c.ok for c in response.context["checks"]}
    assert checks == {"email": True, "area": True, "age": True, "duplicate": True, "capacity": True}
    assert page.count('class="badge ok"') == 5
    assert "E-mail address confirmed" in page and "Lives in the group&#x27;s area" in page
    assert 'id="map-data"' in page and "vendor/leaflet/leaflet.js" in page
    features = response.context["map_data"]["features"]
    assert [f["properties"]["kind"] for f in features] == ["group", "applicant"]
    assert features[1]["geometry"]["coordinates"] == [5.31, 50.755]


def test_failed_checks_are_shown_as_problems(client, world, desk):
    add_member(world.group_a, 60, phone="+32470111111")  # the applicant's number is already in the group
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:application_detail", args=[desk.app_a.pk]))
    checks = {c.name: c.ok for c in response.context["checks"]}
    assert checks["duplicate"] is False and checks["email"] is True
    page = response.content.decode()
    assert page.count('class="badge bad"') == 1 and "Phone number already in the group" in page


def test_the_tile_layer_comes_from_the_setting(client, world, desk, settings):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_detail", args=[desk.app_a.pk])).content.decode()
    assert 'data-tile-url=""' in page
    settings.BUURTWACHT_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    page = client.get(reverse("staff:application_detail", args=[desk.app_a.pk])).content.decode()
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in page


def test_viewing_an_application_is_recorded(client, world, desk):
    client.force_login(world.admin_a)
    client.get(reverse("staff:application_detail", args=[desk.app_a.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_VIEWED)
    assert (event.actor, event.target_id, event.group_id, event.municipality_id) == (
        world.admin_a,
        str(desk.app_a.pk),
        world.group_a.pk,
        world.testdorp.pk,
    )


def test_the_list_records_which_applications_were_shown_per_group(client, world, desk):
    client.force_login(world.coordinator)
    client.get(reverse("staff:application_list"))
    events = {e.group_id: e for e in AuditEvent.objects.filter(action=AuditEvent.Action.APPLICATION_VIEWED)}
    assert set(events) == {world.group_a.pk, world.group_b.pk}
    assert events[world.group_a.pk].data["ids"] == [desk.app_a.pk]
    assert events[world.group_b.pk].data["ids"] == [desk.app_b.pk]
    assert all(e.actor == world.coordinator for e in events.values())


def test_list_puts_waiting_applications_first_and_filters(client, world, desk):
    decided = make_application(world.group_a, World.ADDRESS_A, full_name="Daan Beslist", phone="0470 44 44 44")
    client.force_login(world.admin_a)
    client.post(reverse("staff:application_reject", args=[decided.pk]), {"reason": "Dubbel."})
    unconfirmed = make_application(
        world.group_a, World.ADDRESS_A, confirm=False, full_name="Uma Later", phone="0470 55 55 55"
    )
    page = client.get(reverse("staff:application_list")).content.decode()
    order = [m.start() for m in (re.search(name, page) for name in ("Anna Noord", "Daan Beslist"))]
    assert order == sorted(order)
    assert "Uma Later" not in page  # unconfirmed: not shown to the admin
    page = client.get(reverse("staff:application_list"), {"status": "rejected"}).content.decode()
    assert "Daan Beslist" in page and "Anna Noord" not in page and "Uma Later" not in page
    # A status the filter does not offer (waiting for the e-mail confirmation) shows no unconfirmed one.
    page = client.get(reverse("staff:application_list"), {"status": "submitted", "group": world.group_a.pk})
    assert unconfirmed.pk not in [a.pk for a in page.context["page"].object_list]
    assert "Uma Later" not in page.content.decode()
    assert unconfirmed.status == Application.Status.SUBMITTED


def test_the_status_filter_offers_only_what_the_desk_can_list(client, world, desk):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_list")).content.decode()
    assert 'value="confirmed"' in page and 'value="approved"' in page
    # Applications still waiting for their e-mail confirmation never reach the desk.
    assert 'value="submitted"' not in page
    response = client.get(reverse("staff:application_list"), {"status": "submitted"})
    assert response.status_code == 200 and "status" in response.context["form"].errors
