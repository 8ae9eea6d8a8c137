"""The embedded worker never outlives ``manage.py serve``: stopped with SIGTERM (what systemd or a
container runtime sends), serve stops its worker before it exits; killed with SIGKILL, its worker
stops anyway (the parent-death signal on Linux, the worker's check of its parent elsewhere).

Real processes on a SQLite file of their own (migrated once for the module), on a free port.
Waits are bounded, never timed; every process a test started is gone when it ends.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from django.conf import settings

from apps.messaging.tests.worker_process import wait_for

# Variables of this test run that must not reach the processes started here.
NOT_INHERITED = ("DATABASE_URL", "BUURTWACHT_", "EMAIL_", "CELERY_", "STATIC_ROOT")
DATABASE = "buurtwacht.sqlite3"  # in BUURTWACHT_VAR_DIR, the settings' default


def _environment(var_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(NOT_INHERITED)}
    env.update(
        BUURTWACHT_ENV="test",
        BUURTWACHT_TILE_URL="",
        BUURTWACHT_VAR_DIR=str(var_dir),
        BUURTWACHT_WORKER="embedded",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        REDIS_URL="",
        PYTHONUNBUFFERED="1",
    )
    return env


@pytest.fixture(scope="module")
def migrated(tmp_path_factory) -> Path:
    """A migrated SQLite database, copied by each test."""
    var_dir = tmp_path_factory.mktemp("migrated")
    done = subprocess.run(  # noqa: S603 (this interpreter, this project's manage.py)
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        env=_environment(var_dir),
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return var_dir / DATABASE


@pytest.fixture
def var_dir(tmp_path, migrated) -> Path:
    with closing(sqlite3.connect(migrated)) as source, closing(sqlite3.connect(tmp_path / DATABASE)) as target:
        source.backup(target)
    return tmp_path


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _state(pid: int) -> tuple[int, str] | None:
    """The process's parent and state letter, or None when there is no such process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return None
    except OSError:  # no /proc (macOS, the BSDs): ask ps
        shown = subprocess.run(["ps", "-o", "ppid=,stat=", "-p", str(pid)], capture_output=True, text=True)  # noqa: S603, S607
        fields = shown.stdout.split()
        return (int(fields[0]), fields[1][0]) if len(fields) == 2 else None
    fields = stat.rsplit(")", 1)[1].split()  # after the command's name, which may hold spaces
    return int(fields[1]), fields[0]


def _alive(pid: int) -> bool:
    """A process runs with this pid: neither gone nor a zombie waiting for its parent's wait."""
    state = _state(pid)
    return state is not None and state[1] not in "ZX"


def _answers(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/healthz")
        connection.getresponse().read()
        return True
    except OSError:
        return False
    finally:
        connection.close()


def _heartbeats(var_dir: Path) -> list[tuple[str, str | None]]:
    """(name, stopped_at) of every embedded worker that beat in this database."""
    try:
        with closing(sqlite3.connect(var_dir / DATABASE, timeout=10)) as database:
            return database.execute(
                "SELECT name, stopped_at FROM messaging_workerheartbeat WHERE kind = 'embedded'"
            ).fetchall()
    except sqlite3.OperationalError:  # locked a moment by a writer: asked again
        return []


def _pid_of(name: str) -> int:
    return int(name.rsplit(":", 1)[1])  # embedded@<host>:<pid>


def _kill_workers_of(var_dir: Path, known: int | None) -> None:
    """Every worker process that beat in this test's own database (or ``known``), still running."""
    pids = {_pid_of(name) for name, _stopped_at in _heartbeats(var_dir)} | ({known} if known else set())
    for pid in pids:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            command = b"run_worker" if pid == known else b""
        if b"run_worker" in command and _alive(pid):
            os.kill(pid, signal.SIGKILL)


@pytest.fixture
def serving(var_dir) -> Iterator[dict]:
    """``manage.py serve`` on a free port, once it answers and its worker beats: its process, its
    worker's pid and heartbeat name."""
    port = _free_port()
    log = var_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, this project's manage.py)
            [sys.executable, "manage.py", "serve", "--port", str(port)],
            env=_environment(var_dir),
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    found: dict = {"process": process, "worker": None}
    try:
        started = wait_for(lambda: process.poll() is not None or _answers(port), timeout=120, every=0.2)
        assert started and process.poll() is None, "serve did not start:\n" + log.read_text()[-3000:]

        def worker() -> str | None:
            for name, stopped_at in _heartbeats(var_dir):
                pid = _pid_of(name)
                if stopped_at is None and (_state(pid) or (0, ""))[0] == process.pid:
                    return name
            return None

        name = wait_for(worker, timeout=120, every=0.2)
        assert name, "serve's worker never beat:\n" + log.read_text()[-3000:]
        found.update(worker=_pid_of(name), name=name, log=log, var_dir=var_dir)
        yield found
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        _kill_workers_of(var_dir, found["worker"])


def _stopped_at(var_dir: Path, name: str) -> str | None:
    return dict(_heartbeats(var_dir)).get(name)


def test_sigterm_to_serve_stops_its_worker_before_serve_exits(serving):
    process, worker = serving["process"], serving["worker"]
    assert _alive(worker)

    process.send_signal(signal.SIGTERM)  # serve only, as a supervisor sends it
    code = process.wait(timeout=60)

    assert code == 0, "serve did not stop on SIGTERM by itself:\n" + serving["log"].read_text()[-3000:]
    # serve stopped and waited for its worker before it exited: gone already, not soon.
    assert not _alive(worker), "serve exited and left its worker running"
    assert wait_for(lambda: _stopped_at(serving["var_dir"], serving["name"]), timeout=10), (
        "the worker did not stop cleanly"
    )


def test_sigkill_to_serve_stops_its_worker_too(serving):
    process, worker = serving["process"], serving["worker"]
    assert _alive(worker)

    process.kill()  # no handler runs in serve: its worker must notice by itself
    process.wait(timeout=30)

    # Told to stop, the worker ends the round in hand (its first may still be running the periodic
    # jobs) and waits for each delivery thread up to STOP_WAIT: on a busy machine that took over
    # 30 s once. The bound is generous: without the parent-death signal and its check of its parent,
    # it never stops at all.
    assert wait_for(lambda: not _alive(worker), timeout=180), "the worker outlived the serve that was killed"
    # It was told to stop (SIGTERM), not killed: it gave back what it held and marked itself stopped.
    assert wait_for(lambda: _stopped_at(serving["var_dir"], serving["name"]), timeout=10)


def test_a_worker_whose_parent_is_not_the_one_named_stops_by_itself(var_dir):
    """The check of its parent that serve's worker makes on every system, also where there is no
    parent-death signal: started by this test but told its parent is another process, it stops."""
    log = var_dir / "worker.log"
    with log.open("wb") as out:
        process = subprocess.Popen(  # noqa: S603 (this interpreter, this project's manage.py)
            [sys.executable, "manage.py", "run_worker", "--interval", "0.1", "--parent-pid", str(os.getpid() + 1)],
            env=_environment(var_dir),
            cwd=settings.BASE_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        code = process.wait(timeout=120)
        assert code == 0, log.read_text()[-3000:]
        assert "is gone; stopping" in log.read_text()
        # It stopped at its first round, before it claimed anything: nobody takes it for alive.
        assert all(stopped_at for _name, stopped_at in _heartbeats(var_dir))
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_worker_gets_sigterm_as_parent_death_signal():
    from apps.web.management.commands.serve import parent_death_signal

    ask = (
        "import ctypes; value = ctypes.c_int(); "
        "ctypes.CDLL(None).prctl(2, ctypes.byref(value), 0, 0, 0); "  # PR_GET_PDEATHSIG
        "print(value.value)"
    )
    done = subprocess.run(  # noqa: S603 (this interpreter)
        [sys.executable, "-c", ask], preexec_fn=parent_death_signal(), capture_output=True, text=True, timeout=60
    )
    assert done.stdout.strip() == str(int(signal.SIGTERM)), done.stderr
