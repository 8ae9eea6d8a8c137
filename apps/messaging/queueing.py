"""Queueing outgoing messages: e-mail, a staff member's best channel, a member's, and the next
channel after a permanent failure.

``queue_email`` is called inside the transaction of the event that causes the message, so the
message exists exactly when the event does; ``_dispatch`` runs after commit.

Also the two steps between a claim and the queue: ``mark_sending`` (a claimed message's send
starts now) and ``hand_back`` (claimed rows back to the queue, unflagged unless their send had
started), which ``workers`` uses for a gone worker's rows."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import F, Value
from django.db.models.functions import Greatest
from django.utils import timezone, translation

from .hooks import member_contact
from .models import DeliveryPreference, OutgoingMessage
from .preferences import (
    channel_available,
    channels_for,
    default_quiet_until,
    preference_for,
    preferences_for,
    quiet_until,
)
from .sealing import links_removed

log = logging.getLogger(__name__)


NO_CHANNEL_LEFT = "no channel left"


def queue_email(
    *,
    to: str,
    subject: str,
    body: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    language: str = "",
) -> OutgoingMessage:
    """Queue one e-mail. The same ``dedupe_key`` twice gives back the first row. ``language``
    (by default the active one, in which the caller wrote the text) is the one of the lines
    added at its send, such as the notice of a possible repeat."""
    existing = OutgoingMessage.objects.filter(dedupe_key=dedupe_key).first()
    if existing:
        return existing
    try:
        with transaction.atomic():
            message = OutgoingMessage.objects.create(
                channel=OutgoingMessage.Channel.EMAIL,
                recipient=to,
                subject=subject[:200],
                body=body,
                topic=topic,
                dedupe_key=dedupe_key,
                group_id=group_id,
                municipality_id=municipality_id,
                language=(language or translation.get_language() or "")[:5],
            )
    except IntegrityError:
        return OutgoingMessage.objects.get(dedupe_key=dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def queue_sms(
    *,
    to: str,
    text: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    language: str = "",
) -> OutgoingMessage | None:
    """Queue one SMS to a number, on that channel only (a code that proves the number must not
    fall back to another channel); None when SMS is not configured. Red: it goes now."""
    if not channel_available(OutgoingMessage.Channel.SMS):
        return None
    return _queue(
        channel=OutgoingMessage.Channel.SMS,
        to=to,
        content=Content(
            subject=text[:200], body=text, sms=text, language=(language or translation.get_language() or "")[:5]
        ),
        urgency=OutgoingMessage.Urgency.RED,
        topic=topic,
        dedupe_key=dedupe_key,
        group_id=group_id,
        municipality_id=municipality_id,
        user_id=None,
    )


# How a committed message reaches a Celery worker: ``tasks.deliver_message.delay``, set by
# ``MessagingConfig.ready()`` (the tasks module imports the services, which import this one).
_celery_handoff: Callable[[int], object] | None = None


def set_celery_handoff(send: Callable[[int], object]) -> None:
    global _celery_handoff
    _celery_handoff = send


def _dispatch(pk: int) -> None:
    if settings.BUURTWACHT_WORKER == "celery" and _celery_handoff is not None:
        try:
            _celery_handoff(pk)
        except Exception:  # the broker may be down; the periodic sweep still finds the row
            log.exception("could not hand message %s to Celery; it stays queued", pk)


def _dispatch_many(pks: list[int]) -> None:
    for pk in pks:
        _dispatch(pk)


@dataclass
class Content:
    """What to say, in each channel's form."""

    subject: str
    body: str
    sms: str = ""
    template: str = ""
    template_params: tuple = ()
    language: str = "nl"


def queue_for_user(
    user,
    content: Content,
    *,
    urgency: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    preference: DeliveryPreference | None = None,
    fresh: bool = False,
) -> OutgoingMessage | None:
    """Queue one message to a staff member on their best channel; None when no channel can reach them.
    Green messages wait for the end of the recipient's quiet hours; red ones go now. ``preference``
    saves a query when the caller has it already."""
    message = _user_row(
        ForUser(user, content, dedupe_key, group_id, municipality_id, preference), urgency=urgency, topic=topic
    )
    return _insert(message, fresh=fresh) if message is not None else None


@dataclass
class ForUser:
    """One message of :func:`queue_many_for_users`: what ``queue_for_user`` takes for one user."""

    user: Any
    content: Content
    dedupe_key: str
    group_id: int | None = None
    municipality_id: int | None = None
    preference: DeliveryPreference | None = None


def queue_many_for_users(
    messages: Sequence[ForUser], *, urgency: str, topic: str, fresh: bool = False
) -> list[OutgoingMessage | None]:
    """:func:`queue_for_user` for many staff members at once, in the caller's transaction: each on
    the channel and with the quiet hours ``queue_for_user`` gives them, under the same rule for
    keys already queued, but the rows written in one bulk insert (sealed as a save seals them: the
    fields seal what they write) and handed to the workers by one callback after commit. The
    preferences not given are read in one query. Returns, in the order given, each message (the
    first one when a key was already queued or comes twice), or None when no channel reaches the
    user. A relay to a hundred admins costs a few statements, not three per admin."""
    missing = {m.user.pk for m in messages if m.preference is None}
    found = preferences_for(missing) if missing else {}
    rows = [
        _user_row(
            m if m.preference is not None else replace(m, preference=found[m.user.pk]), urgency=urgency, topic=topic
        )
        for m in messages
    ]
    by_key: dict[str, OutgoingMessage] = {}
    if not fresh:
        keys = [row.dedupe_key for row in rows if row is not None]
        by_key = {m.dedupe_key: m for m in OutgoingMessage.objects.filter(dedupe_key__in=keys)}
    new = []
    for row in rows:
        if row is not None and row.dedupe_key not in by_key:
            by_key[row.dedupe_key] = row
            new.append(row)
    if not new:
        return [by_key[row.dedupe_key] if row is not None else None for row in rows]
    try:
        with transaction.atomic():
            OutgoingMessage.objects.bulk_create(new)
    except IntegrityError:
        # Another transaction queued one of these keys since: row by row, each as queue_for_user
        # would (the first row of a key wins).
        for row in new:
            row.pk, row._state.adding, row._state.db = None, True, None
            by_key[row.dedupe_key] = _insert(row, fresh=False)
        return [by_key[row.dedupe_key] if row is not None else None for row in rows]
    pks = [row.pk for row in new]
    transaction.on_commit(lambda: _dispatch_many(pks))
    return [by_key[row.dedupe_key] if row is not None else None for row in rows]


def _user_row(message: ForUser, *, urgency: str, topic: str) -> OutgoingMessage | None:
    """The unsaved row of one message to a staff member: their best channel, and for green the end
    of their quiet hours; None when no channel can reach them."""
    user = message.user
    preference = message.preference or preference_for(user)
    pairs = channels_for(user, urgency, preference=preference)
    if not pairs:
        return None
    channel, address = pairs[0]
    not_before = quiet_until(user, preference=preference) if urgency == OutgoingMessage.Urgency.GREEN else None
    return _row(
        channel=channel,
        to=address,
        content=message.content,
        urgency=urgency,
        topic=topic,
        dedupe_key=message.dedupe_key,
        group_id=message.group_id,
        municipality_id=message.municipality_id,
        user_id=user.pk,
        not_before=not_before,
    )


def _queue(*, fresh: bool = False, **fields) -> OutgoingMessage:
    """Write one message (``fields``: what ``_row`` takes), or give back the row already queued
    under its key."""
    return _insert(_row(**fields), fresh=fresh)


def _row(
    *,
    channel,
    to,
    content: Content,
    urgency,
    topic,
    dedupe_key,
    group_id,
    municipality_id,
    user_id,
    not_before=None,
    replaces=None,
    member_id=None,
) -> OutgoingMessage:
    """The unsaved row of one message on ``channel`` to ``to``: what every queueing path writes."""
    body = content.sms or content.body if channel == OutgoingMessage.Channel.SMS else content.body
    return OutgoingMessage(
        channel=channel,
        recipient=to,
        subject=content.subject[:200],
        body=body,
        short_body=content.sms,
        topic=topic,
        dedupe_key=dedupe_key,
        group_id=group_id,
        municipality_id=municipality_id,
        urgency=urgency,
        template=content.template if channel == OutgoingMessage.Channel.WHATSAPP else "",
        template_params=list(content.template_params) if channel == OutgoingMessage.Channel.WHATSAPP else [],
        language=content.language,
        user_id=user_id,
        member_id=member_id,
        replaces=replaces,
        next_attempt_at=not_before or timezone.now(),
    )


def _insert(message: OutgoingMessage, *, fresh: bool) -> OutgoingMessage:
    """Write one new row, or give back the row already queued under its key."""
    # ``fresh``: the key names an event created in this transaction, so no row can have it yet
    # (the unique constraint still guards it).
    if not fresh:
        existing = OutgoingMessage.objects.filter(dedupe_key=message.dedupe_key).first()
        if existing:
            return existing
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        return OutgoingMessage.objects.get(dedupe_key=message.dedupe_key)
    transaction.on_commit(lambda: _dispatch(message.pk))
    return message


def fallback_to_next_channel(message: OutgoingMessage, error: str) -> OutgoingMessage | None:
    """After a permanent failure, the same message on the recipient's next channel; when none is
    left, the failure says so (and shows in the sender's view)."""
    if message.member_id:
        return _fallback_for_member(message, error)
    if not message.user_id:
        return None
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=message.user_id, is_active=True).first()
    pairs = channels_for(user, message.urgency or OutgoingMessage.Urgency.RED, after=message.channel) if user else []
    # After an SMS the row's body is its short text, the best body there is for what follows.
    return _on_next_channel(message, pairs, error, body=message.body)


def _on_next_channel(message: OutgoingMessage, pairs, error: str, *, body: str) -> OutgoingMessage | None:
    """The same message again on the first of ``pairs`` (channel, address), replacing ``message``;
    when there is none, the failure says so."""
    if not pairs:
        OutgoingMessage.objects.filter(pk=message.pk).update(last_error=f"{error} — {NO_CHANNEL_LEFT}"[:2000])
        return None
    channel, address = pairs[0]
    content = Content(
        subject=message.subject,
        body=body,
        sms=message.short_body,
        template=message.template,
        template_params=tuple(message.template_params or ()),
        language=message.language,
    )
    return _queue(
        channel=channel,
        to=address,
        content=content,
        urgency=message.urgency,
        topic=message.topic,
        dedupe_key=f"{message.dedupe_key[:100]}>{channel}",
        group_id=message.group_id,
        municipality_id=message.municipality_id,
        user_id=message.user_id,
        member_id=message.member_id,
        replaces=message,
    )


def mark_sending(message: OutgoingMessage) -> bool:
    """Record that ``message``'s send starts now: call it just before the message is handed to its
    transport. Returns False when the row is no longer this claim's (its worker was taken for gone
    and the row was handed back, perhaps claimed by another worker since): then do not send it.

    What this tells a worker that takes over from a dead one (``hand_back``): a row
    claimed but never marked never left and goes back to the queue as if never claimed; a marked
    one may have reached the provider and goes back as a possible repeat. Marking the same
    message object twice (the worker's batch loop and ``delivery._send``) writes once."""
    if getattr(message, "_send_marked", False):
        return True
    now = timezone.now()
    mine = OutgoingMessage.objects.filter(
        pk=message.pk, status=OutgoingMessage.Status.SENDING, claimed_by=message.claimed_by
    ).update(send_started_at=now)
    if mine:
        message.send_started_at = now
        message._send_marked = True
    return bool(mine)


def hand_back(rows, now: datetime | None = None) -> tuple[int, int]:
    """Put claimed rows (``rows``: a queryset; only those still "sending" count) back in the queue:
    those whose send never started (no ``mark_sending`` since their claim) as if never claimed,
    those whose send had started as a possible repeat, due now. Returns (given back unflagged,
    given back as possible repeat).

    Only for rows whose claim cleared ``send_started_at`` (``workers.claim_channel_batch``): on a
    row claimed without, an earlier attempt's mark makes it a possible repeat (safe), and a row
    whose sender does not mark would wrongly count as never sent."""
    now = now or timezone.now()
    rows = rows.filter(status=OutgoingMessage.Status.SENDING)
    with transaction.atomic():
        unflagged = rows.filter(send_started_at__isnull=True).update(
            status=OutgoingMessage.Status.QUEUED,
            attempts=Greatest(F("attempts") - 1, Value(0), output_field=models.PositiveIntegerField()),
            claimed_at=None,
            claimed_by="",
        )
        flagged = rows.filter(send_started_at__isnull=False).update(
            status=OutgoingMessage.Status.QUEUED, possible_repeat=True, next_attempt_at=now
        )
    return unflagged, flagged


# A message's sealed texts: what a delivery status does not show, and so need not unseal.
SEALED_TEXTS = ("body", "short_body", "template_params")


def latest_attempts(messages) -> dict[int, OutgoingMessage]:
    """:func:`latest_attempt` of many messages at once, by the first message's id: one query per
    step of the longest fallback chain (usually one), not one per message. For a status: the
    fallbacks it reads come without their texts (``SEALED_TEXTS``, deferred, so not unsealed)."""
    latest = {m.pk: m for m in messages}
    seen = set(latest)
    current = {m.pk: m.pk for m in messages}  # each chain's message now → the chain's first id
    while current:
        advanced: set[int] = set()
        following: dict[int, int] = {}
        for nxt in OutgoingMessage.objects.filter(replaces_id__in=list(current)).defer(*SEALED_TEXTS).order_by("id"):
            first = current[nxt.replaces_id]
            if first in advanced:
                continue  # only a message's first fallback counts, as in ``latest_attempt``
            advanced.add(first)
            if nxt.pk in seen:
                continue
            seen.add(nxt.pk)
            latest[first] = nxt
            following[nxt.pk] = first
        current = following
    return latest


def latest_attempt(message: OutgoingMessage) -> OutgoingMessage:
    """The last message of a fallback chain (what the recipient is being reached with now)."""
    seen = {message.pk}
    while True:
        nxt = message.fallbacks.order_by("id").first()
        if nxt is None or nxt.pk in seen:
            return message
        seen.add(nxt.pk)
        message = nxt


# --- residents: members who agreed to alerts ----------------------------------------------------
#
# Members have no account and no DeliveryPreference. Their consent (the box on the application
# form) names SMS, WhatsApp and e-mail, so every configured channel may reach them. Red messages
# try WhatsApp first (members read the group's WhatsApp anyway), then SMS, then e-mail; green ones
# go by e-mail, and wait for the end of the deployment's quiet hours (BUURTWACHT_QUIET_HOURS,
# 22:00-07:00 by default, in TIME_ZONE).

MEMBER_CHANNELS = ("whatsapp", "sms", "email")


@dataclass(frozen=True)
class Contact:
    """A recipient without an account: where a member can be reached."""

    phone: str
    email: str
    member_id: int | None = None


def contact_channels(contact: Contact, urgency: str, *, after: str | None = None) -> list[tuple[str, str]]:
    """The (channel, address) pairs that can reach the contact, best first."""
    order = list(MEMBER_CHANNELS)
    if urgency == OutgoingMessage.Urgency.GREEN:
        order = ["email"] + [c for c in order if c != "email"]
    if after is not None:
        order = order[order.index(after) + 1 :] if after in order else []
    pairs = []
    for channel in order:
        address = contact.email if channel == OutgoingMessage.Channel.EMAIL else contact.phone
        if address and channel_available(channel):
            pairs.append((channel, address))
    return pairs


def queue_for_contact(
    contact: Contact,
    content: Content,
    *,
    urgency: str,
    topic: str,
    dedupe_key: str,
    group_id: int | None = None,
    municipality_id: int | None = None,
    fresh: bool = False,
) -> OutgoingMessage | None:
    """Queue one message to a member on their best channel; None when no channel can reach them.
    Green messages wait for the end of the quiet hours; red ones go now."""
    pairs = contact_channels(contact, urgency)
    if not pairs:
        return None
    channel, address = pairs[0]
    not_before = default_quiet_until() if urgency == OutgoingMessage.Urgency.GREEN else None
    return _queue(
        channel=channel,
        to=address,
        content=content,
        urgency=urgency,
        topic=topic,
        dedupe_key=dedupe_key,
        group_id=group_id,
        municipality_id=municipality_id,
        user_id=None,
        member_id=contact.member_id,
        not_before=not_before,
        fresh=fresh,
    )


def _fallback_for_member(message: OutgoingMessage, error: str) -> OutgoingMessage | None:
    # The member must still be current and still agree to alerts, or nothing more is sent.
    contact = member_contact(message.member_id)
    pairs = (
        contact_channels(contact, message.urgency or OutgoingMessage.Urgency.RED, after=message.channel)
        if contact
        else []
    )
    # After an SMS, its short text (with the stop link) is the best body there is.
    return _on_next_channel(message, pairs, error, body=message.body)


def cancel_queued_for_member(member_id: int, *, topic_prefix: str, reason: str) -> int:
    """Messages to a member not yet sent (a green alert waiting for the morning) are not sent
    after the member withdrew, and lose their links; returns how many were cancelled."""
    queued = OutgoingMessage.objects.filter(
        member_id=member_id, status=OutgoingMessage.Status.QUEUED, topic__startswith=topic_prefix
    )
    cancelled = 0
    for message in queued:
        cancelled += OutgoingMessage.objects.filter(pk=message.pk, status=OutgoingMessage.Status.QUEUED).update(
            status=OutgoingMessage.Status.CANCELLED, last_error=reason[:2000], **links_removed(message)
        )
    return cancelled
