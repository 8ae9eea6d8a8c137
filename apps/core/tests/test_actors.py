"""Who acts is always said: a person, ``SYSTEM`` or ``PUBLIC``. A service handed ``None`` refuses
and writes nothing, and one called without ``actor`` fails before it does anything."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from apps.accounts.models import User
from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of, is_operator, is_person, is_system, require_actor
from apps.groups import services as groups
from apps.groups.invitations import invite_user
from apps.groups.models import Group, GroupAdmin
from apps.members import services as members
from apps.members.models import Member
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.municipalities.services import publish_house_rules
from testkit.world import World, add_member, application_data, box


def test_the_named_actors():
    assert is_system(SYSTEM) and not is_system(PUBLIC) and not is_system(None)
    assert not is_person(SYSTEM) and not is_person(PUBLIC) and not is_person(None)
    assert account_of(SYSTEM) is None and account_of(PUBLIC) is None
    with pytest.raises(PermissionDenied):
        require_actor(None)


def test_a_person_is_a_person(world: World):
    assert is_person(world.admin_a) and account_of(world.admin_a) is world.admin_a
    assert is_operator(world.superuser) and not is_operator(world.coordinator)
    world.admin_a.is_active = False
    assert not is_person(world.admin_a) and account_of(world.admin_a) is None


def _pending(world: World):
    form = ApplicationForm(application_data(World.ADDRESS_A), country="BE")
    assert form.is_valid(), form.errors
    app = applications.submit(world.group_a, form.cleaned_data).application
    return applications.confirm(applications.confirmation_token(app))


def _failed_message(world: World) -> OutgoingMessage:
    return OutgoingMessage.objects.create(
        recipient="x@example.org",
        subject="s",
        body="b",
        topic="t",
        dedupe_key="t:1",
        status="failed",
        group_id=world.group_a.pk,
    )


def _nothing(world: World):
    return None


# name: (set-up that returns what the call works on, the call)
CALLS = {
    "record": (_nothing, lambda w, _o, actor: record(actor, AuditEvent.Action.GROUP_CREATED, w.group_a)),
    "save_area": (
        _nothing,
        lambda w, _o, actor: save_area(
            municipality=w.testdorp, name="Nieuw", geometry=box(5.5, 50.5, 5.51, 50.51), actor=actor
        ),
    ),
    "publish_house_rules": (
        _nothing,
        lambda w, _o, actor: publish_house_rules(w.testdorp, title="T", text="x", actor=actor),
    ),
    "save_group": (
        _nothing,
        lambda w, _o, actor: groups.save_group(
            actor=actor,
            municipality=w.testdorp,
            area=w.group_a.area,
            name="X",
            status="active",
            capacity=5,
            group=w.group_a,
        ),
    ),
    "appoint_admin": (
        _nothing,
        lambda w, _o, actor: groups.appoint_admin(actor=actor, group=w.group_a, user=w.admin_b),
    ),
    "invite_user": (
        _nothing,
        lambda w, _o, actor: invite_user(actor, w.testdorp, "Rik De Smet", "rik@example.be", "0470 12 34 56"),
    ),
    "approve": (_pending, lambda w, app, actor: applications.approve(app, actor=actor)),
    "reject": (_pending, lambda w, app, actor: applications.reject(app, actor=actor, reason="Nee")),
    "remove_member": (
        lambda w: add_member(w.group_a, 1),
        lambda w, member, actor: members.remove(member, actor=actor, reason="Regels"),
    ),
    "stop_alerts": (
        lambda w: add_member(w.group_a, 1, alerts_opt_in_at=timezone.now()),
        lambda w, member, actor: members.stop_alerts(member, actor=actor, via=members.Via.ADMIN),
    ),
    "retry": (_failed_message, lambda w, message, actor: messaging.retry(message, actor=actor)),
}


def _state():
    return (
        AuditEvent.objects.count(),
        OutgoingMessage.objects.filter(status="queued").count(),
        list(Area.objects.values_list("pk", "name")),
        list(Group.objects.values_list("pk", "name", "status")),
        list(GroupAdmin.objects.values_list("pk", "user_id")),
        list(Application.objects.values_list("pk", "status")),
        list(Member.objects.values_list("pk", "left_at", "alerts_opt_out_at")),
        User.objects.count(),
    )


@pytest.mark.parametrize("name", sorted(CALLS))
def test_none_is_refused_and_nothing_is_written(world: World, name):
    setup, call = CALLS[name]
    target = setup(world)
    before = _state()
    with pytest.raises(PermissionDenied):
        call(world, target, None)
    assert _state() == before


@pytest.mark.parametrize("name", ["publish_house_rules", "save_area", "approve", "remove_member", "retry"])
def test_public_passes_no_permission_check(world: World, name):
    setup, call = CALLS[name]
    target = setup(world)
    before = _state()
    with pytest.raises(PermissionDenied):
        call(world, target, PUBLIC)
    assert _state() == before


@pytest.mark.parametrize("name", ["save_area", "publish_house_rules", "appoint_admin", "retry"])
def test_the_system_may(world: World, name):
    setup, call = CALLS[name]
    call(world, setup(world), SYSTEM)


def test_a_forgotten_actor_fails_before_anything_happens(world: World):
    rules = world.testdorp.house_rules.count()
    with pytest.raises(TypeError):
        publish_house_rules(world.testdorp, title="T", text="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        save_area(municipality=world.testdorp, name="N", geometry=box(5.5, 50.5, 5.51, 50.51))  # type: ignore[call-arg]
    assert world.testdorp.house_rules.count() == rules
