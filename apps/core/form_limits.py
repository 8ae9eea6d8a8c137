"""Limits on the public forms that count what should be counted.

One fixed limit per connection punished honest people: at an information evening on shared
Wi-Fi, everyone's attempts, typing errors included, counted against one address, and the fourth
resident was refused. The limits now are (django-ratelimit's counters, docs/adr/0015):

- **accepted** submissions per connection (``BUURTWACHT_APPLICATION_RATE``) and per phone
  number (``BUURTWACHT_APPLICATION_PHONE_RATE``): what a flood of real applications would hit;
- **refused** submissions (a form with errors) per connection, far more loosely
  (``BUURTWACHT_FORM_ERROR_RATE``): what a script trying addresses would hit.

A refused request keeps what was typed (the page shows the form again) and says from what time
it can be sent again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django_ratelimit.core import get_usage


@dataclass(frozen=True)
class Limited:
    """The form may be sent again from ``retry_at`` (local time), ``seconds`` from now."""

    seconds: int

    @property
    def retry_at(self) -> dt.datetime:
        return timezone.localtime() + dt.timedelta(seconds=max(self.seconds, 0))


def _usage(request, group: str, rate: str, key, *, increment: bool) -> dict | None:
    return get_usage(request, group=group, key=key, rate=rate, method=get_usage.ALL, increment=increment)


def _ip_key(group, request) -> str:
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    return (request.META.get(meta_key) or "").split(",")[0].strip()


def _full(usage: dict | None) -> Limited | None:
    if usage is not None and usage["count"] >= usage["limit"]:
        return Limited(seconds=usage["time_left"])
    return None


def _rates(kind: str) -> list[tuple[str, str]]:
    return [
        (f"{kind}.accepted", settings.BUURTWACHT_APPLICATION_RATE),
        (f"{kind}.refused", settings.BUURTWACHT_FORM_ERROR_RATE),
    ]


def connection_limited(request, kind: str) -> Limited | None:
    """Before the form is read: has this connection used up its accepted or refused sends?"""
    for group, rate in _rates(kind):
        limited = _full(_usage(request, group, rate, _ip_key, increment=False))
        if limited:
            return limited
    return None


def phone_limited(request, kind: str, phone: str) -> Limited | None:
    """Once the form is read: has this phone number been accepted too often already?"""
    if not phone:
        return None
    rate = settings.BUURTWACHT_APPLICATION_PHONE_RATE
    return _full(_usage(request, f"{kind}.phone", rate, lambda group, request: phone, increment=False))


def count_refused(request, kind: str) -> None:
    _usage(request, f"{kind}.refused", settings.BUURTWACHT_FORM_ERROR_RATE, _ip_key, increment=True)


def count_accepted(request, kind: str, phone: str = "") -> None:
    _usage(request, f"{kind}.accepted", settings.BUURTWACHT_APPLICATION_RATE, _ip_key, increment=True)
    if phone:
        rate = settings.BUURTWACHT_APPLICATION_PHONE_RATE
        _usage(request, f"{kind}.phone", rate, lambda group, request: phone, increment=True)
