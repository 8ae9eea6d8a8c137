"""The permission matrix: every restricted page and action, tried by every role that has no
right to it. Each attempt is a 404 (a 302 to the login page for visitors) and changes nothing:
no status, no row, no audit event. The same URL reached by the right role proves the attempt
was aimed at something real."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from testkit.world import PASSWORD, World

from .helpers import Desk, snapshot

# Targets: "b" is group B of Testdorp, "nl" the group of Grensstad.


def _objects(world: World, desk: Desk, target: str) -> dict:
    if target == "b":
        return {
            "group": world.group_b,
            "application": desk.app_b,
            "member": desk.member_b,
            "message": desk.message_b,
            "municipality": world.testdorp,
            "request": desk.request_testdorp,
            "admin": world.admin_b,
        }
    return {
        "group": world.group_nl,
        "application": desk.app_nl,
        "member": desk.member_nl,
        "message": desk.message_nl,
        "municipality": world.grensstad,
        "request": desk.request_nl,
        "admin": desk.admin_nl,
    }


def _group_post_data(group) -> dict:
    return {
        "name": "Overgenomen",
        "status": "active",
        "capacity": "300",
        "invite_link": "https://chat.whatsapp.com/X",
        "public_description": "",
        "area_source": "existing",
        "existing_area": str(group.area_id),
        "area_name": "",
        "geometry": "",
        "sub_municipality": "",
    }


def build(endpoint: str, world: World, desk: Desk, target: str) -> tuple[str, str, dict]:
    """(method, url, data) of an endpoint aimed at the target's objects. POST data is valid, so
    a missing permission check would show up as a change."""
    o = _objects(world, desk, target)
    group, municipality = o["group"], o["municipality"]
    table = {
        "application_detail": ("get", reverse("staff:application_detail", args=[o["application"].pk]), {}),
        "application_approve": ("post", reverse("staff:application_approve", args=[o["application"].pk]), {}),
        "application_reject": (
            "post",
            reverse("staff:application_reject", args=[o["application"].pk]),
            {"reason": "Woont niet in de buurt."},
        ),
        "group_detail": ("get", reverse("staff:group_detail", args=[group.pk]), {}),
        "group_show_invite": ("post", reverse("staff:group_detail", args=[group.pk]), {"action": "show_invite"}),
        "member_list": ("get", reverse("staff:member_list", args=[group.pk]), {}),
        "member_export": ("get", reverse("staff:member_export", args=[group.pk]), {}),
        "member_remove": ("post", reverse("staff:member_remove", args=[o["member"].pk]), {"reason": "Spam."}),
        "message_retry": ("post", reverse("staff:message_retry", args=[o["message"].pk]), {}),
        "municipality_detail": ("get", reverse("staff:municipality_detail", args=[municipality.pk]), {}),
        "group_create_form": ("get", reverse("staff:group_create", args=[municipality.pk]), {}),
        "group_create": ("post", reverse("staff:group_create", args=[municipality.pk]), _group_post_data(group)),
        "group_edit_form": ("get", reverse("staff:group_edit", args=[group.pk]), {}),
        "group_edit": ("post", reverse("staff:group_edit", args=[group.pk]), _group_post_data(group)),
        "group_admins": ("get", reverse("staff:group_admins", args=[group.pk]), {}),
        "group_admin_appoint": (
            "post",
            reverse("staff:group_admins", args=[group.pk]),
            {"action": "appoint", "user": "police", "role": "admin"},
        ),
        "group_admin_remove": (
            "post",
            reverse("staff:group_admins", args=[group.pk]),
            # The group's last admin: the coordinator confirms after the warning.
            {"action": "remove", "user": str(o["admin"].pk), "confirm": "yes"},
        ),
        "house_rules": ("get", reverse("staff:house_rules_publish", args=[municipality.pk]), {}),
        "house_rules_publish": (
            "post",
            reverse("staff:house_rules_publish", args=[municipality.pk]),
            {"title": "Nieuwe regels", "text": "Alles mag."},
        ),
        "group_request_detail": ("get", reverse("staff:group_request_detail", args=[o["request"].pk]), {}),
        "group_request_decide": (
            "post",
            reverse("staff:group_request_detail", args=[o["request"].pk]),
            {"decision": "decline", "note": "Nee."},
        ),
    }
    return table[endpoint]


GROUP_ENDPOINTS = [
    "application_detail",
    "application_approve",
    "application_reject",
    "group_detail",
    "group_show_invite",
    "member_list",
    "member_export",
    "member_remove",
    "message_retry",
]
COORDINATOR_ENDPOINTS = [
    "municipality_detail",
    "group_create_form",
    "group_create",
    "group_edit_form",
    "group_edit",
    "group_admins",
    "group_admin_appoint",
    "group_admin_remove",
    "house_rules",
    "house_rules_publish",
    "group_request_detail",
    "group_request_decide",
]

# Who has no right to what: group B's people are for its admin and Testdorp's coordinator;
# Grensstad's for its coordinator (and the admin of its group). The police see neither.
DENIED = {
    ("group", "b"): ["admin_a", "police", "coordinator_nl"],
    ("group", "nl"): ["admin_a", "admin_b", "coordinator", "police"],
    ("coordinator", "b"): ["admin_a", "admin_b", "police", "coordinator_nl"],
    ("coordinator", "nl"): ["admin_a", "coordinator", "police"],
}
ALLOWED = {
    ("group", "b"): ["admin_b", "coordinator", "superuser"],
    ("group", "nl"): ["coordinator_nl"],
    ("coordinator", "b"): ["coordinator", "superuser"],
    ("coordinator", "nl"): ["coordinator_nl"],
}


def _cases(table):
    for kind, endpoints in (("group", GROUP_ENDPOINTS), ("coordinator", COORDINATOR_ENDPOINTS)):
        for endpoint in endpoints:
            for target in ("b", "nl"):
                for role in table[(kind, target)]:
                    yield pytest.param(endpoint, target, role, id=f"{role}-{endpoint}-{target}")


def _user(world: World, desk: Desk, role: str):
    return desk.admin_nl if role == "admin_nl" else getattr(world, role)


@pytest.mark.parametrize(("endpoint", "target", "role"), list(_cases(DENIED)))
def test_out_of_reach_is_not_found_and_changes_nothing(client, world, desk, endpoint, target, role):
    method, url, data = build(endpoint, world, desk, target)
    client.force_login(_user(world, desk, role))
    before = snapshot()
    response = getattr(client, method)(url, data)
    assert response.status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(("endpoint", "target", "role"), list(_cases(ALLOWED)))
def test_the_right_role_reaches_the_same_url(client, world, desk, endpoint, target, role):
    method, url, data = build(endpoint, world, desk, target)
    client.force_login(_user(world, desk, role))
    before = snapshot()
    response = getattr(client, method)(url, data)
    assert response.status_code in (200, 302), response.content[:500]
    if method == "post":
        assert snapshot() != before  # the action did happen for the right role


ALL_URLS = [
    ("get", "staff:dashboard", None),
    ("get", "staff:application_list", None),
    ("get", "staff:message_list", None),
    ("get", "staff:group_request_list", None),
    ("get", "staff:police_overview", None),
]


@pytest.mark.parametrize("endpoint", GROUP_ENDPOINTS + COORDINATOR_ENDPOINTS)
def test_visitors_are_sent_to_the_login_page_and_change_nothing(client, world, desk, endpoint):
    method, url, data = build(endpoint, world, desk, "b")
    before = snapshot()
    response = getattr(client, method)(url, data)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login") + "?next=")
    assert snapshot() == before


@pytest.mark.parametrize(("method", "name", "args"), ALL_URLS)
def test_visitors_cannot_see_the_lists(client, world, method, name, args):
    response = getattr(client, method)(reverse(name, args=args))
    assert response.status_code == 302 and response.url.startswith("/account/inloggen/")


def test_login_with_password_then_lands_on_the_desk(world):
    client = Client()
    response = client.post(reverse("accounts:login"), {"username": "admin_a", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(response.url)
    assert response.status_code == 200
    assert "Testdorp Noord" in response.content.decode()


@pytest.mark.parametrize("endpoint", ["application_approve", "application_reject", "member_remove", "message_retry"])
def test_actions_refuse_get(client, world, desk, endpoint):
    _method, url, _data = build(endpoint, world, desk, "b")
    client.force_login(world.admin_b)
    before = snapshot()
    # Opened in the browser, the action's address leads to a page above it (apps/web/post_only.py)
    # and does nothing.
    response = client.get(url)
    assert response.status_code == 302 and url.startswith(response.url) and response.url != url
    assert snapshot() == before


def test_lists_show_only_what_is_in_reach(client, world, desk):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_list")).content.decode()
    assert "Anna Noord" in page
    assert "Bert Zuid" not in page and "Noor Grens" not in page
    page = client.get(reverse("staff:message_list")).content.decode()
    assert "anna@example.org" in page
    assert "bert@example.org" not in page and "noor@example.org" not in page

    client.force_login(world.coordinator)
    page = client.get(reverse("staff:application_list")).content.decode()
    assert "Anna Noord" in page and "Bert Zuid" in page and "Noor Grens" not in page
    page = client.get(reverse("staff:group_request_list")).content.decode()
    assert "Rita Veld" in page and "Ruud Grens" not in page


def test_filtering_on_a_group_out_of_reach_shows_nothing_of_it(client, world, desk):
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:application_list"), {"group": world.group_b.pk})
    page = response.content.decode()
    assert "Bert Zuid" not in page
    assert not AuditEvent.objects.filter(
        action=AuditEvent.Action.APPLICATION_VIEWED, group_id=world.group_b.pk
    ).exists()


def test_police_see_no_applicants_or_members_and_cannot_approve(client, world, desk):
    client.force_login(world.police)
    before = snapshot()
    page = client.get(reverse("staff:application_list")).content.decode()
    assert "Anna Noord" not in page and "Bert Zuid" not in page
    for group in (world.group_a, world.group_b):
        assert client.get(reverse("staff:member_list", args=[group.pk])).status_code == 404
        assert client.get(reverse("staff:member_export", args=[group.pk])).status_code == 404
    assert client.post(reverse("staff:application_approve", args=[desk.app_a.pk])).status_code == 404
    assert snapshot() == before
    assert Application.objects.get(pk=desk.app_a.pk).status == Application.Status.CONFIRMED


def test_police_overview_gives_admin_contacts_but_no_personal_data_of_residents(client, world, desk):
    client.force_login(world.police)
    before = snapshot()
    page = client.get(reverse("staff:police_overview")).content.decode()
    assert "Testdorp Noord" in page and "Testdorp Zuid" in page
    assert "Grensstad Centrum" not in page  # not in the officer's zone
    assert "+32470000001" in page and "admin_a@example.org" in page  # the admins: the police's contact
    for resident in ("Anna Noord", "Bert Zuid", "Marc Noord", "Mia Zuid", "+32470111111", "anna@example.org"):
        assert resident not in page
    assert "INVITE" not in page
    assert snapshot() == before


def test_a_group_admin_cannot_edit_their_own_group_or_its_admins(client, world, desk):
    client.force_login(world.admin_a)
    before = snapshot()
    for name in ("staff:group_edit", "staff:group_admins"):
        assert client.get(reverse(name, args=[world.group_a.pk])).status_code == 404
    response = client.post(reverse("staff:group_edit", args=[world.group_a.pk]), _group_post_data(world.group_a))
    assert response.status_code == 404
    response = client.post(
        reverse("staff:group_admins", args=[world.group_a.pk]),
        {"action": "appoint", "user": "admin_b", "role": "co_admin"},
    )
    assert response.status_code == 404
    assert snapshot() == before


def test_group_form_keeps_csrf_protection(world):
    """The group form checks CSRF itself (after installing the upload limit); it must still do so."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.coordinator)
    before = snapshot()
    url = reverse("staff:group_create", args=[world.testdorp.pk])
    assert client.post(url, _group_post_data(world.group_a)).status_code == 403
    assert (
        client.post(reverse("staff:group_edit", args=[world.group_a.pk]), _group_post_data(world.group_a)).status_code
        == 403
    )
    assert snapshot() == before


def test_other_actions_keep_csrf_protection(world, desk):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.admin_a)
    before = snapshot()
    assert client.post(reverse("staff:application_approve", args=[desk.app_a.pk])).status_code == 403
    assert snapshot() == before
