"""Typed helpers that read settings from the environment and fail loudly on bad values.

Every helper either returns a value the settings can use as it is, or raises
``ImproperlyConfigured`` naming the variable, the value it got and what it expects. Values that
may hold a password (URLs) are shown with the password masked.
"""

from __future__ import annotations

import ipaddress
import math
import os
import re
from email.utils import parseaddr
from urllib.parse import SplitResult, urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}

_QUIET_HOURS = re.compile(r"([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-3]):([0-5]\d)")
# People who type quiet hours in a text editor or word processor often get a dash instead of a
# hyphen; these are read as the hyphen they mean.
_DASHES = str.maketrans({"\u2013": "-", "\u2014": "-", "\u2212": "-"})
_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_META_KEY = re.compile(r"[A-Z][A-Z0-9_]*")
_DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)+")
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _refuse(name: str, raw: str, expected: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} must be {expected}, got {raw!r}")


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise _refuse(name, raw, "a boolean: true/false, yes/no, on/off or 1/0 (empty is false)")


def _bounds(minimum, maximum) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum} to {maximum}"
    if minimum is not None:
        return f" of at least {minimum}"
    if maximum is not None:
        return f" of at most {maximum}"
    return ""


def env_int(name: str, default: int, *, minimum: int | None = None, maximum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    expected = "a whole number" + _bounds(minimum, maximum)
    try:
        value = int(raw)
    except ValueError as exc:
        raise _refuse(name, raw, expected) from exc
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _refuse(name, raw, expected)
    return value


def env_float(name: str, default: float, *, minimum: float | None = None, maximum: float | None = None) -> float:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    expected = "a number" + _bounds(minimum, maximum)
    try:
        value = float(raw)
    except ValueError as exc:
        raise _refuse(name, raw, expected) from exc
    # float() also reads "nan" and "inf", which pass any comparison with a bound.
    if not math.isfinite(value):
        raise _refuse(name, raw, expected)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise _refuse(name, raw, expected)
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    items = [item.strip() for item in raw.split(",") if item.strip()]
    if any(re.search(r"\s", item) for item in items):
        raise _refuse(name, raw, "a comma-separated list (items contain no spaces)")
    return items


def env_hosts(name: str, default: list[str] | None = None) -> list[str]:
    """Host names as Django's ALLOWED_HOSTS takes them: no scheme, no path, no port."""
    hosts = env_list(name, default)
    for host in hosts:
        if "/" in host or (":" in host and not host.startswith("[")):
            raise _refuse(name, os.environ.get(name, ""), "comma-separated host names without scheme, path or port")
    return hosts


def env_choice(name: str, choices: tuple[str, ...], default: str) -> str:
    raw = os.environ.get(name, default)
    value = raw.strip().lower()
    if value not in choices:
        raise _refuse(name, raw, "one of " + ", ".join(choices))
    return value


def env_path(name: str, default: str) -> str:
    """A directory or file path; an empty value would silently mean the current directory."""
    raw = os.environ.get(name, default)
    if raw.strip() == "":
        raise _refuse(name, raw, "a path (leave the variable unset for the default)")
    return raw


def _masked(raw: str) -> str:
    """The URL with its password replaced, so an error message does not leak it."""
    try:
        parts = urlsplit(raw)
        if parts.password:
            netloc = parts.netloc.replace(":" + parts.password + "@", ":***@", 1)
            return SplitResult(parts.scheme, netloc, parts.path, parts.query, parts.fragment).geturl()
    except ValueError:
        pass
    return raw


def env_url(
    name: str,
    default: str,
    *,
    schemes: tuple[str, ...] = ("http", "https"),
    host: bool = True,
    empty: bool = False,
) -> str:
    """A URL with one of ``schemes`` (and a host name unless ``host`` is false); empty only if allowed."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if value == "" and empty:
        return ""
    expected = ("empty or " if empty else "") + f"a URL starting with {' or '.join(s + '://' for s in schemes)}"
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise _refuse(name, _masked(raw), expected) from None
    if (
        parts.scheme.lower() not in schemes
        or "://" not in value
        or (host and not parts.hostname)
        or re.search(r"\s", value)
    ):
        raise _refuse(name, _masked(raw), expected)
    return value


def env_database(name: str, default: str, *, conn_max_age: int) -> dict:
    """Django's DATABASES entry from a database URL (dj-database-url), refusing what it cannot read."""
    raw = os.environ.get(name, default)
    expected = "a database URL such as sqlite:///path/db.sqlite3 or postgres://user:password@host:5432/name"
    try:
        config = dj_database_url.parse(raw.strip(), conn_max_age=conn_max_age)
    except ValueError:  # dj-database-url's UnknownSchemeError and ParseError are ValueErrors
        raise _refuse(name, _masked(raw), expected) from None
    if not config.get("ENGINE") or not config.get("NAME"):
        raise _refuse(name, _masked(raw), expected)
    return config


def env_quiet_hours(name: str, default: str) -> str:
    """Quiet hours as "HH:MM-HH:MM" (24-hour clock, local time), normalised.

    Spaces around the hyphen are allowed and an en or em dash is read as a hyphen; the start may
    be later than the end (over midnight), and a start equal to the end means no quiet hours.
    """
    raw = os.environ.get(name, default)
    match = _QUIET_HOURS.fullmatch(raw.strip().translate(_DASHES))
    if match is None:
        raise _refuse(name, raw, 'quiet hours as "HH:MM-HH:MM" on the 24-hour clock, e.g. "22:00-07:00"')
    start_h, start_m, end_h, end_m = match.groups()
    return f"{start_h}:{start_m}-{end_h}:{end_m}"


def env_rate(name: str, default: str) -> str:
    """A rate as django-ratelimit reads it: a count, "/", an optional multiplier and s, m, h or d."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if _RATE.fullmatch(value) is None:
        raise _refuse(name, raw, 'a rate such as "10/h", "5/m" or "100/12h" (count/period, period s, m, h or d)')
    return value


def env_meta_key(name: str, default: str = "") -> str:
    """The name of a request.META key, e.g. HTTP_X_REAL_IP; empty for none."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if value and _META_KEY.fullmatch(value) is None:
        raise _refuse(
            name, raw, "empty or a request.META key in capitals, e.g. HTTP_X_REAL_IP for the header X-Real-IP"
        )
    return value


def env_dotted_path(name: str, default: str) -> str:
    """A Python dotted path such as django.core.mail.backends.smtp.EmailBackend."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if _DOTTED_PATH.fullmatch(value) is None:
        raise _refuse(name, raw, "a Python dotted path, e.g. django.core.mail.backends.smtp.EmailBackend")
    return value


def env_email(name: str, default: str) -> str:
    """An e-mail address, bare or with a display name: "Buurtwacht <noreply@example.org>"."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    _, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not (at and local and "." in domain) or re.search(r"\s", address):
        raise _refuse(name, raw, 'an e-mail address, e.g. "Buurtwacht <noreply@example.org>"')
    return value


def env_host(name: str, default: str) -> str:
    """A host name or address, without scheme, port or path."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if _is_ip_address(value):
        return value
    if not value or re.search(r"[\s/]", value) or ":" in value:
        raise _refuse(name, raw, "a host name or address without scheme, port or path, e.g. smtp.example.org")
    return value


def _is_ip_address(value: str) -> bool:
    try:
        ipaddress.ip_address(value)
    except ValueError:
        return False
    return True


def env_log_level(name: str, default: str) -> str:
    raw = os.environ.get(name, default)
    value = raw.strip().upper()
    if value not in _LOG_LEVELS:
        raise _refuse(name, raw, "one of " + ", ".join(_LOG_LEVELS))
    return value


def env_pattern(name: str, default: str, pattern: str, expected: str) -> str:
    """A value that must match ``pattern`` as a whole (after stripping spaces)."""
    raw = os.environ.get(name, default)
    value = raw.strip()
    if re.fullmatch(pattern, value) is None:
        raise _refuse(name, raw, expected)
    return value


def env_origins(name: str, default: list[str] | None = None) -> list[str]:
    """Origins as Django's CSRF_TRUSTED_ORIGINS takes them: scheme and host (a leading ``*.`` for
    subdomains), optionally a port, no path."""
    origins = env_list(name, default)
    expected = "comma-separated origins such as https://buurtwacht.example.be (scheme and host, no path)"
    for origin in origins:
        try:
            parts = urlsplit(origin)
            parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
        except ValueError:
            raise _refuse(name, os.environ.get(name, ""), expected) from None
        if parts.scheme not in ("http", "https") or not parts.netloc or parts.path or parts.query or parts.fragment:
            raise _refuse(name, os.environ.get(name, ""), expected)
    return origins


def env_trusted_proxy(name: str) -> str:
    """The address of the reverse proxy whose forwarded headers the server believes: an IP address,
    ``*`` (any peer: only where nothing but the proxy can reach the port) or empty for none."""
    raw = os.environ.get(name, "")
    value = raw.strip()
    if value in ("", "*") or _is_ip_address(value):
        return value
    raise _refuse(name, raw, "empty, an IP address such as 127.0.0.1, or *")


# The forwarded headers waitress can read from a trusted proxy.
PROXY_HEADERS = (
    "forwarded",
    "x-forwarded-for",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-port",
    "x-forwarded-by",
)


def env_proxy_headers(name: str, default: list[str]) -> list[str]:
    """Forwarded headers to believe from the trusted proxy, in lower case."""
    headers = [header.lower() for header in env_list(name, default)]
    if not headers or any(header not in PROXY_HEADERS for header in headers):
        raise _refuse(name, os.environ.get(name, ""), "a comma-separated list of " + ", ".join(PROXY_HEADERS))
    if "forwarded" in headers and len(headers) > 1:
        raise _refuse(name, os.environ.get(name, ""), "forwarded alone, or X-Forwarded-* headers without forwarded")
    return headers
