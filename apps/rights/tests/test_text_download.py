"""The text download ("text to read") reads in the page's language: the labels, the choices, yes
and no, the dates as the language writes them (in the installation's time zone), and a section
with nothing in it said in words that fit every heading. The JSON keeps its keys and values.

French wording is matched with an optional space before the colon: French typography puts one
there, and the line's format is translated in the catalogue."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import pgettext

from apps.applications.models import Application
from apps.groups.services import submit_group_request
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.rights import services as rights
from apps.staff.tests.helpers import make_application
from testkit.cache import clear as clear_cache
from testkit.world import World, add_member

from .test_rights import ask, link_path

EMAIL = "els.noord@example.org"
# 20:05 in Brussels (winter time); the JSON holds it as 2026-02-16T20:05+01:00.
WHEN = dt.datetime(2026, 2, 16, 19, 5, tzinfo=dt.UTC)
LATER = dt.datetime(2026, 3, 2, 8, 30, tzinfo=dt.UTC)  # 09:30 in Brussels
SECTIONS = (
    "applications",
    "memberships",
    "requests_to_start_a_group",
    "invitations_to_join",
    "registered_groups",
    "messages",
)
# The space French may put before a colon: plain, no-break or narrow no-break.
SPACE = "[ \u00a0\u202f]"
NOTHING = ("data download: a section that holds nothing", "Nothing.")


@pytest.fixture(autouse=True)
def fresh_limits():
    clear_cache(cache)
    yield
    clear_cache(cache)


@pytest.fixture
def everything(world: World, settings, tmp_path):
    """Something in every section: a membership (left), a withdrawn application, a request to start
    a group, an open invitation to join, a registered group, and messages sent."""
    from apps.enrolments import services as enrolments
    from apps.enrolments.tests.helpers import csv_bytes, person, upload
    from apps.enrolments.tests.test_import import FULL
    from apps.groups.tests.test_registrations import submit

    settings.VAR_DIR = tmp_path
    member = add_member(
        world.group_a,
        5,
        full_name="Els Noord",
        email=EMAIL,
        joined_at=WHEN,
        house_rules_accepted_at=WHEN,
        alerts_opt_in_at=WHEN,
        alerts_consent_text="Ik wil waarschuwingen ontvangen.",
        phone_confirmed_at=WHEN,
        age_checked_on=dt.date(2026, 2, 16),
    )
    Member.objects.filter(pk=member.pk).update(
        left_at=LATER, leave_reason=Member.LeaveReason.MOVED, alerts_opt_out_at=LATER
    )
    application = make_application(
        world.group_b, World.ADDRESS_B, full_name="Els Noord", phone="0470 55 55 55", email=EMAIL
    )
    Application.objects.filter(pk=application.pk).update(
        status=Application.Status.WITHDRAWN,
        language="nl",
        created_at=WHEN,
        decided_at=LATER,
        remark="Twee regels\nvan uitleg.",
    )
    submit_group_request(
        municipality=world.testdorp,
        full_name="Els Noord",
        email=EMAIL,
        phone="",
        postcode="3870",
        house_number="9",
        street="Veldweg",
        lat=None,
        lon=None,
        wants_to_be_admin=False,
        message="Graag een groep in de Veldweg.",
    )
    imp = enrolments.start_import(
        world.group_a, upload(csv_bytes([person(1, name="Els Noord", email=EMAIL)])), actor=world.admin_a
    )
    enrolments.check_import(imp, FULL, actor=world.admin_a)
    enrolments.invite(imp, actor=world.admin_a)
    submit(world, email=EMAIL, full_name="Els Noord")
    OutgoingMessage.objects.filter(recipient__iexact=EMAIL).update(
        status=OutgoingMessage.Status.SENT, created_at=WHEN, sent_at=WHEN
    )
    return member, application


def download(client, language: str, fmt: str = "txt", path: str | None = None) -> str:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    if path is None:
        ask(client, EMAIL)
        path = link_path()
    response = client.post(path + "downloaden/", {"format": fmt})
    assert response.status_code == 200
    return response.content.decode()


def has_line(text: str, label: str, value: str) -> bool:
    """A line "label: value" (or "label : value", as French writes it)."""
    return re.search(rf"^{re.escape(label)}{SPACE}?: {re.escape(value)}$", text, re.MULTILINE) is not None


def json_keys(data: dict) -> set[str]:
    keys = set(data)
    for name in SECTIONS:
        for item in data[name]:
            keys |= set(item)
    return keys


def assert_no_machine_words(text: str, keys: set[str]) -> None:
    """Nothing of the JSON's own wording: no key as a label, no True/False, no ISO dates."""
    for key in keys:
        for word in {key, key.replace("_", " ")}:
            found = re.search(rf"^{re.escape(word)}{SPACE}?:", text, re.MULTILINE)
            assert found is None, f"{word!r} as a label: {found.group(0)!r}"
    assert not re.search(r"\b(True|False)\b", text)
    assert not re.search(r"\b\d{4}-\d\d-\d\d(T\d\d:\d\d)?\b", text)


def test_every_key_of_the_json_has_a_label_and_a_way_to_show_its_value(client, world, everything):
    data = json.loads(download(client, "en", "json"))
    assert all(data[name] for name in SECTIONS), {n: len(data[n]) for n in SECTIONS}
    labelled = {name: fields for name, _title, fields in rights._text_sections()}
    for name in SECTIONS:
        for item in data[name]:
            assert set(item) <= set(labelled[name]), (name, set(item) - set(labelled[name]))


def test_the_text_download_reads_in_dutch(client, world, everything):
    text = download(client, "nl")
    data = rights.as_data(rights.holdings(EMAIL))
    assert text.startswith(f"Wat Buurtwacht bewaart over {EMAIL}\n(")
    for heading in ("Aanmeldingen", "Lidmaatschappen", "Aanvragen om een groep te starten"):
        assert f"\n{heading}\n{'=' * len(heading)}\n" in text
    for label, value in [
        ("Volledige naam", "Els Noord"),
        ("Groep", "Testdorp Zuid"),
        ("Gemeente", "Testdorp"),
        ("Status", "ingetrokken"),  # an application withdrawn
        ("Status", "verstuurd"),  # a message sent
        ("Werkt op dit adres", "nee"),
        ("Wil helpen als beheerder", "nee"),
        ("Taal", "Nederlands"),
        ("Aangemeld op", "16 februari 2026 20:05"),
        ("Beslist op", "2 maart 2026 09:30"),
        ("Lid sinds", "16 februari 2026 20:05"),
        ("Vertrokken op", "2 maart 2026 09:30"),
        ("Reden", "verhuisd"),
        ("Telefoonnummer bevestigd op", "16 februari 2026 20:05"),
        ("Waarschuwingen aanvaard op", "16 februari 2026 20:05"),
        ("Waarschuwingen gestopt op", "2 maart 2026 09:30"),
        ("18 jaar of ouder, nagegaan op", "16 februari 2026"),
        ("Huisregels aanvaard", "16 februari 2026 20:05"),
        ("Versie van de huisregels", "1"),
        ("Bericht", "Graag een groep in de Veldweg."),
        ("Naam van de WhatsApp-groep", "WhatsApp Buurtpreventie Oost"),
        ("Aan", EMAIL),
    ]:
        assert has_line(text, label, value), f"{label}: {value}"
    # A text of more than one line stays under its label.
    assert has_line(text, "Opmerking", "Twee regels") and "\n    van uitleg." in text
    assert_no_machine_words(text, json_keys(data))


def test_the_text_download_reads_in_french(client, world, everything):
    text = download(client, "fr")
    data = rights.as_data(rights.holdings(EMAIL))
    assert text.startswith(f"Ce que Buurtwacht conserve au sujet de {EMAIL}\n(")
    for heading in (
        "Demandes d'adhésion",
        "Adhésions",
        "Invitations à rejoindre un groupe",
        "Groupes que vous avez inscrits",
    ):
        assert f"\n{heading}\n{'=' * len(heading)}\n" in text
    for label, value in [
        ("Nom complet", "Els Noord"),
        ("Groupe", "Testdorp Zuid"),
        ("Commune", "Testdorp"),
        ("Statut", "retirée"),  # an application withdrawn
        ("Statut", "envoyé"),  # a message sent
        ("Statut", "en cours"),  # a request to start a group, open
        ("Statut", "invité"),  # an invitation to join, not answered
        ("Travaille à cette adresse", "non"),
        ("Langue", "Néerlandais"),
        ("Demande faite le", "16 février 2026 20:05"),
        ("Membre depuis", "16 février 2026 20:05"),
        ("Parti le", "2 mars 2026 09:30"),
        ("Numéro de téléphone confirmé le", "16 février 2026 20:05"),
        ("Alertes arrêtées le", "2 mars 2026 09:30"),
        ("18 ans ou plus, vérifié le", "16 février 2026"),
        ("Règlement accepté", "16 février 2026 20:05"),
        ("Version du règlement", "1"),
        ("Nom du groupe WhatsApp", "WhatsApp Buurtpreventie Oost"),
    ]:
        assert has_line(text, label, value), f"{label}: {value}"
    assert "(aucun)" not in text and "(aucune)" not in text
    assert_no_machine_words(text, json_keys(data))


def test_the_json_download_keeps_its_keys_and_values(client, world, everything):
    """For machines: the same keys and raw values in every language."""
    data = json.loads(download(client, "fr", "json"))
    application = data["applications"][0]
    assert (application["status"], application["works_here"], application["language"]) == ("withdrawn", False, "nl")
    assert application["applied_at"] == "2026-02-16T20:05+01:00"
    membership = data["memberships"][0]
    assert membership["joined_at"] == "2026-02-16T20:05+01:00" and membership["leave_reason"] == "moved"
    assert membership["age_18_or_older_checked_on"] == "2026-02-16"
    assert {m["channel"] for m in data["messages"]} == {"email"}
    assert {m["status"] for m in data["messages"]} >= {"sent"}
    assert data["requests_to_start_a_group"][0]["status"] == "open"
    assert data["invitations_to_join"][0]["status"] == "invited"


def test_a_section_with_nothing_in_it_is_said_so_in_words_that_fit_every_heading(client, world):
    add_member(world.group_a, 5, full_name="Els Noord", email=EMAIL)
    ask(client, EMAIL)
    path = link_path()
    empty = ("applications", "requests_to_start_a_group", "invitations_to_join", "registered_groups")
    for language in ("nl", "fr", "en"):
        text = download(client, language, path=path)
        with translation.override(language):
            nothing = pgettext(*NOTHING)
            headings = {name: str(title) for name, title, _fields in rights._text_sections()}
        for name in empty:
            heading = headings[name]
            assert f"\n{heading}\n{'=' * len(heading)}\n{nothing}\n" in text, (language, heading)
        assert text.count(f"\n{nothing}\n") == len(empty)
        assert "(none)" not in text and "(geen)" not in text and "(aucun)" not in text
    assert nothing == "Nothing."


def test_as_text_in_french_shows_no_english_field_names():
    """Regression: labels were the JSON's keys ("status: withdrawn", "works here: False"), dates
    ISO, booleans Python's, and the choices their stored values."""
    data = {
        "email": EMAIL,
        "made_at": "2026-02-16T20:05+01:00",
        "applications": [
            {
                "group": "Testdorp Zuid",
                "status": "withdrawn",
                "full_name": "Els Noord",
                "works_here": False,
                "offers_to_help": True,
                "language": "fr",
                "age_18_or_older_checked_on": "2026-02-16",
                "applied_at": "2026-02-16T20:05+01:00",
            }
        ],
        "memberships": [],
        "requests_to_start_a_group": [],
        "invitations_to_join": [],
        "registered_groups": [],
        "messages": [
            {"channel": "email", "to": EMAIL, "status": "sent", "sent_at": "2026-02-16T19:05+00:00"},
        ],
    }
    with translation.override("fr"):
        text = rights.as_text(data)
    assert text.splitlines()[1] == "(16 février 2026 20:05)"
    for label, value in [
        ("Statut", "retirée"),
        ("Travaille à cette adresse", "non"),
        ("Souhaite aider comme gestionnaire", "oui"),
        ("Langue", "Français"),
        ("18 ans ou plus, vérifié le", "16 février 2026"),
        ("Demande faite le", "16 février 2026 20:05"),
        ("Statut", "envoyé"),
        ("À", EMAIL),
    ]:
        assert has_line(text, label, value), f"{label}: {value}"
    # A moment given in another offset is shown in the installation's time zone.
    assert re.search(rf"^.+{SPACE}?: 16 février 2026 20:05$", text.split("Messages qui vous ont été envoyés")[1], re.M)
    assert_no_machine_words(text, json_keys(data))
    with translation.override("en"):
        english = rights.as_text(data)
    assert has_line(english, "Status", "withdrawn") and has_line(english, "Works at this address", "no")
    assert has_line(english, "Applied on", "Feb. 16, 2026, 8:05 p.m.")
