"""A member's consent to alerts on the desk: the group's own admin records a stop (or a new
start) at the member's request; nobody else can, and a refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.members import services
from apps.members.alerts import ALERTS_CONSENT_VERSION
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import send_broadcast
from testkit.world import World, add_member


@pytest.fixture(autouse=True)
def _english(settings):
    settings.LANGUAGE_CODE = "en"


def opted_in(group, n=11, **extra) -> Member:
    return add_member(group, n, alerts_opt_in_at=timezone.now(), alerts_consent_text="Ja.", **extra)


def snapshot(member: Member) -> tuple:
    member.refresh_from_db()
    return (member.alerts_opt_in_at, member.alerts_consent_text, member.alerts_opt_out_at, member.alerts_opt_out_by_id)


def alert_events():
    return AuditEvent.objects.filter(
        action__in=[AuditEvent.Action.MEMBER_ALERTS_OPTED_IN, AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT]
    )


def test_the_groups_admin_records_the_stop(client, world: World):
    member = opted_in(world.group_a)
    client.force_login(world.admin_a)
    response = client.post(reverse("staff:member_alerts_stop", args=[member.pk]))
    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.receives_alerts and member.alerts_opt_out_by == world.admin_a
    [event] = alert_events()
    assert event.action == AuditEvent.Action.MEMBER_ALERTS_OPTED_OUT
    assert event.actor == world.admin_a and event.data == {"via": "admin"} and event.group_id == world.group_a.pk
    # Twice: nothing more changes.
    client.post(reverse("staff:member_alerts_stop", args=[member.pk]))
    assert alert_events().count() == 1


@pytest.mark.parametrize(("who", "status"), [("coordinator", 403), ("police", 404), ("admin_b", 404)])
def test_others_cannot_record_a_stop_and_nothing_changes(client, world: World, who, status):
    member = opted_in(world.group_a)
    before = snapshot(member)
    client.force_login(getattr(world, who))
    assert client.post(reverse("staff:member_alerts_stop", args=[member.pk])).status_code == status
    assert snapshot(member) == before and not alert_events().exists()


@pytest.mark.parametrize(("who", "status"), [("coordinator", 403), ("police", 404), ("admin_b", 404)])
def test_others_cannot_record_a_start_and_nothing_changes(client, world: World, who, status):
    member = add_member(world.group_a, 11)
    before = snapshot(member)
    client.force_login(getattr(world, who))
    response = client.post(reverse("staff:member_alerts_start", args=[member.pk]), {"member_asked": "on"})
    assert response.status_code == status
    assert snapshot(member) == before and not alert_events().exists()


def test_the_service_refuses_the_coordinator_too(world: World):
    member = opted_in(world.group_a)
    before = snapshot(member)
    with pytest.raises(PermissionDenied):
        services.stop_alerts(member, actor=world.coordinator, via=services.Via.ADMIN)
    with pytest.raises(PermissionDenied):
        services.stop_alerts(member, actor=world.admin_b, via=services.Via.ADMIN)
    assert snapshot(member) == before and not alert_events().exists()


def test_a_get_changes_nothing(client, world: World):
    member = opted_in(world.group_a)
    before = snapshot(member)
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_alerts_stop", args=[member.pk]))
    assert response.status_code == 302 and response.url == reverse("staff:dashboard")
    assert snapshot(member) == before


def test_the_admin_records_a_new_start_at_the_members_request(client, world: World):
    member = opted_in(world.group_a, alerts_opt_out_at=timezone.now())
    client.force_login(world.admin_a)
    url = reverse("staff:member_alerts_start", args=[member.pk])
    # Without saying the member asked for it: refused, nothing changes.
    before = snapshot(member)
    client.post(url)
    assert snapshot(member) == before and not alert_events().exists()
    client.post(url, {"member_asked": "on"})
    member.refresh_from_db()
    assert member.receives_alerts and member.alerts_opt_out_by is None
    assert member.alerts_consent_text.startswith("Also send me alerts from the police")
    [event] = alert_events()
    assert event.action == AuditEvent.Action.MEMBER_ALERTS_OPTED_IN and event.actor == world.admin_a
    assert event.data["via"] == "admin" and event.data["wording"] == ALERTS_CONSENT_VERSION
    # Already receiving: a clear refusal, no second event.
    with pytest.raises(ValidationError):
        services.start_alerts(member, actor=world.admin_a, member_asked=True)
    assert alert_events().count() == 1


def test_a_member_who_left_cannot_be_started(world: World):
    member = add_member(world.group_a, 11, left_at=timezone.now())
    with pytest.raises(ValidationError):
        services.start_alerts(member, actor=world.admin_a, member_asked=True)
    member.refresh_from_db()
    assert member.alerts_opt_in_at is None and not alert_events().exists()


def test_member_list_shows_the_choice_and_buttons_only_to_the_groups_admin(client, world: World):
    opted_in(world.group_a, 11)
    add_member(world.group_a, 12)
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:member_list", args=[world.group_a.pk])).content.decode()
    assert "Receives police and municipality alerts" in page and "Does not receive alerts" in page
    assert "Stop the alerts for Lid 11" in page and "Start the alerts for Lid 12" in page
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:member_list", args=[world.group_a.pk])).content.decode()
    assert "Receives police and municipality alerts" in page
    assert "Stop the alerts for" not in page and "Start the alerts for" not in page


def test_removal_cancels_alerts_still_waiting(world: World):
    member = opted_in(world.group_a)
    send_broadcast(
        actor=world.police, urgency="green", subject="x", text="y", zone_id=world.zone.pk,
        audience="admins_and_members",
    )  # fmt: skip
    waiting = OutgoingMessage.objects.get(member_id=member.pk)
    OutgoingMessage.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now() + dt.timedelta(hours=8))
    services.remove(member, actor=world.admin_a, reason="Verhuisd")
    waiting.refresh_from_db()
    assert waiting.status == OutgoingMessage.Status.CANCELLED


def test_retry_of_a_failed_alert_is_refused_after_a_stop(world: World):
    from apps.messaging.services import retry

    member = opted_in(world.group_a)
    send_broadcast(
        actor=world.police, urgency="red", subject="x", text="y", zone_id=world.zone.pk,
        audience="admins_and_members",
    )  # fmt: skip
    message = OutgoingMessage.objects.get(member_id=member.pk)
    OutgoingMessage.objects.filter(pk=message.pk).update(status=OutgoingMessage.Status.FAILED)
    services.stop_alerts(member, actor=world.admin_a, via=services.Via.ADMIN)
    assert retry(message, actor=world.admin_a) is False
    message.refresh_from_db()
    assert message.status == OutgoingMessage.Status.FAILED
