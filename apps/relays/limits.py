"""How many relays one person may send: ``BUURTWACHT_RELAY_RATE`` per sender, counted in the
cache with django-ratelimit's fixed windows like the public forms' limits (ADR 0015), keyed by
the sender's account instead of a connection, so the desk and the API share one count.

Only relays that were written count (sent or held for approval); a refused one and the same
request repeated within a minute do not. When the cache does not answer, relays go on: the
limit guards against a flood, the alert itself must not be lost (the radius and the areas a
sender reaches are enforced without the cache).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.utils import timezone
from django_ratelimit import ALL
from django_ratelimit.core import get_usage

log = logging.getLogger(__name__)

GROUP = "relays.sender"


def _usage(user, *, increment: bool) -> dict | None:
    try:
        return get_usage(
            None,
            group=GROUP,
            key=lambda group, request: str(user.pk),
            rate=settings.BUURTWACHT_RELAY_RATE,
            method=ALL,
            increment=increment,
        )
    except Exception:  # the cache's client raises its own errors (Redis down, timeouts)
        log.warning("relay rate limit unavailable: the cache does not answer", exc_info=True)
        return None


def limited(user) -> dt.datetime | None:
    """When ``user`` may relay again (local time), if they sent as many relays as
    ``BUURTWACHT_RELAY_RATE`` allows in this window; None when they may relay now."""
    usage = _usage(user, increment=False)
    if usage is not None and usage["count"] >= usage["limit"]:
        return timezone.localtime() + dt.timedelta(seconds=max(usage["time_left"], 0))
    return None


def count(user) -> None:
    _usage(user, increment=True)
