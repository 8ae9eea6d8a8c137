"""A member's phone number is confirmed with a code sent by SMS before any alert goes to it by SMS
or WhatsApp; until then alerts go by e-mail only."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.applications import services as applications
from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC
from apps.members import confirmation
from apps.members.models import Member, PhoneConfirmation
from apps.members.services import alert_contact, start_alerts, stop_alerts
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import send_broadcast
from testkit.world import World, add_member, application_data


@pytest.fixture
def sms(settings):
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"


@pytest.fixture
def whatsapp(settings):
    settings.WHATSAPP_PHONE_NUMBER_ID = "123456"
    settings.WHATSAPP_TOKEN = "token"


def last_code(phone: str) -> str:
    message = OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC, recipient=phone).order_by("-pk").first()
    return re.search(r"\b(\d{6})\b", message.body).group(1)


def approved_member(world: World, *, language="nl", **data) -> Member:
    from apps.applications.forms import ApplicationForm

    form = ApplicationForm(data=application_data(alerts_opt_in="on", **data), country="BE")
    assert form.is_valid(), form.errors
    submitted = applications.submit(world.group_a, form.cleaned_data, language=language)
    application = applications.confirm(applications.confirmation_token(submitted.application))
    return applications.approve(application, actor=world.admin_a)


def link_key(member: Member) -> str:
    mail = OutgoingMessage.objects.filter(topic=confirmation.LINK_TOPIC, recipient=member.email).latest("pk")
    return re.search(r"/nummer-bevestigen/([A-Za-z0-9_-]+)/", mail.body).group(1)


def test_the_approval_of_a_member_who_wants_alerts_sends_a_code_and_a_link_in_their_language(world, sms):
    member = approved_member(world, language="fr")
    assert member.phone_confirmed_at is None
    code_sms = OutgoingMessage.objects.get(topic=confirmation.CODE_TOPIC)
    assert code_sms.channel == "sms" and code_sms.recipient == member.phone
    assert code_sms.language == "fr" and re.search(r"\b\d{6}\b", code_sms.body)
    mail = OutgoingMessage.objects.get(topic=confirmation.LINK_TOPIC)
    assert mail.channel == "email" and mail.recipient == member.email
    assert mail.language == "fr" and "/nummer-bevestigen/" in mail.body
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_PHONE_CODE_SENT, target_id=str(member.pk)).exists()
    # Nothing usable at rest: neither the code nor the link key, nor their plain SHA-256.
    stored = PhoneConfirmation.objects.get(member=member)
    code = last_code(member.phone)
    assert stored.code_hash != hashlib.sha256(code.encode()).hexdigest()
    assert code not in repr(PhoneConfirmation.objects.values().get())
    assert link_key(member) not in repr(PhoneConfirmation.objects.values().get())


def test_the_right_code_confirms_the_number_once(world, sms):
    member = approved_member(world)
    found = confirmation.by_key(link_key(member))
    assert confirmation.confirm(found, last_code(member.phone)) is True
    member.refresh_from_db()
    assert member.phone_confirmed_at is not None
    assert alert_contact(member.pk).phone == member.phone
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_PHONE_CONFIRMED).count() == 1
    # The same code again: already confirmed, nothing changes.
    assert confirmation.confirm(found, "000000") is False
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_PHONE_CONFIRMED).count() == 1


def test_a_wrong_code_six_times_needs_a_new_code(world, sms):
    member = approved_member(world)
    found = confirmation.by_key(link_key(member))
    right = last_code(member.phone)
    wrong = "000000" if right != "000000" else "111111"
    for left in (4, 3, 2, 1, 0):
        with pytest.raises(ValidationError) as caught:
            confirmation.confirm(found, wrong)
        assert caught.value.error_dict["code"][0].code == "wrong"
        assert PhoneConfirmation.objects.get(pk=found.pk).tries == 5 - left
    # The sixth try, even with the right code, is refused: a new code is needed.
    with pytest.raises(ValidationError) as caught:
        confirmation.confirm(found, right)
    assert caught.value.error_dict["code"][0].code == "too_many"
    member.refresh_from_db()
    assert member.phone_confirmed_at is None
    # A new code (after the waiting time) works.
    PhoneConfirmation.objects.filter(pk=found.pk).update(code_sent_at=timezone.now() - dt.timedelta(minutes=2))
    confirmation.send_new_code(found)
    assert confirmation.confirm(found, last_code(member.phone)) is True


def test_an_expired_code_is_refused(world, sms):
    member = approved_member(world)
    found = confirmation.by_key(link_key(member))
    PhoneConfirmation.objects.filter(pk=found.pk).update(code_expires_at=timezone.now() - dt.timedelta(seconds=1))
    with pytest.raises(ValidationError) as caught:
        confirmation.confirm(found, last_code(member.phone))
    assert caught.value.error_dict["code"][0].code == "expired"
    member.refresh_from_db()
    assert member.phone_confirmed_at is None


def test_new_codes_are_rate_limited(world, sms):
    member = approved_member(world)
    found = confirmation.by_key(link_key(member))
    with pytest.raises(ValidationError) as caught:
        confirmation.send_new_code(found)
    assert caught.value.code == "too_soon"
    for _ in range(confirmation.MAX_CODES_PER_DAY - 1):
        PhoneConfirmation.objects.filter(pk=found.pk).update(code_sent_at=timezone.now() - dt.timedelta(minutes=2))
        confirmation.send_new_code(found)
    PhoneConfirmation.objects.filter(pk=found.pk).update(code_sent_at=timezone.now() - dt.timedelta(minutes=2))
    before = OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC).count()
    with pytest.raises(ValidationError) as caught:
        confirmation.send_new_code(found)
    assert caught.value.code == "too_many_codes"
    assert OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC).count() == before


def test_a_forged_or_expired_link_opens_nothing(world, sms):
    member = approved_member(world)
    assert confirmation.by_key("forged-" + "x" * 40) is None
    key = link_key(member)
    PhoneConfirmation.objects.update(link_expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert confirmation.by_key(key) is None


def test_without_sms_nothing_is_sent_and_alerts_stay_on_email(world):
    member = approved_member(world)
    assert not PhoneConfirmation.objects.exists()
    assert not OutgoingMessage.objects.filter(topic__startswith="member.phone").exists()
    assert alert_contact(member.pk).phone == ""


def test_an_admin_recording_a_new_start_sends_a_code(world, sms):
    member = add_member(world.group_a, 7)
    start_alerts(member, actor=world.admin_a, member_asked=True)
    assert OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC, recipient=member.phone).count() == 1
    # Stop and start again once confirmed: no new code.
    PhoneConfirmation.objects.update(confirmed_at=timezone.now())
    Member.objects.filter(pk=member.pk).update(phone_confirmed_at=timezone.now())
    member.refresh_from_db()
    stop_alerts(member, actor=PUBLIC)
    start_alerts(member, actor=world.admin_a, member_asked=True)
    assert OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC, recipient=member.phone).count() == 1


def test_a_member_without_a_confirmed_phone_gets_no_sms_or_whatsapp_alert_only_email(world, sms, whatsapp):
    now = timezone.now()
    unconfirmed = add_member(world.group_a, 31, alerts_opt_in_at=now, alerts_consent_text="Ja.")
    confirmed = add_member(world.group_a, 32, alerts_opt_in_at=now, alerts_consent_text="Ja.", phone_confirmed_at=now)
    send_broadcast(
        actor=world.police,
        urgency="red",
        audience="admins_and_members",
        subject="Inbraken",
        text="Sluit ramen en deuren.",
        zone_id=world.zone.pk,
    )
    to_unconfirmed = OutgoingMessage.objects.filter(member_id=unconfirmed.pk)
    assert [m.channel for m in to_unconfirmed] == ["email"]
    assert not OutgoingMessage.objects.filter(recipient=unconfirmed.phone).exists()
    assert [m.channel for m in OutgoingMessage.objects.filter(member_id=confirmed.pk)] == ["whatsapp"]
    # A permanent failure by e-mail never falls back to the unconfirmed phone.
    from apps.messaging.services import fallback_to_next_channel

    assert fallback_to_next_channel(to_unconfirmed.get(), "bounced") is None


def test_the_command_asks_existing_members_who_receive_alerts_once(world, sms):
    from io import StringIO

    from django.core.management import call_command

    now = timezone.now()
    waiting = add_member(world.group_a, 41, alerts_opt_in_at=now, alerts_consent_text="Ja.")
    add_member(world.group_a, 42, alerts_opt_in_at=now, alerts_consent_text="Ja.", phone_confirmed_at=now)
    add_member(world.group_a, 43)  # no alerts
    out = StringIO()
    call_command("ask_phone_confirmations", stdout=out)
    assert "1 members" in out.getvalue()
    assert list(OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC).values_list("recipient", flat=True)) == [
        waiting.phone
    ]
    call_command("ask_phone_confirmations", stdout=StringIO())
    assert OutgoingMessage.objects.filter(topic=confirmation.CODE_TOPIC).count() == 1


def test_the_command_refuses_without_sms(world):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError):
        call_command("ask_phone_confirmations")
