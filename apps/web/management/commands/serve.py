"""Serve Buurtwacht on this machine: the web server and the embedded worker together.

Used by ``make run``. Prints the address and the demo logins, starts ``run_worker`` as a child
process under a supervisor, serves the site with waitress and stops the worker when it stops.
In production (``--no-worker`` with Celery workers beside it) it serves behind the TLS proxy of
BUURTWACHT_TRUSTED_PROXY (``proxy_options``) and prints no demo logins.

The supervisor (a thread of this process) waits on the child. When the child exits while the site
is being served, however it ended (an error, ``kill -9``, the out-of-memory killer), it marks the
child's heartbeat stopped at once, so ``/healthz`` answers 503 and another worker may take its
rows back, logs it, and starts a new child after a pause: ``RESTART_DELAY_MIN`` seconds, doubled
for each child in a row that did not live ``STEADY_AFTER`` seconds, up to ``RESTART_DELAY_MAX``
(a worker that cannot start, say with its database gone, is not restarted in a tight loop).

The worker never outlives this process. SIGTERM (what systemd or a container runtime sends),
SIGINT and SIGHUP end the serving (``StopSignals``) and the worker is stopped as on Ctrl+C: SIGTERM,
``STOP_TIMEOUT`` seconds to finish the message in hand, then SIGKILL. Should this process die
without stopping it (``kill -9``, a crash), the kernel sends the worker SIGTERM on Linux
(``parent_death_signal``: PR_SET_PDEATHSIG) and the worker, told its parent with ``--parent-pid``,
also stops itself when it finds it has another parent (every system, within a round or so).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection

from apps.demo.logins import format_table
from apps.messaging import workers

log = logging.getLogger(__name__)

RESTART_DELAY_MIN = 1.0
RESTART_DELAY_MAX = 60.0
STEADY_AFTER = 60.0
# How long a stopping worker may take (it finishes the message it is sending) before it is killed.
STOP_TIMEOUT = 15.0
# The signals that stop serve, and its worker with it.
STOP_SIGNALS = ("SIGTERM", "SIGINT", "SIGHUP")
PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def parent_death_signal(signum: int = signal.SIGTERM) -> Callable[[], None] | None:
    """A ``preexec_fn`` that has the kernel send the child ``signum`` when this process dies
    (Linux's PR_SET_PDEATHSIG), or None where there is no prctl (the worker's own check of its
    parent is left there).

    SIGTERM, not SIGKILL: the worker stops as it does under ``stop()``, gives back what it holds
    and marks itself stopped. The signal comes when the *thread* that started the child ends:
    the main thread (the first worker) or the supervisor's (the ones it starts again), which both
    live as long as the worker should. It runs between fork and exec, so it only calls what was
    looked up here, in the parent. A parent that died before the call would send nothing: the
    child then stops at once.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):  # no libc to be found: a static or unusual build
        return None
    prctl.argtypes = (ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong)
    prctl.restype = ctypes.c_int
    parent, number = os.getpid(), int(signum)

    def set_parent_death_signal() -> None:
        if prctl(PR_SET_PDEATHSIG, number, 0, 0, 0) == 0 and os.getppid() != parent:
            os._exit(1)  # the parent is already gone

    return set_parent_death_signal


class WorkerSupervisor:
    """Runs ``command`` as a child process and starts it again whenever it exits, until ``stop()``."""

    def __init__(self, command: list[str], *, cwd, env: dict[str, str]) -> None:
        self.command, self.cwd, self.env = command, cwd, env
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._supervise, name="worker-supervisor", daemon=True)

    def start(self) -> WorkerSupervisor:
        self._spawn()
        self._thread.start()
        return self

    def _spawn(self) -> subprocess.Popen | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            # preexec_fn with threads about: it calls only prctl and getppid, looked up beforehand.
            self.process = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, preexec_fn=parent_death_signal())
            return self.process

    def _supervise(self) -> None:
        quick_exits = 0
        try:
            while True:
                process = self.process
                if process is None:
                    return
                started = time.monotonic()
                code = process.wait()
                if self._stopping.is_set():
                    return  # stopped by ``stop()``: the worker marked itself, or ``stop()`` marks it
                self._mark_gone(process.pid)
                lived = time.monotonic() - started
                quick_exits = quick_exits + 1 if lived < STEADY_AFTER else 1
                delay = min(RESTART_DELAY_MAX, RESTART_DELAY_MIN * 2 ** (quick_exits - 1))
                log.error(
                    "the worker (pid %s) exited with %s after %.0f s; starting it again in %.0f s",
                    process.pid,
                    code,
                    lived,
                    delay,
                )
                if self._stopping.wait(delay) or self._spawn() is None:
                    return
                self.restarts += 1
                log.warning("the worker was started again (pid %s)", self.process.pid)
        finally:
            connection.close()  # this thread's

    @staticmethod
    def _mark_gone(pid: int) -> None:
        try:
            workers.mark_stopped(workers.worker_name("embedded", pid=pid))
        except Exception:  # the database may be what killed it: its heartbeat goes stale instead
            log.exception("could not mark the worker (pid %s) stopped", pid)
            connection.close()

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None:
            process.terminate()  # the worker stops cleanly: gives its rows back, marks itself stopped
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
                self._mark_gone(process.pid)
        self._thread.join(timeout=timeout)


class StopSignals:
    """SIGTERM, SIGINT and SIGHUP end the serving: once ``arm()``-ed, the first one raises
    SystemExit in the main thread, on which waitress closes and returns, so that ``finally`` stops
    the worker. One arrived before (while the worker is being started) is raised by ``arm()``;
    one after the first does nothing, so the worker's stop is not cut short. A signal ignored
    when serve started (``nohup``) stays ignored; outside the main thread nothing is installed.
    """

    def __init__(self) -> None:
        self.received: int | None = None
        self._armed = False
        self._previous: dict[int, object] = {}

    def install(self) -> StopSignals:
        if threading.current_thread() is not threading.main_thread():
            return self
        for name in STOP_SIGNALS:
            signum = getattr(signal, name, None)  # no SIGHUP on Windows
            if signum is None or signal.getsignal(signum) == signal.SIG_IGN:
                continue
            self._previous[signum] = signal.getsignal(signum)
            signal.signal(signum, self._handle)
        return self

    def _handle(self, signum: int, _frame) -> None:
        if self.received is None:
            self.received = signum
        if self._armed:
            self._armed = False
            raise SystemExit(0)

    def arm(self) -> None:
        if self.received is not None:
            raise SystemExit(0)
        self._armed = True

    def disarm(self) -> None:
        self._armed = False

    def restore(self) -> None:
        self._armed = False
        for signum, previous in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()


def proxy_options() -> dict:
    """waitress's options for the reverse proxy of BUURTWACHT_TRUSTED_PROXY.

    Without one, waitress removes every forwarded header (X-Forwarded-Proto, X-Forwarded-For...)
    it receives, so nobody can pass a request off as HTTPS or as coming from another address.
    With one, it believes the named headers from that address only, and still removes them from
    anyone else: the scheme becomes the proxy's (Django then sends HSTS and accepts forms posted
    over HTTPS) and REMOTE_ADDR the resident's address (rate limits and login pauses per person).
    """
    if not settings.BUURTWACHT_TRUSTED_PROXY:
        return {"clear_untrusted_proxy_headers": True}
    return {
        "trusted_proxy": settings.BUURTWACHT_TRUSTED_PROXY,
        "trusted_proxy_headers": set(settings.BUURTWACHT_TRUSTED_PROXY_HEADERS),
        "trusted_proxy_count": settings.BUURTWACHT_TRUSTED_PROXY_COUNT,
        "clear_untrusted_proxy_headers": True,
        "log_untrusted_proxy_headers": True,
    }


class Command(BaseCommand):
    help = "Serve the site with waitress and run the embedded worker (production: --no-worker, behind a TLS proxy)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="Do not start the embedded worker.")

    def handle(self, *args, host: str, port: int, no_worker: bool, **options):
        from waitress import serve

        from apps.core.allocator import tune
        from buurtwacht.wsgi import application  # builds the WSGI handler: only when serving

        tune()  # before waitress starts its threads (ADR 0037)

        url = f"http://{host}:{port}/"
        env = dict(os.environ)
        if "BUURTWACHT_SITE_URL" not in os.environ:
            # Links in e-mails and in the API's answers point at the address served here, also
            # on another port (a wildcard host is reached on this machine as 127.0.0.1).
            reachable = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 (a comparison)
            site = f"http://{reachable}:{port}"
            settings.BUURTWACHT_SITE_URL = env["BUURTWACHT_SITE_URL"] = site
        worker = None
        stop_signals = StopSignals().install()
        try:
            if not no_worker and settings.BUURTWACHT_WORKER == "embedded":
                worker = WorkerSupervisor(
                    [sys.executable, "manage.py", "run_worker", "--parent-pid", str(os.getpid())],
                    cwd=settings.BASE_DIR,
                    env=env,
                ).start()
            stop_signals.arm()
            self._serve(serve, application, url, host, port)
        finally:
            stop_signals.disarm()
            if stop_signals.received is not None:
                log.info("stopping on %s", signal.Signals(stop_signals.received).name)
            try:
                if worker is not None:
                    worker.stop()
            finally:
                stop_signals.restore()

    def _serve(self, serve, application, url: str, host: str, port: int) -> None:
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Buurtwacht runs at {url}"))
        self.stdout.write(f"  staff desk:  {url}beheer/   (log in with a demo login below)")
        if settings.BUURTWACHT_DEV_MAILBOX:
            self.stdout.write(f"  mailbox:     {url}dev/mailbox/   (every e-mail the demo sends)")
        self.stdout.write(f"  health:      {url}healthz")
        if settings.BUURTWACHT_TRUSTED_PROXY:
            self.stdout.write(f"  behind the proxy at {settings.BUURTWACHT_TRUSTED_PROXY}")
        if not settings.PRODUCTION:
            self.stdout.write("\nDemo logins:\n" + format_table())
        self.stdout.write("\nStop with Ctrl+C.\n")
        serve(application, host=host, port=port, threads=8, _quiet=True, **proxy_options())
