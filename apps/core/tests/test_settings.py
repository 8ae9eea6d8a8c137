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
