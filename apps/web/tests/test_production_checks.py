"""``check --deploy`` is clean with the documented production environment; without DEBUG the demo's
mailbox and its e-mail backend are refused; the settings of the proxy set-up refuse bad values."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from apps.web.checks import demo_mailbox_needs_debug
from apps.web.management.commands.serve import proxy_options
from apps.web.tests.production import documented_environment, manage, production_environment
from buurtwacht.env import env_origins, env_proxy_headers, env_trusted_proxy


def test_check_deploy_is_clean_with_the_documented_environment(tmp_path):
    env = production_environment(tmp_path)
    assert env["BUURTWACHT_ENV"] == "production" and env["BUURTWACHT_TRUSTED_PROXY"]
    done = manage(env, "check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stderr
    assert "System check identified no issues" in done.stdout


@pytest.mark.parametrize(
    ("override", "check_id"),
    [
        ({"BUURTWACHT_DEV_MAILBOX": "true"}, "buurtwacht.E001"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, "buurtwacht.E002"),
    ],
)
def test_production_refuses_the_demo_mailbox(tmp_path, override, check_id):
    done = manage(production_environment(tmp_path, **override), "check")
    assert done.returncode != 0
    assert check_id in done.stderr


def test_the_checks_allow_the_mailbox_outside_production_only(settings):
    settings.BUURTWACHT_DEV_MAILBOX = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.PRODUCTION = False
    settings.DEBUG = False  # a test's subprocess or a benchmark may run without DEBUG
    assert demo_mailbox_needs_debug() == []
    settings.PRODUCTION = True
    settings.DEBUG = True
    assert [error.id for error in demo_mailbox_needs_debug()] == ["buurtwacht.E001", "buurtwacht.E002"]
    settings.BUURTWACHT_DEV_MAILBOX = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    assert demo_mailbox_needs_debug() == []


def test_the_documented_environment_names_the_proxy_and_no_demo_parts():
    env = documented_environment()
    assert env["BUURTWACHT_ENV"] == "production"
    assert "BUURTWACHT_DEV_MAILBOX" not in env and "EMAIL_BACKEND" not in env and "DEBUG" not in env
    assert env["BUURTWACHT_SITE_URL"].startswith("https://")


def test_waitress_believes_the_named_headers_from_the_proxy_only(settings):
    settings.BUURTWACHT_TRUSTED_PROXY = ""
    assert proxy_options() == {"clear_untrusted_proxy_headers": True}
    settings.BUURTWACHT_TRUSTED_PROXY = "10.0.0.5"
    settings.BUURTWACHT_TRUSTED_PROXY_HEADERS = ["x-forwarded-proto", "x-forwarded-for"]
    settings.BUURTWACHT_TRUSTED_PROXY_COUNT = 2
    options = proxy_options()
    assert options["trusted_proxy"] == "10.0.0.5"
    assert options["trusted_proxy_headers"] == {"x-forwarded-proto", "x-forwarded-for"}
    assert options["trusted_proxy_count"] == 2 and options["clear_untrusted_proxy_headers"] is True


@pytest.mark.parametrize("value", ["127.0.0.1", "::1", "*", ""])
def test_the_trusted_proxy_takes_an_address_or_star(monkeypatch, value):
    monkeypatch.setenv("X_PROXY", value)
    assert env_trusted_proxy("X_PROXY") == value


@pytest.mark.parametrize("value", ["proxy.internal", "127.0.0.1:8080", "10.0.0.0/8", "127.0.0.1,10.0.0.1"])
def test_the_trusted_proxy_refuses_anything_else(monkeypatch, value):
    monkeypatch.setenv("X_PROXY", value)
    with pytest.raises(ImproperlyConfigured, match="X_PROXY must be"):
        env_trusted_proxy("X_PROXY")


def test_the_proxy_headers(monkeypatch):
    monkeypatch.setenv("X_HEADERS", "X-Forwarded-Proto, x-forwarded-for,x-forwarded-host")
    assert env_proxy_headers("X_HEADERS", []) == ["x-forwarded-proto", "x-forwarded-for", "x-forwarded-host"]
    for bad in ("x-real-ip", "", "forwarded,x-forwarded-proto"):
        monkeypatch.setenv("X_HEADERS", bad)
        with pytest.raises(ImproperlyConfigured, match="X_HEADERS must be"):
            env_proxy_headers("X_HEADERS", [])


def test_csrf_trusted_origins(monkeypatch):
    monkeypatch.setenv("X_ORIGINS", "https://buurtwacht.example.be,https://*.example.nl,http://localhost:8000")
    assert env_origins("X_ORIGINS") == [
        "https://buurtwacht.example.be",
        "https://*.example.nl",
        "http://localhost:8000",
    ]
    for bad in ("buurtwacht.example.be", "https://buurtwacht.example.be/", "ftp://x.example", "https://x:port"):
        monkeypatch.setenv("X_ORIGINS", bad)
        with pytest.raises(ImproperlyConfigured, match="X_ORIGINS must be"):
            env_origins("X_ORIGINS")
