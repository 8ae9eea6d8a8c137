"""A full group: the applicant is told at once, may join the waiting list (first come, first
served) or a group nearby, and the first waiting applicant moves on to the admins, told by
e-mail, as soon as a place frees."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.applications.places import is_full, places_free, position_on_waiting_list
from apps.areas import neighbours
from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.members.services import remove
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member, application_data


def submit(world: World, group=None, **overrides) -> services.Submitted:
    form = ApplicationForm(application_data(World.ADDRESS_A, **overrides), country="BE")
    assert form.is_valid(), form.errors
    return services.submit(group or world.group_a, form.cleaned_data, language="en")


def fill(group, capacity: int = 2) -> None:
    group.capacity = capacity
    group.save()
    for n in range(1, capacity + 1):
        add_member(group, 100 + n)


def on_waiting_list(world: World, phone: str, email: str = "wacht@example.org") -> Application:
    app = submit(world, phone=phone, email=email, waiting_list="on").application
    return services.confirm(services.confirmation_token(app))


def test_a_full_group_refuses_at_once_names_the_groups_nearby_and_stores_nothing(world: World):
    neighbours.recompute()
    fill(world.group_a)
    assert is_full(world.group_a)
    before = (Application.objects.count(), OutgoingMessage.objects.count(), AuditEvent.objects.count())
    with pytest.raises(services.GroupFull) as excinfo:
        submit(world)
    assert excinfo.value.code == "full"
    assert "waiting_list" in excinfo.value.error_dict
    assert "Testdorp Noord" in excinfo.value.error_dict["waiting_list"][0].messages[0]
    # group B touches group A's area and has places; the Dutch group lies far away
    assert [g.name for g in excinfo.value.neighbours] == ["Testdorp Zuid"]
    assert (Application.objects.count(), OutgoingMessage.objects.count(), AuditEvent.objects.count()) == before


def test_a_full_group_next_door_is_not_offered(world: World):
    neighbours.recompute()
    fill(world.group_a)
    fill(world.group_b)
    with pytest.raises(services.GroupFull) as excinfo:
        submit(world)
    assert excinfo.value.neighbours == []


def test_applications_on_the_admins_table_take_places(world: World):
    # 1 member and 1 confirmed application in a group of 2: the next one is told it is full.
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    first = submit(world).application
    services.confirm(services.confirmation_token(first))
    assert places_free(world.group_a) == 0
    with pytest.raises(services.GroupFull):
        submit(world, phone="0470 22 22 22")


def test_joining_the_waiting_list(world: World):
    fill(world.group_a)
    submitted = submit(world, waiting_list="on")
    app = submitted.application
    assert app.status == Application.Status.SUBMITTED
    mail = OutgoingMessage.objects.get(topic="application.confirm")
    assert "waiting list" in mail.body
    app = services.confirm(services.confirmation_token(app))
    assert app.status == Application.Status.WAITING and app.to_admin_at is None
    assert position_on_waiting_list(app) == 1
    # The applicant is told; the admins are not (nothing to decide yet).
    waiting = OutgoingMessage.objects.get(topic="application.waiting")
    assert waiting.recipient == app.email and "number 1" in waiting.body
    assert not OutgoingMessage.objects.filter(topic="application.new_for_admin").exists()
    assert AuditEvent.objects.filter(action="application.waitlisted", target_id=str(app.pk)).count() == 1
    # The admin cannot approve past the list.
    with pytest.raises(ValidationError) as excinfo:
        services.approve(app, actor=world.admin_a)
    assert excinfo.value.code == "waiting"
    assert Member.objects.filter(phone=app.phone).count() == 0


def test_a_free_place_goes_to_the_first_on_the_list_who_is_told(world: World):
    fill(world.group_a)
    first = on_waiting_list(world, "0470 31 31 31", "eerste@example.org")
    second = on_waiting_list(world, "0470 32 32 32", "tweede@example.org")
    assert [position_on_waiting_list(first), position_on_waiting_list(second)] == [1, 2]
    member = Member.objects.filter(group=world.group_a).first()
    remove(member, actor=world.admin_a, reason="Verhuisd")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == Application.Status.CONFIRMED and first.to_admin_at is not None
    assert second.status == Application.Status.WAITING and position_on_waiting_list(second) == 1
    told = OutgoingMessage.objects.get(topic="application.place_freed")
    assert told.recipient == "eerste@example.org"
    to_admins = OutgoingMessage.objects.filter(topic="application.new_for_admin")
    assert sorted(m.recipient for m in to_admins) == sorted([world.admin_a.email, world.co_admin_a.email])
    assert AuditEvent.objects.filter(action="application.place_freed", target_id=str(first.pk)).count() == 1
    # ... and the admin can now approve it.
    services.approve(first, actor=world.admin_a)
    assert Member.objects.current().filter(group=world.group_a).count() == 2


def test_a_rejection_or_a_withdrawal_frees_the_place_it_held(world: World):
    world.group_a.capacity = 2
    world.group_a.save()
    add_member(world.group_a, 1)
    held = submit(world).application
    held = services.confirm(services.confirmation_token(held))
    waiting = on_waiting_list(world, "0470 41 41 41")
    services.reject(held, actor=world.admin_a, reason="Woont niet in de buurt")
    waiting.refresh_from_db()
    assert waiting.status == Application.Status.CONFIRMED
    later = on_waiting_list(world, "0470 42 42 42", "later@example.org")
    services.withdraw(waiting)
    later.refresh_from_db()
    assert later.status == Application.Status.CONFIRMED


def test_a_raised_capacity_fills_the_list_within_the_hour(world: World):
    fill(world.group_a)
    app = on_waiting_list(world, "0470 51 51 51")
    world.group_a.capacity = 3
    world.group_a.save()
    services.hourly()
    app.refresh_from_db()
    assert app.status == Application.Status.CONFIRMED
    assert OutgoingMessage.objects.filter(topic="application.place_freed").count() == 1
    services.hourly()  # nothing more to do
    assert OutgoingMessage.objects.filter(topic="application.place_freed").count() == 1


def test_waiting_applications_do_not_expire_and_can_be_withdrawn(world: World):
    fill(world.group_a)
    app = on_waiting_list(world, "0470 61 61 61")
    with time_machine.travel(timezone.now() + dt.timedelta(days=400)):
        assert services.expire_stale_applications() == 0
    app.refresh_from_db()
    assert app.status == Application.Status.WAITING
    services.withdraw(app)
    app.refresh_from_db()
    assert app.status == Application.Status.WITHDRAWN


def test_one_open_application_per_phone_counts_the_waiting_list(world: World):
    fill(world.group_a)
    on_waiting_list(world, "0470 71 71 71")
    with pytest.raises(ValidationError) as excinfo:
        submit(world, phone="0470 71 71 71", waiting_list="on")
    assert "phone" in excinfo.value.error_dict
