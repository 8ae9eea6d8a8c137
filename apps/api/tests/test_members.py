"""GET /api/v1/groups/{id}/members: the current members, for those who manage the group."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.audit.models import AuditEvent
from testkit.world import World, add_member

from .utils import bearer


def url(group) -> str:
    return f"/api/v1/groups/{group.pk}/members"


def test_admin_gets_the_current_members_with_their_contact_data(client, world: World):
    add_member(world.group_a, 2, full_name="Bert Aerts")
    add_member(world.group_a, 1, full_name="Anna Aerts", email="anna@example.org")
    gone = add_member(world.group_a, 3, full_name="Carl Gone")
    gone.left_at = timezone.now()
    gone.save()
    add_member(world.group_b, 4, full_name="Other Group")
    response = client.get(url(world.group_a), headers=bearer(world.admin_a))
    assert response.status_code == 200
    body = response.json()
    assert body["group"]["slug"] == "testdorp-noord" and body["count"] == 2
    assert [m["full_name"] for m in body["items"]] == ["Anna Aerts", "Bert Aerts"]
    anna = body["items"][0]
    assert (anna["phone"], anna["email"]) == ("+32478000001", "anna@example.org")
    # The date of birth is not kept: only the day the member was found to be 18 or older.
    assert "birth_date" not in anna and anna["age_checked_on"] == timezone.localdate().isoformat()


def test_reading_members_is_audited(client, world: World):
    add_member(world.group_a, 1)
    client.get(url(world.group_a), headers=bearer(world.coordinator))
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERS_VIEWED)
    assert (event.actor, event.group_id, event.municipality_id) == (
        world.coordinator,
        world.group_a.pk,
        world.testdorp.pk,
    )
    assert event.data["count"] == 1


@pytest.mark.parametrize(
    ("actor", "group"),
    [("admin_a", "group_b"), ("police", "group_a"), ("coordinator_nl", "group_a"), ("coordinator", "group_nl")],
)
def test_groups_out_of_reach_are_not_found(client, world: World, actor, group):
    add_member(getattr(world, group), 1)
    response = client.get(url(getattr(world, group)), headers=bearer(getattr(world, actor)))
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MEMBERS_VIEWED).exists()


def test_coordinator_reads_every_group_of_the_municipality(client, world: World):
    headers = bearer(world.coordinator)
    assert client.get(url(world.group_a), headers=headers).status_code == 200
    assert client.get(url(world.group_b), headers=headers).status_code == 200
    assert client.get("/api/v1/groups/999999/members", headers=headers).status_code == 404
