"""Groups that lose people silently: the last admin's removal is confirmed after a warning, groups
without an admin, with one admin or with applications waiting too long are flagged on the
coordinator's desk and in their weekly digest; an admin sets the invite link and steps down."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.groups.models import GroupAdmin
from apps.messaging.models import OutgoingMessage
from apps.staff.digest import send_coordinator_digests
from testkit.world import World

from .helpers import make_application, snapshot

NEW_LINK = "https://chat.whatsapp.com/FreshCode9876"


def flags_on(page: str, group_name: str) -> str:
    """The text of the dashboard's line for one group."""
    start = page.index(f">{group_name}</a>:")
    return page[start : page.index("</li>", start)]


# --- removing the last admin ---------------------------------------------------------------------


def test_removing_the_last_admin_is_confirmed_after_a_warning(client, world: World):
    client.force_login(world.coordinator)
    url = reverse("staff:group_admins", args=[world.group_b.pk])
    page = client.get(url).content.decode()
    assert "The group's last admin: removing them leaves the group without an admin." in page

    before = snapshot()
    response = client.post(url, {"action": "remove", "user": str(world.admin_b.pk)})
    assert response.status_code == 200
    assert snapshot() == before  # nothing removed yet
    page = response.content.decode()
    assert "Remove Admin_B, the last admin?" in page
    assert "nobody approves new applications" in page and 'name="confirm" value="yes"' in page

    response = client.post(url, {"action": "remove", "user": str(world.admin_b.pk), "confirm": "yes"}, follow=True)
    assert not world.group_b.admin_roles.exists()
    assert "This group has no admin now: new applications reach no one." in response.content.decode()
    assert AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_ADMIN_REMOVED, group_id=world.group_b.pk).exists()

    # The group is flagged on the coordinator's overview and on the municipality's page.
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "No admin" in flags_on(page, "Testdorp Zuid")
    page = client.get(reverse("staff:municipality_detail", args=[world.testdorp.pk])).content.decode()
    assert "No admin" in page


def test_removing_an_admin_who_is_not_the_last_needs_no_confirmation(client, world: World):
    client.force_login(world.coordinator)
    url = reverse("staff:group_admins", args=[world.group_a.pk])
    response = client.post(url, {"action": "remove", "user": str(world.co_admin_a.pk)})
    assert response.status_code == 302
    assert list(world.group_a.admin_roles.values_list("user__username", flat=True)) == ["admin_a"]


# --- flags -------------------------------------------------------------------------------------


def _age(application: Application, days: int) -> None:
    then = timezone.now() - dt.timedelta(days=days)
    Application.objects.filter(pk=application.pk).update(confirmed_at=then, to_admin_at=then)


def test_dashboard_flags_one_admin_no_admin_and_long_waits(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS = 5
    waiting = make_application(world.group_a, World.ADDRESS_A)
    client.force_login(world.coordinator)

    page = client.get(reverse("staff:dashboard")).content.decode()
    # Group A has an admin and a co-admin, and its application is fresh: not flagged.
    assert ">Testdorp Noord</a>:" not in page
    assert "Only one admin" in flags_on(page, "Testdorp Zuid")

    _age(waiting, 6)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "1 application has waited more than 5 days" in flags_on(page, "Testdorp Noord")

    # A co-admin without an admin is no admin.
    GroupAdmin.objects.filter(group=world.group_a, user=world.admin_a).delete()
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "No admin (only co-admins)" in flags_on(page, "Testdorp Noord")
    # Another municipality's groups are not on this desk (Grensstad's group has no admin).
    assert "Grensstad" not in page


def test_applications_on_the_waiting_list_or_decided_are_no_long_wait(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS = 5
    application = make_application(world.group_a, World.ADDRESS_A)
    _age(application, 30)
    Application.objects.filter(pk=application.pk).update(status=Application.Status.REJECTED)
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert ">Testdorp Noord</a>:" not in page


def test_the_wait_counts_from_the_day_the_application_reached_the_admins(client, world: World, settings):
    # Confirmed 30 days ago, on the waiting list until a place came free yesterday: the admins
    # have had it one day, not thirty.
    settings.BUURTWACHT_APPLICATION_ESCALATION_DAYS = 5
    application = make_application(world.group_a, World.ADDRESS_A)
    _age(application, 30)
    Application.objects.filter(pk=application.pk).update(to_admin_at=timezone.now() - dt.timedelta(days=1))
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert ">Testdorp Noord</a>:" not in page
    Application.objects.filter(pk=application.pk).update(to_admin_at=timezone.now() - dt.timedelta(days=6))
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "1 application has waited more than 5 days" in flags_on(page, "Testdorp Noord")


@pytest.mark.parametrize("who", ["admin_b", "police", "nobody"])
def test_other_roles_see_no_flags(client, world: World, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("staff:dashboard"))
    assert response.context["flagged_groups"] == []
    assert "Only one admin" not in response.content.decode()


# --- the digest ----------------------------------------------------------------------------------

MONDAY_NOON = dt.datetime(2026, 12, 7, 12, 0, tzinfo=dt.UTC)


def test_coordinators_get_a_weekly_digest_of_flagged_groups_once(world: World):
    assert send_coordinator_digests(MONDAY_NOON) == 2  # Testdorp (one admin) and Grensstad (no admin)
    digest = OutgoingMessage.objects.get(topic="coordinator.digest", recipient=world.coordinator.email)
    with translation.override("nl"):
        assert digest.subject == translation.ngettext(
            "Neighbourhood watch: %(count)d group needs you", "Neighbourhood watch: %(count)d groups need you", 1
        ) % {"count": 1}
    assert "Testdorp Zuid (Testdorp)" in digest.body and "Testdorp Noord" not in digest.body
    assert f"/beheer/groepen/{world.group_b.pk}/" in digest.body
    other = OutgoingMessage.objects.get(topic="coordinator.digest", recipient=world.coordinator_nl.email)
    assert "Grensstad Centrum" in other.body and "Testdorp" not in other.body

    # Later that week: nothing new. The next week: again.
    assert send_coordinator_digests(MONDAY_NOON + dt.timedelta(days=3)) == 0
    assert send_coordinator_digests(MONDAY_NOON + dt.timedelta(days=7)) == 2
    assert OutgoingMessage.objects.filter(topic="coordinator.digest").count() == 4


def test_the_digest_waits_for_monday_morning_and_skips_groups_in_order(world: World):
    assert send_coordinator_digests(MONDAY_NOON.replace(hour=3)) == 0
    GroupAdmin.objects.create(group=world.group_b, user=world.co_admin_a, role=GroupAdmin.Role.CO_ADMIN)
    # Testdorp's groups are in order now: only Grensstad's coordinator is written to.
    assert send_coordinator_digests(MONDAY_NOON) == 1
    assert not OutgoingMessage.objects.filter(topic="coordinator.digest", recipient=world.coordinator.email).exists()


def test_the_digest_is_in_the_coordinators_language(world: World):
    world.coordinator.language = "fr"
    world.coordinator.save()
    send_coordinator_digests(MONDAY_NOON)
    digest = OutgoingMessage.objects.get(topic="coordinator.digest", recipient=world.coordinator.email)
    with translation.override("fr"):
        assert translation.gettext("Only one admin") in digest.body
        assert translation.gettext("Your overview: %(url)s") % {"url": ""} in digest.body


# --- the invite link on the desk -----------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "coordinator"])
def test_admins_and_the_coordinator_update_the_invite_link(client, world: World, who):
    client.force_login(getattr(world, who))
    url = reverse("staff:group_detail", args=[world.group_a.pk])
    assert 'value="update_invite"' in client.get(url).content.decode()
    response = client.post(url, {"action": "update_invite", "invite_link": NEW_LINK}, follow=True)
    world.group_a.refresh_from_db()
    assert world.group_a.invite_link == NEW_LINK
    assert "The invite link was changed." in response.content.decode()
    assert AuditEvent.objects.get(action=AuditEvent.Action.GROUP_INVITE_LINK_CHANGED).actor == getattr(world, who)


@pytest.mark.parametrize("bad", ["", "https://example.org/join", "chat.whatsapp.com/abc", "https://chat.whatsapp.com/"])
def test_a_bad_invite_link_gets_a_message_and_changes_nothing(client, world: World, bad):
    client.force_login(world.admin_a)
    before = snapshot()
    response = client.post(
        reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "update_invite", "invite_link": bad}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The invite link was not changed." in page
    assert "invite_link" in response.context["invite_form"].errors
    assert (
        ("Enter the group&#x27;s new invite link." in page)
        if not bad
        else ("https://chat.whatsapp.com/AbCdEf123456" in page)
    )
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin_b", "police", "nobody", "coordinator_nl", "police_nl"])
def test_others_cannot_update_the_invite_link(client, world: World, who):
    client.force_login(getattr(world, who))
    before = snapshot()
    response = client.post(
        reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "update_invite", "invite_link": NEW_LINK}
    )
    assert response.status_code in (403, 404)
    assert snapshot() == before


def test_anonymous_is_sent_to_the_login(client, world: World):
    before = snapshot()
    response = client.post(
        reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "update_invite", "invite_link": NEW_LINK}
    )
    assert response.status_code == 302 and reverse("accounts:login") in response["Location"]
    assert snapshot() == before


# --- stepping down on the desk -------------------------------------------------------------------


def test_admin_steps_down_handing_the_group_to_the_co_admin(client, world: World):
    client.force_login(world.admin_a)
    url = reverse("staff:group_detail", args=[world.group_a.pk])
    page = client.get(url).content.decode()
    assert 'value="step_down"' in page and "Co_Admin_A (becomes admin)" in page
    response = client.post(url, {"action": "step_down", "successor": str(world.co_admin_a.pk)})
    assert response.status_code == 302 and response["Location"] == reverse("staff:dashboard")
    assert list(world.group_a.admin_roles.values_list("user__username", "role")) == [
        ("co_admin_a", GroupAdmin.Role.ADMIN)
    ]
    assert OutgoingMessage.objects.filter(topic="group.admin_handover", recipient=world.co_admin_a.email).exists()
    # The former admin no longer reaches the group.
    assert client.get(url).status_code == 404


def test_last_admin_hands_the_group_back_and_it_is_flagged(client, world: World):
    client.force_login(world.admin_b)
    url = reverse("staff:group_detail", args=[world.group_b.pk])
    response = client.post(url, {"action": "step_down", "successor": "coordinator"})
    assert response.status_code == 302
    assert not world.group_b.admin_roles.exists()
    assert OutgoingMessage.objects.filter(topic="group.admin_stepped_down", recipient=world.coordinator.email).exists()
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:dashboard")).content.decode()
    assert "No admin" in flags_on(page, "Testdorp Zuid")


@pytest.mark.parametrize("successor", ["", "admin_b", "12345"])
def test_stepping_down_needs_a_valid_choice(client, world: World, successor):
    client.force_login(world.admin_a)
    value = str(getattr(world, successor).pk) if successor == "admin_b" else successor
    before = snapshot()
    response = client.post(
        reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "step_down", "successor": value}
    )
    assert response.status_code == 200
    assert "successor" in response.context["step_down_form"].errors
    assert "You are still an admin." in response.content.decode()
    assert snapshot() == before


def test_coordinator_has_no_role_to_step_down_from(client, world: World):
    client.force_login(world.coordinator)
    url = reverse("staff:group_detail", args=[world.group_a.pk])
    assert 'value="step_down"' not in client.get(url).content.decode()
    before = snapshot()
    response = client.post(url, {"action": "step_down", "successor": "coordinator"})
    assert response.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin_b", "police", "nobody", "coordinator_nl"])
def test_others_cannot_step_down_for_the_group(client, world: World, who):
    client.force_login(getattr(world, who))
    before = snapshot()
    response = client.post(
        reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "step_down", "successor": "coordinator"}
    )
    assert response.status_code == 404
    assert snapshot() == before
