"""The embedded worker under faults: a database that fails (SQLite's write lock held past the
busy timeout, PostgreSQL's connection terminated), a worker killed mid-batch (``kill -9``), and a
gateway that hangs.

Nothing here measures speed: each wait is bounded (so a broken worker fails the test instead of
hanging it) and what is awaited is an event, a row's status or a request reaching the gateway.
"""

from __future__ import annotations

import datetime as dt
import logging
import sqlite3

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from apps.messaging.models import OutgoingMessage, WorkerHeartbeat

from . import worker_process
from .worker_process import (
    HoldingGateway,
    kill,
    start_worker_process,
    wait_for,
    worker_thread,
)

# The shared database's fixtures (worker_process.py), for this module's tests.
shared_db = worker_process.shared_db
_migrated_sqlite_copy = worker_process._migrated_sqlite_copy


def sms_row(n: int, *, due=None) -> int:
    return OutgoingMessage.objects.create(
        channel=OutgoingMessage.Channel.SMS,
        recipient=f"+3247000{n:04d}",
        subject="Verdacht voertuig",
        body="Verdacht voertuig Noordstraat 1",
        topic="test.alert",
        dedupe_key=f"fault:sms:{n}",
        urgency=OutgoingMessage.Urgency.RED,
        next_attempt_at=due or timezone.now(),
    ).pk


def email_row(n: int, *, due=None) -> int:
    return OutgoingMessage.objects.create(
        channel=OutgoingMessage.Channel.EMAIL,
        recipient=f"r{n}@example.org",
        subject="Onderwerp",
        body="Tekst",
        topic="test.mail",
        dedupe_key=f"fault:mail:{n}",
        next_attempt_at=due or timezone.now(),
    ).pk


def status_of(pk: int) -> str:
    return OutgoingMessage.objects.get(pk=pk).status


class _DatabaseErrors(logging.Handler):
    """Notices a database error the worker logged."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seen: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and isinstance(record.exc_info[1], DatabaseError):
            self.seen.append(f"{type(record.exc_info[1]).__name__}: {record.exc_info[1]}")


@pytest.fixture
def database_errors():
    handler = _DatabaseErrors()
    root = logging.getLogger()
    root.addHandler(handler)
    yield handler
    root.removeHandler(handler)


# --- 1. a database error does not end the worker ------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_worker_survives_a_database_error_reconnects_and_goes_on(shared_db, monkeypatch, database_errors):
    """SQLite: another connection holds the write lock past the worker's busy timeout ("database
    is locked"). PostgreSQL: the worker's connections are terminated (a restart, a failover)."""
    if shared_db.vendor == "sqlite":
        monkeypatch.setitem(connection.settings_dict["OPTIONS"], "timeout", 0.2)  # the busy timeout
    else:
        # Kept-alive connections, as in production (DATABASE_CONN_MAX_AGE): without, each round
        # opens a new one and a terminated connection is only met by a round in progress.
        monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 600)
        # Without the check before use (on by default, ADR 0034), which would replace a terminated
        # connection before the worker's next query met it: the error itself is what is tested.
        monkeypatch.setitem(connection.settings_dict, "CONN_HEALTH_CHECKS", False)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            test_backend = cursor.fetchone()[0]

    with worker_thread(monkeypatch) as worker:
        assert wait_for(lambda: shared_db.run(WorkerHeartbeat.objects.exists), timeout=60), "the worker never beat"

        if shared_db.vendor == "sqlite":
            lock = sqlite3.connect(shared_db.path, timeout=30, isolation_level=None)
            lock.execute("BEGIN IMMEDIATE")  # the write lock, held past the busy timeout
        else:
            assert shared_db.run(_terminate_other_backends, test_backend) >= 1
        try:
            hit = wait_for(lambda: database_errors.seen or worker.ended.is_set(), timeout=60)
            assert hit, "the fault never reached the worker"
        finally:
            if shared_db.vendor == "sqlite":
                lock.execute("ROLLBACK")
                lock.close()
        healed_at = timezone.now()

        pk = shared_db.run(email_row, 1)
        sent = wait_for(lambda: shared_db.run(status_of, pk) == "sent", timeout=60)
        assert worker.error is None, f"the worker ended on {worker.error!r}"
        assert sent and worker.alive()
        # The heartbeat came back with the database.
        assert wait_for(
            lambda: shared_db.run(lambda: WorkerHeartbeat.objects.filter(last_seen__gt=healed_at).exists()), timeout=60
        )
    assert database_errors.seen  # and what happened was logged


def _terminate_other_backends(keep: int) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() AND pid <> %s",
            [keep],
        )
        return len(cursor.fetchall())


# --- 2. a killed worker's rows are taken over at once, flagged only when they may have left -------


@pytest.mark.django_db(transaction=True)
def test_rows_of_a_killed_worker_are_taken_over_and_only_the_one_in_flight_is_a_possible_repeat(
    shared_db, monkeypatch, settings, tmp_path
):
    gateway = HoldingGateway()
    gateway.hold.set()
    process = None
    try:
        pks = [shared_db.run(sms_row, n) for n in range(20)]
        process = start_worker_process(shared_db, tmp_path / "worker-a.log", **gateway.settings_env())
        # Worker A has claimed its batch and the first SMS is at the provider: kill it there.
        wait_for(lambda: gateway.arrived.is_set() or process.poll() is not None, timeout=180)
        assert gateway.arrived.is_set(), (
            f"worker A (exit {process.poll()}) never reached the gateway:\n{(tmp_path / 'worker-a.log').read_text()}"
        )
        in_flight = int(gateway.seen[0].removeprefix("bw-"))
        kill(process)
        gateway.hold.clear()
        gateway.release.set()  # (its request answers a dead socket)
        claimed = shared_db.run(
            lambda: set(OutgoingMessage.objects.filter(status="sending").values_list("pk", flat=True))
        )
        assert claimed == set(pks)  # the whole batch was A's

        settings.BUURTWACHT_WORKER_STALE_AFTER = 5  # A's heartbeat is old after 5 s
        gateway.configure(settings)
        with worker_thread(monkeypatch):
            everything_sent = wait_for(
                lambda: shared_db.run(lambda: OutgoingMessage.objects.filter(pk__in=pks, status="sent").count()) == 20,
                timeout=90,  # the bound of the test; before, the rows waited SENDING_TIMEOUT (5 minutes)
            )
        assert everything_sent, shared_db.run(
            lambda: list(OutgoingMessage.objects.filter(pk__in=pks).values_list("pk", "status", "claimed_by"))
        )
        rows = shared_db.run(lambda: {m.pk: m for m in OutgoingMessage.objects.filter(pk__in=pks)})
        assert rows[in_flight].possible_repeat and rows[in_flight].attempts == 2
        assert gateway.count(f"bw-{in_flight}") == 2
        never_tried = [m for pk, m in rows.items() if pk != in_flight]
        assert [m.pk for m in never_tried if m.possible_repeat] == []  # not one false "possible repeat"
        assert {m.attempts for m in never_tried} == {1}
        assert all(gateway.count(f"bw-{m.pk}") == 1 for m in never_tried)
    finally:
        if process is not None and process.poll() is None:
            kill(process)
        gateway.close()


# --- 3. a slow channel does not hold up the others -----------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_hanging_sms_gateway_does_not_hold_up_an_email(shared_db, monkeypatch, settings):
    gateway = HoldingGateway()
    gateway.hold.set()
    gateway.configure(settings)  # the gateway answers only when the test says so (60 s timeout)
    try:
        sms = shared_db.run(sms_row, 1, due=timezone.now() - dt.timedelta(minutes=1))  # due first
        mail = shared_db.run(email_row, 1)
        with worker_thread(monkeypatch):
            assert wait_for(gateway.arrived.is_set, timeout=60), "the SMS never reached the gateway"
            email_sent = wait_for(lambda: shared_db.run(status_of, mail) == "sent", timeout=30)
            sms_status = shared_db.run(status_of, sms)
            gateway.release.set()
            assert email_sent, "the e-mail waited behind the SMS"
            assert sms_status == "sending"  # the SMS was still at the gateway meanwhile
            assert wait_for(lambda: shared_db.run(status_of, sms) == "sent", timeout=60)
    finally:
        gateway.close()


# --- the hand-back itself -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_gone_workers_rows_go_back_at_once_unflagged_unless_their_send_had_started():
    from apps.messaging import queueing, workers

    pks = [email_row(n) for n in range(5)]
    dead = "embedded@host:1"
    workers.beat(dead, "embedded")
    claimed = workers.claim_channel_batch(dead, "email", 10)
    assert sorted(claimed) == sorted(pks)
    first = OutgoingMessage.objects.get(pk=claimed[0])
    assert queueing.mark_sending(first)  # handed to the transport, then the worker died
    workers.mark_stopped(dead)

    assert workers.release_gone_workers("embedded@host:2") == (4, 1)
    rows = {m.pk: m for m in OutgoingMessage.objects.all()}
    assert rows[first.pk].status == "queued" and rows[first.pk].possible_repeat and rows[first.pk].attempts == 1
    for pk in claimed[1:]:
        m = rows[pk]
        assert m.status == "queued" and not m.possible_repeat and m.attempts == 0 and m.claimed_by == ""
    assert workers.release_gone_workers("embedded@host:2") == (0, 0)


@pytest.mark.django_db
def test_rows_of_a_live_worker_or_of_a_worker_without_heartbeat_are_left_alone(settings):
    from apps.messaging import workers

    live, unknown = "embedded@host:1", "inline"
    workers.beat(live, "embedded")
    email_row(1)
    email_row(2)
    workers.claim_channel_batch(live, "email", 1)
    workers.claim_channel_batch(unknown, "email", 1)
    assert workers.release_gone_workers("embedded@host:2") == (0, 0)
    assert OutgoingMessage.objects.filter(status="sending").count() == 2
    # Silent longer than BUURTWACHT_WORKER_STALE_AFTER: gone.
    WorkerHeartbeat.objects.filter(name=live).update(
        last_seen=timezone.now() - dt.timedelta(seconds=settings.BUURTWACHT_WORKER_STALE_AFTER + 1)
    )
    assert workers.release_gone_workers("embedded@host:2") == (1, 0)
    assert OutgoingMessage.objects.get(status="sending").claimed_by == unknown  # the 5-minute sweep's


@pytest.mark.django_db
def test_a_worker_does_not_send_a_row_taken_from_it():
    """A worker taken for gone while it was not (a long pause) finds its rows handed back: it
    sends none of them, so the one that took over is the only sender."""
    from apps.messaging import queueing, workers

    pk = email_row(1)
    slow = "embedded@host:1"
    workers.beat(slow, "embedded")
    workers.claim_channel_batch(slow, "email", 10)
    message = OutgoingMessage.objects.get(pk=pk)  # in the slow worker's hands
    workers.mark_stopped(slow)
    assert workers.release_gone_workers("embedded@host:2") == (1, 0)
    assert workers.claim_channel_batch("embedded@host:2", "email", 10) == [pk]
    assert not queueing.mark_sending(message)  # the slow worker comes to it: not its own any more
    assert queueing.mark_sending(OutgoingMessage.objects.get(pk=pk))  # the one that took over sends it


@pytest.mark.django_db
def test_a_channel_batch_takes_only_its_channel_and_sends_it():
    from django.core import mail

    from apps.messaging import workers

    email_row(1)
    sms = sms_row(1)
    assert workers.deliver_channel("embedded@host:1", "email") == 1
    assert [m.to for m in mail.outbox] == [["r1@example.org"]]
    assert status_of(sms) == "queued"
    sent = OutgoingMessage.objects.get(channel="email")
    assert sent.status == "sent" and sent.send_started_at is not None and sent.attempts == 1


@pytest.mark.django_db
def test_a_row_left_claimed_by_a_failed_batch_goes_back_before_the_next_claim():
    """The database failed while the last batch gave its rest back: the next round of the same
    channel gives it back first, unflagged, and sends it."""
    from apps.messaging import workers

    pk = email_row(1)
    me = "embedded@host:1"
    assert workers.claim_channel_batch(me, "email", 10) == [pk]  # ... and the batch ended there
    assert workers.deliver_channel(me, "email") == 1
    row = OutgoingMessage.objects.get(pk=pk)
    assert row.status == "sent" and not row.possible_repeat and row.attempts == 1


def test_the_wait_after_failures_grows_and_is_capped():
    from apps.messaging.management.commands import run_worker

    waits = [run_worker.backoff(n, 1.0) for n in range(1, 10)]
    assert waits[:4] == [1.0, 2.0, 4.0, 8.0]
    assert waits == sorted(waits) and max(waits) == run_worker.BACKOFF_MAX
