"""Who a coordinator appoints at once, and who is invited instead (apps.groups.invitations).

Appointing reaches only the accounts of the group's municipality: its coordinators and the
admins of its groups, never the police. Everyone else (a police officer, another municipality's
admin or coordinator, an account without a role, an operator) gets an invitation by e-mail, in
their own language, and becomes admin only after accepting it through its secret link.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC, SYSTEM
from apps.groups.invitations import (
    accept_invitation,
    appoint_or_invite,
    decline_invitation,
    invite_admin,
    invite_to_group,
    withdraw_invitation,
)
from apps.groups.models import AdminInvitation, GroupAdmin
from apps.groups.permissions import accounts_of, is_account_of, managed_groups
from apps.groups.services import appoint_admin
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import PoliceOfficer

NEW_PASSWORD = "lantaarnpaal-bij-de-kerk"


def state() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email", "password")),
        "admins": list(GroupAdmin.objects.order_by("pk").values_list("pk", "group_id", "user_id", "role")),
        "invitations": list(AdminInvitation.objects.order_by("pk").values_list("pk", "status", "answered_at")),
        "messages": OutgoingMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def key_of(message: OutgoingMessage) -> str:
    match = re.search(r"/beheer/uitnodiging/([A-Za-z0-9_-]+)/", message.body)
    assert match, message.body
    return match.group(1)


@pytest.fixture
def admin_nl(world):
    """An admin of Grensstad's group: an account of another municipality."""
    user = User.objects.create_user("admin_nl", email="admin_nl@example.org", password="x" * 12, first_name="Nina")
    appoint_admin(actor=SYSTEM, group=world.group_nl, user=user)
    return user


def invite(world, who, role=GroupAdmin.Role.CO_ADMIN, group=None):
    """The coordinator appoints ``who``, who is invited: the invitation and the key of its e-mail."""
    invitation = appoint_or_invite(actor=world.coordinator, group=group or world.group_a, user=who, role=role)
    assert isinstance(invitation, AdminInvitation)
    mail = OutgoingMessage.objects.filter(topic="group.admin_invited", recipient=who.email).latest("pk")
    return invitation, key_of(mail)


# --- who is an account of the municipality -------------------------------------------------------


def test_the_accounts_of_a_municipality(world, admin_nl):
    assert set(accounts_of(world.testdorp).values_list("username", flat=True)) == {
        "admin_a",
        "co_admin_a",
        "admin_b",
        "coordinator",
    }
    assert set(accounts_of(world.grensstad).values_list("username", flat=True)) == {"admin_nl", "coordinator_nl"}


def test_a_police_officer_is_never_an_account_of_the_municipality(world):
    """Not even once they admin one of its groups: every appointment is theirs to accept."""
    PoliceOfficer.objects.create(user=world.admin_b, zone=world.zone)
    assert not is_account_of(world.admin_b, world.testdorp)


def test_a_switched_off_account_is_none(world):
    User.objects.filter(pk=world.admin_b.pk).update(is_active=False)
    world.admin_b.refresh_from_db()
    assert not is_account_of(world.admin_b, world.testdorp)


# --- appointing at once --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_b", "coordinator"])
def test_a_coordinator_appoints_an_account_of_their_municipality_at_once(world, who):
    user = getattr(world, who)
    result = appoint_or_invite(actor=world.coordinator, group=world.group_a, user=user, role=GroupAdmin.Role.CO_ADMIN)
    assert isinstance(result, GroupAdmin)
    assert GroupAdmin.objects.get(group=world.group_a, user=user).role == GroupAdmin.Role.CO_ADMIN
    assert not AdminInvitation.objects.exists()
    assert not OutgoingMessage.objects.filter(topic="group.admin_invited").exists()
    event = AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_ADMIN_APPOINTED).latest("pk")
    assert (event.actor, event.group_id, event.data["user_id"]) == (world.coordinator, world.group_a.pk, user.pk)


@pytest.mark.parametrize("who", ["police", "police_nl", "coordinator_nl", "admin_nl", "nobody", "superuser"])
def test_anyone_else_is_not_appointed_by_the_service(world, admin_nl, who):
    user = admin_nl if who == "admin_nl" else getattr(world, who)
    before = state()
    with pytest.raises(ValidationError) as caught:
        appoint_admin(actor=world.coordinator, group=world.group_a, user=user)
    [error] = caught.value.error_dict["user"]
    assert error.code == "invite_instead"
    assert state() == before


def test_an_operator_is_held_to_the_same_rule_and_the_system_is_not(world):
    with pytest.raises(ValidationError):
        appoint_admin(actor=world.superuser, group=world.group_a, user=world.police)
    assert appoint_admin(actor=SYSTEM, group=world.group_a, user=world.police).user == world.police


# --- inviting instead ----------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["police", "police_nl", "coordinator_nl", "admin_nl", "nobody"])
def test_anyone_else_is_invited_instead(world, admin_nl, who):
    user = admin_nl if who == "admin_nl" else getattr(world, who)
    with translation.override("en"):
        invitation, key = invite(world, user)
    assert not GroupAdmin.objects.filter(group=world.group_a, user=user).exists()
    assert world.group_a not in managed_groups(user)
    assert (invitation.group, invitation.user, invitation.role, invitation.status) == (
        world.group_a,
        user,
        GroupAdmin.Role.CO_ADMIN,
        AdminInvitation.Status.PENDING,
    )
    assert invitation.invited_by == world.coordinator
    # Only the SHA-256 of the link's key is stored.
    assert invitation.key_hash == AdminInvitation.hash_key(key) and key not in invitation.key_hash
    mail = OutgoingMessage.objects.get(topic="group.admin_invited")
    assert (mail.recipient, mail.group_id, mail.municipality_id) == (user.email, world.group_a.pk, world.testdorp.pk)
    assert "Testdorp Noord" in mail.body and "Testdorp" in mail.body and user.username in mail.body
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_INVITED)
    assert (event.actor, event.group_id, event.municipality_id, event.target_id) == (
        world.coordinator,
        world.group_a.pk,
        world.testdorp.pk,
        str(invitation.pk),
    )
    assert event.data == {"user_id": user.pk, "role": "co_admin", "new_account": False}
    assert key not in str(event.data)


@pytest.mark.parametrize(
    ("who", "setup", "language"),
    [
        # The police: the language of the municipality of their zone (Testdorp, set to French here).
        ("police", lambda w: _language(w.testdorp, "fr"), "fr"),
        # Another municipality's coordinator: their own municipality's, not the group's.
        ("coordinator_nl", lambda w: _language(w.grensstad, "fr"), "fr"),
        ("police_nl", lambda w: _language(w.grensstad, "fr"), "fr"),
        # Their own choice comes first.
        ("police", lambda w: _own_language(w.police, "fr"), "fr"),
        # No role anywhere: the inviting municipality's.
        ("nobody", lambda w: _language(w.testdorp, "fr"), "fr"),
        ("nobody", lambda w: None, "nl"),
    ],
)
def test_the_invitation_is_in_the_invitees_language(world, who, setup, language):
    setup(world)
    user = getattr(world, who)
    with translation.override("en"):  # whatever the desk's page was in
        invitation, _key = invite(world, user, role=GroupAdmin.Role.CO_ADMIN)
    assert invitation.language == language
    mail = OutgoingMessage.objects.get(topic="group.admin_invited")
    with translation.override(language):
        role = str(GroupAdmin.Role.CO_ADMIN.label)
    assert role in mail.subject and role in mail.body


def _language(municipality, language):
    municipality.language = language
    municipality.save(update_fields=["language"])


def _own_language(user, language):
    user.language = language
    user.save(update_fields=["language"])


def test_the_invitation_expires_after_the_configured_days(world, settings):
    settings.BUURTWACHT_ADMIN_INVITATION_DAYS = 3
    invitation, _key = invite(world, world.police)
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=3)
    assert "3 dagen geldig" in OutgoingMessage.objects.get(topic="group.admin_invited").body


def test_a_second_invitation_waits_for_the_first(world):
    invite(world, world.police)
    before = state()
    with pytest.raises(ValidationError) as caught:
        appoint_or_invite(actor=world.coordinator, group=world.group_a, user=world.police, role="admin")
    assert caught.value.error_dict["user"][0].code == "already_invited"
    assert state() == before


def test_after_expiry_a_new_invitation_can_be_sent(world):
    first, _key = invite(world, world.police)
    AdminInvitation.objects.filter(pk=first.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    second, _key = invite(world, world.police, group=world.group_a)
    first.refresh_from_db()
    assert first.status == AdminInvitation.Status.EXPIRED and second.status == AdminInvitation.Status.PENDING


def test_appointing_at_once_closes_a_waiting_invitation(world):
    invitation = invite_to_group(actor=world.coordinator, group=world.group_a, user=world.admin_b, role="co_admin")
    appoint_admin(actor=world.coordinator, group=world.group_a, user=world.admin_b, role="co_admin")
    invitation.refresh_from_db()
    assert invitation.status == AdminInvitation.Status.WITHDRAWN


# --- the invitee answers -------------------------------------------------------------------------


def test_the_invitee_accepts_and_becomes_admin(world):
    invitation, key = invite(world, world.police)
    admin = accept_invitation(actor=world.police, key=key)
    assert (admin.group, admin.user, admin.role) == (world.group_a, world.police, GroupAdmin.Role.CO_ADMIN)
    assert world.group_a in managed_groups(world.police)
    invitation.refresh_from_db()
    assert invitation.status == AdminInvitation.Status.ACCEPTED and invitation.answered_at is not None
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_INVITATION_ACCEPTED)
    assert (event.actor, event.group_id, event.municipality_id) == (world.police, world.group_a.pk, world.testdorp.pk)
    assert event.data["user_id"] == world.police.pk and event.data["password_chosen"] is False


def test_the_invitee_declines_and_nothing_else_changes(world):
    invitation, key = invite(world, world.coordinator_nl)
    before = state()
    decline_invitation(actor=world.coordinator_nl, key=key)
    after = state()
    assert after["admins"] == before["admins"] and after["users"] == before["users"]
    assert not GroupAdmin.objects.filter(user=world.coordinator_nl).exists()
    invitation.refresh_from_db()
    assert invitation.status == AdminInvitation.Status.DECLINED
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_INVITATION_DECLINED)
    assert event.actor == world.coordinator_nl and event.group_id == world.group_a.pk


@pytest.mark.parametrize("answer", ["accept", "decline"])
@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (lambda w, inv, key: key[:-2] + "xx", "unknown"),
        (lambda w, inv, key: "x" * 500, "unknown"),
        (lambda w, inv, key: "", "unknown"),
        (lambda w, inv, key: AdminInvitation.hash_key(key), "unknown"),  # the stored hash is no key
        (lambda w, inv, key: _expire(inv) or key, "expired"),
        (lambda w, inv, key: accept_invitation(actor=w.police, key=key) and key, "accepted"),
        (lambda w, inv, key: decline_invitation(actor=w.police, key=key) and key, "declined"),
        (lambda w, inv, key: withdraw_invitation(actor=w.coordinator, invitation=inv) and key, "withdrawn"),
    ],
)
def test_a_forged_expired_or_used_link_changes_nothing(world, spoil, code, answer):
    invitation, key = invite(world, world.police)
    key = spoil(world, invitation, key)
    before = state()
    with pytest.raises(ValidationError) as caught:
        if answer == "accept":
            accept_invitation(actor=world.police, key=key)
        else:
            decline_invitation(actor=world.police, key=key)
    assert caught.value.code == code
    assert caught.value.messages  # a sentence the page shows
    assert state() == before


def _expire(invitation):
    AdminInvitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))


@pytest.mark.parametrize("who", ["admin_a", "coordinator", "police_nl", "superuser"])
def test_only_the_invited_account_answers(world, who):
    _invitation, key = invite(world, world.police)
    before = state()
    for answer in (accept_invitation, decline_invitation):
        with pytest.raises(PermissionDenied):
            answer(actor=getattr(world, who), key=key)
    assert state() == before


@pytest.mark.parametrize("actor", [PUBLIC, SYSTEM, None])
def test_without_an_account_only_a_new_account_answers(world, actor):
    """The police officer has a password: their invitation is answered logged in, not by the
    link alone (nor by the system)."""
    _invitation, key = invite(world, world.police)
    before = state()
    with pytest.raises(PermissionDenied):
        accept_invitation(actor=actor, key=key, password=NEW_PASSWORD)
    with pytest.raises(PermissionDenied):
        decline_invitation(actor=actor, key=key)
    assert state() == before


# --- a person without an account -----------------------------------------------------------------


def _invite_new(world):
    invitation = invite_admin(
        actor=world.coordinator,
        group=world.group_b,
        full_name="Rik De Smet",
        email="rik@example.be",
        phone="0470 12 34 56",
        role=GroupAdmin.Role.ADMIN,
    )
    return invitation, key_of(OutgoingMessage.objects.get(topic="account.invited"))


def test_a_new_person_accepts_with_the_link_and_chooses_a_password(world):
    invitation, key = _invite_new(world)
    user = invitation.user
    assert not user.has_usable_password() and not GroupAdmin.objects.filter(user=user).exists()
    admin = accept_invitation(actor=PUBLIC, key=key, password=NEW_PASSWORD)
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert (admin.group, admin.user, admin.role) == (world.group_b, user, GroupAdmin.Role.ADMIN)
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_INVITATION_ACCEPTED)
    assert event.actor == user and event.data["password_chosen"] is True


@pytest.mark.parametrize("password", [None, "", "kort", "12345678901"])
def test_a_new_person_needs_a_good_password(world, password):
    _invitation, key = _invite_new(world)
    before = state()
    with pytest.raises(ValidationError) as caught:
        accept_invitation(actor=PUBLIC, key=key, password=password)
    assert "password" in caught.value.message_dict
    assert state() == before


def test_a_new_person_may_decline_with_the_link(world):
    invitation, key = _invite_new(world)
    decline_invitation(actor=PUBLIC, key=key)
    invitation.refresh_from_db()
    assert invitation.status == AdminInvitation.Status.DECLINED
    assert not invitation.user.has_usable_password() and not GroupAdmin.objects.filter(user=invitation.user).exists()


# --- who may invite and withdraw -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "admin_b", "police", "coordinator_nl", "nobody"])
def test_other_roles_can_neither_invite_nor_withdraw(world, who):
    invitation, _key = invite(world, world.police)
    actor = getattr(world, who)
    before = state()
    with pytest.raises(PermissionDenied):
        appoint_or_invite(actor=actor, group=world.group_a, user=world.nobody, role="admin")
    with pytest.raises(PermissionDenied):
        invite_to_group(actor=actor, group=world.group_a, user=world.nobody, role="admin")
    with pytest.raises(PermissionDenied):
        withdraw_invitation(actor=actor, invitation=invitation)
    assert state() == before


@pytest.mark.parametrize("actor", [PUBLIC, None])
def test_no_one_without_an_account_invites_or_withdraws(world, actor):
    invitation, _key = invite(world, world.police)
    before = state()
    with pytest.raises(PermissionDenied):
        appoint_or_invite(actor=actor, group=world.group_a, user=world.nobody, role="admin")
    with pytest.raises(PermissionDenied):
        withdraw_invitation(actor=actor, invitation=invitation)
    assert state() == before


def test_the_coordinator_withdraws_and_the_link_stops_working(world):
    invitation, key = invite(world, world.police)
    withdraw_invitation(actor=world.coordinator, invitation=invitation)
    assert invitation.status == AdminInvitation.Status.WITHDRAWN
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_ADMIN_INVITATION_WITHDRAWN)
    assert (event.actor, event.group_id, event.data["user_id"]) == (
        world.coordinator,
        world.group_a.pk,
        world.police.pk,
    )
    with pytest.raises(ValidationError):
        accept_invitation(actor=world.police, key=key)
    assert not GroupAdmin.objects.filter(user=world.police).exists()
    # Withdrawing again is refused.
    with pytest.raises(ValidationError):
        withdraw_invitation(actor=world.coordinator, invitation=invitation)


def test_an_unknown_role_is_refused(world):
    before = state()
    with pytest.raises(ValidationError):
        appoint_or_invite(actor=world.coordinator, group=world.group_a, user=world.police, role="owner")
    with pytest.raises(ValidationError):
        appoint_admin(actor=world.coordinator, group=world.group_a, user=world.admin_b, role="owner")
    assert state() == before
