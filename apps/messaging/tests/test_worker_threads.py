"""The embedded worker keeps delivering while a slow job (an import, a coverage count) runs."""

from __future__ import annotations

import threading

from apps.messaging.management.commands import run_worker


def worker_without_database(monkeypatch, handlers: dict, slow_round, deliver_due) -> None:
    """The worker's loop with its jobs replaced: signal handlers land in ``handlers`` (call
    ``handlers[SIGTERM]()`` to stop it), the slow jobs and deliveries (one channel's thread) are
    the given functions."""
    monkeypatch.setattr(run_worker.signal, "signal", lambda sig, handler: handlers.__setitem__(sig, handler))
    monkeypatch.setattr(run_worker, "_slow_jobs_round", slow_round)
    monkeypatch.setattr(run_worker, "start_jobs", lambda: [])
    monkeypatch.setattr(run_worker, "_run_periodic", lambda last_run, force=False: None)
    monkeypatch.setattr(run_worker, "close_old_connections", lambda: None)
    monkeypatch.setattr(run_worker, "_housekeeping", lambda name: None)
    monkeypatch.setattr(run_worker, "_stop", lambda name: None)
    monkeypatch.setattr(run_worker.workers, "forget_old_heartbeats", lambda: 0)
    monkeypatch.setattr(run_worker, "CHANNELS", ("email",))
    monkeypatch.setattr(run_worker, "_deliver_round", lambda name, channel, stopping: deliver_due(name))


def test_deliveries_go_on_while_a_slow_job_runs(monkeypatch):
    handlers = {}
    slow_started, release, slow_ended = threading.Event(), threading.Event(), threading.Event()
    rounds_while_blocked = []
    beats = []

    def slow_round():
        slow_started.set()
        release.wait(10)  # an import of ten million rows
        slow_ended.set()

    beats_while_blocked = []
    lock = threading.Lock()

    def enough():
        with lock:
            if (len(rounds_while_blocked) >= 3 and len(beats_while_blocked) >= 3) or len(beats) > 2000:
                release.set()  # the second: never hang the suite
                handlers[run_worker.signal.SIGTERM]()  # stop, as `make run`'s Ctrl-C would

    def deliver_due(name):
        beats.append("round")
        if slow_started.is_set() and not slow_ended.is_set():
            rounds_while_blocked.append(name)
        enough()
        return 0

    def beat(name, kind, processed):
        beats.append(kind)
        if slow_started.is_set() and not slow_ended.is_set():
            beats_while_blocked.append(kind)
        enough()

    worker_without_database(monkeypatch, handlers, slow_round, deliver_due)
    monkeypatch.setattr(run_worker.services, "beat", beat)

    run_worker.Command().handle(once=False, interval=0.01)

    assert len(rounds_while_blocked) >= 3  # delivery rounds while the slow job had not ended
    assert len(beats_while_blocked) >= 3  # and the heartbeat kept coming
    assert not any(t.name == "slow-jobs" and t.is_alive() for t in threading.enumerate())


def test_a_failing_slow_job_does_not_stop_the_worker(monkeypatch, caplog):
    handlers = {}
    calls = []

    def slow_round():
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("disk full")

    def deliver_due(name):
        if len(calls) >= 2:  # the job ran again after it failed
            handlers[run_worker.signal.SIGTERM]()
        return 0

    worker_without_database(monkeypatch, handlers, slow_round, deliver_due)
    monkeypatch.setattr(run_worker.services, "beat", lambda *a: None)

    run_worker.Command().handle(once=False, interval=0.01)

    assert len(calls) >= 2
    assert "a background job failed" in caplog.text
