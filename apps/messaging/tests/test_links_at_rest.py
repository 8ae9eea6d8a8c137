"""No usable secret link at rest (ADR 0022): realistic journeys send every kind of secret link,
everything is delivered, then every text column of every table is read as it is stored (raw SQL,
past the fields that decrypt) and none holds a working link. Also what waits for its send (sealed),
what a fallback, a cancellation and a retry do with the links, the dev mailbox and the keys."""

from __future__ import annotations

import datetime as dt
import importlib
import re

import pytest
from django.apps import apps
from django.core import mail
from django.core.management import call_command
from django.db import connection, models
from django.urls import get_resolver
from django.utils import timezone

from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.core.actors import PUBLIC, SYSTEM
from apps.groups.invitations import invite_admin
from apps.groups.models import GroupAdmin
from apps.incidents.tests.helpers import report
from apps.members.services import stop_alerts
from apps.messaging import sealing
from apps.messaging import services as messaging
from apps.messaging.models import OutgoingMessage
from apps.messaging.tests.fake_gateway import FakeGateway, cm_ok, whatsapp_error
from apps.relays import services as relays
from apps.relays.tests.helpers import border_group, opted_in, send
from testkit.world import World, application_data

# The site's secret links, as the journeys below make them (written out here on purpose, apart
# from the code that recognises them).
SECRET = re.compile(
    r"/(?:aanmelding/bevestigen|aanmelding|doorgegeven|berichten-stoppen|beheer/uitnodiging|"
    r"account/wachtwoord|huisregels-aanvaarden)/[^\s\"'<>]+"
)
KINDS = {
    "confirm": "/aanmelding/bevestigen/",
    "status": "/aanmelding/",
    "reset": "/account/wachtwoord/",
    "invitation": "/beheer/uitnodiging/",
    "acknowledge": "/doorgegeven/",
    "stop": "/berichten-stoppen/",
}
TABLE = OutgoingMessage._meta.db_table


@pytest.fixture
def sms(settings):
    gateway = FakeGateway(cm_ok)
    settings.SMS_CM_URL = f"{gateway.url}/v1.0/message"
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


@pytest.fixture
def whatsapp_refuses(settings):
    gateway = FakeGateway(whatsapp_error(400, 131026, "Message undeliverable"))
    settings.WHATSAPP_API_URL = f"{gateway.url}/v23.0"
    settings.WHATSAPP_PHONE_NUMBER_ID = "106540352242922"
    settings.WHATSAPP_TOKEN = "EAAG-test-token"  # noqa: S105 (fake)
    settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 1
    yield gateway
    gateway.close()


@pytest.fixture(autouse=True)
def _no_dev_mailbox(settings):
    # Production: no page shows the e-mails sent (the dev mailbox keeps them, see its own test).
    # The URLs are read first, as the test settings have them (with the mailbox's).
    get_resolver().url_patterns  # noqa: B018
    settings.BUURTWACHT_DEV_MAILBOX = False


def apply(world: World, **overrides):
    form = ApplicationForm(application_data(World.ADDRESS_A, **overrides), country="BE", today=dt.date(2026, 11, 21))
    assert form.is_valid(), form.errors
    return applications.submit(world.group_a, form.cleaned_data)


def deliver_everything() -> None:
    # Also what waits for the end of the quiet hours (a green relay at night): the morning came.
    OutgoingMessage.objects.filter(status="queued").update(next_attempt_at=timezone.now())
    for _ in range(20):
        if not messaging.deliver_due("test", limit=500):
            break
    assert not OutgoingMessage.objects.filter(status__in=["queued", "sending"]).exists()


def links(text: str) -> list[str]:
    return [m.group(0).rstrip(".,;:)") for m in SECRET.finditer(text or "")]


def delivered_links(*gateways) -> list[str]:
    """Every secret link that reached a recipient: in the e-mails, the SMS and WhatsApp requests."""
    found = [link for message in mail.outbox for link in links(message.body)]
    for gateway in gateways:
        for seen in gateway.seen:
            found += links(str(seen.body))
    return found


def stored_texts() -> list[tuple[str, str, str]]:
    """(table, column, value) of every text and JSON column of every table, as stored."""
    rows = []
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            meta = model._meta
            if meta.proxy or not meta.managed:
                continue
            columns = [
                f.column
                for f in meta.concrete_fields
                if isinstance(f, models.CharField | models.TextField | models.JSONField)
            ]
            if not columns:
                continue
            quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(meta.db_table)}")  # noqa: S608
            for row in cursor.fetchall():
                rows += [(meta.db_table, column, str(value)) for column, value in zip(columns, row, strict=True)]
    return rows


def stored_column(pk: int, column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {TABLE} WHERE id = %s", [pk])  # noqa: S608
        return str(cursor.fetchone()[0])


def test_after_the_journeys_no_table_holds_a_working_secret_link(client, world: World, sms, whatsapp_refuses):
    # A resident applies and confirms the e-mail address with the link they received.
    apply(world)
    deliver_everything()
    [confirm] = [link for link in delivered_links() if link.startswith(KINDS["confirm"])]
    applications.confirm(confirm.split("/")[-2])
    # An admin forgot the password; a coordinator invites a new admin.
    assert client.post("/account/wachtwoord-vergeten/", {"email": "admin_a@example.org"}).status_code == 302
    invite_admin(
        actor=world.coordinator,
        group=world.group_b,
        full_name="Rik De Smet",
        email="rik@example.be",
        phone="0470 12 34 56",
        role=GroupAdmin.Role.ADMIN,
    )
    # An admin relays an incident to the admins around (each with an acknowledgement link) and
    # the police; the police alert the members who asked for it (each with a stop link): WhatsApp
    # refuses them, so they go by SMS.
    border_group(world)
    relays.send(actor=world.admin_a, incident=report(world), scope="neighbours")
    opted_in(world.group_a, 11)
    opted_in(world.group_b, 12)
    send(world, urgency="red")
    deliver_everything()

    sent = delivered_links(sms, whatsapp_refuses)
    for kind, prefix in KINDS.items():
        assert any(link.startswith(prefix) for link in sent), f"no {kind} link was delivered"
    # The links work for their recipients: the status page, the stop page and the acknowledgement.
    for prefix in (KINDS["status"], KINDS["stop"], KINDS["acknowledge"]):
        link = next(link for link in sent if link.startswith(prefix) and not link.startswith(KINDS["confirm"]))
        assert client.get(link).status_code == 200, link

    # Nothing stored holds one of them, nor the key or token in it, nor any secret link at all.
    secrets = set(sent) | {link.rstrip("/").split("/")[-1] for link in sent}
    assert all(len(s) >= 16 for s in secrets - set(sent)), secrets
    leaks = [
        (table, column, secret) for table, column, value in stored_texts() for secret in secrets if secret in value
    ]
    assert leaks == []
    assert [(t, c, v[:80]) for t, c, v in stored_texts() if links(v)] == []
    # What was sent keeps its text, without its links.
    assert OutgoingMessage.objects.filter(links_removed_at__isnull=False).count() >= 8
    confirmation = OutgoingMessage.objects.get(topic="application.confirm")
    assert "Jan Peeters" in confirmation.body and not links(confirmation.body)


def test_a_queued_message_holds_no_link_in_clear(world: World):
    submitted = apply(world)
    message = OutgoingMessage.objects.get(topic="application.confirm")
    # The code reads the text with its links; the column holds only its encryption.
    assert submitted.access_key in message.body
    stored = stored_column(message.pk, "body")
    assert stored.startswith(sealing.PREFIX) and submitted.access_key not in stored and "/aanmelding/" not in stored
    assert "Jan Peeters" not in stored
    # Delivered, the recipient has the link, and the row no longer has it.
    assert messaging.deliver(message.pk) == "sent"
    assert submitted.access_key in mail.outbox[0].body
    message.refresh_from_db()
    assert submitted.access_key not in message.body and "/aanmelding/" not in message.body
    assert "Jan Peeters" in message.body and message.links_removed_at is not None


def test_template_parameters_and_sms_text_are_sealed_too(world: World, sms, whatsapp_refuses):
    opted_in(world.group_a, 11)
    send(world, urgency="red")
    message = OutgoingMessage.objects.get(member_id__isnull=False)
    assert message.channel == "whatsapp" and "/berichten-stoppen/" in message.template_params[-1]
    stored = stored_column(message.pk, "template_params") + stored_column(message.pk, "short_body")
    assert "/berichten-stoppen/" not in stored and "Sluit ramen" not in stored


def test_a_fallback_carries_the_link_on_and_the_failed_row_loses_it(client, world: World, sms, whatsapp_refuses):
    opted_in(world.group_a, 11)
    send(world, urgency="red")
    failed = OutgoingMessage.objects.get(member_id__isnull=False)
    [stop] = links(failed.template_params[-1])
    assert messaging.deliver(failed.pk) == "failed"
    fallback = OutgoingMessage.objects.get(replaces=failed)
    assert fallback.channel == "sms" and stop in fallback.body
    assert stop not in stored_column(fallback.pk, "body")
    failed.refresh_from_db()
    assert failed.links_removed_at is not None
    assert not links(" ".join(failed.template_params)) and not links(failed.short_body)
    # The failed row cannot be sent again without its link: refused, nothing changed.
    before = (failed.status, failed.last_error, failed.next_attempt_at)
    assert messaging.retry(failed, actor=SYSTEM) is False
    failed.refresh_from_db()
    assert (failed.status, failed.last_error, failed.next_attempt_at) == before
    assert messaging.deliver(fallback.pk) == "sent"
    assert stop in sms.seen[0].body["messages"]["msg"][0]["body"]["content"]
    assert client.get(stop).status_code == 200


def test_a_failed_message_without_a_next_channel_keeps_its_sealed_text_for_a_retry(world: World):
    # E-mail only, and the mail server refuses the address: nothing follows it.
    apply(world)
    message = OutgoingMessage.objects.get(topic="application.confirm")
    with pytest.MonkeyPatch.context() as patch:
        from apps.messaging import transports

        def refuse(self, msg):
            raise transports.PermanentError("recipient refused")

        patch.setattr(transports.EmailTransport, "send", refuse)
        assert messaging.deliver(message.pk) == "failed"
    message.refresh_from_db()
    assert message.links_removed_at is None and "/aanmelding/" in message.body
    assert "/aanmelding/" not in stored_column(message.pk, "body")
    assert messaging.retry(message, actor=SYSTEM) is True
    assert messaging.deliver(message.pk) == "sent" and "/aanmelding/" in mail.outbox[0].body


def test_a_cancelled_alert_loses_its_link(world: World):
    member = opted_in(world.group_a, 11)
    send(world, urgency="green")  # by e-mail, waiting for the morning
    message = OutgoingMessage.objects.get(member_id=member.pk)
    assert links(message.body)
    assert stop_alerts(member, actor=PUBLIC)
    message.refresh_from_db()
    assert message.status == "cancelled" and message.links_removed_at is not None and not links(message.body)


def test_the_dev_mailbox_keeps_a_sent_email_readable_but_sealed(client, world: World, settings):
    settings.BUURTWACHT_DEV_MAILBOX = True
    submitted = apply(world)
    message = OutgoingMessage.objects.get(topic="application.confirm")
    assert messaging.deliver(message.pk) == "sent"
    message.refresh_from_db()
    assert message.links_removed_at is None and submitted.access_key in message.body
    assert submitted.access_key not in stored_column(message.pk, "body")
    page = client.get(f"/dev/mailbox/{message.pk}/").content.decode()
    assert submitted.access_key in page


def test_a_new_key_reads_what_the_old_one_sealed_and_reseal_moves_it_over(world: World, settings):
    from cryptography.fernet import Fernet

    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.BUURTWACHT_MESSAGE_KEYS = [old]
    apply(world)
    message = OutgoingMessage.objects.get(topic="application.confirm")
    settings.BUURTWACHT_MESSAGE_KEYS = [new, old]
    assert "/aanmelding/" in OutgoingMessage.objects.get(pk=message.pk).body
    call_command("reseal_messages", stdout=open("/dev/null", "w"))  # noqa: SIM115
    # Only the new key (and a SECRET_KEY that changed too): still readable, and sent.
    settings.BUURTWACHT_MESSAGE_KEYS = [new]
    settings.SECRET_KEY = "another-secret-key-of-more-than-32-characters"  # noqa: S105
    assert "/aanmelding/" in OutgoingMessage.objects.get(pk=message.pk).body
    assert messaging.deliver(message.pk) == "sent"


def test_a_message_no_key_opens_is_not_sent(world: World, settings):
    from cryptography.fernet import Fernet

    settings.BUURTWACHT_MESSAGE_KEYS = [Fernet.generate_key().decode()]
    apply(world)
    message = OutgoingMessage.objects.get(topic="application.confirm")
    settings.BUURTWACHT_MESSAGE_KEYS = [Fernet.generate_key().decode()]
    settings.SECRET_KEY = "another-secret-key-of-more-than-32-characters"  # noqa: S105
    assert messaging.deliver(message.pk) == "failed"
    assert mail.outbox == []
    message.refresh_from_db()
    assert "no longer configured" in message.last_error


def test_a_bad_key_setting_is_refused(settings):
    settings.BUURTWACHT_MESSAGE_KEYS = ["not-a-key"]
    with pytest.raises(Exception, match="BUURTWACHT_MESSAGE_KEYS"):
        sealing.seal("text")


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("http://testserver/aanmelding/abcDEF123_-abcDEF123_-abcDEF123_-abcDEF123/", True),
        ("http://testserver/aanmelding/bevestigen/12:1vS9xq:abc/", True),
        ("https://buurtwacht.example/account/wachtwoord/MQ/cx0-0123abcd/", True),
        ("http://testserver/doorgegeven/k3y/bijlagen/4/", True),
        # The links of residents' rights, phone codes, registrations, invitations to join, the
        # admins' network and meetings: every route with a key is recognised, whichever app made it.
        ("http://testserver/mijn-gegevens/k3yK3yk3y/", True),
        ("http://testserver/nummer-bevestigen/k3yK3yk3y/", True),
        ("http://testserver/groep-aanmelding/k3yK3yk3y/", True),
        ("http://testserver/lid-worden/k3yK3yk3y/", True),
        ("http://testserver/netwerkbericht/k3yK3yk3y/", True),
        ("http://testserver/mijn-antwoord/k3yK3yk3y/", True),
        ("http://testserver/agenda/k3yK3yk3y.ics", True),
        ("http://testserver/mijn-gegevens/", False),
        ("http://testserver/bijeenkomsten/testdorp/", False),
        ("http://testserver/beheer/aanmeldingen/12/", False),
        ("http://testserver/groepen/testdorp-noord/#house-rules", False),
        ("http://testserver/account/inloggen/", False),
        ("https://chat.whatsapp.com/INVITEnoord", False),
    ],
)
def test_which_links_are_secret(db, url, secret):
    assert sealing.is_secret_link(url) is secret
    text = f"Open ({url}). Thanks"
    assert (url not in sealing.redact(text, "en")) is secret
    if secret:
        assert sealing.redact(text, "en") == "Open ([link removed]). Thanks"


def test_rows_written_before_are_sealed_and_the_sent_ones_lose_their_links(world: World):
    apply(world)
    apply(world, phone="0470 65 43 21", email="an@example.org", full_name="An Peeters")
    waiting, sent = OutgoingMessage.objects.order_by("pk")
    body = {m.pk: m.body for m in (waiting, sent)}
    with connection.cursor() as cursor:  # as a row looked before its columns were sealed
        for m in (waiting, sent):
            cursor.execute(f"UPDATE {TABLE} SET body = %s WHERE id = %s", [body[m.pk], m.pk])  # noqa: S608
        cursor.execute(f"UPDATE {TABLE} SET status = 'sent' WHERE id = %s", [sent.pk])  # noqa: S608
    assert "/aanmelding/" in stored_column(waiting.pk, "body")
    migration = importlib.import_module("apps.messaging.migrations.0005_sealed_texts")
    migration.seal_existing(apps, None)
    assert stored_column(waiting.pk, "body").startswith(sealing.PREFIX)
    assert OutgoingMessage.objects.get(pk=waiting.pk).body == body[waiting.pk]
    sent.refresh_from_db()
    assert sent.links_removed_at is not None and not links(sent.body) and "An Peeters" in sent.body
    assert timezone.now() - sent.links_removed_at < dt.timedelta(minutes=1)
