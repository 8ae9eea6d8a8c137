"""The municipality's set-up over the API: groups, their admins and police zones, through the
desk's services, with their rules, refusals and the Idempotency-Key."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from apps.groups.models import AdminInvitation, Group, GroupAdmin
from apps.municipalities.models import PoliceZone
from testkit.world import build_world

from .utils import bearer

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    return build_world()


def call(method, path, user=None, body=None, **headers):
    client = Client()
    if user is not None:
        headers.update(bearer(user))
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json", headers=headers)


def group_body(world, **extra):
    return {"area_id": world.group_a.area_id, "name": "Testdorp Noord-Oost", "capacity": 100, **extra}


def test_a_coordinator_creates_a_group_once_with_a_key(world):
    response = call("POST", "/api/v1/groups", world.coordinator, group_body(world), **{"Idempotency-Key": "k-1"})
    assert response.status_code == 201, response.content
    again = call("POST", "/api/v1/groups", world.coordinator, group_body(world), **{"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == response.json()["id"]
    other = call("POST", "/api/v1/groups", world.coordinator, group_body(world, name="X"), **{"Idempotency-Key": "k-1"})
    assert other.status_code == 422
    assert Group.objects.filter(name="Testdorp Noord-Oost").count() == 1
    assert not Group.objects.filter(name="X").exists()


def test_the_same_create_without_a_key_within_a_minute_is_one_group(world):
    call("POST", "/api/v1/groups", world.coordinator, group_body(world))
    call("POST", "/api/v1/groups", world.coordinator, group_body(world))
    assert Group.objects.filter(name="Testdorp Noord-Oost").count() == 1


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"name": "x" * 161}, "name"),
        ({"capacity": 1}, "capacity"),
        ({"capacity": 100_000}, "capacity"),
        ({"status": "paused"}, "status"),
        ({"area_id": 999_999}, "area_id"),
        ({"invite_link": "https://example.org/join"}, "invite_link"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(world, extra, field):
    before = Group.objects.count()
    response = call("POST", "/api/v1/groups", world.coordinator, group_body(world, **extra))
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert Group.objects.count() == before


def test_an_area_of_another_municipality_is_refused(world):
    response = call("POST", "/api/v1/groups", world.coordinator, group_body(world, area_id=world.group_nl.area_id))
    assert response.status_code == 400 and "area_id" in response.json()["errors"]


@pytest.mark.parametrize("who", ["coordinator_nl", "admin_a", "police", "anonymous"])
def test_others_may_not_create_or_change_a_group(world, who):
    user = None if who == "anonymous" else getattr(world, who)
    body = group_body(world, municipality_id=world.testdorp.pk)
    created = call("POST", "/api/v1/groups", user, body)
    assert created.status_code in (401, 403)
    changed = call("PATCH", f"/api/v1/groups/{world.group_a.pk}", user, {"capacity": 50})
    assert changed.status_code in (401, 403, 404)
    world.group_a.refresh_from_db()
    assert world.group_a.capacity != 50 and not Group.objects.filter(name=body["name"]).exists()


def test_a_coordinator_changes_a_group(world):
    response = call("PATCH", f"/api/v1/groups/{world.group_a.pk}", world.coordinator, {"capacity": 50})
    assert response.status_code == 200 and response.json()["capacity"] == 50
    assert call("PATCH", f"/api/v1/groups/{world.group_a.pk}", world.coordinator, {"name": None}).status_code == 400


def test_admins_appointed_invited_and_removed(world):
    path = f"/api/v1/groups/{world.group_a.pk}/admins"
    # An account of the municipality: appointed at once.
    appointed = call("POST", path, world.coordinator, {"user_id": world.admin_b.pk, "role": "co_admin"})
    assert appointed.status_code == 201 and appointed.json()["result"] == "appointed"
    # Someone of another municipality: invited, not appointed.
    invited = call("POST", path, world.coordinator, {"email": world.coordinator_nl.email})
    assert invited.status_code == 202 and invited.json()["result"] == "invited"
    assert not GroupAdmin.objects.filter(group=world.group_a, user=world.coordinator_nl).exists()
    assert AdminInvitation.objects.filter(group=world.group_a, user=world.coordinator_nl).count() == 1
    # A person without an account: invited with a new account.
    new = call(
        "POST",
        path,
        world.coordinator,
        {"email": "nieuw@example.org", "full_name": "Nieuw Lid", "phone": "0470 55 55 55"},
    )
    assert new.status_code == 202, new.content
    listed = call("GET", path, world.admin_a).json()
    assert {a["user_id"] for a in listed["admins"]} >= {world.admin_a.pk, world.admin_b.pk}
    assert len(listed["invitations"]) == 2
    assert call("DELETE", f"{path}/{world.admin_b.pk}", world.coordinator).status_code == 204
    assert not GroupAdmin.objects.filter(group=world.group_a, user=world.admin_b).exists()
    # Neither or both of user_id and email; an unknown user.
    assert call("POST", path, world.coordinator, {}).status_code == 400
    assert call("POST", path, world.coordinator, {"user_id": 999_999}).status_code == 400
    # An admin may not appoint; another municipality's coordinator does not see the group.
    assert call("POST", path, world.admin_a, {"user_id": world.nobody.pk}).status_code == 403
    assert call("POST", path, world.coordinator_nl, {"user_id": world.nobody.pk}).status_code == 404
    assert call("DELETE", f"{path}/{world.admin_a.pk}", world.admin_b).status_code == 404
    assert GroupAdmin.objects.filter(group=world.group_a, user=world.admin_a).exists()


def test_police_zones(world):
    assert call("GET", "/api/v1/police-zones", world.coordinator).status_code == 200
    assert call("GET", "/api/v1/police-zones", world.admin_a).status_code == 403
    body = {"name": "PZ Nieuw", "country": "BE", "municipality_ids": [world.testdorp.pk]}
    assert call("POST", "/api/v1/police-zones", world.coordinator, body).status_code == 403
    created = call("POST", "/api/v1/police-zones", world.superuser, body)
    assert created.status_code == 201, created.content
    assert call("POST", "/api/v1/police-zones", world.superuser, body).status_code == 201  # the same, once
    assert PoliceZone.objects.filter(name="PZ Nieuw").count() == 1
    taken = call("POST", "/api/v1/police-zones", world.superuser, {**body, "name": "pz testzone"})
    assert taken.status_code == 400 and "name" in taken.json()["errors"]
    wrong_country = call("POST", "/api/v1/police-zones", world.superuser, {**body, "name": "PZ X", "country": "NL"})
    assert wrong_country.status_code == 400 and "municipality_ids" in wrong_country.json()["errors"]
    zone = world.zone
    # A coordinator links or unlinks only their own municipality, and changes nothing else.
    assert (
        call("PATCH", f"/api/v1/police-zones/{zone.pk}", world.coordinator, {"municipality_ids": []}).status_code == 200
    )
    assert not zone.municipalities.exists()
    assert call("PATCH", f"/api/v1/police-zones/{zone.pk}", world.coordinator, {"name": "Andere"}).status_code == 403
    nl = call("PATCH", f"/api/v1/police-zones/{world.zone_nl.pk}", world.coordinator, {"municipality_ids": []})
    assert nl.status_code == 403
    assert world.zone_nl.municipalities.filter(pk=world.grensstad.pk).exists()
    assert (
        call("PATCH", f"/api/v1/police-zones/{zone.pk}", world.police_nl, {"municipality_ids": []}).status_code == 403
    )
    assert call("PATCH", f"/api/v1/police-zones/{zone.pk}", None, {"municipality_ids": []}).status_code == 401
    zone.refresh_from_db()
    assert zone.name == "PZ Testzone"
