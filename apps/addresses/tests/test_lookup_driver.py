"""The lookup's query goes straight to the driver unless something watches the statements
(ADR 0038): then it goes through Django's cursor, and they see it."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, connections
from django.test.utils import CaptureQueriesContext

from apps.addresses import services
from apps.addresses.models import Address
from apps.addresses.services import find_address

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def address():
    return Address.objects.create(
        postcode="6162 AB", street="Dorpstraat", house_number=12, country="NL", town="Geleen", lat=50.97, lon=5.82
    )


def test_unwatched_the_query_does_not_use_djangos_cursor(monkeypatch):
    default = connections["default"]
    assert not default.queries_logged and not default.execute_wrappers
    default.ensure_connection()

    def no_cursor(self, *args, **kwargs):
        raise AssertionError("Django's cursor was used")

    monkeypatch.setattr(type(default), "cursor", no_cursor)
    found = find_address("6162ab", "12")
    assert (found.street, found.house_number, found.lat, found.lon) == ("Dorpstraat", 12, 50.97, 5.82)
    assert found._state.adding is False and found._state.db == "default"


def test_a_capture_of_the_queries_sees_it():
    with CaptureQueriesContext(connection) as captured:
        assert find_address("6162 AB", "12").street == "Dorpstraat"
    assert [q for q in captured.captured_queries if "house_number" in q["sql"]]


def test_an_execute_wrapper_sees_it():
    seen = []

    def wrapper(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        assert find_address("6162 AB", "12").street == "Dorpstraat"
    assert any("house_number" in sql for sql in seen)


def test_a_driver_error_is_djangos(monkeypatch):
    broken = "SELECT no_such_column FROM no_such_table WHERE 1 = %s AND 2 = %s"
    monkeypatch.setattr(services, "_CANDIDATES_SQL", broken)
    monkeypatch.setattr(services, "_CANDIDATES_IN_STREET_SQL", broken + " AND 3 = %s")
    with pytest.raises(DatabaseError) as raised:
        find_address("6162 AB", "12")
    assert type(raised.value).__module__ == "django.db.utils"


def _prepared_lookups(conn) -> int:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", ["%house_number%"])
        return cursor.fetchone()[0]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("prepared", [True, False])
def test_on_postgresql_the_lookup_is_prepared_once_per_connection(settings, prepared):
    default = connections["default"]
    if default.vendor != "postgresql":
        pytest.skip("PostgreSQL's prepared statements only")
    settings.BUURTWACHT_PREPARED_LOOKUP = prepared
    default.close()
    for _ in range(3):
        assert find_address("6162 AB", "12").street == "Dorpstraat"
    assert _prepared_lookups(default) == (1 if prepared else 0)
    default.close()  # a new connection prepares it again
    assert find_address("6162 AB", "12").street == "Dorpstraat"
    assert _prepared_lookups(default) == (1 if prepared else 0)
