"""Confirming, approving, rejecting, withdrawing and expiring applications."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.applications import services
from apps.applications.checks import checks
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member, application_data


def apply(world: World, group=None, address=None, **overrides) -> services.Submitted:
    form = ApplicationForm(application_data(address or World.ADDRESS_A, **overrides), country="BE")
    assert form.is_valid(), form.errors
    return services.submit(group or world.group_a, form.cleaned_data)


def confirmed(world: World, **kw) -> Application:
    app = apply(world, **kw).application
    return services.confirm(services.confirmation_token(app))


def test_confirmation_moves_to_admin_and_tells_the_admins(world: World):
    app = confirmed(world)
    assert app.status == Application.Status.CONFIRMED and app.confirmed_at
    # every admin of the group is told, co-admins included, each once
    admins = {role.user.email for role in world.group_a.admin_roles.select_related("user")}
    assert admins == {world.admin_a.email, world.co_admin_a.email}
    to_admins = OutgoingMessage.objects.filter(topic="application.new_for_admin")
    assert sorted(m.recipient for m in to_admins) == sorted(admins)
    # a second click changes nothing and queues nothing
    services.confirm(services.confirmation_token(app))
    assert OutgoingMessage.objects.filter(topic="application.new_for_admin").count() == len(admins)


def test_bad_and_expired_confirmation_links(world: World):
    app = apply(world).application
    with pytest.raises(ValidationError):
        services.confirm("garbage")
    with pytest.raises(ValidationError):
        services.confirm(services.confirmation_token(app) + "x")
    token = services.confirmation_token(app)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)), pytest.raises(ValidationError) as excinfo:
        services.confirm(token)
    assert "expired" in excinfo.value.code
    app.refresh_from_db()
    assert app.status == Application.Status.SUBMITTED


def test_approval_adds_member_and_sends_invite(world: World):
    app = confirmed(world)
    member = services.approve(app, actor=world.admin_a)
    app.refresh_from_db()
    assert app.status == Application.Status.APPROVED and app.member == member and app.decided_by == world.admin_a
    assert member.phone == app.phone and member.house_rules_version == app.house_rules_version
    welcome = OutgoingMessage.objects.get(topic="application.approved")
    assert world.group_a.invite_link in welcome.body
    assert "101" in welcome.body  # SAAR: the Belgian police number
    assert AuditEvent.objects.filter(action="application.approved", actor=world.admin_a).count() == 1


def test_welcome_is_in_the_language_the_resident_applied_in(world: World):
    from django.utils import translation

    with translation.override("en"):
        app = confirmed(world)
    services.approve(app, actor=world.admin_a)
    assert OutgoingMessage.objects.get(topic="application.approved").subject == "Welcome to Testdorp Noord"


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police"])
def test_others_cannot_decide_and_nothing_changes(world: World, who):
    app = confirmed(world)
    before = OutgoingMessage.objects.count(), AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        services.approve(app, actor=getattr(world, who))
    with pytest.raises(PermissionDenied):
        services.reject(app, actor=getattr(world, who), reason="nee")
    app.refresh_from_db()
    assert app.status == Application.Status.CONFIRMED
    assert Member.objects.count() == 0
    assert (OutgoingMessage.objects.count(), AuditEvent.objects.count()) == before


def test_coordinator_of_the_municipality_may_decide(world: World):
    services.approve(confirmed(world), actor=world.coordinator)
    assert Member.objects.count() == 1


def test_unconfirmed_application_cannot_be_approved(world: World):
    app = apply(world).application
    with pytest.raises(ValidationError):
        services.approve(app, actor=world.admin_a)
    assert Member.objects.count() == 0


def test_a_group_that_filled_up_after_the_confirmation_refuses_the_approval(world: World):
    # The capacity lowered on the desk after the application reached the admin.
    app = confirmed(world)
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    add_member(world.group_a, 2)
    app = Application.objects.get(pk=app.pk)
    assert [c.ok for c in checks(app) if c.name == "capacity"] == [False]
    with pytest.raises(ValidationError) as excinfo:
        services.approve(app, actor=world.admin_a)
    assert excinfo.value.code == "full"
    app.refresh_from_db()
    assert app.status == Application.Status.CONFIRMED


def test_double_approval_is_harmless(world: World):
    app = confirmed(world)
    services.approve(app, actor=world.admin_a)
    with pytest.raises(ValidationError):
        services.approve(app, actor=world.admin_a)
    assert Member.objects.count() == 1
    assert OutgoingMessage.objects.filter(topic="application.approved").count() == 1


def test_rejection_needs_a_reason_and_tells_the_applicant(world: World):
    app = confirmed(world)
    with pytest.raises(ValidationError):
        services.reject(app, actor=world.admin_a, reason="  ")
    services.reject(app, actor=world.admin_a, reason="Adres niet in de buurt")
    app.refresh_from_db()
    assert app.status == Application.Status.REJECTED
    assert "Adres niet in de buurt" in OutgoingMessage.objects.get(topic="application.rejected").body


def test_withdrawal_then_a_new_application_is_possible(world: World):
    app = apply(world).application
    services.withdraw(app)
    with pytest.raises(ValidationError):
        services.withdraw(app)
    assert apply(world).application.status == Application.Status.SUBMITTED


def test_checks_show_age_area_and_duplicate(world: World):
    app = confirmed(world)
    by_name = {c.name: c for c in checks(app)}
    assert all(c.ok for c in by_name.values())
    add_member(world.group_a, 9, phone=app.phone)
    assert not {c.name: c for c in checks(app)}["duplicate"].ok


def test_stale_applications_expire(world: World):
    unconfirmed = apply(world).application
    waiting = confirmed(world, phone="0470 11 11 11")
    with time_machine.travel(timezone.now() + dt.timedelta(days=3)):
        assert services.expire_stale_applications() == 1
    unconfirmed.refresh_from_db()
    waiting.refresh_from_db()
    assert unconfirmed.status == Application.Status.EXPIRED
    assert waiting.status == Application.Status.CONFIRMED
    with time_machine.travel(timezone.now() + dt.timedelta(days=31)):
        assert services.expire_stale_applications() == 1
    waiting.refresh_from_db()
    assert waiting.status == Application.Status.EXPIRED
