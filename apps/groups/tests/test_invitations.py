"""apps.groups.invitations: inviting a person without an account as a new admin, checked in the
service itself."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from apps.accounts.models import User
from apps.accounts.services import username_from_email
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups import invitations
from apps.groups.invitations import invite_admin, invite_user
from apps.groups.models import GroupAdmin
from apps.messaging.models import OutgoingMessage
from testkit.world import make_user


def state() -> dict:
    return {
        "users": list(User.objects.order_by("pk").values_list("pk", "email", "password")),
        "admins": list(GroupAdmin.objects.order_by("pk").values_list("pk", "group_id", "user_id", "role")),
        "messages": OutgoingMessage.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("jan.peeters@example.org", "jan.peeters"),
        ("Jan.Peeters+buurt@Example.org", "jan.peeters+buurt"),
        ("josé o'neil@example.org", "joséoneil"),
        ("...@example.org", "beheerder"),
        ('"a@b"@example.org', "ab"),
    ],
)
def test_user_name_from_the_address(db, email, expected):
    assert username_from_email(email) == expected


def test_user_name_is_unique_ignoring_case(db):
    make_user("Jan")
    make_user("jan-2")
    assert username_from_email("jan@example.org") == "jan-3"


def test_long_addresses_give_a_user_name_that_fits(db):
    name = username_from_email("a" * 200 + "@example.org")
    assert len(name) <= 150
    make_user(name)
    second = username_from_email("a" * 200 + "@example.net")
    assert second != name and len(second) <= 150


def test_invite_user_makes_an_account_without_a_password(world):
    user = invite_user(world.coordinator, world.testdorp, "Rik De Smet", " rik@Example.BE ", "+32 470 12 34 56")
    user.refresh_from_db()
    assert (user.username, user.email, user.get_full_name(), user.phone) == (
        "rik",
        "rik@example.be",
        "Rik De Smet",
        "+32470123456",
    )
    assert not user.has_usable_password() and not user.is_staff and not user.is_superuser
    event = AuditEvent.objects.get(action=AuditEvent.Action.USER_INVITED)
    assert (event.actor, event.municipality_id, event.target_id) == (world.coordinator, world.testdorp.pk, str(user.pk))
    assert not GroupAdmin.objects.filter(user=user).exists()  # appointing is a separate step


def test_invite_user_checks_every_field_at_once(world):
    before = state()
    with pytest.raises(ValidationError) as caught:
        invite_user(world.coordinator, world.testdorp, " ", "not-an-address", "0470")
    assert set(caught.value.error_dict) == {"full_name", "email", "phone"}
    with pytest.raises(ValidationError) as caught:
        invite_user(world.coordinator, world.testdorp, "X" * 151, "x@example.org", "0470 12 34 56")
    assert set(caught.value.error_dict) == {"full_name"}
    assert state() == before


def test_invite_user_refuses_an_existing_address(world):
    before = state()
    with pytest.raises(ValidationError) as caught:
        invite_user(world.coordinator, world.testdorp, "Tweede Account", "Coordinator@EXAMPLE.org", "0470 12 34 56")
    [error] = caught.value.error_dict["email"]
    assert error.code == "exists" and error.params == {"username": "coordinator"}
    assert state() == before


@pytest.mark.parametrize("who", ["admin_a", "admin_b", "police", "coordinator_nl"])
def test_only_coordinators_of_the_municipality_may_invite(world, who):
    actor = getattr(world, who)
    before = state()
    with pytest.raises(PermissionDenied):
        invite_user(actor, world.testdorp, "Rik De Smet", "rik@example.be", "0470 12 34 56")
    with pytest.raises(PermissionDenied):
        invite_admin(
            actor=actor,
            group=world.group_a,
            full_name="Rik De Smet",
            email="rik@example.be",
            phone="0470 12 34 56",
            role=GroupAdmin.Role.ADMIN,
        )
    assert state() == before


def test_permission_is_checked_before_the_input(world):
    """A refused actor learns nothing, not even whether an address is in use."""
    with pytest.raises(PermissionDenied):
        invite_user(world.police, world.testdorp, "", "admin_a@example.org", "")


def test_superuser_and_the_system_may_invite(world):
    assert invite_user(world.superuser, world.grensstad, "Piet", "piet@example.nl", "06 12345678").phone == (
        "+31612345678"
    )
    assert invite_user(SYSTEM, world.testdorp, "Systeem Uitnodiging", "sys@example.be", "0470 12 34 56").pk


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", ("Uw gebruikersnaam is: rik", "beheerder")), ("fr", ("Votre nom d'utilisateur : rik", "gestionnaire"))],
)
def test_invite_admin_invites_and_queues_one_email_in_the_municipality_language(world, language, expected):
    """The new admin has no language yet: the mail is in the municipality's, whatever the desk's
    page was in. They become admin only when they accept (apps/groups/tests/test_appoint_scope.py)."""
    world.testdorp.language = language
    world.testdorp.save(update_fields=["language"])
    with translation.override("en"):
        invitation = invite_admin(
            actor=world.coordinator,
            group=world.group_b,
            full_name="Rik De Smet",
            email="rik@example.be",
            phone="0470 12 34 56",
            role=GroupAdmin.Role.ADMIN,
        )
    assert (invitation.group, invitation.role, invitation.user.email) == (
        world.group_b,
        GroupAdmin.Role.ADMIN,
        "rik@example.be",
    )
    assert invitation.language == language
    assert not GroupAdmin.objects.filter(user=invitation.user).exists()
    mail = OutgoingMessage.objects.get()
    assert mail.topic == "account.invited" and mail.recipient == "rik@example.be"
    assert "/beheer/uitnodiging/" in mail.body and "/account/wachtwoord/" not in mail.body
    for text in expected:
        assert text in mail.body, mail.body
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == [AuditEvent.Action.USER_INVITED, AuditEvent.Action.GROUP_ADMIN_INVITED]


def test_invite_admin_refuses_an_unknown_role(world):
    before = state()
    with pytest.raises(ValidationError) as caught:
        invite_admin(
            actor=world.coordinator,
            group=world.group_a,
            full_name="Rik",
            email="rik@example.be",
            phone="0470 12 34 56",
            role="owner",
        )
    assert "role" in caught.value.error_dict
    assert state() == before


def test_invite_admin_is_all_or_nothing(world, monkeypatch):
    """When the e-mail cannot be queued, neither the account nor the appointment remains."""

    def broken_queue(**kwargs):
        raise RuntimeError("database hiccup")

    monkeypatch.setattr(invitations, "queue_email", broken_queue)
    before = state()
    with pytest.raises(RuntimeError):
        invite_admin(
            actor=world.coordinator,
            group=world.group_a,
            full_name="Rik",
            email="rik@example.be",
            phone="0470 12 34 56",
            role=GroupAdmin.Role.ADMIN,
        )
    assert state() == before
