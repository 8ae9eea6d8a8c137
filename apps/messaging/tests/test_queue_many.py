"""Many staff members' messages queued at once (``queue_many_for_users``): the same rows as
``queue_for_user`` one by one (channel, address, urgency, quiet hours, texts), the same rule for
keys already queued, the texts sealed, a few statements and one hand-off after commit for all."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.messaging import queueing, sealing, services
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.messaging.services import Content, ForUser
from testkit.world import World, make_user

from .test_links_at_rest import stored_column

NIGHT = dt.datetime(2026, 11, 21, 23, 30)  # inside the default quiet hours (22:00-07:00)
LINK = "http://testserver/doorgegeven/geheime-sleutel-123/"

# Compared between the two paths: everything a row says about whom, how, when and what.
FIELDS = (
    "channel",
    "recipient",
    "subject",
    "body",
    "short_body",
    "topic",
    "group_id",
    "municipality_id",
    "status",
    "urgency",
    "template",
    "template_params",
    "language",
    "user_id",
    "member_id",
    "replaces_id",
    "possible_repeat",
    "next_attempt_at",
    "attempts",
)


@pytest.fixture(autouse=True)
def _channels(settings):
    # Configured, never reached: nothing is sent in these tests.
    settings.WHATSAPP_API_URL = "http://127.0.0.1:9/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"  # noqa: S105 (fake)
    settings.BUURTWACHT_SITE_URL = "http://testserver"


def content(n: int, language: str = "nl") -> Content:
    return Content(
        subject=f"Verdacht voertuig {n}",
        body=f"Lange tekst {n} voor e-mail. Gezien? {LINK}",
        sms=f"Verdacht voertuig {n} {LINK}",
        template="buurtwacht_alert",
        template_params=("Admin A", "verdacht voertuig", "21-11 23:00 Noordstraat 1", f"bestelwagen {n}", LINK),
        language=language,
    )


def without_email(username: str, **extra):
    user = make_user(username, **extra)
    user.email = ""
    user.save(update_fields=["email"])
    return user


def people(world: World) -> list:
    """One of each kind of staff member a message can meet."""
    whatsapp = make_user("wa", phone="+32470000101")
    DeliveryPreference.objects.create(user=whatsapp, channels="whatsapp,sms,email", whatsapp_opt_in=True)
    sms_first = make_user("sms", phone="+32470000102")
    DeliveryPreference.objects.create(user=sms_first, channels="sms,email")
    quiet_own = make_user("quiet", phone="+32470000103")  # own quiet hours, until 06:15
    DeliveryPreference.objects.create(user=quiet_own, channels="email,sms", quiet_start="21:00", quiet_end="06:15")
    no_preference = make_user("plain", phone="+32470000104")  # defaults; WhatsApp without opt-in is skipped
    phone_only = without_email("phone_only", phone="+32470000105")
    unreachable = without_email("unreachable")
    return [whatsapp, sms_first, quiet_own, no_preference, phone_only, unreachable, world.admin_a]


def compared(message: OutgoingMessage | None) -> dict | None:
    if message is None:
        return None
    message = OutgoingMessage.objects.get(pk=message.pk)  # as stored, read back through the fields
    return {name: getattr(message, name) for name in FIELDS}


@pytest.mark.parametrize("urgency", ["red", "green"])
def test_the_batch_writes_the_rows_queue_for_user_writes(world: World, urgency):
    users = people(world)
    with time_machine.travel(timezone.make_aware(NIGHT), tick=False):
        one_by_one = [
            services.queue_for_user(
                user, content(n, "fr" if n % 2 else "nl"), urgency=urgency, topic="test", dedupe_key=f"one:{n}",
                group_id=world.group_a.pk, municipality_id=world.testdorp.pk,
            )
            for n, user in enumerate(users)
        ]  # fmt: skip
        at_once = services.queue_many_for_users(
            [
                ForUser(
                    user, content(n, "fr" if n % 2 else "nl"), dedupe_key=f"many:{n}",
                    group_id=world.group_a.pk, municipality_id=world.testdorp.pk,
                )
                for n, user in enumerate(users)
            ],
            urgency=urgency,
            topic="test",
        )  # fmt: skip
    assert [compared(m) for m in at_once] == [compared(m) for m in one_by_one]
    assert [m.dedupe_key if m else None for m in at_once] == [m and f"many:{n}" for n, m in enumerate(one_by_one)]
    # What the comparison covers: each kind of person met their own channel and time.
    rows = [compared(m) for m in at_once]
    if urgency == "red":
        assert [r and r["channel"] for r in rows] == ["whatsapp", "sms", "email", "sms", "sms", None, "sms"]
        assert all(r["next_attempt_at"] == timezone.make_aware(NIGHT) for r in rows if r)
        assert rows[0]["template_params"][-1] == LINK and rows[1]["body"].endswith(LINK)  # SMS: its short text
    else:
        assert [r and r["channel"] for r in rows] == ["email", "email", "email", "email", "sms", None, "email"]
        mornings = {r["recipient"]: timezone.localtime(r["next_attempt_at"]).time() for r in rows if r}
        assert mornings["quiet@example.org"] == dt.time(6, 15) and mornings["wa@example.org"] == dt.time(7, 0)
        assert all(r["template"] == "" and r["template_params"] == [] for r in rows if r)


def test_the_texts_are_sealed_as_a_single_save_seals_them(world: World):
    [message] = services.queue_many_for_users(
        [ForUser(people(world)[0], content(1), dedupe_key="sealed:1")], urgency="red", topic="test"
    )
    for column in ("body", "short_body", "template_params"):
        stored = stored_column(message.pk, column)
        assert sealing.PREFIX in stored and "geheime-sleutel" not in stored
    again = OutgoingMessage.objects.get(pk=message.pk)
    assert again.template_params[-1] == LINK and LINK in again.body and LINK in again.short_body


def test_keys_already_queued_give_back_their_rows_and_a_key_twice_is_one_row(
    world: World, django_capture_on_commit_callbacks
):
    users = people(world)
    first = services.queue_for_user(users[0], content(0), urgency="red", topic="test", dedupe_key="k:0")
    result = services.queue_many_for_users(
        [
            ForUser(users[0], content(9), dedupe_key="k:0"),  # queued already: that row, unchanged
            ForUser(users[1], content(1), dedupe_key="k:1"),
            ForUser(users[2], content(2), dedupe_key="k:1"),  # the same key twice: the first row
        ],
        urgency="red",
        topic="test",
    )
    assert result[0].pk == first.pk and OutgoingMessage.objects.get(pk=first.pk).subject == "Verdacht voertuig 0"
    assert result[1].pk == result[2].pk and result[1].user_id == users[1].pk
    assert OutgoingMessage.objects.count() == 2
    # The same batch again writes nothing and hands nothing to the workers.
    with django_capture_on_commit_callbacks() as callbacks:
        again = services.queue_many_for_users(
            [ForUser(users[1], content(1), dedupe_key="k:1"), ForUser(users[5], content(5), dedupe_key="k:5")],
            urgency="red",
            topic="test",
        )
    assert again == [result[1], None] and callbacks == [] and OutgoingMessage.objects.count() == 2


def test_a_fresh_batch_that_meets_a_queued_key_goes_row_by_row(world: World):
    # ``fresh`` promises new keys; when another transaction queued one meanwhile, the unique key
    # refuses the insert and each row is queued as queue_for_user would, the first row winning.
    users = people(world)
    first = services.queue_for_user(users[0], content(0), urgency="red", topic="test", dedupe_key="f:0")
    result = services.queue_many_for_users(
        [ForUser(users[0], content(9), dedupe_key="f:0"), ForUser(users[1], content(1), dedupe_key="f:1")],
        urgency="red",
        topic="test",
        fresh=True,
    )
    assert result[0].pk == first.pk and result[1].pk and result[1].dedupe_key == "f:1"
    assert OutgoingMessage.objects.count() == 2


def test_a_batch_costs_a_few_statements_whatever_its_size(world: World):
    def statements(n: int, prefix: str) -> int:
        users = [make_user(f"{prefix}{i}", phone=f"+3247{i:07d}") for i in range(n)]
        for user in users[::2]:
            DeliveryPreference.objects.create(user=user, channels="whatsapp,email", whatsapp_opt_in=True)
        with CaptureQueriesContext(connection) as queries:
            queued = services.queue_many_for_users(
                [ForUser(user, content(i), dedupe_key=f"{prefix}:{i}") for i, user in enumerate(users)],
                urgency="red",
                topic="test",
            )
        assert all(queued) and len(queued) == n
        return len(queries)

    small, large = statements(3, "s"), statements(60, "l")
    # The preferences, the keys queued already, and the insert (in a savepoint), in batches of
    # as many rows as the database takes in one statement.
    assert small <= 6 and large <= small + 2


def test_one_hand_off_after_commit_for_all_the_rows(
    world: World, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.BUURTWACHT_WORKER = "celery"
    handed = []
    monkeypatch.setattr(queueing, "_celery_handoff", handed.append)
    users = people(world)[:4]
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queued = services.queue_many_for_users(
            [ForUser(user, content(i), dedupe_key=f"h:{i}") for i, user in enumerate(users)],
            urgency="red",
            topic="test",
        )
    assert len(callbacks) == 1
    assert handed == [m.pk for m in queued]
