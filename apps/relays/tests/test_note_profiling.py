"""The relay's note is checked for words naming origin, ethnicity or religion, as the incident's
description is: the sender is reminded to describe what was seen, and keeps the words only by
saying so; the words kept are stored with the relay and in its audit event. Nothing is relayed
before that."""

from __future__ import annotations

import pytest
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.incidents.models import ProfilingTerm
from apps.incidents.tests.helpers import report
from apps.messaging.models import OutgoingMessage
from apps.relays.models import Relay
from apps.relays.tests.helpers import border_group
from testkit.world import World


def nothing_relayed() -> bool:
    return not Relay.objects.exists() and not OutgoingMessage.objects.filter(topic="relay").exists()


@pytest.mark.parametrize(
    ("language", "note", "word", "expected"),
    [
        ("nl", "Marokkaanse man met een zwarte jas", "Marokkaanse", "Beschrijf liever wat u zag"),
        ("fr", "Un homme maghrébin en veste noire", "maghrébin", "Décrivez plutôt ce que vous avez vu"),
    ],
)
def test_a_note_naming_origin_comes_back_with_the_reminder_and_what_was_typed(
    client, world: World, language, note, word, expected
):
    border_group(world)
    incident = report(world)
    client.force_login(world.admin_a)
    client.cookies["django_language"] = language
    response = client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "2000", "note": note})
    assert response.status_code == 400
    page = response.content.decode()
    assert expected in page and word in page
    assert f">{note}</textarea>" in page  # nothing typed is lost
    assert 'name="note_confirmed"' in page and 'name="radius_m" value="2000"' in page
    assert nothing_relayed()


def test_the_sender_keeps_the_words_knowingly_and_they_are_recorded(client, world: World):
    border_group(world)
    incident = report(world)
    client.force_login(world.admin_a)
    note = "Marokkaanse man met een zwarte jas"
    response = client.post(
        reverse("relays:send", args=[incident.pk]), {"radius_m": "2000", "note": note, "note_confirmed": "on"}
    )
    relay = Relay.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("relays:detail", args=[relay.pk])
    assert relay.note == note and relay.note_profiling_words == ["Marokkaanse"]
    event = AuditEvent.objects.get(action=AuditEvent.Action.RELAY_SENT)
    assert event.data["profiling_words_kept"] == ["Marokkaanse"]


def test_a_note_that_describes_what_was_seen_needs_no_confirmation(client, world: World):
    border_group(world)
    incident = report(world)
    client.force_login(world.admin_a)
    note = "Man van ongeveer 1m80, zwarte jas, grijze rugzak, liep naar de Kerkstraat"
    client.post(reverse("relays:send", args=[incident.pk]), {"radius_m": "2000", "note": note})
    relay = Relay.objects.get()
    assert relay.note_profiling_words == []
    assert "profiling_words_kept" not in AuditEvent.objects.get(action=AuditEvent.Action.RELAY_SENT).data


def test_the_municipality_s_own_words_count_too(client, world: World):
    border_group(world)
    incident = report(world)
    ProfilingTerm.objects.create(municipality=world.testdorp, term="woonwagen*")
    client.force_login(world.admin_a)
    response = client.post(
        reverse("relays:send", args=[incident.pk]), {"radius_m": "2000", "note": "Iemand van het woonwagenkamp"}
    )
    assert response.status_code == 400 and "woonwagenkamp" in response.content.decode()
    assert nothing_relayed()


def test_the_api_refuses_the_same_note_until_it_is_confirmed(client, world: World):
    from apps.api.tests.utils import bearer

    border_group(world)
    incident = report(world)
    url = f"/api/v1/incidents/{incident.pk}/relays"
    headers = {**bearer(world.admin_a), "Accept-Language": "nl"}
    body = {"radius_m": 2000, "note": "Een zigeuner bij de garage"}
    response = client.post(url, body, content_type="application/json", headers=headers)
    assert response.status_code == 400
    assert "zigeuner" in " ".join(response.json()["errors"]["note"])
    assert nothing_relayed()
    response = client.post(url, {**body, "note_confirmed": True}, content_type="application/json", headers=headers)
    assert response.status_code == 201
    assert Relay.objects.get().note_profiling_words == ["zigeuner"]
