"""Redis on a closed port while ``REDIS_URL`` names it, in the production mode (Celery): the public
forms and the password reset answer as usual and are limited per process, /healthz says Redis is
down, and Redis costs one connection attempt, not one per request. When Redis answers again the
shared counters are used again.

Connection attempts are counted at the socket (``connects``), never timed.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.core.cache.backends.locmem import LocMemCache
from django.urls import reverse

from apps.api.tests.utils import application_json
from apps.applications.models import Application
from apps.core import fallback_cache, wakeup
from apps.core.fallback_cache import FallbackRedisCache
from apps.messaging.models import OutgoingMessage
from apps.public.tests.helpers import apply_url, nothing_stored
from testkit.cache import clear as clear_cache
from testkit.services import need_redis
from testkit.world import World, application_data

CLOSED = "redis://127.0.0.1:1/0"  # nothing listens on port 1
FORGOT = reverse("accounts:password_reset")
API = "/api/v1/applications"


@pytest.fixture(name="connects")
def connects_fixture(monkeypatch):
    """The TCP connection attempts to port 1 (the closed Redis), by every client in the process."""
    attempts: list[tuple] = []
    original = socket.socket.connect

    def connect(sock, address):
        if isinstance(address, tuple) and address[1] == 1:
            attempts.append(address)
        return original(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return attempts


def _redis_cache(url: str, timeout: float = 0.25) -> dict:
    return {
        "default": {
            "BACKEND": "apps.core.fallback_cache.FallbackRedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": timeout, "socket_timeout": timeout},
        }
    }


@pytest.fixture(name="celery_app_on")
def celery_app_on_fixture(settings):
    """Makes a Celery app of the test's own, with the given broker, the current one (as
    ``test_celery_redis`` does: the project's app keeps the broker it first connected to)."""
    from celery import Celery

    from buurtwacht.celery import app as project_app

    made = []

    def make(broker: str):
        settings.CELERY_BROKER_URL = broker
        app = Celery("buurtwacht-test", set_as_current=False)
        app.config_from_object("django.conf:settings", namespace="CELERY")
        app.conf.update(broker_url=broker, task_always_eager=False, broker_connection_retry_on_startup=False)
        app.set_current()
        app.set_default()
        app.loader.import_default_modules()
        for module in ("apps.messaging.tasks", "apps.applications.tasks", "apps.areas.tasks"):
            __import__(module)
        app.finalize()
        made.append(app)
        return app

    wakeup.reset()
    yield make
    wakeup.reset()
    project_app.set_current()
    project_app.set_default()


@pytest.fixture(name="redis_down")
def redis_down_fixture(settings, celery_app_on, connects, caplog):
    """REDIS_URL on a closed port, the Celery mode, its broker the same closed port. An outage is
    tried again only after an hour here, so the count of connection attempts does not depend on
    how fast the machine runs the test."""
    caplog.set_level(logging.WARNING)
    settings.REDIS_URL = CLOSED
    settings.CELERY_BROKER_URL = CLOSED
    settings.BUURTWACHT_WORKER = "celery"
    settings.CACHES = _redis_cache(CLOSED)
    fallback_cache._outages.clear()
    celery_app_on(CLOSED)
    LocMemCache(f"redis-fallback:{CLOSED}", {}).clear()  # the per-process counters of an earlier test
    outage = fallback_cache.outage_for(CLOSED)
    outage.retry_after = wakeup.outage.retry_after = 3600
    yield connects
    wakeup.outage.retry_after = wakeup.RETRY_AFTER
    fallback_cache._outages.clear()


def neighbour(n: int) -> dict:
    return application_data(full_name=f"Buur {n}", phone=f"0470 55 00 {n:02d}", email=f"buur{n}@example.org")


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        "print(json.dumps(settings.CACHES['default']))"
    )
    return subprocess.run(  # noqa: S603 (this interpreter, fixed code)
        [sys.executable, "-c", code],
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "buurtwacht.settings", **env},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_with_redis_named_the_cache_falls_back_and_has_short_timeouts():
    result = _settings_with({"REDIS_URL": CLOSED, "BUURTWACHT_REDIS_TIMEOUT": "0.3"})
    assert result.returncode == 0, result.stderr
    default = json.loads(result.stdout.strip().splitlines()[-1])
    assert default["BACKEND"] == "apps.core.fallback_cache.FallbackRedisCache"
    assert default["OPTIONS"] == {"socket_connect_timeout": 0.3, "socket_timeout": 0.3}


@pytest.mark.parametrize("value", ["soon", "0", "60", "nan"])
def test_a_wrong_redis_timeout_is_refused_at_start(value):
    result = _settings_with({"REDIS_URL": CLOSED, "BUURTWACHT_REDIS_TIMEOUT": value})
    assert result.returncode != 0
    assert "BUURTWACHT_REDIS_TIMEOUT" in result.stderr


def test_an_application_is_accepted_and_limited_per_process_while_redis_is_down(
    client, world: World, settings, redis_down, caplog, django_capture_on_commit_callbacks
):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    caplog.set_level(logging.WARNING)
    for n in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            assert client.post(apply_url(world.group_a), neighbour(n)).status_code == 302
    with nothing_stored():
        limited = client.post(apply_url(world.group_a), neighbour(7))
    assert limited.status_code == 429  # the same rule, counted in this process
    assert Application.objects.count() == 2
    # The confirmation e-mails are queued; the broker being down only cost their wake-up.
    assert OutgoingMessage.objects.filter(status="queued").count() == 2
    # One attempt on the cache's Redis and one on the broker, for everything above.
    assert len(redis_down) <= 2
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert sum("Redis (cache) is unreachable" in w for w in warnings) == 1
    assert sum("Celery broker is unreachable" in w for w in warnings) == 1


def test_the_api_application_is_accepted_and_limited_per_process_while_redis_is_down(
    client, world: World, settings, redis_down
):
    settings.BUURTWACHT_APPLICATION_RATE = "1/h"
    first = application_json(World.ADDRESS_A, phone="0470 55 00 01", email="buur1@example.org")
    second = application_json(World.ADDRESS_A, phone="0470 55 00 02", email="buur2@example.org")
    assert client.post(API, json.dumps(first), content_type="application/json").status_code == 201
    assert client.post(API, json.dumps(second), content_type="application/json").status_code == 429
    assert Application.objects.count() == 1


def test_a_password_reset_answers_and_is_limited_per_process_while_redis_is_down(
    client, world: World, settings, redis_down, django_capture_on_commit_callbacks
):
    settings.BUURTWACHT_PASSWORD_RESET_RATE = "2/h"
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(FORGOT, {"email": "admin_a@example.org"})
        assert response.status_code == 302 and response.url == reverse("accounts:password_reset_done")
    response = client.post(FORGOT, {"email": "admin_a@example.org"})
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert 1 <= OutgoingMessage.objects.filter(topic="account.password_reset").count() <= 2
    assert len(redis_down) <= 2


def test_healthz_says_redis_is_down_and_answers(client, db, redis_down):
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["redis"] == {"ok": False, "error": "ConnectionError"}


def test_the_limits_go_back_to_redis_when_it_answers(settings, monkeypatch, caplog):
    """An outage injected into a real Redis: the counts go to the process, then, once Redis
    answers, to Redis again (where every process sees them)."""
    import redis

    url = need_redis().rsplit("/", 1)[0] + "/14"
    fallback_cache._outages.clear()
    backend = FallbackRedisCache(url, {"KEY_PREFIX": f"test-{os.getpid()}"})  # another run's keys stay
    clear_cache(backend)
    caplog.set_level(logging.WARNING)
    real = redis.Redis.execute_command

    def refused(self, *args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting. Connection refused.")

    monkeypatch.setattr(redis.Redis, "execute_command", refused)
    assert backend.add("count", 0, 60) and backend.incr("count") == 1
    assert backend.incr("count") == 2  # skipped Redis: counted in the process
    backend.outage.retry_after = 0  # time to try Redis again
    monkeypatch.setattr(redis.Redis, "execute_command", real)
    assert backend.add("count", 0, 60)  # Redis answers: its own, empty, counter
    assert backend.incr("count") == 1
    assert redis.Redis.from_url(url).exists(backend.make_and_validate_key("count")) == 1
    messages = [r.getMessage() for r in caplog.records]
    assert sum("unreachable" in m for m in messages) == 1 and sum("answers again" in m for m in messages) == 1
    clear_cache(backend)
    fallback_cache._outages.clear()
