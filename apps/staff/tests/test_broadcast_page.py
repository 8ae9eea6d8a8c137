"""The desk's broadcast page: police and coordinators only, within reach; the sender sees how many
admins and members it reaches, never who the members are."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Broadcast
from apps.relays.tests.helpers import opted_in
from testkit.world import World


def test_police_sends_to_the_zone(client, world: World):
    client.force_login(world.police)
    url = reverse("relays:broadcast")
    assert client.get(url).status_code == 200
    data = {"urgency": "red", "zone": world.zone.pk, "subject": "Let op", "text": "Inbraken."}
    # First the preview: how many it reaches (admin and co-admin of A, admin of B), nothing sent yet.
    page = client.post(url, data)
    assert (
        page.status_code == 200
        and 'id="preview"' in page.content.decode()
        and "3 group admins" in page.content.decode()
    )
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()
    page = client.post(url, {**data, "send": "1"})
    sent = page.content.decode()
    assert page.status_code == 200 and "<td>Admin_A</td>" in sent and "<td>Co_Admin_A</td>" in sent
    assert Broadcast.objects.count() == 1 and OutgoingMessage.objects.filter(topic="broadcast.red").count() == 3


@pytest.mark.parametrize("who", ["admin_a", "admin_b"])
def test_admins_cannot_broadcast(client, world: World, who):
    client.force_login(getattr(world, who))
    url = reverse("relays:broadcast")
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"urgency": "red", "municipality": world.testdorp.pk, "subject": "x", "text": "y"}).status_code
        == 404
    )
    assert not Broadcast.objects.exists()


def test_coordinator_cannot_pick_another_municipality(client, world: World):
    client.force_login(world.coordinator_nl)
    page = client.post(
        reverse("relays:broadcast"),
        {"urgency": "green", "municipality": world.testdorp.pk, "subject": "x", "text": "y"},
    )
    assert page.status_code == 200 and not Broadcast.objects.exists()


def drawn(min_lon, min_lat, max_lon, max_lat) -> str:
    import json

    from testkit.world import box

    return json.dumps(box(min_lon, min_lat, max_lon, max_lat))


def test_the_page_has_a_map_to_draw_on(client, world: World):
    client.force_login(world.coordinator)
    page = client.get(reverse("relays:broadcast")).content.decode()
    assert "data-area-editor" in page and "/jsi18n/" in page and "leaflet-geoman.min.js" in page
    assert 'name="geometry"' in page and "Testdorp Noord" in page  # the groups in reach, as context
    assert "Grensstad Centrum" not in page


def test_police_sends_to_a_drawn_area_only_within_reach(client, world: World):
    from apps.groups.models import GroupAdmin
    from testkit.world import make_user

    admin_nl = make_user("admin_nl", phone="+31612345678")
    GroupAdmin.objects.create(group=world.group_nl, user=admin_nl)
    client.force_login(world.police)
    # Over the north of Testdorp and, far east, Grensstad (outside the officer's zone).
    page = client.post(
        reverse("relays:broadcast"),
        {
            "urgency": "red",
            "geometry": drawn(5.30, 50.755, 5.70, 50.86),
            "subject": "Let op",
            "text": "Inbraken.",
            "send": "1",
        },
    )
    assert page.status_code == 200
    broadcast = Broadcast.objects.get()
    assert broadcast.scope == Broadcast.Scope.AREA and broadcast.geometry["type"] == "Polygon"
    # Only the admins of Testdorp Noord (co-admin included); not Grensstad's admin, out of reach.
    admins_of_a = sorted(world.group_a.admin_roles.values_list("user_id", flat=True))
    assert admins_of_a == sorted([world.admin_a.pk, world.co_admin_a.pk])
    assert sorted(r.user_id for r in broadcast.recipients.all()) == admins_of_a
    assert sorted(OutgoingMessage.objects.values_list("user_id", flat=True)) == admins_of_a


@pytest.mark.parametrize(
    "extra, error",
    [
        ({"geometry": "{not json"}, "GeoJSON Polygon"),
        ({"geometry": '{"type": "Point", "coordinates": [5.31, 50.755]}'}, "GeoJSON Polygon"),
        ({"geometry": "[1, 2]"}, "GeoJSON Polygon"),
        ({"geometry": '{"type": "Polygon", "coordinates": "x"}'}, "GeoJSON Polygon"),
        # a bow tie: its edges cross
        (
            {
                "geometry": '{"type": "Polygon", "coordinates": [[[5.30, 50.74], [5.32, 50.76], [5.32, 50.74], '
                "[5.30, 50.76], [5.30, 50.74]]]}"
            },
            "GeoJSON Polygon",
        ),
        ({"geometry": drawn(5.30, 50.755, 5.31, 50.758), "municipality": "MUNICIPALITY"}, "exactly one"),
        ({}, "exactly one"),
    ],
)
def test_bad_area_is_refused_and_nothing_is_sent(client, world: World, extra, error):
    client.force_login(world.coordinator)
    data = {"urgency": "green", "subject": "x", "text": "y", "send": "1", **extra}
    if data.get("municipality") == "MUNICIPALITY":
        data["municipality"] = world.testdorp.pk
    page = client.post(reverse("relays:broadcast"), data)
    assert page.status_code == 200 and error in page.content.decode()
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def test_drawn_area_outside_reach_reaches_nobody(client, world: World):
    client.force_login(world.coordinator_nl)
    page = client.post(
        reverse("relays:broadcast"),
        {"urgency": "red", "geometry": drawn(5.30, 50.74, 5.32, 50.76), "subject": "x", "text": "y"},
    )
    assert page.status_code == 200 and "No group admins in this scope" in page.content.decode()
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def test_admin_cannot_broadcast_to_a_drawn_area(client, world: World):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("relays:broadcast"),
        {"urgency": "red", "geometry": drawn(5.30, 50.74, 5.32, 50.76), "subject": "x", "text": "y"},
    )
    assert response.status_code == 404 and not Broadcast.objects.exists()


def _residents(*members: Member) -> list[str]:
    return [v for m in members for v in (m.full_name, m.phone, m.email, m.street)]


@pytest.mark.parametrize("who", ["police", "coordinator"])
def test_the_sender_sees_counts_never_residents(client, world: World, who):
    members = [opted_in(world.group_a, 11, full_name="Maria Janssens"), opted_in(world.group_b, 12)]
    client.force_login(getattr(world, who))
    url = reverse("relays:broadcast")
    data = {
        "urgency": "red",
        "audience": "admins_and_members",
        "municipality": world.testdorp.pk,
        "subject": "Let op",
        "text": "Inbraken.",
    }
    preview = client.post(url, data).content.decode()
    # Testdorp's admins: admin and co-admin of A, admin of B.
    assert "3 group admins" in preview and "2 members who asked for alerts" in preview
    assert not Broadcast.objects.exists()
    sent = client.post(url, {**data, "send": "1"}).content.decode()
    assert Broadcast.objects.get().recipients.filter(kind="member").count() == 2
    assert "Members who asked for alerts" in sent and "<td>Admin_A</td>" in sent and "<td>Co_Admin_A</td>" in sent
    for page in (preview, sent):
        for value in _residents(*members):
            assert value not in page


def test_the_sender_sees_member_counts_per_status(client, world: World):
    opted_in(world.group_a, 11)
    opted_in(world.group_a, 12)
    client.force_login(world.police)
    page = client.post(
        reverse("relays:broadcast"),
        {
            "urgency": "red",
            "audience": "admins_and_members",
            "zone": world.zone.pk,
            "subject": "x",
            "text": "y",
            "send": "1",
        },
    ).content.decode()
    assert re.search(r"<td>queued</td><td>2</td>", page)


def test_preview_with_bad_audience_is_refused(client, world: World):
    client.force_login(world.police)
    page = client.post(
        reverse("relays:broadcast"),
        {"urgency": "red", "audience": "everyone", "zone": world.zone.pk, "subject": "x", "text": "y"},
    )
    assert page.status_code == 200 and "Select a valid choice" in page.content.decode()
    assert 'id="preview"' not in page.content.decode() and not Broadcast.objects.exists()
