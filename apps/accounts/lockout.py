"""Locking logins after repeated wrong passwords, with django-axes (docs/adr/0020).

django-axes counts failed logins in its own table (``axes.AccessAttempt``, the database handler:
the same on SQLite and PostgreSQL, whatever the cache) and refuses every login of a locked
combination, the right password included. This module holds what axes is configured with
(``AXES_*`` in the settings name these functions by their dotted path):

- the combination that is locked is **user name + connection**: someone guessing a
  coordinator's password from one connection locks that user name on that connection only.
  Locking the user name everywhere would let anyone lock a coordinator or an officer out from
  anywhere by typing wrong passwords on purpose; locking the connection alone would lock a
  whole municipal office or police station behind one address after one person's typing
  errors. An IPv6 connection counts as its /64 network, which one attacker can fill with
  addresses.
- the limit and the cool-off are read from ``BUURTWACHT_LOGIN_FAILURE_LIMIT`` and
  ``BUURTWACHT_LOGIN_COOLOFF_MINUTES`` at each request;
- the page a locked-out person sees: the login page, saying from what time they can try again
  and that choosing a new password (which lifts the lock) still works;
- the audit event and the log line when a lock begins.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging

from django.conf import settings
from django.contrib.auth import get_user_model, logout
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Max
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.cache import add_never_cache_headers

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, is_person

log = logging.getLogger(__name__)

USERNAME_MAX_LENGTH = 255  # axes.AccessAttempt.username


def failure_limit(request, credentials=None) -> int:
    """Wrong passwords (per user name and connection) within the cool-off that lock the login."""
    return settings.BUURTWACHT_LOGIN_FAILURE_LIMIT


def cool_off(request=None) -> dt.timedelta:
    """How long a lock lasts, counted from the last wrong password that was counted."""
    return dt.timedelta(minutes=settings.BUURTWACHT_LOGIN_COOLOFF_MINUTES)


def normalized_username(value) -> str | None:
    """``Gemeente-Heerlo`` and ``gemeente-heerlo `` count as one user name."""
    if value is None:
        return None
    value = str(value).strip().casefold()[:USERNAME_MAX_LENGTH]
    return value or None


def username_of(request, credentials=None) -> str | None:
    """The user name a login attempt was for: from the credentials given to ``authenticate``,
    else from the login form."""
    if credentials and "username" in credentials:
        return normalized_username(credentials.get("username"))
    data = getattr(request, "POST", None) or {}
    return normalized_username(data.get("username"))


def client_ip(request) -> str | None:
    """The connection's address as the rate limits read it (``BUURTWACHT_CLIENT_IP_HEADER``
    behind a proxy, else ``REMOTE_ADDR``); an IPv6 address as its /64 network. A value that is
    no address (a misconfigured proxy header) gives ``None``: the user name alone then counts."""
    meta_key = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    raw = (request.META.get(meta_key) or "").split(",")[0].strip()
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return None
    if address.version == 6 and not address.ipv4_mapped:
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    if address.version == 6:
        return str(address.ipv4_mapped)
    return str(address)


def _attempts(request, username):
    """The failure counters of ``username`` on the request's connection."""
    from axes.models import AccessAttempt

    ip = request.axes_ip_address if hasattr(request, "axes_ip_address") else client_ip(request)
    return AccessAttempt.objects.filter(username=normalized_username(username), ip_address=ip)


def locked_until(request, username) -> dt.datetime:
    """When the lock of ``username`` on this request's connection ends (local time): a cool-off
    after the last counted wrong password. Wrong passwords typed during the lock are not
    counted (``AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False``), so this time holds."""
    last = _attempts(request, username).aggregate(last=Max("attempt_time"))["last"]
    return timezone.localtime((last or timezone.now()) + cool_off(request))


def retry_label(until: dt.datetime) -> str:
    """``14:36``, or ``3 March 14:36`` when that is not today. Rounded up to the next whole
    minute, so that the time shown is never a moment when the lock still holds."""
    shown = until.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    if shown.date() == timezone.localdate():
        return formats.time_format(shown, "H:i")
    return formats.date_format(shown, "j F H:i")


def lockout_response(request, original_response=None, credentials=None):
    """What axes answers a locked-out login (``AXES_LOCKOUT_CALLABLE``): the login page with
    when to try again, status 429. A signed-in person locked out on the password confirmation
    page is logged out: whoever holds that session does not know its password."""
    username = username_of(request, credentials)
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        username = request.user.get_username()
        logout(request)
    until = locked_until(request, username)
    next_url = request.POST.get("next", "") if request.method == "POST" else ""
    form = AuthenticationForm(request, initial={"username": request.POST.get("username") or username or ""})
    response = render(
        request,
        "accounts/login.html",
        {"form": form, "next": next_url, "locked_until": retry_label(until)},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    add_never_cache_headers(response)
    return response


def on_locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
    """Receiver of axes' ``user_locked_out``: an audit event (for an existing account) and a log
    line when a lock begins. Axes sends the signal again for each attempt refused during the
    lock; those carry no failure count and are not recorded again."""
    if request is None:
        return
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    username = normalized_username(username)
    User = get_user_model()
    account = (
        User._default_manager.filter(**{f"{User.USERNAME_FIELD}__iexact": username}).order_by("pk").first()
        if username
        else None
    )
    until = locked_until(request, username)
    log.warning(
        "Login locked until %s after %s wrong passwords: %s from %s",
        until.isoformat(timespec="seconds"),
        failures,
        f"account {account.pk}" if account else "no such account",
        ip_address or "an unknown address",
    )
    if account is None:
        return
    user = getattr(request, "user", None)
    record(
        user if is_person(user) else PUBLIC,
        AuditEvent.Action.USER_LOCKED_OUT,
        account,
        user_id=account.pk,
        failures=failures,
        minutes=settings.BUURTWACHT_LOGIN_COOLOFF_MINUTES,
        until=until.isoformat(timespec="seconds"),
    )


def lift(username, request=None) -> int:
    """End the locks and forget the wrong passwords of ``username``: on every connection, or on
    the request's connection only. Returns how many counters were removed."""
    from axes.models import AccessAttempt

    if not normalized_username(username):
        return 0
    if request is None:
        attempts = AccessAttempt.objects.filter(username=normalized_username(username))
    else:
        attempts = _attempts(request, username)
    return attempts.delete()[1].get(AccessAttempt._meta.label, 0)
