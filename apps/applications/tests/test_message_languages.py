"""Every message an application causes is written in its reader's language: the applicant's
(the language they applied in), an admin's or a coordinator's own (else their municipality's),
an invited admin's municipality's. Rendered in Dutch, French and English, the Dutch and French
ones hold no English sentence.

These pass once the catalogues hold the Dutch and French texts of the messages."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.groups.invitations import invite_admin
from apps.members.models import Member
from apps.members.services import remove
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member, application_data

KINDS = {
    "confirm",
    "confirm_waiting",
    "waiting",
    "place_freed",
    "admin_notice",
    "welcome_invite",
    "welcome_added",
    "rejected",
    "expired_unconfirmed",
    "expired_undecided",
    "escalated",
    "invitation",
}
# Words that open or carry the English texts; none may stand in a Dutch or French message.
ENGLISH = (
    "Dear",
    "Your application",
    "Confirm",
    "Welcome",
    "waiting list",
    "You applied",
    "If you did not apply",
    "has expired",
    "A new application",
    "Remember",
    "the police first",
    "place has become free",
    "Choose your password",
    "An application",
    "the",
    "your",
)
# Short words every Dutch or French message of a few sentences holds.
DUTCH = ("de", "het", "een", "uw", "u", "bij", "niet", "van")
FRENCH = ("vous", "votre", "le", "la", "les", "des", "de", "du")


def _has(text: str, words: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(words)}(?!\w)", text, flags=re.IGNORECASE) is not None


def _submit(world, group, address, language, **overrides) -> services.Submitted:
    form = ApplicationForm(application_data(address, **overrides), country=group.municipality.country)
    assert form.is_valid(), form.errors
    return services.submit(group, form.cleaned_data, language=language)


def _confirm(app: Application) -> Application:
    return services.confirm(services.confirmation_token(app))


def _last(topic: str, recipient: str | None = None) -> OutgoingMessage:
    messages = OutgoingMessage.objects.filter(topic=topic)
    if recipient:
        messages = messages.filter(recipient=recipient)
    return messages.order_by("-pk").first()


def render_every_message(world: World, language: str) -> dict[str, OutgoingMessage]:
    """One message of each kind, for readers who all read ``language``."""
    for user in (world.admin_a, world.co_admin_a, world.admin_b, world.coordinator):
        user.language = language
        user.save()
    world.testdorp.language = language
    world.testdorp.save()
    found = {}

    # Confirmation, admin notice, welcome with the invite link.
    first = _submit(world, world.group_a, World.ADDRESS_A, language).application
    found["confirm"] = _last("application.confirm", first.email)
    _confirm(first)
    found["admin_notice"] = _last("application.new_for_admin", world.admin_a.email)
    services.approve(first, actor=world.admin_a)
    found["welcome_invite"] = _last("application.approved", first.email)

    # Welcome without an invite link (the admin adds the number).
    world.group_a.invite_link = ""
    world.group_a.save()
    second = _confirm(_submit(world, world.group_a, World.ADDRESS_A, language, phone="0470 20 20 20").application)
    services.approve(second, actor=world.admin_a)
    found["welcome_added"] = _last("application.approved", second.email)

    # Rejection.
    third = _confirm(
        _submit(
            world, world.group_a, World.ADDRESS_A, language, phone="0470 30 30 30", email="c@example.org"
        ).application
    )
    services.reject(third, actor=world.admin_a, reason="—")
    found["rejected"] = _last("application.rejected", "c@example.org")

    # The waiting list of a full group, and the place that frees.
    world.group_b.capacity = 2
    world.group_b.save()
    add_member(world.group_b, 901)
    add_member(world.group_b, 902)
    waiting = _submit(
        world, world.group_b, World.ADDRESS_B, language, phone="0470 40 40 40", email="w@example.org", waiting_list="on"
    ).application
    found["confirm_waiting"] = _last("application.confirm", "w@example.org")
    _confirm(waiting)
    found["waiting"] = _last("application.waiting", "w@example.org")
    remove(Member.objects.filter(group=world.group_b).first(), actor=world.admin_b, reason="—")
    found["place_freed"] = _last("application.place_freed", "w@example.org")

    # Expiry, unconfirmed and undecided; the escalation to the coordinator before it.
    _submit(world, world.group_a, World.ADDRESS_A, language, phone="0470 50 50 50", email="u@example.org")
    _confirm(
        _submit(
            world, world.group_a, World.ADDRESS_A, language, phone="0470 60 60 60", email="d@example.org"
        ).application
    )
    with time_machine.travel(timezone.now() + dt.timedelta(days=10)):
        services.hourly()
    found["expired_unconfirmed"] = _last("application.expired", "u@example.org")
    found["escalated"] = _last("application.escalated", world.coordinator.email)
    with time_machine.travel(timezone.now() + dt.timedelta(days=60)):
        services.hourly()
    found["expired_undecided"] = _last("application.expired", "d@example.org")

    # An invited admin: the municipality's language.
    invite_admin(
        actor=world.coordinator,
        group=world.group_a,
        full_name="Nieuwe Beheerder",
        email="nieuw@example.org",
        phone="0470 70 70 70",
        role="co_admin",
    )
    found["invitation"] = _last("account.invited", "nieuw@example.org")
    missing = [kind for kind, message in found.items() if message is None]
    assert not missing, missing
    return found


class _RollBack(Exception):
    pass


def _render(world: World, language: str) -> dict[str, str]:
    """Every message in ``language``, as text; the database and the world as they were."""
    texts = {}
    try:
        with transaction.atomic():
            found = render_every_message(world, language)
            texts = {kind: f"{m.subject}\n{m.body}" for kind, m in found.items()}
            raise _RollBack
    except _RollBack:
        pass
    for field in dataclasses.fields(world):
        getattr(world, field.name).refresh_from_db()
    return texts


def _sentences(text: str) -> list[str]:
    """The English sentences of a message: its parts of four words or more, links left out."""
    text = re.sub(r"https?://\S+", " ", text)
    parts = re.split(r"[\n.:;!?()]+", text)
    return [p.strip() for p in parts if len(re.findall(r"[A-Za-z]{2,}", p)) >= 4]


def test_every_message_kind_is_rendered_in_english(world: World):
    english = _render(world, "en")
    assert set(english) == KINDS
    for kind, text in english.items():
        assert any(_has(text, words) for words in ENGLISH), kind


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_no_english_sentence_in_dutch_or_french_messages(world: World, language):
    english = _render(world, "en")
    translated = _render(world, language)
    assert set(translated) == KINDS
    markers = DUTCH if language == "nl" else FRENCH
    for kind, text in translated.items():
        for words in ENGLISH:
            assert not _has(text, words), f"{language} {kind}: English {words!r} in:\n{text}"
        for sentence in _sentences(english[kind]):
            assert sentence not in text, f"{language} {kind}: English sentence {sentence!r}"
        assert any(_has(text, m) for m in markers), f"{language} {kind}: no {language} words in:\n{text}"
