"""What the worker fault tests share: a database a worker in another thread or process reaches on
a connection of its own, a worker running in a thread, a worker process, a gateway that holds
requests until told to answer, and bounded waits.

SQLite: pytest-django's test database lives in memory behind one connection, which a worker
process cannot reach and threads cannot share safely. ``shared_db`` copies the migrated test
database into a file (SQLite's backup API: milliseconds, no migrations run again) and points the
default database at it while the test runs; connections opened in new threads and processes use
the file. Everything that touches it from the test runs through ``shared_db.run`` (one thread of
its own), so the test's main thread keeps its in-memory connection untouched.
PostgreSQL: the test database itself, with committed data (``transactional_db``). A test that
uses ``shared_db`` is marked ``django_db(transaction=True)``: pytest-django sets the test
database up only for the tests it sees marked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection, connections

CM_TOKEN = "00000000-0000-0000-0000-000000000000"  # noqa: S105 (fake)


def wait_for(predicate: Callable[[], Any], timeout: float = 60.0, every: float = 0.05) -> Any:
    """The predicate's first true answer within ``timeout`` seconds, else its last (false) one.
    A bound against hanging, never a measure of speed."""
    deadline = time.monotonic() + timeout
    while True:
        answer = predicate()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(every)


@dataclass
class SharedDatabase:
    """The database of a test that other threads and processes reach too."""

    url: str
    vendor: str
    path: Path | None = None
    _executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(1, "shared-db"))

    def run(self, fn: Callable[..., Any], *args, **kwargs) -> Any:
        """``fn(*args, **kwargs)`` on the shared database (in a thread of its own), its result or
        its exception."""
        return self._executor.submit(fn, *args, **kwargs).result(timeout=120)

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of a worker process on this database."""
        return {
            **os.environ,
            "DATABASE_URL": self.url,
            "BUURTWACHT_ENV": "test",
            "BUURTWACHT_WORKER": "embedded",
            "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def close(self) -> None:
        try:
            self._executor.submit(connections.close_all).result(timeout=30)
        finally:
            self._executor.shutdown(wait=True)


@pytest.fixture(scope="session")
def _migrated_sqlite_copy(tmp_path_factory, django_db_setup, django_db_blocker) -> Path | None:
    if connection.vendor != "sqlite":
        return None
    path = tmp_path_factory.mktemp("worker-db") / "migrated.sqlite3"
    with django_db_blocker.unblock():
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
            target.execute("PRAGMA journal_mode=WAL")
        finally:
            target.close()
    return path


@contextmanager
def _default_database_at(path: Path) -> Iterator[None]:
    # The same dict as settings.DATABASES["default"] and every connection's settings_dict; a
    # connection reads NAME only when it connects, so the open ones keep their database.
    db = connections.settings["default"]
    names = [db, settings.DATABASES["default"]]
    saved = [d["NAME"] for d in names]
    for d in names:
        d["NAME"] = str(path)
    try:
        yield
    finally:
        for d, name in zip(names, saved, strict=True):
            d["NAME"] = name


@pytest.fixture
def shared_db(request, tmp_path, django_db_blocker, _migrated_sqlite_copy) -> Iterator[SharedDatabase]:
    if _migrated_sqlite_copy is None:
        request.getfixturevalue("transactional_db")
        s = connection.settings_dict
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s.get("PASSWORD") else "")
        host = f"{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}"
        shared = SharedDatabase(url=f"postgres://{auth}@{host}/{quote(s['NAME'])}", vendor="postgresql")
        try:
            yield shared
        finally:
            shared.close()
        return
    path = tmp_path / "shared.sqlite3"
    shutil.copyfile(_migrated_sqlite_copy, path)
    shared = SharedDatabase(url=f"sqlite:///{path}", vendor="sqlite", path=path)
    with django_db_blocker.unblock(), _default_database_at(path):
        try:
            yield shared
        finally:
            shared.close()


# --- a worker in a thread of the test ---------------------------------------------------------


class WorkerThread:
    """``run_worker`` (its real loop, not ``--once``) in a thread: the signal handlers it installs
    are kept here instead (signals reach the main thread only), ``stop()`` calls its SIGTERM one."""

    def __init__(self, monkeypatch, interval: float = 0.05) -> None:
        from apps.messaging.management.commands import run_worker

        self.handlers: dict[int, Callable] = {}
        self.error: BaseException | None = None
        self.ended = threading.Event()
        monkeypatch.setattr(run_worker.signal, "signal", lambda sig, handler: self.handlers.__setitem__(sig, handler))
        self._command = run_worker.Command()
        self._interval = interval
        self.thread = threading.Thread(target=self._run, name="test-worker", daemon=True)

    def _run(self) -> None:
        try:
            self._command.handle(once=False, interval=self._interval)
        except BaseException as exc:  # noqa: BLE001 (handed to the test)
            self.error = exc
        finally:
            connections.close_all()
            self.ended.set()

    def start(self) -> WorkerThread:
        self.thread.start()
        return self

    def alive(self) -> bool:
        return self.thread.is_alive()

    def stop(self, timeout: float = 60) -> None:
        if signal.SIGTERM in self.handlers:
            self.handlers[signal.SIGTERM]()
        self.thread.join(timeout)


@contextmanager
def worker_thread(monkeypatch, interval: float = 0.05) -> Iterator[WorkerThread]:
    worker = WorkerThread(monkeypatch, interval).start()
    try:
        yield worker
    finally:
        wait_for(lambda: signal.SIGTERM in worker.handlers or worker.ended.is_set(), timeout=30)
        worker.stop()


# --- a worker process -------------------------------------------------------------------------


def start_worker_process(shared: SharedDatabase, log: Path, interval: float = 0.05, **env: str) -> subprocess.Popen:
    """``manage.py run_worker`` in a process of its own on the shared database."""
    with log.open("ab") as out:
        return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            [sys.executable, "manage.py", "run_worker", "--interval", str(interval)],
            cwd=settings.BASE_DIR,
            env=shared.env(**env),
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def kill(process: subprocess.Popen) -> None:
    """``kill -9``: no handler runs, nothing is cleaned up."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


# --- a gateway that holds requests ------------------------------------------------------------


class HoldingGateway:
    """A CM.com-like SMS gateway on localhost that accepts every message, and holds each request
    it gets while ``hold`` is set, until ``release`` is set (a slow or hanging provider).

    ``seen`` lists the references (``bw-<id>``) in the order they arrived; ``arrived`` is set at
    the first request."""

    def __init__(self) -> None:
        self.hold = threading.Event()
        self.release = threading.Event()
        self.arrived = threading.Event()
        self.seen: list[str] = []
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                reference = body["messages"]["msg"][0]["reference"]
                with gateway._lock:
                    gateway.seen.append(reference)
                held = gateway.hold.is_set()
                gateway.arrived.set()
                if held:
                    gateway.release.wait(120)
                answer = json.dumps(
                    {
                        "details": "Created 1 message(s)",
                        "errorCode": 0,
                        "messages": [{"to": "0032470000000", "status": "Accepted", "reference": reference, "parts": 1}],
                    }
                ).encode()
                try:
                    self.send_response(200)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the worker that asked was killed meanwhile
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1.0/message"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def settings_env(self) -> dict[str, str]:
        return {"SMS_CM_URL": self.url, "SMS_CM_PRODUCT_TOKEN": CM_TOKEN, "BUURTWACHT_DELIVERY_HTTP_TIMEOUT": "60"}

    def configure(self, settings) -> None:
        settings.SMS_CM_URL = self.url
        settings.SMS_CM_PRODUCT_TOKEN = CM_TOKEN
        settings.BUURTWACHT_DELIVERY_HTTP_TIMEOUT = 60

    def count(self, reference: str) -> int:
        with self._lock:
            return self.seen.count(reference)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
