"""The street-sign workflow through its one write path: who may do which step, which steps
follow which, and that every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality
from apps.signs import services
from apps.signs.models import StreetSign
from testkit.world import World, box

from .helpers import IN_A, IN_B, IN_GRENSSTAD, NOWHERE, snapshot

State = StreetSign.State


def ask(world: World, actor=None, group=None, **where) -> StreetSign:
    return services.request_sign(
        actor=actor or world.admin_a, group=group or world.group_a, road="Steenweg", **(where or IN_A)
    )


def test_an_admin_asks_for_a_sign_and_the_coordinators_are_told(world: World):
    sign = ask(world)
    assert sign.state == State.REQUESTED
    assert sign.municipality == world.testdorp
    assert sign.requested_by == world.admin_a
    assert len(sign.token) >= 12
    event = AuditEvent.objects.get(action=AuditEvent.Action.SIGN_REQUESTED)
    assert (event.actor, event.target_id, event.group_id) == (world.admin_a, str(sign.pk), world.group_a.pk)
    told = OutgoingMessage.objects.get(topic="sign.requested")
    assert told.recipient == world.coordinator.email
    assert f"/beheer/borden/{sign.pk}/" in told.body


def test_a_co_admin_and_the_coordinator_may_ask_too_and_a_sign_may_stand_outside_the_groups_area(world: World):
    # Signs stand at the entry roads: in group B's area for group A is still Testdorp.
    assert ask(world, actor=world.co_admin_a, **IN_B).state == State.REQUESTED
    assert ask(world, actor=world.coordinator, group=world.group_b, **IN_A).group == world.group_b


def test_a_spot_in_a_sub_municipality_without_a_group_is_inside_the_municipality(world: World):
    SubMunicipality.objects.create(municipality=world.testdorp, name="Heide", geometry=box(5.33, 50.74, 5.35, 50.75))
    assert ask(world, lat=50.745, lon=5.34).state == State.REQUESTED


@pytest.mark.parametrize("where", [IN_GRENSSTAD, NOWHERE], ids=["other-municipality", "no-municipality"])
def test_a_spot_outside_the_municipality_is_refused_and_nothing_changes(world: World, where):
    before = snapshot()
    with pytest.raises(ValidationError) as refused:
        ask(world, **where)
    assert refused.value.message_dict["lat"] == [
        "This spot lies outside Testdorp. A sign can only stand in the municipality of the group it announces; "
        "move the pin."
    ]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police", "nobody"])
def test_others_cannot_ask_for_a_sign_of_group_a(world: World, who):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        ask(world, actor=getattr(world, who))
    assert snapshot() == before


def test_no_actor_is_refused(world: World):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        services.request_sign(actor=None, group=world.group_a, road="Steenweg", **IN_A)
    assert snapshot() == before


def test_a_closed_group_gets_no_new_sign(world: World):
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    before = snapshot()
    with pytest.raises(ValidationError, match="has stopped"):
        ask(world, actor=world.coordinator)
    assert snapshot() == before


def test_the_same_request_twice_makes_one_sign(world: World):
    first = ask(world)
    before = snapshot()
    again = ask(world)
    assert again.pk == first.pk and again.repeated
    assert snapshot() == before
    # Another spot is another sign.
    assert ask(world, lat=50.7560, lon=5.3050).pk != first.pk


def test_the_whole_life_of_a_sign_each_step_audited_and_told_to_the_admin(world: World):
    world.admin_a.language = "fr"
    world.admin_a.save()
    sign = ask(world)
    sign = services.approve(actor=world.coordinator, sign=sign)
    assert (sign.state, sign.decided_by) == (State.APPROVED, world.coordinator)
    sign = services.record_placement(actor=world.coordinator, sign=sign, placed_on=timezone.localdate())
    assert sign.state == State.PLACED
    sign = services.mark_damaged(actor=world.coordinator, sign=sign, note="Omver gereden")
    assert (sign.state, sign.note) == (State.DAMAGED, "Omver gereden")
    # Repaired: placed again.
    sign = services.record_placement(actor=world.coordinator, sign=sign, placed_on=timezone.localdate())
    sign = services.mark_removed(actor=world.coordinator, sign=sign)
    assert sign.state == State.REMOVED
    actions = list(
        AuditEvent.objects.filter(target_type="signs.streetsign").order_by("pk").values_list("action", flat=True)
    )
    assert actions == [
        "sign.requested",
        "sign.approved",
        "sign.placed",
        "sign.damaged",
        "sign.placed",
        "sign.removed",
    ]
    told = OutgoingMessage.objects.filter(recipient=world.admin_a.email).order_by("pk")
    assert [m.topic for m in told] == ["sign.approved", "sign.placed", "sign.damaged", "sign.placed", "sign.removed"]
    # In the admin's own language, whatever the coordinator's page was in.
    assert {m.language for m in told} == {"fr"}


def test_a_decline_needs_a_reason_and_the_admin_reads_it(world: World):
    sign = ask(world)
    before = snapshot()
    with pytest.raises(ValidationError):
        services.decline(actor=world.coordinator, sign=sign, reason="  ")
    assert snapshot() == before
    services.decline(actor=world.coordinator, sign=sign, reason="Te dicht bij het kruispunt.")
    message = OutgoingMessage.objects.get(topic="sign.declined")
    assert "Te dicht bij het kruispunt." in message.body
    assert message.recipient == world.admin_a.email


@pytest.mark.parametrize(
    "state, step",
    [
        (State.REQUESTED, "place"),
        (State.REQUESTED, "damaged"),
        (State.REQUESTED, "removed"),
        (State.APPROVED, "approve"),
        (State.PLACED, "approve"),
        (State.PLACED, "decline"),
        (State.DECLINED, "approve"),
        (State.REMOVED, "place"),
    ],
)
def test_a_step_the_state_does_not_allow_is_refused_and_nothing_changes(world: World, state, step):
    sign = ask(world)
    StreetSign.objects.filter(pk=sign.pk).update(state=state)
    sign.refresh_from_db()
    before = snapshot()
    calls = {
        "approve": lambda: services.approve(actor=world.coordinator, sign=sign),
        "decline": lambda: services.decline(actor=world.coordinator, sign=sign, reason="nee"),
        "place": lambda: services.record_placement(actor=world.coordinator, sign=sign, placed_on=dt.date(2026, 1, 5)),
        "damaged": lambda: services.mark_damaged(actor=world.coordinator, sign=sign),
        "removed": lambda: services.mark_removed(actor=world.coordinator, sign=sign),
    }
    with pytest.raises(ValidationError, match="This step is not possible"):
        calls[step]()
    assert snapshot() == before


def test_approving_twice_changes_nothing_the_second_time(world: World):
    sign = services.approve(actor=world.coordinator, sign=ask(world))
    before = snapshot()
    with pytest.raises(ValidationError, match="This step is not possible"):
        services.approve(actor=world.coordinator, sign=sign)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "admin_b", "coordinator_nl", "police", "police_nl", "nobody"])
def test_only_the_municipalitys_coordinators_decide(world: World, who):
    sign = ask(world)
    before = snapshot()
    actor = getattr(world, who)
    for step in (
        lambda: services.approve(actor=actor, sign=sign),
        lambda: services.decline(actor=actor, sign=sign, reason="nee"),
        lambda: services.record_placement(actor=actor, sign=sign, placed_on=dt.date(2026, 1, 5)),
        lambda: services.mark_damaged(actor=actor, sign=sign),
        lambda: services.mark_removed(actor=actor, sign=sign),
    ):
        with pytest.raises(PermissionDenied):
            step()
    assert snapshot() == before


def test_the_system_and_operators_may_decide(world: World):
    sign = services.approve(actor=SYSTEM, sign=ask(world))
    assert services.record_placement(actor=world.superuser, sign=sign, placed_on=dt.date(2026, 1, 5)).state == (
        State.PLACED
    )


def test_a_placement_date_in_the_future_is_refused(world: World):
    sign = services.approve(actor=world.coordinator, sign=ask(world))
    before = snapshot()
    with pytest.raises(ValidationError, match="future"):
        services.record_placement(
            actor=world.coordinator, sign=sign, placed_on=timezone.localdate() + dt.timedelta(days=1)
        )
    assert snapshot() == before


def test_scans_are_counted_per_sign_and_day_and_an_unknown_token_counts_nowhere(world: World):
    sign = ask(world)
    other = ask(world, lat=50.7560, lon=5.3050)
    for _ in range(3):
        assert services.count_scan(sign.token) == sign
    services.count_scan(other.token)
    assert services.count_scan("doesnotexist") is None
    assert sorted(sign.scans.values_list("day", "count")) == [(timezone.localdate(), 3)]
    assert other.scans.get().count == 1
