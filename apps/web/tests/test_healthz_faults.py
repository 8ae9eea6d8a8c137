"""/healthz and the desk when the worker or Redis is gone: the embedded worker killed under
``serve`` (503 at once, started again, 200 again), a worker that stopped, Redis down or silent,
and the banner on the desk.

Waits are bounded, never timed: a broken health check fails the test instead of hanging it.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import signal
import socket
import threading

import pytest
from django.core.management import call_command
from django.template import RequestContext, Template
from django.test import Client, RequestFactory
from django.utils import timezone, translation

from apps.messaging.models import OutgoingMessage, WorkerHeartbeat
from apps.messaging.services import beat
from apps.messaging.tests import worker_process
from apps.messaging.tests.worker_process import wait_for
from testkit.services import need_redis

# The shared database's fixtures (a worker process reaches it too), for this module's tests.
shared_db = worker_process.shared_db
_migrated_sqlite_copy = worker_process._migrated_sqlite_copy

# --- the embedded worker under serve ---------------------------------------------------------


def _fresh_embedded_workers() -> list[str]:
    recent = timezone.now() - dt.timedelta(seconds=10)
    return list(
        WorkerHeartbeat.objects.filter(kind="embedded", last_seen__gte=recent)
        .order_by("-last_seen")
        .values_list("name", flat=True)
    )


def _email(n: int) -> int:
    return OutgoingMessage.objects.create(
        recipient=f"r{n}@example.org", subject="Onderwerp", body="Tekst", topic="test", dedupe_key=f"serve:{n}"
    ).pk


@pytest.mark.django_db(transaction=True)
def test_serve_restarts_a_killed_worker_and_healthz_is_503_until_it_is_back(shared_db, monkeypatch, settings):
    from apps.web.management.commands import serve as serve_command

    settings.BUURTWACHT_WORKER = "embedded"
    for name, value in shared_db.env().items():
        if name in ("DATABASE_URL", "BUURTWACHT_WORKER", "EMAIL_BACKEND", "BUURTWACHT_ENV"):
            monkeypatch.setenv(name, value)
    # Long enough that the red /healthz between the death and the restart is there to be seen.
    monkeypatch.setattr(serve_command, "RESTART_DELAY_MIN", 3.0, raising=False)
    client = Client()
    seen: dict = {}

    def health() -> int:
        return shared_db.run(lambda: client.get("/healthz")).status_code

    def while_serving(app, **kwargs):
        first = wait_for(lambda: shared_db.run(_fresh_embedded_workers), timeout=120)
        assert first, "the worker serve started never beat"
        assert wait_for(lambda: health() == 200, timeout=30)
        seen["first"] = first[0]
        os.kill(int(first[0].rsplit(":", 1)[1]), signal.SIGKILL)  # kill -9
        assert wait_for(lambda: health() == 503, timeout=30), "/healthz stayed 200 with the worker dead"
        again = wait_for(lambda: [n for n in shared_db.run(_fresh_embedded_workers) if n != seen["first"]], timeout=120)
        assert again, "serve did not start the worker again"
        seen["again"] = again[0]
        assert wait_for(lambda: health() == 200, timeout=30)
        pk = shared_db.run(_email, 1)  # and the new worker delivers
        seen["delivered"] = wait_for(lambda: shared_db.run(lambda: OutgoingMessage.objects.get(pk=pk).status) == "sent")

    monkeypatch.setattr("waitress.serve", while_serving)
    call_command("serve", "--port", "8799", stdout=io.StringIO())

    assert seen["delivered"]
    # serve stopped its worker when it stopped itself: gone, and /healthz knows at once.
    assert health() == 503


@pytest.mark.django_db
def test_healthz_is_503_as_soon_as_the_worker_stopped(client):
    from apps.messaging import workers

    beat("embedded@test:1", "embedded")
    assert client.get("/healthz").status_code == 200
    workers.mark_stopped("embedded@test:1")  # its clean stop, or serve seeing it exit
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["worker"]["ok"] is False
    beat("embedded@test:2", "embedded")  # its successor
    assert client.get("/healthz").status_code == 200


# --- Redis -----------------------------------------------------------------------------------


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthz_in_thread(client, timeout: float = 30):
    """The health check, bounded: a hanging one fails the test instead of the whole run."""
    answer = {}
    thread = threading.Thread(target=lambda: answer.setdefault("response", client.get("/healthz")), daemon=True)
    thread.start()
    thread.join(timeout)
    assert not thread.is_alive(), "/healthz hangs"
    return answer["response"]


@pytest.mark.django_db(transaction=True)
def test_healthz_is_503_when_redis_is_down(client, settings):
    beat("embedded@test:1", "embedded")
    settings.REDIS_URL = f"redis://127.0.0.1:{_closed_port()}/0"
    response = _healthz_in_thread(client)
    assert response.status_code == 503
    assert response.json()["redis"]["ok"] is False and response.json()["database"]["ok"] is True


@pytest.mark.django_db(transaction=True)
def test_healthz_does_not_hang_on_a_redis_that_never_answers(client, settings):
    beat("embedded@test:1", "embedded")
    with socket.socket() as silent:  # accepts connections (the kernel's backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        settings.REDIS_URL = f"redis://127.0.0.1:{silent.getsockname()[1]}/0"
        response = _healthz_in_thread(client)
    assert response.status_code == 503 and response.json()["redis"]["ok"] is False


@pytest.mark.django_db
def test_healthz_reports_a_working_redis(client, settings):
    settings.REDIS_URL = need_redis()
    beat("embedded@test:1", "embedded")
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json()["redis"] == {"ok": True}


@pytest.mark.django_db
def test_healthz_without_redis_says_nothing_of_it(client, settings):
    settings.REDIS_URL = ""
    beat("embedded@test:1", "embedded")
    response = client.get("/healthz")
    assert response.status_code == 200 and "redis" not in response.json()


# --- the desk's banner -----------------------------------------------------------------------


def _banner(user) -> str:
    request = RequestFactory().get("/beheer/")
    request.user = user
    with translation.override("en"):
        return Template("{% load worker_state %}{% worker_state %}").render(RequestContext(request, {})).strip()


def _waiting(n: int, **fields) -> None:
    for i in range(n):
        OutgoingMessage.objects.create(
            recipient=f"w{i}@example.org",
            subject="x",
            body="x",
            topic="test",
            dedupe_key=f"wait:{fields.get('group_id')}:{i}",
            **fields,
        )


def _worker_down() -> None:
    beat("embedded@test:1", "embedded")
    WorkerHeartbeat.objects.update(last_seen=timezone.now() - dt.timedelta(hours=2))


def test_the_desk_says_when_the_worker_is_not_running(world):
    _worker_down()
    _waiting(3, group_id=world.group_b.pk)
    for user in (world.coordinator, world.police, world.superuser):
        page = _banner(user)
        assert "The message worker is not running: alerts wait." in page, user
        assert "3 messages waiting" in page and "Last seen 2" in page and "hours ago" in page
    assert _banner(world.nobody) == ""
    # An admin hears of it when messages for their own groups wait.
    assert _banner(world.admin_a) == ""
    _waiting(1, group_id=world.group_a.pk)
    page = _banner(world.admin_a)
    assert "not running" in page and "1 message waiting" in page


def test_the_desk_says_messages_are_being_sent(world):
    beat("embedded@test:1", "embedded")
    assert "Messages are being sent." in _banner(world.coordinator)
    assert "not running" not in _banner(world.coordinator)
    assert _banner(world.admin_a) == ""  # nothing to worry an admin with
    assert _banner(world.nobody) == ""


def test_the_desk_says_when_no_worker_ever_ran(world):
    page = _banner(world.superuser)
    assert "The message worker is not running: alerts wait." in page and "has not reported yet" in page


class _Pauses(threading.Event):
    """The supervisor's stop event, recording each pause it is asked to wait instead of waiting;
    after ``n`` pauses it stops the supervisor."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.pauses: list[float] = []
        self.n = n

    def wait(self, timeout=None):
        self.pauses.append(timeout)
        if len(self.pauses) >= self.n:
            self.set()
        return self.is_set()


def test_a_worker_that_keeps_dying_is_started_again_with_growing_pauses(monkeypatch, caplog):
    import sys

    from apps.web.management.commands import serve as serve_command

    supervisor = serve_command.WorkerSupervisor(
        [sys.executable, "-c", "raise SystemExit(3)"], cwd=".", env=dict(os.environ)
    )
    monkeypatch.setattr(supervisor, "_stopping", _Pauses(5))
    monkeypatch.setattr(supervisor, "_mark_gone", lambda pid: None)
    monkeypatch.setattr(serve_command, "RESTART_DELAY_MAX", 8.0)
    supervisor.start()
    supervisor._thread.join(60)
    assert not supervisor._thread.is_alive()
    assert supervisor._stopping.pauses == [1.0, 2.0, 4.0, 8.0, 8.0]  # doubling, capped
    assert supervisor.restarts == 4
    assert "exited with 3" in caplog.text
