"""Private application endpoints: each role sees and decides only within its reach."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.applications import services
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .utils import bearer, stored_application

LIST = "/api/v1/applications"


@pytest.fixture
def apps(world: World) -> dict[str, Application]:
    """Confirmed applications in A and B, and an unconfirmed one in A."""
    return {
        "a": stored_application(world.group_a, World.ADDRESS_A, confirmed=True),
        "a_unconfirmed": stored_application(
            world.group_a, World.ADDRESS_A, phone="0470 22 33 44", full_name="Els Janssens"
        ),
        "b": stored_application(
            world.group_b, World.ADDRESS_B, confirmed=True, phone="0470 55 44 33", full_name="Piet Claes"
        ),
    }


def listed(client, user, **query) -> list[int]:
    response = client.get(LIST, query, headers=bearer(user))
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


def test_admin_sees_only_the_applications_of_their_own_group(client, world: World, apps):
    # The unconfirmed one is not shown: the applicant has not confirmed their e-mail address.
    assert listed(client, world.admin_a) == [apps["a"].pk]
    assert listed(client, world.admin_b) == [apps["b"].pk]


def test_coordinator_sees_their_municipality_only_and_police_see_no_applicants(client, world: World, apps):
    assert len(listed(client, world.coordinator)) == 2
    assert listed(client, world.coordinator_nl) == []
    assert listed(client, world.police) == []
    assert len(listed(client, world.superuser)) == 2


def test_list_carries_the_applicants_data_and_filters_by_status(client, world: World, apps):
    response = client.get(LIST, {"status": "confirmed"}, headers=bearer(world.admin_a)).json()
    assert response["count"] == 1
    item = response["items"][0]
    assert item["id"] == apps["a"].pk
    assert item["group"] == {"id": world.group_a.pk, "slug": "testdorp-noord", "name": "Testdorp Noord"}
    assert (item["full_name"], item["phone"], item["email"], item["age_checked_on"]) == (
        "Jan Peeters",
        "+32470123456",
        "jan.peeters@example.org",
        timezone.localdate().isoformat(),
    )
    assert "birth_date" not in item
    assert item["status"] == "confirmed" and item["confirmed_at"] is not None


def test_list_is_paginated_newest_first(client, world: World, apps):
    headers = bearer(world.coordinator)
    first = client.get(LIST, {"limit": 2}, headers=headers).json()
    second = client.get(LIST, {"limit": 2, "offset": 2}, headers=headers).json()
    assert (first["count"], first["limit"], first["offset"]) == (2, 2, 0)
    assert [i["id"] for i in first["items"] + second["items"]] == [apps["b"].pk, apps["a"].pk]
    assert client.get(LIST, headers=headers).json()["limit"] == 50


@pytest.mark.parametrize(
    ("query", "field"),
    [({"limit": 201}, "limit"), ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"status": "bogus"}, "status")],
)
def test_bad_list_parameters_are_refused(client, world: World, query, field):
    response = client.get(LIST, query, headers=bearer(world.admin_a))
    assert response.status_code == 400 and field in response.json()["errors"]


def test_reading_the_list_is_audited_per_group(client, world: World, apps):
    listed(client, world.coordinator)
    events = AuditEvent.objects.filter(action=AuditEvent.Action.APPLICATION_VIEWED, actor=world.coordinator)
    by_group = {e.group_id: sorted(e.data["application_ids"]) for e in events}
    assert by_group == {
        world.group_a.pk: [apps["a"].pk],
        world.group_b.pk: [apps["b"].pk],
    }
    assert {e.municipality_id for e in events} == {world.testdorp.pk}


def test_detail_shows_the_checks_and_is_audited(client, world: World, apps):
    response = client.get(f"{LIST}/{apps['a'].pk}", headers=bearer(world.admin_a))
    assert response.status_code == 200
    body = response.json()
    assert body["full_name"] == "Jan Peeters"
    assert {c["name"]: c["ok"] for c in body["checks"]} == {
        "email": True,
        "area": True,
        "age": True,
        "duplicate": True,
        "capacity": True,
    }
    event = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_VIEWED)
    assert (event.actor, event.target_id, event.group_id) == (world.admin_a, str(apps["a"].pk), world.group_a.pk)


@pytest.mark.parametrize(
    ("actor", "target"),
    [("admin_a", "b"), ("admin_b", "a"), ("police", "a"), ("coordinator_nl", "a"), ("coordinator_nl", "b")],
)
def test_applications_out_of_reach_are_not_found_and_not_changed(client, world: World, apps, actor, target):
    user = getattr(world, actor)
    application = apps[target]
    headers = bearer(user)
    path = f"{LIST}/{application.pk}"
    assert client.get(path, headers=headers).status_code == 404
    assert client.post(f"{path}/approve", headers=headers).status_code == 404
    response = client.post(f"{path}/reject", {"reason": "Nee"}, content_type="application/json", headers=headers)
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED and application.decided_at is None
    assert Member.objects.count() == 0
    assert not AuditEvent.objects.filter(actor=user).exists()


def test_unknown_application_is_not_found(client, world: World, apps):
    assert client.get(f"{LIST}/999999", headers=bearer(world.superuser)).status_code == 404


@pytest.mark.parametrize("actor", ["admin_a", "coordinator"])
def test_approve_makes_a_member_and_sends_the_invite(client, world: World, apps, actor):
    response = client.post(f"{LIST}/{apps['a'].pk}/approve", headers=bearer(getattr(world, actor)))
    assert response.status_code == 200, response.content
    body = response.json()
    member = Member.objects.get()
    assert body["status"] == "approved" and body["member_id"] == member.pk and body["decided_at"]
    assert (member.group, member.phone) == (world.group_a, "+32470123456")
    welcome = OutgoingMessage.objects.get(topic="application.approved")
    assert "INVITEnoord" in welcome.body
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.APPLICATION_APPROVED, actor=getattr(world, actor)
    ).exists()


def test_decided_application_cannot_be_approved_again(client, world: World, apps):
    headers = bearer(world.admin_a)
    assert client.post(f"{LIST}/{apps['a'].pk}/approve", headers=headers).status_code == 200
    again = client.post(f"{LIST}/{apps['a'].pk}/approve", headers=headers)
    assert again.status_code == 400 and again.json()["errors"]["__all__"]
    assert Member.objects.count() == 1


def test_unconfirmed_application_cannot_be_approved(client, world: World, apps):
    # Not shown to the admin at all until the applicant confirms: out of reach, like another group's.
    response = client.post(f"{LIST}/{apps['a_unconfirmed'].pk}/approve", headers=bearer(world.admin_a))
    assert response.status_code == 404
    assert Member.objects.count() == 0
    assert Application.objects.get(pk=apps["a_unconfirmed"].pk).status == Application.Status.SUBMITTED


def test_full_group_cannot_take_the_applicant(client, world: World, apps):
    world.group_a.capacity = 2
    world.group_a.save()
    from testkit.world import add_member

    add_member(world.group_a, 1)
    add_member(world.group_a, 2)
    response = client.post(f"{LIST}/{apps['a'].pk}/approve", headers=bearer(world.admin_a))
    assert response.status_code == 400
    apps["a"].refresh_from_db()
    assert apps["a"].status == Application.Status.CONFIRMED


def test_reject_needs_a_reason_and_tells_the_applicant(client, world: World, apps):
    headers = bearer(world.admin_a)
    path = f"{LIST}/{apps['a'].pk}/reject"
    for body in ({}, {"reason": "   "}):
        response = client.post(path, body, content_type="application/json", headers=headers)
        assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = client.post(
        path, {"reason": "Woont buiten het gebied."}, content_type="application/json", headers=headers
    )
    assert response.status_code == 200
    assert response.json()["status"] == "rejected"
    assert response.json()["decision_reason"] == "Woont buiten het gebied."
    assert "Woont buiten het gebied." in OutgoingMessage.objects.get(topic="application.rejected").body


def test_refusal_by_the_service_answers_403(client, world: World, apps, monkeypatch):
    from django.core.exceptions import PermissionDenied

    def refuse(application, *, actor):
        raise PermissionDenied

    monkeypatch.setattr(services, "approve", refuse)
    response = client.post(f"{LIST}/{apps['a'].pk}/approve", headers=bearer(world.admin_a))
    assert response.status_code == 403 and response.json()["detail"]
