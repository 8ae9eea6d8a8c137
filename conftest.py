"""Test-wide settings: nothing leaves the machine, and every test starts from a clean cache."""

import os

os.environ.setdefault("BUURTWACHT_ENV", "test")
os.environ.setdefault("BUURTWACHT_TILE_URL", "")

import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def _own_cache_keys():
    """Two runs of the suite may share one Redis (on SQLite and on PostgreSQL at once): each keeps
    to keys of its own, under a prefix of its process, and clears only those
    (``testkit.cache.clear``), never the whole database with the other run's keys and tasks."""
    from asgiref.local import Local
    from django.conf import settings
    from django.core.cache import caches, close_caches

    settings.CACHES["default"]["KEY_PREFIX"] = f"test-{os.getpid()}"
    close_caches()
    caches._settings = caches.settings = caches.configure_settings(None)
    caches._connections = Local(caches.thread_critical)
    yield


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    from django.core.cache import cache

    from testkit.cache import clear

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.BUURTWACHT_SITE_URL = "http://testserver"
    settings.BUURTWACHT_TILE_URL = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A child process would open the database the settings name, not the test's (ADR 0035).
    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = False
    clear(cache)
    yield
    clear(cache)
