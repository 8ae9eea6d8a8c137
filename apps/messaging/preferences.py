"""Channels, delivery preferences and quiet hours: which channels can reach a user, in which
order, and when a green message may go."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import CHANNEL_VALUES, DeliveryPreference, OutgoingMessage
from .transports import TRANSPORTS


def channel_available(channel: str) -> bool:
    transport = TRANSPORTS.get(channel)
    configured = getattr(transport, "configured", None)
    return transport is not None and (configured is None or configured())


def preferences_for(user_ids) -> dict[int, DeliveryPreference]:
    """Every user's preference at once (defaults for those without one)."""
    found = {p.user_id: p for p in DeliveryPreference.objects.filter(user_id__in=list(user_ids))}
    return {uid: found.get(uid) or DeliveryPreference(user_id=uid) for uid in user_ids}


def preference_for(user) -> DeliveryPreference:
    found = DeliveryPreference.objects.filter(user=user).first() if user is not None and user.pk else None
    return found or DeliveryPreference(user=user)


def _address(user, channel: str, preference: DeliveryPreference) -> str:
    if channel == OutgoingMessage.Channel.EMAIL:
        return user.email or ""
    if channel == OutgoingMessage.Channel.SMS:
        return user.phone or ""
    if channel == OutgoingMessage.Channel.WHATSAPP:
        return user.phone if (user.phone and preference.whatsapp_opt_in) else ""
    return ""


def channels_for(
    user, urgency: str, *, after: str | None = None, preference: DeliveryPreference | None = None
) -> list[tuple[str, str]]:
    """The (channel, address) pairs that can reach the user, best first. Red messages go by the
    user's preference (WhatsApp, SMS, e-mail by default); green ones by e-mail (the BIN practice),
    falling back to the user's other channels only when they have no e-mail address."""
    preference = preference or preference_for(user)
    order = preference.channel_list() or ["whatsapp", "sms", "email"]
    for channel in CHANNEL_VALUES:  # every channel stays a last resort
        if channel not in order:
            order.append(channel)
    if urgency == OutgoingMessage.Urgency.GREEN:
        order = ["email"] + [c for c in order if c != "email"]
    if after is not None:
        order = order[order.index(after) + 1 :] if after in order else []
    pairs = []
    for channel in order:
        address = _address(user, channel, preference) if user is not None else ""
        if address and channel_available(channel):
            pairs.append((channel, address))
    return pairs


def _parse_quiet(text: str) -> tuple[dt.time, dt.time] | None:
    try:
        start, end = (dt.time.fromisoformat(part.strip()) for part in text.split("-", 1))
    except ValueError:
        return None
    return start, end


def quiet_until(user, now=None, preference: DeliveryPreference | None = None) -> dt.datetime | None:
    """When the user's quiet hours end, if ``now`` lies in them; else None."""
    now = timezone.localtime(now or timezone.now())
    preference = preference or preference_for(user)
    if preference.quiet_start and preference.quiet_end:
        start, end = preference.quiet_start, preference.quiet_end
    else:
        parsed = _parse_quiet(settings.BUURTWACHT_QUIET_HOURS)
        if parsed is None:
            return None
        start, end = parsed
    t = now.time()
    if start == end:
        return None
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = now.date() if t < end else now.date() + timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), now.tzinfo)


def default_quiet_until(now=None) -> dt.datetime | None:
    """When the deployment's quiet hours end, if ``now`` lies in them (for people without a
    preference of their own)."""
    return quiet_until(None, now, preference=DeliveryPreference())
