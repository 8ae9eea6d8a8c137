"""The overview each role lands on, and the group page with its secret invite link."""

from __future__ import annotations

from django.urls import reverse

from apps.audit.models import AuditEvent
from testkit.world import add_member, make_user

from .helpers import snapshot


def test_admin_sees_their_groups_with_waiting_applications_and_fill(client, world, desk):
    world.group_a.capacity = 10
    world.group_a.save()
    for n in range(8):
        add_member(world.group_a, 500 + n)  # with Marc Noord: 9 of 10
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:dashboard"))
    [group] = response.context["admin_groups"]
    assert (group.pk, group.pending_count, group.member_count, group.fill.level) == (world.group_a.pk, 1, 9, "warn")
    page = response.content.decode()
    assert "1 application waits for you" in page and "9 of 10 members (90%)" in page and "Almost full" in page
    assert f"?group={world.group_a.pk}&amp;status=confirmed" in page
    assert "Testdorp Zuid" not in page
    assert not response.context["municipalities"] and not response.context["police_zones"]


def test_coordinator_sees_the_municipality_figures(client, world, desk):
    client.force_login(world.coordinator)
    response = client.get(reverse("staff:dashboard"))
    [figures] = response.context["municipalities"]
    assert figures.municipality == world.testdorp
    assert (figures.active_groups, figures.members, figures.largest_group) == (2, 2, 1)
    assert (figures.open_requests, figures.failed_messages) == (1, 2)
    page = response.content.decode()
    assert reverse("staff:municipality_detail", args=[world.testdorp.pk]) in page
    assert reverse("staff:group_request_list") + "?status=open" in page
    assert reverse("staff:message_list") + "?status=failed" in page
    assert "Grensstad" not in page


def test_police_get_a_link_to_their_overview(client, world):
    client.force_login(world.police)
    response = client.get(reverse("staff:dashboard"))
    page = response.content.decode()
    assert "PZ Testzone" in page and "2 groups" in page
    assert reverse("staff:police_overview") in page
    # The desk menu offers neither applications nor messages to the police.
    assert reverse("staff:application_list") not in page and reverse("staff:message_list") not in page


def test_someone_without_a_role_gets_an_explanation(client, world):
    client.force_login(make_user("nieuwkomer"))
    response = client.get(reverse("staff:dashboard"))
    assert response.status_code == 200
    assert "Nothing to do here yet" in response.content.decode()
    assert list(client.get(reverse("staff:application_list")).context["page"].object_list) == []


def test_group_page_hides_the_invite_link_until_asked(client, world):
    client.force_login(world.admin_a)
    url = reverse("staff:group_detail", args=[world.group_a.pk])
    page = client.get(url).content.decode()
    assert "INVITEnoord" not in page and 'value="show_invite"' in page
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.GROUP_INVITE_VIEWED).exists()
    page = client.get(url, {"action": "show_invite"}).content.decode()  # not by a link or a prefetch
    assert "INVITEnoord" not in page
    response = client.post(url, {"action": "show_invite"})
    assert "https://chat.whatsapp.com/INVITEnoord" in response.content.decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.GROUP_INVITE_VIEWED)
    assert (event.actor, event.group_id, event.municipality_id) == (world.admin_a, world.group_a.pk, world.testdorp.pk)


def test_group_page_shows_admins_capacity_and_coordinator_links(client, world, desk):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:group_detail", args=[world.group_a.pk])).content.decode()
    assert "Admin_A" in page and "+32470000001" in page and "1 of 256 members" in page
    assert reverse("staff:group_edit", args=[world.group_a.pk]) not in page
    client.force_login(world.coordinator)
    page = client.get(reverse("staff:group_detail", args=[world.group_a.pk])).content.decode()
    assert reverse("staff:group_edit", args=[world.group_a.pk]) in page
    assert reverse("staff:group_admins", args=[world.group_a.pk]) in page


def test_group_page_without_invite_link_changes_nothing_when_asked(client, world):
    world.group_a.invite_link = ""
    world.group_a.save()
    client.force_login(world.admin_a)
    before = snapshot()
    response = client.post(reverse("staff:group_detail", args=[world.group_a.pk]), {"action": "show_invite"})
    assert response.status_code == 200 and "No invite link is set" in response.content.decode()
    assert snapshot() == before


def test_pages_with_personal_data_are_not_cached(client, world, desk):
    client.force_login(world.admin_a)
    for url in (
        reverse("staff:member_list", args=[world.group_a.pk]),
        reverse("staff:application_detail", args=[desk.app_a.pk]),
        reverse("staff:application_list"),
    ):
        assert "no-store" in client.get(url)["Cache-Control"]
