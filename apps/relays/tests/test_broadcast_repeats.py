"""A broadcast goes out once, and names who sends it.

The same request of the same sender within a minute (a double click, a form sent twice, a client
retrying) is answered with the broadcast that already went out; a request key answers the same
for 24 hours and is refused with another request. Two requests at the same moment make one
broadcast: on SQLite against a database file, each thread on its own connection
(``testkit.sqlite_file``); on PostgreSQL against the test database, where the sender's row is
the lock. Every message names the sender's role and the police zone or municipality they send
for, in the recipient's language."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import (
    RequestKeyReused,
    admin_rows,
    delivery_summary,
    member_states,
    police_line,
    submit_broadcast,
)
from apps.relays.models import Broadcast
from apps.relays.services import police_numbers
from testkit.sqlite_file import in_thread, race, sqlite_file_database
from testkit.world import World, build_world

from .helpers import BOTH, member_messages, opted_in

MOMENT = timezone.make_aware(dt.datetime(2026, 11, 21, 14, 3, 0))


def submit(world: World, actor=None, **changes):
    arguments = {
        "actor": actor or world.police,
        "urgency": "red",
        "subject": "Inbraken",
        "text": "Sluit ramen en deuren.",
        "zone_id": world.zone.pk,
        **changes,
    }
    return submit_broadcast(**arguments)


def sent_messages() -> int:
    return OutgoingMessage.objects.filter(topic__startswith="broadcast.").count()


# --- the same request twice ------------------------------------------------------------------


def test_the_same_broadcast_twice_goes_out_once(world: World):
    with time_machine.travel(MOMENT, tick=False):
        first = submit(world)
        messages = sent_messages()
    with time_machine.travel(MOMENT + dt.timedelta(seconds=0.3), tick=False):
        again = submit(world, subject="  Inbraken ", text="Sluit ramen en deuren.\n")  # the same, as typed
    assert first.repeat == "" and again.repeat == "window"
    assert again.broadcast.pk == first.broadcast.pk and Broadcast.objects.count() == 1
    assert messages == 3 and sent_messages() == messages  # admin and co-admin of A, admin of B
    assert AuditEvent.objects.filter(action=AuditEvent.Action.BROADCAST_SENT).count() == 1


def test_after_the_window_the_same_message_goes_out_again(world: World):
    with time_machine.travel(MOMENT, tick=False):
        submit(world)
    with time_machine.travel(MOMENT + dt.timedelta(seconds=61), tick=False):
        later = submit(world)
    assert later.repeat == "" and Broadcast.objects.count() == 2 and sent_messages() == 6


@pytest.mark.parametrize(
    "change",
    [
        {"text": "Sluit ook de garage."},
        {"subject": "Inbraken Noord"},
        {"urgency": "green"},
        {"audience": BOTH},
        {"zone_id": None, "municipality_id": "testdorp"},
    ],
)
def test_another_message_or_scope_is_a_new_broadcast(world: World, change):
    if change.get("municipality_id") == "testdorp":
        change["municipality_id"] = world.testdorp.pk
    submit(world)
    assert submit(world, **change).repeat == ""
    assert Broadcast.objects.count() == 2


def test_another_sender_with_the_same_message_is_a_new_broadcast(world: World):
    # A colleague of the same zone sends the same words: both are sent, each names its sender.
    from apps.municipalities.models import PoliceOfficer
    from testkit.world import make_user

    colleague = make_user("colleague")
    PoliceOfficer.objects.create(user=colleague, zone=world.zone)
    first, second = submit(world), submit(world, actor=colleague)
    assert second.repeat == "" and first.broadcast.pk != second.broadcast.pk


# --- a request key ---------------------------------------------------------------------------


def test_the_same_key_answers_its_broadcast_for_a_day(world: World):
    with time_machine.travel(MOMENT, tick=False):
        first = submit(world, request_key="api:k-1", window=False)
    with time_machine.travel(MOMENT + dt.timedelta(hours=23), tick=False):
        again = submit(world, request_key="api:k-1", window=False)
    assert again.repeat == "key" and again.broadcast.pk == first.broadcast.pk and sent_messages() == 3
    with time_machine.travel(MOMENT + dt.timedelta(hours=24, seconds=1), tick=False):
        day_later = submit(world, request_key="api:k-1", window=False)
    assert day_later.repeat == "" and Broadcast.objects.count() == 2


def test_the_same_key_with_another_message_is_refused_and_sends_nothing(world: World):
    submit(world, request_key="api:k-1", window=False)
    with pytest.raises(RequestKeyReused) as refused:
        submit(world, request_key="api:k-1", window=False, text="Iets anders.")
    assert "already used for another message" in refused.value.messages[0]
    assert Broadcast.objects.count() == 1 and sent_messages() == 3


def test_a_key_is_the_senders_own(world: World):
    submit(world, request_key="api:k-1", window=False)
    other = submit(world, actor=world.coordinator, zone_id=None, municipality_id=world.testdorp.pk,
                   request_key="api:k-1", window=False)  # fmt: skip
    assert other.repeat == "" and Broadcast.objects.count() == 2


def test_another_key_with_the_same_message_is_a_new_broadcast_without_the_window(world: World):
    submit(world, request_key="api:k-1", window=False)
    assert submit(world, request_key="api:k-2", window=False).repeat == ""
    # The desk keeps the window besides its form key: the same message from a second tab.
    assert submit(world, request_key="desk:other-tab").repeat == "window"
    assert Broadcast.objects.count() == 2


# --- at the same moment ----------------------------------------------------------------------

ROUNDS = 8


@pytest.fixture(scope="module")
def migrated_sqlite_file(tmp_path_factory, django_db_blocker):
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("broadcast-races") / "migrated.sqlite3"
    with django_db_blocker.unblock(), sqlite_file_database(path):
        in_thread(call_command, "migrate", verbosity=0)
    return path


@pytest.fixture
def shared_db(tmp_path, django_db_blocker, migrated_sqlite_file):
    """A database every thread reaches on a connection of its own: on PostgreSQL the test
    database (``transaction=True``), on SQLite a file."""
    if migrated_sqlite_file is None:
        yield
        return
    with django_db_blocker.unblock(), sqlite_file_database(tmp_path / "races.sqlite3", template=migrated_sqlite_file):
        yield


def _describe(outcome) -> str:
    return f"{type(outcome).__name__}: {outcome}" if isinstance(outcome, BaseException) else str(outcome)


@pytest.mark.django_db(transaction=True)
def test_the_same_broadcast_twice_at_the_same_moment_goes_out_once(shared_db):
    world = in_thread(build_world)

    def sender(n: int):
        def contender(go):
            go()
            sent = submit(world, text=f"Ronde {n}: sluit ramen en deuren.")
            return sent.broadcast.pk, sent.repeat

        return contender

    def made(n: int) -> tuple[int, int]:
        broadcasts = Broadcast.objects.filter(text=f"Ronde {n}: sluit ramen en deuren.")
        return broadcasts.count(), OutgoingMessage.objects.filter(dedupe_key__startswith="broadcast:").count()

    failed = []
    for n in range(ROUNDS):
        answers = race(sender(n), sender(n))
        broadcasts, messages = in_thread(made, n)
        ok = (
            not any(isinstance(a, BaseException) for a in answers)
            and answers[0][0] == answers[1][0]
            and sorted(a[1] for a in answers) == ["", "window"]
            and broadcasts == 1
            and messages == 3 * (n + 1)
        )
        if not ok:
            failed.append((n, [_describe(a) for a in answers], broadcasts, messages))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"


@pytest.mark.django_db(transaction=True)
def test_the_desk_form_sent_twice_at_the_same_moment_makes_one_broadcast(shared_db):
    world = in_thread(build_world)
    url = reverse("relays:broadcast")

    def poster(n: int):
        def contender(go):
            client = Client(raise_request_exception=False, headers={"accept-language": "en"})
            client.force_login(world.police)
            data = {"urgency": "red", "zone": world.zone.pk, "subject": "Let op", "text": f"Ronde {n}.", "send": "1"}
            data["request_key"] = f"form-key-of-round-{n:04d}"
            go()
            response = client.post(url, data)
            return response.status_code, 'id="sent"' in response.content.decode()

        return contender

    failed = []
    for n in range(ROUNDS):
        answers = race(poster(n), poster(n))
        broadcasts = in_thread(lambda n=n: Broadcast.objects.filter(text=f"Ronde {n}.").count())
        if answers != [(200, True), (200, True)] or broadcasts != 1:
            failed.append((n, [_describe(a) for a in answers], broadcasts))
    assert not failed, f"{len(failed)} of {ROUNDS} rounds went wrong: {failed}"


# --- what the sender sees: messages that may have arrived twice ------------------------------


def test_messages_that_may_have_arrived_twice_are_counted_for_the_sender(world: World):
    opted_in(world.group_a, 11)
    opted_in(world.group_a, 12)
    broadcast = submit(world, audience=BOTH).broadcast
    admin = OutgoingMessage.objects.get(dedupe_key=f"broadcast:{broadcast.pk}:user:{world.admin_a.pk}")
    member = member_messages(broadcast)[0]
    OutgoingMessage.objects.filter(pk__in=[admin.pk, member.pk]).update(possible_repeat=True, status="sent")
    rows = {r["name"]: r["possible_repeat"] for r in admin_rows(broadcast)}
    assert rows == {"Admin_A": True, "Co_Admin_A": False, "Admin_B": False}
    counts, repeats = member_states(broadcast)
    assert counts == {"sent": 1, "queued": 1} and repeats == 1
    summary = delivery_summary(broadcast)
    assert summary["recipients"] == 5 and summary["possible_repeats"] == 2
    assert summary["counts"] == {"sent": 2, "queued": 3}


def test_a_repeat_flagged_earlier_in_a_fallback_chain_still_counts(world: World):
    broadcast = submit(world).broadcast
    first = OutgoingMessage.objects.get(dedupe_key=f"broadcast:{broadcast.pk}:user:{world.admin_a.pk}")
    OutgoingMessage.objects.filter(pk=first.pk).update(possible_repeat=True, status="failed")
    OutgoingMessage.objects.create(
        channel="email", recipient=world.admin_a.email, subject="x", body="x", topic="broadcast.red",
        dedupe_key=f"{first.dedupe_key}:email", replaces=first, status="sent",
    )  # fmt: skip
    row = next(r for r in admin_rows(broadcast) if r["name"] == "Admin_A")
    assert row["status"] == "sent" and row["channel"] == "email" and row["possible_repeat"] is True
    assert delivery_summary(broadcast)["possible_repeats"] == 1


# --- who sends it ----------------------------------------------------------------------------


def _expected(language: str, organisation_of, role: str) -> str:
    with translation.override(language):
        return f"{organisation_of()} — {translation.gettext(role)}"


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_police_message_names_the_zone_and_the_role_in_the_admins_language(world: World, settings, language):
    from apps.messaging.models import DeliveryPreference

    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_TOKEN = "123", "token"
    DeliveryPreference.objects.create(user=world.admin_a, whatsapp_opt_in=True)
    world.admin_a.language = language
    world.admin_a.save()
    broadcast = submit(world).broadcast
    assert (broadcast.sender_zone, broadcast.sender_municipality) == (world.zone, None)
    message = OutgoingMessage.objects.get(dedupe_key=f"broadcast:{broadcast.pk}:user:{world.admin_a.pk}")
    line = _expected(language, lambda: world.zone.name, "police officer")
    with translation.override(language):
        call = police_line(police_numbers(world.testdorp))
    assert message.language == language and message.channel == "whatsapp"
    assert f"— Police\n{line}" in message.body and call in message.body  # the name, then zone and role
    assert f"— Police ({line})" in message.short_body
    assert message.template_params[0] == f"Police ({line})"  # never the bare name


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_coordinators_message_names_the_municipality_in_the_members_language(world: World, language):
    member = opted_in(world.group_a, 11, email="lid11@example.org", phone="")
    world.testdorp.language = language  # a member without an application: their municipality's language
    world.testdorp.save()
    broadcast = submit(
        world, actor=world.coordinator, zone_id=None, municipality_id=world.testdorp.pk, audience=BOTH
    ).broadcast
    assert (broadcast.sender_zone, broadcast.sender_municipality) == (None, world.testdorp)
    [message] = member_messages(broadcast)
    assert message.recipient == member.email and message.language == language

    def organisation():
        return translation.gettext("Municipality of %(name)s") % {"name": "Testdorp"}

    line = _expected(language, organisation, "coordinator")
    assert f"— Coordinator\n{line}" in message.body


def test_police_writing_to_a_municipality_of_their_zone_send_for_their_zone(world: World):
    broadcast = submit(world, zone_id=None, municipality_id=world.testdorp.pk).broadcast
    assert (broadcast.sender_zone, broadcast.sender_municipality) == (world.zone, None)


def test_an_operator_without_a_role_sends_for_buurtwacht(world: World):
    broadcast = submit(world, actor=world.superuser).broadcast
    assert (broadcast.sender_zone, broadcast.sender_municipality) == (None, None)
    message = OutgoingMessage.objects.filter(dedupe_key__startswith=f"broadcast:{broadcast.pk}:").first()
    with translation.override(message.language):
        assert f"Buurtwacht — {translation.gettext('platform operator')}" in message.body
