"""A request to start a group: the municipality reads it in its own people's language, the
resident the receipt and the answer in the language they asked in; the same request sent twice is
one request."""

from __future__ import annotations

from django.urls import reverse

from apps.groups.models import GroupRequest
from apps.messaging.models import OutgoingMessage
from testkit.world import World

from .test_start_group import START, request_data


def subjects(topic: str) -> dict[str, str]:
    return {m.recipient: m.subject for m in OutgoingMessage.objects.filter(topic=topic)}


def test_a_french_request_reaches_dutch_coordinators_in_dutch_and_the_resident_in_french(client, world: World):
    world.testdorp.contact_email = "preventie@testdorp.example"
    world.testdorp.save()
    response = client.post(START, request_data(), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 302
    request = GroupRequest.objects.get()
    assert request.language == "fr"
    assert subjects("group_request.new") == {
        world.coordinator.email: "Aanvraag om een buurtpreventiegroep te starten",
        "preventie@testdorp.example": "Aanvraag om een buurtpreventiegroep te starten",
    }
    assert subjects("group_request.received") == {
        "els.jacobs@example.org": "Nous avons reçu votre demande de création d'un groupe"
    }


def test_each_coordinator_is_written_to_in_their_own_language(client, world: World):
    world.coordinator.language = "fr"
    world.coordinator.save()
    client.post(START, request_data(), HTTP_ACCEPT_LANGUAGE="nl")
    assert subjects("group_request.new") == {
        world.coordinator.email: "Demande de création d'un groupe de surveillance de quartier"
    }
    assert GroupRequest.objects.get().language == "nl"


def test_the_answer_goes_out_in_the_language_the_resident_asked_in(client, world: World):
    client.post(START, request_data(), HTTP_ACCEPT_LANGUAGE="fr")
    request = GroupRequest.objects.get()
    client.force_login(world.coordinator)
    response = client.post(
        reverse("staff:group_request_detail", args=[request.pk]),
        {"decision": "decline", "note": "Er is al een groep in de buurt."},
        HTTP_ACCEPT_LANGUAGE="nl",
    )
    assert response.status_code == 302
    answer = OutgoingMessage.objects.get(topic="group_request.decided")
    assert answer.subject == "Votre demande de création d'un groupe"
    assert "Er is al een groep in de buurt." in answer.body


def test_the_same_request_sent_twice_is_one_request_and_nobody_is_told_twice(client, world: World):
    first = client.post(START, request_data())
    assert first.status_code == 302
    client.get(first["Location"])
    told = OutgoingMessage.objects.count()
    # The same person, the same address; another spelling of the e-mail address, another message.
    again = client.post(START, request_data(email="ELS.jacobs@example.org", message="Nog eens."))
    assert again.status_code == 302
    assert GroupRequest.objects.count() == 1 and OutgoingMessage.objects.count() == told
    html = client.get(again["Location"]).content.decode()
    assert "U vroeg dit al op" in html
    assert "We hebben u ook een e-mail gestuurd" not in html


def test_a_request_for_another_address_or_after_an_answer_is_a_new_request(client, world: World):
    client.post(START, request_data())
    # An address the register does not know, with its street and the municipality chosen.
    response = client.post(START, request_data(house_number="7", street="Veldweg", municipality=str(world.testdorp.pk)))
    assert response.status_code == 302
    assert GroupRequest.objects.count() == 2
    GroupRequest.objects.update(status=GroupRequest.Status.DECLINED)
    client.post(START, request_data())
    assert GroupRequest.objects.count() == 3
