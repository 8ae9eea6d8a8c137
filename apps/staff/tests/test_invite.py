"""Inviting a new admin from the admins page of a group: the account, the invitation, the e-mail
with its link (where the person accepts and chooses a password), who may do it, and bad input
changing nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.groups.models import AdminInvitation, GroupAdmin
from apps.messaging.models import OutgoingMessage
from testkit.world import make_user

from .helpers import snapshot

NEW_ADMIN = {
    "action": "invite",
    "full_name": "  Els   Van den Broeck ",
    "email": "Els.VDB@Example.ORG",
    "phone": "0470 55 66 77",
    "role": "co_admin",
}


def everything() -> dict:
    """The desk snapshot plus the accounts and invitations, which inviting creates."""
    return {
        **snapshot(),
        "users": list(User.objects.order_by("pk").values_list("pk", "username", "email", "is_active", "password")),
        "invitations": list(AdminInvitation.objects.order_by("pk").values_list("pk", "status")),
    }


def invite(client, group, **overrides):
    return client.post(reverse("staff:group_admins", args=[group.pk]), {**NEW_ADMIN, **overrides})


def invitation_path(body: str) -> str:
    match = re.search(r"http://testserver(/beheer/uitnodiging/[A-Za-z0-9_-]+/)", body)
    assert match, body
    return match.group(1)


def test_the_page_offers_the_invitation(client, world):
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:group_admins", args=[world.group_a.pk])).content.decode()
    assert "Invite a new admin" in page
    for field in ("full_name", "email", "phone", "role"):
        assert f'id="id_invite_{field}"' in page
    assert 'id="id_user"' in page  # the appoint form keeps its own ids


def test_coordinator_invites_a_new_admin(client, world):
    client.force_login(world.coordinator)
    response = invite(client, world.group_a)
    assert response.status_code == 302
    assert response.url == reverse("staff:group_admins", args=[world.group_a.pk])

    user = User.objects.get(email__iexact="els.vdb@example.org")
    assert (user.username, user.email, user.first_name, user.last_name, user.phone) == (
        "els.vdb",
        "Els.VDB@example.org",
        "Els",
        "Van den Broeck",
        "+32470556677",
    )
    assert user.is_active and not user.has_usable_password() and not user.is_staff
    # Not an admin yet: invited, until they accept.
    assert not GroupAdmin.objects.filter(user=user).exists()
    invitation = AdminInvitation.objects.get(user=user)
    assert (invitation.group, invitation.role, invitation.status) == (
        world.group_a,
        GroupAdmin.Role.CO_ADMIN,
        AdminInvitation.Status.PENDING,
    )

    mail = OutgoingMessage.objects.get(topic="account.invited")
    assert (mail.recipient, mail.group_id, mail.municipality_id, mail.status) == (
        "Els.VDB@example.org",
        world.group_a.pk,
        world.testdorp.pk,
        OutgoingMessage.Status.QUEUED,
    )
    assert mail.dedupe_key == f"group:{world.group_a.pk}:admin_invitation:{invitation.pk}"
    assert "Testdorp Noord" in mail.subject
    # In the municipality's language (Dutch), though the coordinator's desk was in English.
    assert "Uw gebruikersnaam is: els.vdb" in mail.body and "medebeheerder" in mail.body
    invitation_path(mail.body)

    events = {
        e.action: e for e in AuditEvent.objects.filter(actor=world.coordinator, municipality_id=world.testdorp.pk)
    }
    invited = events[AuditEvent.Action.USER_INVITED]
    assert (invited.target_type, invited.target_id, invited.data) == (
        "accounts.user",
        str(user.pk),
        {"user_id": user.pk},
    )
    to_group = events[AuditEvent.Action.GROUP_ADMIN_INVITED]
    assert (to_group.group_id, to_group.data) == (
        world.group_a.pk,
        {"user_id": user.pk, "role": "co_admin", "new_account": True},
    )
    assert AuditEvent.Action.GROUP_ADMIN_APPOINTED not in events

    response = client.get(response.url)
    page = response.content.decode()
    assert any("user name els.vdb" in str(m) for m in response.context["messages"])
    assert "Invitations waiting for an answer" in page and "Els Van den Broeck" in page


def test_the_invited_admin_accepts_chooses_a_password_and_logs_in(client, world):
    client.force_login(world.coordinator)
    invite(client, world.group_a)
    client.logout()
    path = invitation_path(OutgoingMessage.objects.get(topic="account.invited").body)

    page = client.get(path).content.decode()
    assert "Testdorp Noord" in page and "persoonsgegevens" in page and "els.vdb" in page
    response = client.post(
        path,
        {"answer": "accept", "new_password1": "lantaarnpaal-bij-de-kerk", "new_password2": "lantaarnpaal-bij-de-kerk"},
    )
    assert response.status_code == 302 and response.url == reverse("staff:group_detail", args=[world.group_a.pk])
    user = User.objects.get(username="els.vdb")
    assert user.check_password("lantaarnpaal-bij-de-kerk")
    assert GroupAdmin.objects.get(group=world.group_a, user=user).role == GroupAdmin.Role.CO_ADMIN
    # Logged in at once, as an admin of the group.
    assert client.get(response.url).status_code == 200
    client.logout()

    assert client.login(username="els.vdb", password="lantaarnpaal-bij-de-kerk")
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "Testdorp Noord" in page  # the new admin's group
    client.logout()
    # The link works once.
    response = client.get(path)
    assert response.status_code == 410 and "Deze uitnodiging is al aanvaard." in response.content.decode()


def test_a_dutch_number_in_a_dutch_municipality(client, world):
    client.force_login(world.coordinator_nl)
    response = invite(client, world.group_nl, email="piet@example.nl", phone="06 12345678", role="admin")
    assert response.status_code == 302
    user = User.objects.get(email="piet@example.nl")
    assert user.phone == "+31612345678"
    assert AdminInvitation.objects.get(group=world.group_nl, user=user).role == GroupAdmin.Role.ADMIN


def test_user_names_stay_unique(client, world):
    make_user("els")
    client.force_login(world.coordinator)
    invite(client, world.group_a, email="els@example.net")
    invite(client, world.group_b, email="ELS@example.com", full_name="Els Tweede")
    assert set(User.objects.filter(username__istartswith="els").values_list("username", flat=True)) == {
        "els",
        "els-2",
        "els-3",
    }


def test_an_existing_address_is_refused_with_advice_to_appoint(client, world):
    client.force_login(world.coordinator)
    before = everything()
    response = invite(client, world.group_a, email="ADMIN_B@example.org")
    assert response.status_code == 200
    errors = response.context["invite_form"].errors["email"]
    assert any("already exists" in e and "admin_b" in e and "Appoint that account" in e for e in errors)
    assert "Appoint that account as admin instead." in response.content.decode()
    assert everything() == before


def test_an_address_of_a_switched_off_account_is_refused(client, world):
    User.objects.filter(pk=world.admin_b.pk).update(is_active=False)
    client.force_login(world.coordinator)
    before = everything()
    response = invite(client, world.group_a, email="admin_b@example.org")
    assert response.status_code == 200
    assert any("switched-off account" in e for e in response.context["invite_form"].errors["email"])
    assert everything() == before


@pytest.mark.parametrize(
    ("overrides", "field", "text"),
    [
        ({"full_name": ""}, "full_name", "Enter the full name of the new admin."),
        ({"full_name": "   "}, "full_name", "Enter the full name of the new admin."),
        ({"email": ""}, "email", "Enter the e-mail address of the new admin."),
        ({"email": "els@"}, "email", "Enter a valid email address."),
        ({"email": "els.example.org"}, "email", "Enter a valid email address."),
        ({"phone": ""}, "phone", "Enter the mobile phone number of the new admin."),
        ({"phone": "12345"}, "phone", "Enter a mobile number from Belgium or the Netherlands"),
        ({"phone": "011 12 34 56"}, "phone", "This is a landline number."),
        ({"phone": "+49 151 23456789"}, "phone", "Only Belgian and Dutch mobile numbers"),
        ({"role": "owner"}, "role", "Select a valid choice."),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(client, world, overrides, field, text):
    client.force_login(world.coordinator)
    before = everything()
    response = invite(client, world.group_a, **overrides)
    assert response.status_code == 200
    form = response.context["invite_form"]
    assert list(form.errors) == [field]
    assert any(text in e for e in form.errors[field])
    page = response.content.decode()
    assert "Nobody was invited" in page and 'href="#id_invite_' + field + '"' in page
    assert everything() == before


def test_all_mistakes_are_shown_at_once(client, world):
    client.force_login(world.coordinator)
    before = everything()
    response = invite(client, world.group_a, full_name="", email="x@", phone="123")
    assert set(response.context["invite_form"].errors) == {"full_name", "email", "phone"}
    assert everything() == before


@pytest.mark.parametrize(
    ("who", "group"),
    [
        ("admin_a", "group_a"),  # an admin of the group itself
        ("admin_b", "group_a"),
        ("police", "group_a"),
        ("coordinator_nl", "group_a"),  # a coordinator of another municipality
        ("coordinator", "group_nl"),
    ],
)
def test_only_the_coordinators_of_the_municipality_may_invite(client, world, who, group):
    client.force_login(getattr(world, who))
    before = everything()
    response = invite(client, getattr(world, group))
    assert response.status_code == 404
    assert everything() == before
    assert not User.objects.filter(email__iexact=NEW_ADMIN["email"]).exists()


def test_visitors_are_sent_to_the_login_page(client, world):
    before = everything()
    response = invite(client, world.group_a)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert everything() == before


def test_an_invitee_whose_role_needs_a_second_factor_logs_in_through_both_steps(client, world):
    """Accepting sets the password but logs in only an account that needs no second factor: one
    given a coordinator's role meanwhile goes through the login page and its code step."""
    from apps.municipalities.models import Coordinator

    client.force_login(world.coordinator)
    invite(client, world.group_a)
    client.logout()
    path = invitation_path(OutgoingMessage.objects.get(topic="account.invited").body)
    Coordinator.objects.create(user=User.objects.get(username="els.vdb"), municipality=world.grensstad)
    response = client.post(
        path,
        {"answer": "accept", "new_password1": "lantaarnpaal-bij-de-kerk", "new_password2": "lantaarnpaal-bij-de-kerk"},
    )
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert "_auth_user_id" not in client.session
    assert GroupAdmin.objects.filter(group=world.group_a, user__username="els.vdb").exists()
