"""The member list of a group: who sees it, the CSV for WhatsApp, removal, and the audit trail."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.members.models import Member
from testkit.world import add_member

from .helpers import snapshot


def test_member_list_shows_current_members_and_records_the_view(client, world, desk):
    gone = add_member(world.group_a, 70, full_name="Gert Weg")
    Member.objects.filter(pk=gone.pk).update(left_at=gone.joined_at)
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_list", args=[world.group_a.pk]))
    page = response.content.decode()
    assert "Marc Noord" in page and "+32478000001" in page
    assert "Gert Weg" not in page  # left the group
    assert "Mia Zuid" not in page  # group B
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERS_VIEWED)
    assert (event.actor, event.group_id, event.municipality_id, event.data["count"]) == (
        world.admin_a,
        world.group_a.pk,
        world.testdorp.pk,
        1,
    )


def test_member_search(client, world, desk):
    add_member(world.group_a, 71, full_name="Zoë Kerkstraat", street="Kerkstraat")
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_list", args=[world.group_a.pk]), {"q": "kerk"})
    assert [m.full_name for m in response.context["members"]] == ["Zoë Kerkstraat"]
    assert response.context["fill"].current == 2  # the capacity still counts everyone


@pytest.mark.parametrize("search", ["Lefèvre", "LEFÈVRE", "lefevre", "noel", "FRANÇOISE", "francoise lef", "0471 22"])
def test_member_search_ignores_accents_and_case(client, world, desk, search):
    add_member(world.group_a, 72, full_name="Françoise Lefèvre-Noël", phone="+32471223344")
    add_member(world.group_b, 73, full_name="Francois Lefevre")  # another group: never shown
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_list", args=[world.group_a.pk]), {"q": search})
    assert [m.full_name for m in response.context["members"]] == ["Françoise Lefèvre-Noël"]


@pytest.mark.parametrize("search", ["xyz", "Lefèvres", "99", "<script>"])
def test_member_search_that_matches_nobody_shows_nobody(client, world, desk, search):
    add_member(world.group_a, 72, full_name="Françoise Lefèvre-Noël", phone="+32471223344")
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_list", args=[world.group_a.pk]), {"q": search})
    assert response.status_code == 200 and response.context["members"] == []


def test_capacity_warning_from_ninety_percent(client, world, desk):
    world.group_a.capacity = 10
    world.group_a.save()
    for n in range(2, 9):
        add_member(world.group_a, 100 + n)  # 8 of 10
    client.force_login(world.admin_a)
    url = reverse("staff:member_list", args=[world.group_a.pk])
    page = client.get(url).content.decode()
    assert "8 of 10 members (80%)" in page and "almost full" not in page.lower()
    add_member(world.group_a, 200)  # 9 of 10
    page = client.get(url).content.decode()
    assert "9 of 10 members (90%)" in page and "This group is almost full." in page
    assert 'class="capacity capacity-warn"' in page
    add_member(world.group_a, 201)  # 10 of 10
    page = client.get(url).content.decode()
    assert "This group is full" in page and 'class="capacity capacity-full"' in page


def test_remove_needs_a_reason(client, world, desk):
    client.force_login(world.admin_a)
    before = snapshot(ignore_views=True)
    response = client.post(reverse("staff:member_remove", args=[desk.member_a.pk]), {"reason": "  "}, follow=True)
    assert snapshot(ignore_views=True) == before
    assert Member.objects.get(pk=desk.member_a.pk).left_at is None
    assert any("say why" in str(m) for m in response.context["messages"])


def test_remove_with_a_reason(client, world, desk):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("staff:member_remove", args=[desk.member_a.pk]), {"reason": "Gebruikt de groep om te chatten."}
    )
    assert response.status_code == 302 and response.url == reverse("staff:member_list", args=[world.group_a.pk])
    member = Member.objects.get(pk=desk.member_a.pk)
    assert member.leave_reason == Member.LeaveReason.REMOVED and member.removed_by == world.admin_a
    assert member.removal_note == "Gebruikt de groep om te chatten."
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_REMOVED, target_id=str(member.pk)).exists()
    # Removing again is refused with a message and changes nothing.
    before = snapshot(ignore_views=True)
    response = client.post(reverse("staff:member_remove", args=[member.pk]), {"reason": "Nog eens."}, follow=True)
    assert snapshot(ignore_views=True) == before
    assert any("no longer a member" in str(m) for m in response.context["messages"])


def read_csv(response, delimiter: str = ";") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=delimiter))


def test_export_is_a_csv_attachment_named_after_the_group(client, world, desk):
    add_member(world.group_a, 72, full_name="Émile Noël", street="Kerkstraat")
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="testdorp-noord-')
    assert response["Content-Disposition"].endswith('.csv"')
    assert response.content.startswith("\ufeff".encode())  # Excel reads the file as UTF-8
    rows = read_csv(response)
    assert rows[0] == [
        "name",
        "phone",
        "street",
        "house number",
        "postcode",
        "town",
        "e-mail",
        "joined",
        "18+ checked on",
    ]
    assert sorted(r[:3] for r in rows[1:]) == [
        ["Marc Noord", "+32478000001", "Noordstraat"],
        ["Émile Noël", "+32478000072", "Kerkstraat"],
    ]
    assert "Mia Zuid" not in response.content.decode("utf-8-sig")


def test_export_uses_semicolons_for_excel_by_default(client, world, desk):
    add_member(world.group_a, 74, full_name="Peeters; Jan", street="Kerkstraat")
    client.force_login(world.admin_a)
    url = reverse("staff:member_export", args=[world.group_a.pk])
    for query in ({}, {"sep": "semicolon"}, {"sep": "tab"}, {"sep": ""}):  # unknown values: semicolons too
        response = client.get(url, query)
        assert response.content.startswith("\ufeff".encode())
        text = response.content.decode("utf-8-sig")
        assert text.splitlines()[0] == "name;phone;street;house number;postcode;town;e-mail;joined;18+ checked on"
        rows = read_csv(response)
        assert ["Peeters; Jan", "+32478000074", "Kerkstraat"] in [r[:3] for r in rows]  # quoted, not split
        assert all(len(r) == 9 for r in rows)


def test_export_with_commas_on_request(client, world, desk):
    add_member(world.group_a, 75, full_name="Janssens, Els", street="Kerkstraat")
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_export", args=[world.group_a.pk]), {"sep": "comma"})
    assert response.status_code == 200 and response.content.startswith("\ufeff".encode())
    assert response["Content-Disposition"].startswith('attachment; filename="testdorp-noord-')
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "name,phone,street,house number,postcode,town,e-mail,joined,18+ checked on"
    rows = read_csv(response, delimiter=",")
    assert sorted(r[:3] for r in rows[1:]) == [
        ["Janssens, Els", "+32478000075", "Kerkstraat"],
        ["Marc Noord", "+32478000001", "Noordstraat"],
    ]
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBERS_EXPORTED, group_id=world.group_a.pk).count() == 1


def test_member_list_offers_both_downloads(client, world, desk):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:member_list", args=[world.group_a.pk])).content.decode()
    url = reverse("staff:member_export", args=[world.group_a.pk])
    assert f'href="{url}"' in page and "Excel (;)" in page
    assert f'href="{url}?sep=comma"' in page and "CSV (,)" in page


def test_export_guards_against_formulas_in_names(client, world, desk):
    add_member(
        world.group_a,
        73,
        full_name="=cmd|' /C calc'!A0",
        street="+Straat",
        town="@Dorp",
        email="=1+1@example.org",
    )
    client.force_login(world.admin_a)
    for sep, delimiter in (("", ";"), ("comma", ",")):
        response = client.get(reverse("staff:member_export", args=[world.group_a.pk]), {"sep": sep})
        rows = read_csv(response, delimiter=delimiter)
        row = next(r for r in rows if r[1] == "+32478000073")
        assert row[0] == "'=cmd|' /C calc'!A0"
        assert row[2] == "'+Straat" and row[5] == "'@Dorp"
        assert row[6] == "'=1+1@example.org"


def test_export_is_recorded(client, world, desk):
    client.force_login(world.coordinator)
    client.get(reverse("staff:member_export", args=[world.group_b.pk]))
    event = AuditEvent.objects.get(action=AuditEvent.Action.MEMBERS_EXPORTED)
    assert (event.actor, event.group_id, event.data["count"]) == (world.coordinator, world.group_b.pk, 1)


def test_export_is_never_cached(client, world, desk):
    client.force_login(world.admin_a)
    response = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    assert "no-store" in response["Cache-Control"]
