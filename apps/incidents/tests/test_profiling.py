"""Words for origin, ethnicity or religion are pointed out before a report is stored; the sender
edits them or keeps them knowingly, and that confirmation is kept with the incident."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from apps.audit.models import AuditEvent
from apps.incidents import profiling
from apps.incidents.models import Incident, ProfilingTerm
from testkit.world import World

from .helpers import report

PROFILING = "Marokkaanse man, vermoedelijk zigeuner, belde aan bij nummer 3."


def test_words_for_origin_are_refused_without_confirmation_and_nothing_is_stored(world: World):
    with pytest.raises(ValidationError) as caught:
        report(world, text=PROFILING)
    errors = caught.value.message_dict
    message = " ".join(errors["profiling_confirmed"])
    assert "Marokkaanse" in message and "zigeuner" in message
    assert "clothing" in message  # the reminder of what to describe instead
    assert "Marokkaanse" in " ".join(errors["text"])  # the field that holds them is pointed out
    assert not Incident.objects.exists() and not AuditEvent.objects.filter(action="incident.reported").exists()


def test_a_confirmed_report_keeps_the_words_who_and_when(world: World):
    incident = report(world, text=PROFILING, person_face="Arabisch uiterlijk", profiling_confirmed=True)
    assert incident.profiling_words == ["Marokkaanse", "zigeuner", "Arabisch"]
    assert incident.profiling_confirmed_by == world.admin_a and incident.profiling_confirmed_at is not None
    event = AuditEvent.objects.get(action="incident.reported", target_id=str(incident.pk))
    assert event.data["profiling_words_kept"] == ["Marokkaanse", "zigeuner", "Arabisch"]


def test_an_innocent_report_keeps_no_confirmation(world: World):
    incident = report(world, text="Man in donkere jas, 1m80, zwarte jas en muts.", profiling_confirmed=True)
    assert incident.profiling_words == [] and incident.profiling_confirmed_at is None
    assert "profiling_words_kept" not in AuditEvent.objects.get(action="incident.reported").data


def test_every_description_field_is_checked(world: World):
    with pytest.raises(ValidationError) as caught:
        report(world, person_clothing="djellaba", person_face="donker getint, Noord-Afrikaans")
    errors = caught.value.message_dict
    assert "Noord-Afrikaans" in " ".join(errors["person_face"]) and "getint" in " ".join(errors["person_face"])


def test_a_word_the_municipality_added_is_caught_there_only(world: World):
    ProfilingTerm.objects.create(municipality=world.testdorp, term="kermisvolk*")
    ProfilingTerm.objects.create(municipality=world.grensstad, term="djellaba")
    with pytest.raises(ValidationError) as caught:
        report(world, text="Twee man van het kermisvolk liepen rond.")
    assert "kermisvolk" in " ".join(caught.value.message_dict["profiling_confirmed"])
    # Grensstad's word is not Testdorp's.
    assert report(world, person_clothing="djellaba").profiling_words == []


@pytest.mark.parametrize(
    "text",
    [
        "man in donkere jas, 1m80",
        "Zwarte jas, witte sneakers, rijdt naar Turnhout",
        "romantisch etentje verstoord, turquoise muts",
        "homme avec un pull noir, 1m75, casquette",
        "tall man in a black hoodie, limping",
        "Wagen met Turnhoutse nummerplaat",
    ],
)
def test_descriptions_of_what_was_seen_pass(text):
    assert profiling.find([text]) == []


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("een Turkse vrouw", ["Turkse"]),
        ("TURK met baard", ["TURK"]),
        ("jeune maghrébin en survêtement", ["maghrébin"]),
        ("un homme de couleur", ["homme de couleur"]),
        ("two Eastern European men", ["Eastern European"]),
        ("a muslim woman", ["muslim"]),
        ("roma-kamp", ["roma"]),
        ("Marokkaan en nog een marokkaan", ["Marokkaan"]),
    ],
)
def test_words_are_found_from_the_start_of_a_word_without_case_or_accents(text, found):
    assert profiling.find([text]) == found


def test_a_whole_word_term_does_not_match_inside_longer_words():
    assert profiling.find(["Roman en romantiek"]) == []
    assert profiling.find(["De jood"]) == ["jood"]
    assert profiling.find(["joodse"]) == ["joodse"]


def test_extra_terms_use_the_same_notation():
    assert profiling.find(["de Kermisklanten"], ["kermisklant*"]) == ["Kermisklanten"]
    assert profiling.find(["de Kermisklanten"], ["kermisklant"]) == []
    assert profiling.clean_term("  Donkere   Huid* ") == "donkere huid*"
