"""The admins page of a group and the invitation's page: a coordinator appoints an account of
their municipality at once and invites anyone else, sees the invitations that wait and withdraws
one; the invitee opens the link, sees what it means, and accepts or declines. Forged, expired,
used and withdrawn links say so and change nothing; no one else answers or withdraws."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from apps.accounts.models import User
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import AdminInvitation, GroupAdmin
from apps.groups.services import appoint_admin
from apps.messaging.models import OutgoingMessage

from .helpers import snapshot


def everything() -> dict:
    return {
        **snapshot(),
        "invitations": list(AdminInvitation.objects.order_by("pk").values_list("pk", "status", "answered_at")),
        "users": list(User.objects.order_by("pk").values_list("pk", "password")),
    }


def appoint(client, world, username: str, group=None, role: str = "co_admin"):
    group = group or world.group_a
    return client.post(
        reverse("staff:group_admins", args=[group.pk]), {"action": "appoint", "user": username, "role": role}
    )


def link_of(user) -> str:
    mail = OutgoingMessage.objects.filter(
        topic__in=("group.admin_invited", "account.invited"), recipient=user.email
    ).latest("pk")
    match = re.search(r"http://testserver(/beheer/uitnodiging/[A-Za-z0-9_-]+/)", mail.body)
    assert match, mail.body
    return match.group(1)


@pytest.fixture
def english(client):
    """Pages in English, whatever language the invitation was written in (set again after a
    logout, which forgets the cookies)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


@pytest.fixture
def invited(client, world, english):
    """The coordinator of Testdorp has invited the police officer as co-admin of group A."""
    client.force_login(world.coordinator)
    assert appoint(client, world, "police").status_code == 302
    client.logout()  # which forgets the cookies too
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return link_of(world.police)


# --- the coordinator -----------------------------------------------------------------------------


def test_an_account_of_the_municipality_is_appointed_at_once(client, world, english):
    client.force_login(world.coordinator)
    response = appoint(client, world, "admin_b")
    assert response.status_code == 302
    assert GroupAdmin.objects.get(group=world.group_a, user=world.admin_b).role == GroupAdmin.Role.CO_ADMIN
    assert not AdminInvitation.objects.exists()
    response = client.get(response.url)
    assert any("is now a co-admin of this group" in str(m) for m in response.context["messages"])


def test_the_confirmation_names_the_role_given(client, world, english):
    client.force_login(world.coordinator)
    response = client.get(appoint(client, world, "admin_b", role="admin").url)
    assert GroupAdmin.objects.get(group=world.group_a, user=world.admin_b).role == GroupAdmin.Role.ADMIN
    shown = [str(m) for m in response.context["messages"]]
    assert any("is now an admin of this group" in m for m in shown)
    assert not any("co-admin" in m for m in shown)


@pytest.mark.parametrize("who", ["police", "police_nl", "coordinator_nl", "nobody", "admin_nl"])
def test_anyone_else_gets_an_invitation_instead(client, world, english, who):
    if who == "admin_nl":
        user = User.objects.create_user("admin_nl", email="admin_nl@example.org", password="x" * 12)
        appoint_admin(actor=SYSTEM, group=world.group_nl, user=user)
    else:
        user = getattr(world, who)
    client.force_login(world.coordinator)
    response = appoint(client, world, user.username)
    assert response.status_code == 302
    assert not GroupAdmin.objects.filter(group=world.group_a, user=user).exists()
    invitation = AdminInvitation.objects.get(group=world.group_a, user=user)
    assert invitation.status == AdminInvitation.Status.PENDING
    assert (
        OutgoingMessage.objects.filter(
            topic__in=("group.admin_invited", "account.invited"), recipient=user.email
        ).count()
        == 1
    )

    response = client.get(response.url)
    [message] = [str(m) for m in response.context["messages"]]
    assert "is not an account of Testdorp, so they were not appointed" in message and "within 14 days" in message
    page = response.content.decode()
    assert "Invitations waiting for an answer" in page and f'id="invitation-{invitation.pk}"' in page
    assert f'name="invitation" value="{invitation.pk}"' in page and "Withdraw the invitation" in page
    # The invitee is not among the admins, and sees nothing of the group's members.
    client.force_login(user)
    assert client.get(reverse("staff:member_list", args=[world.group_a.pk])).status_code == 404


def test_a_second_invitation_is_refused_on_the_form(client, world, invited, english):
    client.force_login(world.coordinator)
    before = everything()
    response = appoint(client, world, "police")
    assert response.status_code == 200
    assert any("already invited" in e for e in response.context["form"].errors["user"])
    assert everything() == before


def test_the_coordinator_withdraws_an_invitation(client, world, invited):
    invitation = AdminInvitation.objects.get()
    client.force_login(world.coordinator)
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    response = client.post(url, {"action": "withdraw", "invitation": str(invitation.pk)})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == AdminInvitation.Status.WITHDRAWN
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_ADMIN_INVITATION_WITHDRAWN).count() == 1
    page = client.get(url).content.decode()
    assert "Invitations waiting for an answer" not in page
    # Withdrawn: the link says so and the officer cannot accept.
    client.force_login(world.police)
    before = everything()
    response = client.get(invited)
    assert response.status_code == 410 and "The municipality withdrew this invitation." in response.content.decode()
    assert client.post(invited, {"answer": "accept"}).status_code == 410
    assert everything() == before


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "admin_b", "police", "police_nl", "coordinator_nl", "nobody"])
def test_other_roles_cannot_invite_or_withdraw(client, world, invited, who):
    invitation = AdminInvitation.objects.get()
    client.force_login(getattr(world, who))
    before = everything()
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    assert client.post(url, {"action": "withdraw", "invitation": str(invitation.pk)}).status_code == 404
    assert appoint(client, world, "nobody").status_code == 404
    assert client.get(url).status_code == 404
    assert everything() == before


def test_visitors_cannot_invite_or_withdraw(client, world, invited):
    invitation = AdminInvitation.objects.get()
    before = everything()
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    for response in (
        client.post(url, {"action": "withdraw", "invitation": str(invitation.pk)}),
        appoint(client, world, "nobody"),
    ):
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert everything() == before


def test_an_invitation_of_another_group_cannot_be_withdrawn_here(client, world, invited):
    invitation = AdminInvitation.objects.get()
    client.force_login(world.coordinator)
    before = everything()
    response = client.post(
        reverse("staff:group_admins", args=[world.group_b.pk]), {"action": "withdraw", "invitation": str(invitation.pk)}
    )
    assert response.status_code == 404
    assert everything() == before


# --- the invitee ---------------------------------------------------------------------------------


def test_the_invitee_sees_what_it_means_and_accepts(client, world, invited):
    client.force_login(world.police)
    before = everything()
    response = client.get(invited)
    assert response.status_code == 200
    assert response["Referrer-Policy"] == "same-origin" and "noindex" in response["X-Robots-Tag"]
    page = response.content.decode()
    assert "Invitation to become an admin of Testdorp Noord" in page
    assert "of the municipality of Testdorp invites you to become co-admin" in page
    assert "You see the personal data of the group's members" in page
    assert 'value="accept"' in page and 'value="decline"' in page
    assert everything() == before  # opening the link (as mail scanners do) changes nothing

    response = client.post(invited, {"answer": "accept"})
    assert response.status_code == 302 and response.url == reverse("staff:group_detail", args=[world.group_a.pk])
    assert GroupAdmin.objects.get(group=world.group_a, user=world.police).role == GroupAdmin.Role.CO_ADMIN
    assert client.get(reverse("staff:member_list", args=[world.group_a.pk])).status_code == 200
    # The link works once.
    response = client.post(invited, {"answer": "accept"})
    assert response.status_code == 410 and "This invitation was already accepted." in response.content.decode()


def test_the_invitee_declines_and_nothing_else_changes(client, world, invited):
    client.force_login(world.police)
    before = snapshot()
    response = client.post(invited, {"answer": "decline"})
    assert response.status_code == 200
    assert "You declined the invitation" in response.content.decode()
    assert not GroupAdmin.objects.filter(user=world.police).exists()
    assert AdminInvitation.objects.get().status == AdminInvitation.Status.DECLINED
    after = snapshot()
    assert after["admins"] == before["admins"] and after["members"] == before["members"]
    assert client.post(invited, {"answer": "accept"}).status_code == 410
    assert not GroupAdmin.objects.filter(user=world.police).exists()


def test_logged_out_the_invitee_is_asked_to_log_in_first(client, world, invited):
    before = everything()
    response = client.get(invited)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="log-in-first"' in page and f"/account/inloggen/?next={invited}" in page
    assert 'value="accept"' not in page
    assert client.post(invited, {"answer": "accept"}).status_code == 403
    assert client.post(invited, {"answer": "decline"}).status_code == 403
    assert everything() == before


@pytest.mark.parametrize("who", ["admin_a", "coordinator", "police_nl", "superuser"])
def test_another_account_cannot_answer(client, world, invited, who):
    client.force_login(getattr(world, who))
    before = everything()
    page = client.get(invited).content.decode()
    assert 'id="other-account"' in page and 'value="accept"' not in page
    assert client.post(invited, {"answer": "accept"}).status_code == 403
    assert client.post(invited, {"answer": "decline"}).status_code == 403
    assert everything() == before


@pytest.mark.parametrize(
    ("spoil", "status", "text"),
    [
        (lambda path: path[:-3] + "xx/", 404, "This invitation link does not work."),
        (lambda path: "/beheer/uitnodiging/" + "x" * 300 + "/", 404, "This invitation link does not work."),
        (lambda path: _expire() or path, 410, "This invitation has expired."),
    ],
)
def test_a_forged_or_expired_link_says_so_and_changes_nothing(client, world, invited, spoil, status, text):
    client.force_login(world.police)
    path = spoil(invited)
    before = everything()
    for response in (
        client.get(path),
        client.post(path, {"answer": "accept"}),
        client.post(path, {"answer": "decline"}),
    ):
        assert response.status_code == status
        assert text in response.content.decode()
        assert response["X-Robots-Tag"] == "noindex, nofollow"
    assert everything() == before
    assert not GroupAdmin.objects.filter(user=world.police).exists()


def _expire():
    AdminInvitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))


def test_the_page_speaks_the_language_of_the_invitation(client, world):
    world.testdorp.language = "fr"
    world.testdorp.save(update_fields=["language"])
    client.force_login(world.coordinator)
    appoint(client, world, "police")
    path = link_of(world.police)
    client.force_login(world.police)
    response = client.get(path)
    assert '<html lang="fr">' in response.content.decode() and response["Content-Language"] == "fr"
    _expire()
    response = client.get(path)
    with translation.override("fr"):
        expired = translation.gettext("This link has expired")
    assert expired != "This link has expired" and expired in response.content.decode()


def test_a_new_person_accepts_without_logging_in_and_a_bad_password_changes_nothing(client, world, english):
    client.force_login(world.coordinator)
    client.post(
        reverse("staff:group_admins", args=[world.group_b.pk]),
        {
            "action": "invite",
            "full_name": "Rik De Smet",
            "email": "rik@example.be",
            "phone": "0470 12 34 56",
            "role": "admin",
        },
    )
    client.logout()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    rik = User.objects.get(email="rik@example.be")
    path = link_of(rik)
    page = client.get(path).content.decode()
    assert 'id="id_new_password1"' in page and "rik" in page

    before = everything()
    response = client.post(path, {"answer": "accept", "new_password1": "kort", "new_password2": "kort"})
    assert response.status_code == 200 and response.context["form"].errors
    assert everything() == before

    response = client.post(
        path, {"answer": "accept", "new_password1": "fietsenrek-aan-de-kerk", "new_password2": "fietsenrek-aan-de-kerk"}
    )
    assert response.status_code == 302
    assert GroupAdmin.objects.get(group=world.group_b, user=rik).role == GroupAdmin.Role.ADMIN
    assert client.get(reverse("staff:member_list", args=[world.group_b.pk])).status_code == 200
