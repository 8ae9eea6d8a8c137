"""Production settings refuse to start with unsafe values; typed environment helpers fail loudly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from buurtwacht.env import env_bool, env_choice, env_float, env_int


def start(env: dict) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import django, os; django.setup()"],
        env={**clean, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD = {"BUURTWACHT_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "buurtwacht.example"}


def test_production_starts_with_safe_values():
    assert start(GOOD).returncode == 0


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"DEBUG": "true"}, "DEBUG must be off"),
        ({"SECRET_KEY": ""}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS"),
    ],
)
def test_production_refuses_unsafe_values(override, complaint):
    result = start({**GOOD, **override})
    assert result.returncode != 0
    assert complaint in result.stderr


def test_typed_helpers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "maybe")
    with pytest.raises(ImproperlyConfigured):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "ten")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "-1")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 1, minimum=0)
    monkeypatch.setenv("X_FLOAT", "two")
    with pytest.raises(ImproperlyConfigured):
        env_float("X_FLOAT", 1.0)
    monkeypatch.setenv("X_CHOICE", "kafka")
    with pytest.raises(ImproperlyConfigured):
        env_choice("X_CHOICE", ("embedded", "celery"), "embedded")


def read_settings(env: dict) -> subprocess.CompletedProcess:
    """Import the settings module alone in a fresh process with these variables (development mode)."""
    clean = {k: v for k, v in os.environ.items() if k not in env}
    return subprocess.run(
        [sys.executable, "-c", "import buurtwacht.settings as s; print(s.BUURTWACHT_QUIET_HOURS)"],
        env={**clean, **env, "BUURTWACHT_ENV": "test"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [
        ("BUURTWACHT_QUIET_HOURS", "25:00-07:00", "HH:MM-HH:MM"),
        ("BUURTWACHT_QUIET_HOURS", "22:00-07:60", "HH:MM-HH:MM"),
        ("BUURTWACHT_QUIET_HOURS", "22h-7h", "HH:MM-HH:MM"),
        ("BUURTWACHT_QUIET_HOURS", "22:00", "HH:MM-HH:MM"),
        ("BUURTWACHT_QUIET_HOURS", "", "HH:MM-HH:MM"),
        ("BUURTWACHT_QUIET_HOURS", "22:00/07:00", "HH:MM-HH:MM"),
        ("DEBUG", "nee", "a boolean"),
        ("EMAIL_USE_TLS", "ja", "a boolean"),
        ("EMAIL_PORT", "abc", "a whole number"),
        ("EMAIL_PORT", "70000", "from 1 to 65535"),
        ("BUURTWACHT_MAX_IMAGE", "15MB", "a whole number"),
        ("DATABASE_CONN_MAX_AGE", "-1", "at least 0"),
        ("DATABASE_CONN_HEALTH_CHECKS", "soms", "a boolean"),
        ("DATABASE_SQLITE_CACHE_KB", "2MB", "a whole number"),
        ("DATABASE_SQLITE_CACHE_KB", "16", "at least 64"),
        ("BUURTWACHT_GEOCODER_TIMEOUT", "twee", "a number"),
        ("BUURTWACHT_GEOCODER_TIMEOUT", "nan", "a number"),
        ("BUURTWACHT_GEOCODER_TIMEOUT", "inf", "a number"),
        ("BUURTWACHT_WORKER", "kafka", "one of embedded, celery"),
        ("ALLOWED_HOSTS", "buurtwacht.example other.example", "comma-separated"),
        ("ALLOWED_HOSTS", "https://buurtwacht.example", "without scheme"),
        ("DATABASE_URL", "postgress://db/buurtwacht", "a database URL"),
        ("DATABASE_URL", "", "a database URL"),
        ("REDIS_URL", "localhost:6379", "redis://"),
        ("CELERY_BROKER_URL", "broker:5672", "a URL"),
        ("BUURTWACHT_SITE_URL", "buurtwacht.example", "http://"),
        ("WHATSAPP_API_URL", "graph.facebook.com/v23.0", "https://"),
        ("BUURTWACHT_PDOK_URL", "https://api pdok.nl", "https://"),
        ("BUURTWACHT_TILE_URL", "https://tiles.example/tile.png", "{z}"),
        ("BUURTWACHT_APPLICATION_RATE", "10 per hour", "a rate"),
        ("BUURTWACHT_APPLICATION_RATE", "10/x", "a rate"),
        ("BUURTWACHT_CLIENT_IP_HEADER", "X-Real-IP", "HTTP_X_REAL_IP"),
        ("LOG_LEVEL", "LOUD", "one of DEBUG"),
        ("EMAIL_BACKEND", "smtp", "dotted path"),
        ("EMAIL_HOST", "smtp://mail.example", "host name"),
        ("DEFAULT_FROM_EMAIL", "Buurtwacht", "e-mail address"),
        ("SMS_SENDER", "Buurtwacht Zuid", "1 to 11"),
        ("WHATSAPP_PHONE_NUMBER_ID", "+32 470 12 34 56", "numeric"),
        ("WHATSAPP_ALERT_TEMPLATE", "Buurtwacht Alert", "template name"),
        ("BUURTWACHT_VAR_DIR", "", "a path"),
        ("BUURTWACHT_ATTACHMENT_DIR", " ", "a path"),
    ],
)
def test_settings_refuse_what_they_cannot_read(variable, value, expected):
    result = read_settings({variable: value})
    assert result.returncode != 0
    message = result.stderr.strip().splitlines()[-1]
    assert message.startswith(f"django.core.exceptions.ImproperlyConfigured: {variable} must be")
    assert expected in message
    assert repr(value) in message


def test_a_password_in_a_refused_url_is_masked():
    result = read_settings({"DATABASE_URL": "postgres://buurtwacht:geheim@db:port/buurtwacht"})
    assert result.returncode != 0
    assert "DATABASE_URL" in result.stderr
    assert "geheim" not in result.stderr
    assert "postgres://buurtwacht:***@db:port/buurtwacht" in result.stderr


@pytest.mark.parametrize(
    ("value", "normalised"),
    [
        ("22:00-07:00", "22:00-07:00"),
        ("22:00\u201307:00", "22:00-07:00"),  # en dash, as text editors type it
        ("22:00 \u2014 07:00", "22:00-07:00"),  # em dash with spaces
        (" 23:30 - 06:15 ", "23:30-06:15"),
        ("00:00-00:00", "00:00-00:00"),
    ],
)
def test_quiet_hours_are_normalised(value, normalised):
    result = read_settings({"BUURTWACHT_QUIET_HOURS": value})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == normalised


def test_accepted_values_start():
    result = read_settings(
        {
            "DEBUG": "No",
            "EMAIL_HOST": "::1",
            "LOG_LEVEL": "warning",
            "REDIS_URL": "redis://:secret@cache:6379/0",
            "CELERY_BROKER_URL": "amqp://guest:guest@broker:5672//",
            "ALLOWED_HOSTS": "buurtwacht.example, .buurtwacht.example,[::1]",
            "BUURTWACHT_APPLICATION_RATE": "100/12h",
            "BUURTWACHT_CLIENT_IP_HEADER": "HTTP_X_REAL_IP",
            "DEFAULT_FROM_EMAIL": "noreply@buurtwacht.example",
            "BUURTWACHT_TILE_URL": "",
            "BUURTWACHT_GEOCODER_TIMEOUT": "1.5",
        }
    )
    assert result.returncode == 0, result.stderr


def test_new_typed_helpers(monkeypatch):
    from buurtwacht.env import env_quiet_hours, env_url

    monkeypatch.setenv("X_QUIET", "22:00\u201307:00")
    assert env_quiet_hours("X_QUIET", "22:00-07:00") == "22:00-07:00"
    monkeypatch.setenv("X_QUIET", "25:00-07:00")
    with pytest.raises(ImproperlyConfigured, match="X_QUIET"):
        env_quiet_hours("X_QUIET", "22:00-07:00")
    monkeypatch.setenv("X_URL", "")
    assert env_url("X_URL", "https://example.org", empty=True) == ""
    with pytest.raises(ImproperlyConfigured, match="X_URL"):
        env_url("X_URL", "https://example.org")


def _print_with_settings(code: str, env: dict, *, unset: str) -> str:
    """What ``code`` prints after ``django.setup()`` in a fresh process with the project's settings,
    these variables, and none of this process's variables that start with ``unset``."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(unset)}
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        env={**clean, **env, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings"},
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _database_settings(env: dict) -> str:
    code = (
        "from django.conf import settings; "
        "d = settings.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    return _print_with_settings(code, env, unset="DATABASE_CONN")


def test_web_threads_keep_a_checked_connection_by_default():
    """A new connection per request cost more than a lookup by address (docs/benchmarks.md)."""
    assert _database_settings({}) == "60 True"
    assert _database_settings({"DATABASE_CONN_MAX_AGE": "0", "DATABASE_CONN_HEALTH_CHECKS": "false"}) == "0 False"


def _sqlite_cache_size(tmp_path, env: dict) -> str:
    """``PRAGMA cache_size`` of a connection the settings open to a file database."""
    code = (
        "from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA cache_size'); print(c.fetchone()[0])"
    )
    database = {"DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    return _print_with_settings(code, {**env, **database}, unset="DATABASE_")


def test_each_sqlite_connection_keeps_a_small_page_cache(tmp_path):
    """512 KiB a connection unless set (a negative cache_size is KiB): a web process has one per
    thread, and the operating system caches the same pages (docs/benchmarks.md)."""
    assert _sqlite_cache_size(tmp_path, {}) == "-512"
    assert _sqlite_cache_size(tmp_path, {"DATABASE_SQLITE_CACHE_KB": "2000"}) == "-2000"
