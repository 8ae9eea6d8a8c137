"""Tests that need a service (Redis) or a browser run wherever it is there; in CI (CI=true)
a missing one fails the run instead of skipping silently."""

from __future__ import annotations

import os
import shutil
import socket
from urllib.parse import urlparse

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"
REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
CHROMIUM = os.environ.get("BUURTWACHT_CHROMIUM", "/usr/bin/chromium")


def _reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), timeout=1):
            return True
    except OSError:
        return False


def need_redis() -> str:
    if not _reachable(REDIS_URL):
        message = f"Redis is not reachable at {REDIS_URL}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return REDIS_URL


def need_chromium() -> str:
    if shutil.which(CHROMIUM) is None:
        message = f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return CHROMIUM
