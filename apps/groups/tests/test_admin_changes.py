"""apps.groups.services: an admin sets the group's invite link and steps down; a group going live
tells its members; the warning before the last admin is removed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC, SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.groups.services import (
    clean_invite_link,
    leaves_without_admin,
    remove_admin,
    save_group,
    set_invite_link,
    step_down,
)
from apps.messaging.models import OutgoingMessage
from testkit.world import add_member

NEW_LINK = "https://chat.whatsapp.com/NewCode12345"


def state() -> dict:
    return {
        "groups": list(Group.objects.order_by("pk").values_list("pk", "status", "invite_link")),
        "admins": list(GroupAdmin.objects.order_by("pk").values_list("pk", "group_id", "user_id", "role")),
        "messages": OutgoingMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


# --- the invite link -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "stored"),
    [
        (" https://chat.whatsapp.com/AbCdEf123456 ", "https://chat.whatsapp.com/AbCdEf123456"),
        ("https://chat.whatsapp.com/AbCdEf123456/", "https://chat.whatsapp.com/AbCdEf123456"),
        ("https://chat.whatsapp.com/AbCdEf123456?mode=ems_copy_t", "https://chat.whatsapp.com/AbCdEf123456"),
        ("", ""),
    ],
)
def test_invite_links_as_whatsapp_gives_them(raw, stored):
    assert clean_invite_link(raw) == stored


@pytest.mark.parametrize(
    "raw",
    [
        "chat.whatsapp.com/AbCdEf123456",
        "http://chat.whatsapp.com/AbCdEf123456",
        "https://chat.whatsapp.com.evil.example/AbCdEf123456",
        "https://evil.example/?https://chat.whatsapp.com/AbCdEf123456",
        "https://chat.whatsapp.com/",
        "https://chat.whatsapp.com/Ab Cd",
        "https://wa.me/32470000000",
        "javascript:alert(1)",
    ],
)
def test_anything_else_is_refused_with_a_clear_message(world, raw):
    before = state()
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        set_invite_link(actor=world.admin_a, group=world.group_a, invite_link=raw)
    assert "like https://chat.whatsapp.com/" in caught.value.message_dict["invite_link"][0]
    assert state() == before


def test_an_empty_link_is_refused(world):
    before = state()
    with pytest.raises(ValidationError) as caught:
        set_invite_link(actor=world.admin_a, group=world.group_a, invite_link="  ")
    assert "invite_link" in caught.value.message_dict
    assert state() == before


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "coordinator"])
def test_the_groups_admins_and_coordinator_set_the_link(world, who):
    actor = getattr(world, who)
    assert set_invite_link(actor=actor, group=world.group_a, invite_link=NEW_LINK + "?mode=r") is True
    world.group_a.refresh_from_db()
    assert world.group_a.invite_link == NEW_LINK
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_INVITE_LINK_CHANGED)
    assert (event.actor, event.group_id, event.municipality_id) == (actor, world.group_a.pk, world.testdorp.pk)
    assert "NewCode" not in str(event.data)  # the link is a secret: not in the audit trail
    # The same link again changes nothing and records nothing.
    assert set_invite_link(actor=actor, group=world.group_a, invite_link=NEW_LINK) is False
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_INVITE_LINK_CHANGED).count() == 1


@pytest.mark.parametrize("who", ["admin_b", "police", "nobody", "coordinator_nl", "police_nl"])
def test_others_cannot_set_the_link(world, who):
    before = state()
    with pytest.raises(PermissionDenied):
        set_invite_link(actor=getattr(world, who), group=world.group_a, invite_link=NEW_LINK)
    assert state() == before


def test_the_public_cannot_set_the_link(world):
    before = state()
    with pytest.raises(PermissionDenied):
        set_invite_link(actor=PUBLIC, group=world.group_a, invite_link=NEW_LINK)
    assert state() == before


# --- stepping down -------------------------------------------------------------------------------


def test_admin_hands_the_group_to_the_co_admin(world):
    successor = step_down(actor=world.admin_a, group=world.group_a, successor=world.co_admin_a)
    assert successor.user == world.co_admin_a
    roles = list(world.group_a.admin_roles.values_list("user__username", "role"))
    assert roles == [("co_admin_a", GroupAdmin.Role.ADMIN)]
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_STEPPED_DOWN)
    assert event.actor == world.admin_a and event.group_id == world.group_a.pk
    assert event.data["successor_id"] == world.co_admin_a.pk and event.data["without_admin"] is False
    told = OutgoingMessage.objects.get(topic="group.admin_handover")
    assert told.recipient == world.co_admin_a.email and "Testdorp Noord" in told.body
    assert not OutgoingMessage.objects.filter(topic="group.admin_stepped_down").exists()


def test_the_last_admin_hands_the_group_back_to_the_coordinator(world):
    world.coordinator.language = "fr"
    world.coordinator.save()
    assert step_down(actor=world.admin_b, group=world.group_b) is None
    assert not world.group_b.admin_roles.exists()
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_STEPPED_DOWN)
    assert event.data["without_admin"] is True and event.data["successor_id"] is None
    [told] = OutgoingMessage.objects.filter(topic="group.admin_stepped_down")
    assert told.recipient == world.coordinator.email
    assert "Admin_B" in told.body and "Testdorp Zuid" in told.body
    with translation.override("fr"):
        assert (
            translation.gettext("The group has no admin now: new applications reach no one. Appoint a new admin:")[:20]
            in told.body
        )
    assert f"/beheer/groepen/{world.group_b.pk}/beheerders/" in told.body
    # Stepping down again is refused: they are no admin any more.
    before = state()
    with pytest.raises(PermissionDenied):
        step_down(actor=world.admin_b, group=world.group_b)
    assert state() == before


def test_a_co_admin_steps_down_and_the_admin_stays(world):
    step_down(actor=world.co_admin_a, group=world.group_a)
    assert list(world.group_a.admin_roles.values_list("user__username", flat=True)) == ["admin_a"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_STEPPED_DOWN)
    assert event.data["without_admin"] is False


@pytest.mark.parametrize("who", ["admin_b", "coordinator", "police", "nobody", "superuser"])
def test_only_the_groups_own_admins_step_down(world, who):
    before = state()
    with pytest.raises(PermissionDenied):
        step_down(actor=getattr(world, who), group=world.group_a)
    assert state() == before


@pytest.mark.parametrize("actor", [SYSTEM, PUBLIC])
def test_no_one_steps_down_for_an_admin(world, actor):
    before = state()
    with pytest.raises(PermissionDenied):
        step_down(actor=actor, group=world.group_a)
    assert state() == before


@pytest.mark.parametrize("successor", ["admin_b", "nobody", "admin_a"])
def test_the_successor_must_be_another_admin_of_the_group(world, successor):
    before = state()
    with pytest.raises(ValidationError) as caught:
        step_down(actor=world.admin_a, group=world.group_a, successor=getattr(world, successor))
    assert "successor" in caught.value.message_dict
    assert state() == before


# --- the last admin ------------------------------------------------------------------------------


def test_which_removal_leaves_a_group_without_admin(world):
    assert leaves_without_admin(world.group_a, world.admin_a) is True  # only a co-admin would remain
    assert leaves_without_admin(world.group_a, world.co_admin_a) is False
    assert leaves_without_admin(world.group_b, world.admin_b) is True
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    assert leaves_without_admin(world.group_b, world.admin_b) is False  # a closed group takes no one
    remove_admin(actor=world.coordinator, group=world.group_a, user=world.admin_a)
    assert leaves_without_admin(world.group_a, world.co_admin_a) is True  # the last one of all


# --- a group goes live ---------------------------------------------------------------------------


def _save(group, actor, status):
    return save_group(
        actor=actor,
        municipality=group.municipality,
        area=group.area,
        name=group.name,
        status=status,
        capacity=group.capacity,
        invite_link=group.invite_link,
        public_description=group.public_description,
        group=group,
    )


def test_members_are_told_once_when_their_group_goes_live(world, settings):
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_TOKEN = "123", "token"
    group = world.group_b
    Group.objects.filter(pk=group.pk).update(status=Group.Status.FORMING)
    group.refresh_from_db()
    first = add_member(group, 1, full_name="Mia Zuid")
    second = add_member(group, 2, full_name="Bart Zuid", email="")
    left = add_member(group, 3, full_name="Weg Zuid")
    left.left_at = left.joined_at
    left.save()
    add_member(world.group_a, 4, full_name="Ander Noord")

    _save(group, world.coordinator, Group.Status.ACTIVE)

    told = OutgoingMessage.objects.filter(topic="group.live").order_by("member_id")
    assert [m.member_id for m in told] == [first.pk, second.pk]
    by_email = told[0]
    assert by_email.channel == OutgoingMessage.Channel.EMAIL and by_email.recipient == first.email
    assert "Testdorp Zuid" in by_email.body and group.invite_link in by_email.body
    # No e-mail address: WhatsApp, with the template's parameters.
    assert (told[1].channel, told[1].recipient) == (OutgoingMessage.Channel.WHATSAPP, second.phone)
    assert told[1].template_params == ["Testdorp Zuid", group.invite_link]
    event = AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_UPDATED, group_id=group.pk).latest("pk")
    assert event.data["members_told"] == 2

    # Saving the active group again, or going back to forming and live again, tells no one twice.
    _save(group, world.coordinator, Group.Status.ACTIVE)
    _save(group, world.coordinator, Group.Status.FORMING)
    _save(group, world.coordinator, Group.Status.ACTIVE)
    assert OutgoingMessage.objects.filter(topic="group.live").count() == 2


def test_the_notice_is_in_the_language_the_member_applied_in(world):
    group = world.group_b
    Group.objects.filter(pk=group.pk).update(status=Group.Status.FORMING, invite_link="")
    group.refresh_from_db()
    world.testdorp.language = "fr"
    world.testdorp.save()
    add_member(group, 1, full_name="Marie Sud")
    _save(group, SYSTEM, Group.Status.ACTIVE)
    message = OutgoingMessage.objects.get(topic="group.live")
    assert message.language == "fr"
    with translation.override("fr"):
        expected = translation.gettext("%(group)s is live") % {"group": "Testdorp Zuid"}
    assert message.subject == expected


def test_a_refused_save_tells_no_one(world):
    group = world.group_b
    Group.objects.filter(pk=group.pk).update(status=Group.Status.FORMING)
    group.refresh_from_db()
    add_member(group, 1)
    add_member(group, 2)
    before = state()
    with pytest.raises(ValidationError):
        save_group(
            actor=world.coordinator,
            municipality=group.municipality,
            area=group.area,
            name=group.name,
            status=Group.Status.ACTIVE,
            capacity=group.capacity,
            invite_link="https://example.org/not-whatsapp",
            group=group,
        )
    assert state() == before
