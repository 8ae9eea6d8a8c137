"""Test-wide settings: nothing leaves the machine, and every test starts from a clean cache."""

import os

os.environ.setdefault("BUURTWACHT_ENV", "test")
os.environ.setdefault("BUURTWACHT_TILE_URL", "")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    from django.core.cache import cache

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BUURTWACHT_SITE_URL = "http://testserver"
    settings.BUURTWACHT_TILE_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A child process would open the database the settings name, not the test's (ADR 0035).
    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = False
    cache.clear()
    yield
    cache.clear()
