"""The lookup's query is the kept connection's check (ADR 0036): no check of its own before it,
and a connection that broke while it was kept costs a new connection, not an error."""

from __future__ import annotations

import pytest
from django.db import OperationalError, connections

from apps.addresses import services
from apps.addresses.models import Address
from apps.addresses.services import find_address

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def kept(settings):
    """One address, and the default connection as a request finds it: kept, with its check due."""
    Address.objects.create(
        postcode="3870", street="Kerkstraat", house_number=1, country="BE", town="Heers", lat=50.75, lon=5.3
    )
    connection = connections["default"]
    connection.health_check_enabled = True
    connection.ensure_connection()
    connection.close_if_unusable_or_obsolete()  # what the start of each request does
    assert not connection.health_check_done
    yield connection
    connection.health_check_enabled = settings.DATABASES["default"].get("CONN_HEALTH_CHECKS", False)


def test_the_query_takes_the_place_of_the_check(kept, monkeypatch):
    checks = []
    monkeypatch.setattr(type(kept), "is_usable", lambda self: checks.append(1) or True)
    assert find_address("3870", "1").street == "Kerkstraat"
    assert checks == [] and kept.health_check_done
    # Later queries of the same request are not checked either, as with Django's own check.
    assert Address.objects.count() == 1 and checks == []


def test_a_broken_kept_connection_is_replaced_and_the_query_sent_again(kept, monkeypatch):
    sent, closed = [], []
    fetch = services._fetch
    close = type(kept).close
    monkeypatch.setattr(type(kept), "close", lambda self: closed.append(1) or close(self))

    def broken_once(conn, sql, params):
        if not sent:
            sent.append(conn.connection)
            raise OperationalError("server closed the connection unexpectedly")
        rows = fetch(conn, sql, params)
        sent.append(conn.connection)
        return rows

    monkeypatch.setattr(services, "_fetch", broken_once)
    assert find_address("3870", "1").street == "Kerkstraat"
    # the second try on a new connection (SQLite's test database in memory keeps its one)
    assert len(sent) == 2 and closed == [1]
    if not getattr(kept, "is_in_memory_db", lambda: False)():
        assert sent[0] is not sent[1]


def test_without_a_due_check_an_error_is_not_hidden(kept, monkeypatch):
    kept.health_check_done = True  # checked already in this request: the error is real
    monkeypatch.setattr(services, "_fetch", lambda *a: (_ for _ in ()).throw(OperationalError("gone")))
    with pytest.raises(OperationalError):
        find_address("3870", "1")


def test_inside_a_transaction_nothing_is_sent_twice(kept, monkeypatch):
    from django.db import transaction

    sent = []

    def failing(conn, sql, params):
        sent.append(1)
        raise OperationalError("gone")

    monkeypatch.setattr(services, "_fetch", failing)
    with pytest.raises(OperationalError), transaction.atomic():
        find_address("3870", "1")
    assert sent == [1]


def test_a_postgresql_backend_ended_while_kept(kept):
    """The real case: the server ended the kept connection's backend (a restart, an idle timeout)."""
    if kept.vendor != "postgresql":
        pytest.skip("PostgreSQL's backends only")
    import psycopg

    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        [(pid,)] = cursor.fetchall()
    params = kept.get_connection_params()
    wanted = {key: params[key] for key in ("dbname", "user", "password", "host", "port") if params.get(key)}
    with psycopg.connect(**wanted, autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    kept.close_if_unusable_or_obsolete()
    assert find_address("3870", "1").street == "Kerkstraat"
    with kept.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid
