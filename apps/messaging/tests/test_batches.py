"""Delivery in batches: one UPDATE claims many due rows, successes are recorded in bulk, and every
guarantee of single delivery still holds (no row taken twice, failures per row, dead workers)."""

from __future__ import annotations

import datetime as dt
import smtplib
import threading

import pytest
from django.core import mail
from django.db import connection, connections
from django.utils import timezone

from apps.messaging import services
from apps.messaging.models import OutgoingMessage


def queue(n: int, **kw) -> OutgoingMessage:
    return services.queue_email(
        to=f"r{n}@example.org", subject="Onderwerp", body="Tekst", topic="test", dedupe_key=f"batch:{n}", **kw
    )


@pytest.mark.django_db
def test_claim_batch_takes_due_queued_rows_oldest_first_up_to_the_limit():
    now = timezone.now()
    rows = [queue(i) for i in range(6)]
    OutgoingMessage.objects.filter(pk=rows[0].pk).update(next_attempt_at=now + dt.timedelta(hours=1))  # not due
    OutgoingMessage.objects.filter(pk=rows[1].pk).update(status="sent")
    OutgoingMessage.objects.filter(pk=rows[5].pk).update(next_attempt_at=now - dt.timedelta(hours=1))  # oldest
    claimed = services.claim_batch("w1", limit=3)
    assert len(claimed) == 3 and rows[5].pk in claimed
    assert rows[0].pk not in claimed and rows[1].pk not in claimed
    for m in OutgoingMessage.objects.filter(pk__in=claimed):
        assert m.status == "sending" and m.claimed_by == "w1" and m.attempts == 1 and m.claimed_at
    second = services.claim_batch("w2", limit=10)
    assert set(second) == {rows[2].pk, rows[3].pk, rows[4].pk} - set(claimed) and not set(second) & set(claimed)
    assert services.claim_batch("w3", limit=10) == []


@pytest.mark.django_db
def test_batch_sends_each_row_once_and_records_all():
    rows = [queue(i) for i in range(5)]
    assert services.deliver_batch("w", limit=10) == 5
    assert sorted(m.to[0] for m in mail.outbox) == sorted(m.recipient for m in rows)
    for m in OutgoingMessage.objects.all():
        assert m.status == "sent" and m.attempts == 1 and m.sent_at and m.provider_message_id and m.last_error == ""
    assert services.deliver_batch("w", limit=10) == 0
    assert len(mail.outbox) == 5
    # The raw statements store datetimes exactly as the ORM does (comparisons stay right on SQLite).
    table = OutgoingMessage._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT claimed_at || '', sent_at || '', created_at || '' FROM {table}")  # noqa: S608
        for claimed, sent, created in cursor.fetchall():
            if connection.vendor == "sqlite":
                assert "+" not in claimed and "+" not in sent and "+" not in created, (claimed, sent)


@pytest.mark.django_db
def test_failures_in_a_batch_are_recorded_per_row(monkeypatch):
    rows = [queue(i) for i in range(3)]
    real_send = mail.EmailMessage.send

    def send(self, *args, **kwargs):
        if self.to == [rows[0].recipient]:
            raise smtplib.SMTPRecipientsRefused({self.to[0]: (550, b"no such user")})
        if self.to == [rows[1].recipient]:
            raise smtplib.SMTPServerDisconnected("gone")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    assert services.deliver_batch("w", limit=10) == 3
    permanent, transient, ok = (OutgoingMessage.objects.get(pk=m.pk) for m in rows)
    assert permanent.status == "failed" and "refused" in permanent.last_error
    assert transient.status == "queued" and transient.next_attempt_at > timezone.now()
    assert transient.last_error.startswith("SMTPServerDisconnected") and not transient.possible_repeat
    assert ok.status == "sent" and [m.to for m in mail.outbox] == [[rows[2].recipient]]


@pytest.mark.django_db
def test_unexpected_error_mid_batch_keeps_what_was_sent_and_gives_back_the_rest(monkeypatch):
    rows = [queue(i) for i in range(4)]
    real_send = mail.EmailMessage.send

    def send(self, *args, **kwargs):
        if self.to == [rows[1].recipient]:
            raise RuntimeError("a bug")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr("django.core.mail.EmailMessage.send", send)
    with pytest.raises(RuntimeError):
        services.deliver_batch("w", limit=10)
    first, broken, *rest = (OutgoingMessage.objects.get(pk=m.pk) for m in rows)
    assert first.status == "sent"
    # The row that raised may have left: it waits for the sweep and goes again marked possible_repeat.
    assert broken.status == "sending" and broken.attempts == 1
    for m in rest:  # never tried: back in the queue as if never claimed
        assert m.status == "queued" and m.attempts == 0 and m.claimed_by == "" and not m.possible_repeat
    later = timezone.now() + services.SENDING_TIMEOUT + dt.timedelta(seconds=1)
    assert services.release_abandoned(later) == 1
    monkeypatch.undo()
    assert services.deliver_batch("w", limit=10) == 3
    broken.refresh_from_db()
    assert broken.status == "sent" and broken.possible_repeat and broken.attempts == 2


@pytest.mark.django_db
def test_a_long_batch_gives_back_what_it_could_not_send_in_time(monkeypatch):
    rows = [queue(i) for i in range(3)]
    # The clock jumps far ahead once two messages have gone out.
    monkeypatch.setattr(services, "_clock", lambda: 0.0 if len(mail.outbox) < 2 else 10_000.0)
    assert services.deliver_batch("w", limit=10) == 2
    statuses = sorted(OutgoingMessage.objects.filter(pk__in=[m.pk for m in rows]).values_list("status", flat=True))
    assert statuses == ["queued", "sent", "sent"]
    assert OutgoingMessage.objects.get(status="queued").attempts == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_claim_the_same_row():
    """Four workers on their own database connections claim at the same time (PostgreSQL: the
    claim's SKIP LOCKED; SQLite: one writer at a time)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs a database server: SQLite's in-memory test database has one connection")
    for i in range(400):
        queue(i)
    claimed: dict[str, list[int]] = {}
    start = threading.Barrier(4)

    def work(name: str) -> None:
        try:
            start.wait()
            mine: list[int] = []
            while batch := services.claim_batch(name, limit=25):
                mine.extend(batch)
            claimed[name] = mine
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    everything = [pk for pks in claimed.values() for pk in pks]
    assert len(everything) == len(set(everything)) == 400
    assert sum(1 for pks in claimed.values() if pks) >= 2  # they really did run side by side
    assert not OutgoingMessage.objects.exclude(status="sending").exists()
    assert OutgoingMessage.objects.filter(attempts=1).count() == 400
