"""What the sender of a broadcast sees: the form sent twice makes one broadcast with a notice
that it went out already and when; the result page and the list of earlier broadcasts show each
message's state and those that may have arrived twice; nobody else sees them."""

from __future__ import annotations

import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import send_broadcast
from apps.relays.models import Broadcast
from apps.relays.tests.helpers import opted_in
from testkit.world import World

URL = "relays:broadcast"
DATA = {"urgency": "red", "subject": "Let op", "text": "Inbraken in de Noordstraat."}


def preview_key(client, data: dict) -> str:
    """The one-time key the preview gives the form."""
    page = client.post(reverse(URL), data).content.decode()
    return re.search(r'name="request_key" value="([^"]+)"', page).group(1)


def notices(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_form_sent_twice_makes_one_broadcast_and_says_so(client, world: World):
    client.force_login(world.police)
    data = {**DATA, "zone": world.zone.pk}
    data["request_key"] = preview_key(client, data)
    first = client.post(reverse(URL), {**data, "send": "1"})
    assert first.status_code == 200 and notices(first)[0].startswith("The message was queued for 3 admins")
    again = client.post(reverse(URL), {**data, "send": "1"})
    broadcast = Broadcast.objects.get()
    assert again.status_code == 200 and 'id="sent"' in again.content.decode()
    [notice] = notices(again)
    assert notice.startswith("This message was already sent on ") and notice.endswith("It was not sent again.")
    assert broadcast.created_at.astimezone().strftime("%H:%M") in notice
    assert OutgoingMessage.objects.count() == 3  # admin and co-admin of A, admin of B: once each


def test_the_same_form_sent_again_after_the_minute_is_still_one_broadcast(client, world: World):
    import datetime as dt

    import time_machine
    from django.utils import timezone

    client.force_login(world.police)
    data = {**DATA, "zone": world.zone.pk}
    data["request_key"] = preview_key(client, data)
    client.post(reverse(URL), {**data, "send": "1"})
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=5)):
        again = client.post(reverse(URL), {**data, "send": "1"})  # back, and send once more
    assert notices(again)[0].startswith("This message was already sent on ")
    assert Broadcast.objects.count() == 1 and OutgoingMessage.objects.count() == 3


def test_the_forms_key_with_another_message_is_refused(client, world: World):
    client.force_login(world.police)
    data = {**DATA, "zone": world.zone.pk}
    data["request_key"] = preview_key(client, data)
    client.post(reverse(URL), {**data, "send": "1"})
    page = client.post(reverse(URL), {**data, "text": "Iets anders.", "send": "1"}).content.decode()
    assert "This form was already sent with another message." in page and 'id="sent"' not in page
    assert Broadcast.objects.count() == 1


@pytest.mark.parametrize("key", ["short", "x" * 65, "<script>alert(1)</script>", "ab cd ef gh ij kl mn"])
def test_a_tampered_form_key_is_refused_and_nothing_is_sent(client, world: World, key):
    client.force_login(world.police)
    page = client.post(reverse(URL), {**DATA, "zone": world.zone.pk, "request_key": key, "send": "1"})
    assert page.status_code == 200 and "Check the message again before you send it." in page.content.decode()
    assert not Broadcast.objects.exists() and not OutgoingMessage.objects.exists()


def _sent(world: World, **extra) -> Broadcast:
    arguments = {"actor": world.police, "urgency": "red", "subject": "Inbraken", "text": "Sluit ramen en deuren."}
    return send_broadcast(**{**arguments, "zone_id": world.zone.pk, **extra})


def test_the_result_page_shows_each_message_and_the_possible_repeats(client, world: World):
    opted_in(world.group_a, 11)
    opted_in(world.group_a, 12)
    broadcast = _sent(world, audience="admins_and_members")
    flagged = [
        OutgoingMessage.objects.get(dedupe_key=f"broadcast:{broadcast.pk}:user:{world.admin_a.pk}").pk,
        OutgoingMessage.objects.filter(member_id__isnull=False).first().pk,
    ]
    OutgoingMessage.objects.filter(pk__in=flagged).update(possible_repeat=True, status="sent")
    client.force_login(world.police)
    page = client.get(reverse("relays:broadcast_detail", args=[broadcast.pk])).content.decode()
    assert "<h1>Inbraken</h1>" in page and "Police (PZ Testzone — police officer)" in page
    assert "2 messages may have arrived twice." in page and "nothing needs to be done" in page
    row = re.search(r"<tr><td>Admin_A</td>.*?</tr>", page).group(0)
    assert "sent" in row and "possible repeat" in row
    assert "possible repeat" not in re.search(r"<tr><td>Admin_B</td>.*?</tr>", page).group(0)
    assert re.search(r"<td>sent</td><td>1</td>", page) and re.search(r"<td>queued</td><td>1</td>", page)
    # The list under the form: the same summary, with a link to the page.
    form = client.get(reverse(URL)).content.decode()
    listed = re.search(r'<section aria-labelledby="recent">.*?</section>', form, re.S).group(0)
    assert reverse("relays:broadcast_detail", args=[broadcast.pk]) in listed
    assert "3 queued, 2 sent" in listed and "2 messages may have arrived twice." in listed


def test_without_repeats_the_page_says_nothing_about_them(client, world: World):
    broadcast = _sent(world)
    client.force_login(world.police)
    page = client.get(reverse("relays:broadcast_detail", args=[broadcast.pk])).content.decode()
    assert "may have arrived twice" not in page and "possible repeat" not in page


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("police", 200),  # the sender
        ("superuser", 200),  # an operator
        ("police_nl", 404),  # another zone's police
        ("coordinator", 404),  # Testdorp's coordinator: a broadcast to the zone is the zone's
        ("coordinator_nl", 404),
        ("admin_a", 404),  # a group admin who received it
        ("co_admin_a", 404),
        ("nobody", 404),
    ],
)
def test_who_sees_a_zone_broadcasts_page(client, world: World, who, status):
    broadcast = _sent(world)
    client.force_login(getattr(world, who))
    assert client.get(reverse("relays:broadcast_detail", args=[broadcast.pk])).status_code == status
    assert Broadcast.objects.count() == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [("police", 200), ("coordinator", 200), ("police_nl", 404), ("coordinator_nl", 404), ("admin_a", 404)],
)
def test_who_sees_a_municipality_broadcasts_page(client, world: World, who, status):
    # Sent by the police to Testdorp: whoever may send to Testdorp may follow it.
    broadcast = _sent(world, zone_id=None, municipality_id=world.testdorp.pk)
    client.force_login(getattr(world, who))
    assert client.get(reverse("relays:broadcast_detail", args=[broadcast.pk])).status_code == status


def test_a_drawn_area_is_seen_by_its_sender_only(client, world: World):
    from testkit.world import box

    broadcast = _sent(world, zone_id=None, geometry=box(5.30, 50.74, 5.32, 50.76))
    for who, status in (("police", 200), ("coordinator", 404), ("police_nl", 404)):
        client.force_login(getattr(world, who))
        assert client.get(reverse("relays:broadcast_detail", args=[broadcast.pk])).status_code == status


def test_the_page_needs_a_login(client, world: World):
    broadcast = _sent(world)
    response = client.get(reverse("relays:broadcast_detail", args=[broadcast.pk]))
    assert response.status_code == 302 and "/account/inloggen/" in response["Location"]


def test_the_list_under_the_form_shows_only_what_the_user_may_see(client, world: World):
    link = reverse("relays:broadcast_detail", args=[_sent(world).pk])
    for who, shown in (("police", True), ("police_nl", False), ("coordinator", False)):
        client.force_login(getattr(world, who))
        assert (link in client.get(reverse(URL)).content.decode()) is shown, who
