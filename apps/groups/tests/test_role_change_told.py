"""A coordinator's change to a group's admins is told to the person and to the group's other
admins, each in their own language; the system's changes (data loads) tell no one."""

from __future__ import annotations

from apps.core.actors import SYSTEM
from apps.groups.models import GroupAdmin
from apps.groups.services import appoint_admin, remove_admin
from apps.messaging.models import OutgoingMessage
from testkit.world import World


def _told():
    return {m.recipient: m for m in OutgoingMessage.objects.filter(topic="group.admin_changed")}


def test_an_appointment_is_told_to_the_appointee_and_the_other_admins(world: World):
    world.admin_b.language = "fr"
    world.admin_b.save(update_fields=["language"])
    appoint_admin(actor=world.coordinator, group=world.group_a, user=world.admin_b, role=GroupAdmin.Role.CO_ADMIN)
    told = _told()
    assert set(told) == {world.admin_b.email, world.admin_a.email, world.co_admin_a.email}
    appointee = told[world.admin_b.email]
    assert appointee.subject.startswith("Vous êtes maintenant cogestionnaire de")
    assert world.group_a.name in appointee.subject and f"/beheer/groepen/{world.group_a.pk}/" in appointee.body
    assert world.admin_b.display_name in told[world.admin_a.email].subject


def test_a_removal_is_told_and_a_second_removal_tells_no_one(world: World):
    remove_admin(actor=world.coordinator, group=world.group_a, user=world.co_admin_a)
    told = _told()
    assert set(told) == {world.co_admin_a.email, world.admin_a.email}
    assert world.group_a.name in told[world.co_admin_a.email].subject
    remove_admin(actor=world.coordinator, group=world.group_a, user=world.co_admin_a)
    assert OutgoingMessage.objects.filter(topic="group.admin_changed").count() == 2


def test_the_system_s_changes_tell_no_one(world: World):
    appoint_admin(actor=SYSTEM, group=world.group_a, user=world.admin_b)
    remove_admin(actor=SYSTEM, group=world.group_a, user=world.admin_b)
    assert not _told()
