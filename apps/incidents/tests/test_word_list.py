"""The municipality's own words to point out in reports: kept by its coordinators (and operators),
refused to everyone else, every change in the audit log."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.incidents import services
from apps.incidents.models import ProfilingTerm
from testkit.world import World

from .helpers import report

URL = reverse("incidents:profiling_words")


@pytest.mark.parametrize("who", ["coordinator", "superuser"])
def test_a_coordinator_adds_a_word_and_reports_are_checked_for_it(client, world: World, who):
    client.force_login(getattr(world, who))
    assert client.get(URL).status_code == 200
    response = client.post(URL, {"municipality": world.testdorp.pk, "term": "  Kermisvolk* "})
    assert response.status_code == 302
    word = ProfilingTerm.objects.get()
    assert word.term == "kermisvolk*" and word.municipality == world.testdorp
    event = AuditEvent.objects.get(action="profiling_word.added")
    assert event.data["term"] == "kermisvolk*" and event.municipality_id == world.testdorp.pk
    with pytest.raises(ValidationError) as caught:
        report(world, text="Iemand van het kermisvolk liep rond.")
    assert "kermisvolk" in " ".join(caught.value.message_dict["profiling_confirmed"])
    assert world.testdorp.name in client.get(URL).content.decode()


def test_a_coordinator_removes_a_word(client, world: World):
    word = services.add_profiling_term(actor=world.coordinator, municipality=world.testdorp, term="kermisvolk*")
    client.force_login(world.coordinator)
    response = client.post(reverse("incidents:profiling_word_remove", args=[word.pk]))
    assert response.status_code == 302 and not ProfilingTerm.objects.exists()
    assert AuditEvent.objects.filter(action="profiling_word.removed", target_id=str(word.pk)).exists()
    assert report(world, text="Iemand van het kermisvolk liep rond.").profiling_words == []


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "police", "nobody"])
def test_others_may_not_see_or_change_the_list(client, world: World, who):
    word = services.add_profiling_term(actor=world.coordinator, municipality=world.testdorp, term="kermisvolk*")
    user = getattr(world, who)
    client.force_login(user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, {"municipality": world.testdorp.pk, "term": "woonwijkvolk"}).status_code == 403
    assert client.post(reverse("incidents:profiling_word_remove", args=[word.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.add_profiling_term(actor=user, municipality=world.testdorp, term="woonwijkvolk")
    with pytest.raises(PermissionDenied):
        services.remove_profiling_term(actor=user, word=word)
    assert list(ProfilingTerm.objects.values_list("term", flat=True)) == ["kermisvolk*"]
    assert AuditEvent.objects.filter(action__startswith="profiling_word").count() == 1


def test_another_municipalitys_coordinator_cannot_touch_the_list(client, world: World):
    word = services.add_profiling_term(actor=world.coordinator, municipality=world.testdorp, term="kermisvolk*")
    client.force_login(world.coordinator_nl)
    page = client.get(URL).content.decode()
    assert "kermisvolk" not in page
    response = client.post(URL, {"municipality": world.testdorp.pk, "term": "woonwijkvolk"})
    assert response.status_code == 400 and "Choose one of your municipalities." in response.content.decode()
    assert client.post(reverse("incidents:profiling_word_remove", args=[word.pk])).status_code == 404
    assert list(ProfilingTerm.objects.values_list("term", flat=True)) == ["kermisvolk*"]


@pytest.mark.parametrize(
    ("term", "message"),
    [("   ", "Enter a word."), ("ab*", "at least three letters"), ("kermisvolk*", "on the list already")],
)
def test_bad_words_are_refused_with_a_message_and_nothing_changes(client, world: World, term, message):
    services.add_profiling_term(actor=world.coordinator, municipality=world.testdorp, term="kermisvolk*")
    client.force_login(world.coordinator)
    response = client.post(URL, {"municipality": world.testdorp.pk, "term": term})
    assert response.status_code == 400 and message in response.content.decode()
    assert ProfilingTerm.objects.count() == 1
