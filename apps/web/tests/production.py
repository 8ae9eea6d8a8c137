"""The production environment of docs/deployment.md, for tests that start the site with it."""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

DEPLOYMENT = Path(settings.BASE_DIR) / "docs" / "deployment.md"
# Variables of this machine's test runs that must not leak into a production process.
NOT_INHERITED = (
    "BUURTWACHT_",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "EMAIL_",
    "STATIC_ROOT",
    "SECURE_",
    "DJANGO_SETTINGS_MODULE",
)


def documented_environment() -> dict[str, str]:
    """The variables of the fenced block after ``<!-- production-environment -->`` in
    docs/deployment.md, as the operator copies them."""
    text = DEPLOYMENT.read_text(encoding="utf-8")
    block = re.search(r"<!-- production-environment -->\s*```sh\n(.*?)```", text, re.S)
    assert block, "docs/deployment.md has no production environment block"
    env = {}
    for line in block.group(1).splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip().strip('"')
    return env


def production_environment(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """The documented environment on this machine: a random secret key, a SQLite file, files under
    ``tmp_path``; nothing of the test run's own variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(documented_environment())
    env.update(
        SECRET_KEY=secrets.token_urlsafe(50),
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}",
        BUURTWACHT_VAR_DIR=str(tmp_path),
        STATIC_ROOT=str(tmp_path / "static"),
        BUURTWACHT_ATTACHMENT_DIR=str(tmp_path / "attachments"),
        DJANGO_SETTINGS_MODULE="buurtwacht.settings",
    )
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
