"""Address lookups against the register.

A Dutch postcode with a house number names one address. A Belgian postcode covers a whole
(sub-)municipality in which every street starts again at 1, so there the street decides when
several streets share the number; the resident is asked to choose, never guessed for.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connections, router
from django.utils.translation import gettext as _

from .models import Address
from .normalize import box_number, normalize_addition, normalize_postcode, split_house_number


class AmbiguousAddress(ValidationError):
    """Several streets in the postcode have this number; ``streets`` lists them."""

    def __init__(self, message: str, streets: list[str]):
        super().__init__({"street": message}, code="ambiguous")
        self.streets = streets


@lru_cache(maxsize=8192)
def street_key(name: str) -> str:
    """``"Sint-Jansstraat"``, ``"sint jansstraat"`` and ``"Sint Jansstraat "`` compare equal."""
    decomposed = unicodedata.normalize("NFKD", name or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[^0-9a-z]", "", plain.casefold())


def parse_address_parts(postcode: str, house_number: str | int, addition: str):
    errors: dict[str, list[str]] = {}
    code = number = None
    extra = ""
    try:
        code = normalize_postcode(postcode)
    except ValidationError as exc:
        errors["postcode"] = exc.messages
    try:
        number, extra = split_house_number(str(house_number))
    except ValidationError as exc:
        errors["house_number"] = exc.messages
    try:
        addition = normalize_addition(addition)
    except ValidationError as exc:
        errors["addition"] = exc.messages
    if errors:
        raise ValidationError(errors)
    return code, number, addition or extra


_FIELDS = list(Address._meta.concrete_fields)
# Only the model's own table and column names go into the text; the values are parameters.
_CANDIDATES_SQL = "SELECT {columns} FROM {table} WHERE {postcode} = %s AND {number} = %s".format(  # noqa: S608
    columns=", ".join(f.column for f in _FIELDS),
    table=Address._meta.db_table,
    postcode=Address._meta.get_field("postcode").column,
    number=Address._meta.get_field("house_number").column,
)
_FIELD_NAMES = [f.attname for f in _FIELDS]
_CANDIDATES_IN_STREET_SQL = _CANDIDATES_SQL + " AND {street} = %s".format(
    street=Address._meta.get_field("street").column
)


def _fetch(connection, sql: str, params: list) -> list[tuple]:
    if connection.queries_logged or connection.execute_wrappers:
        # Someone watches the statements (DEBUG, a test counting queries, a wrapper that
        # instruments them): through Django's cursor, which shows it to them.
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    # Otherwise straight to the driver (ADR 0038): Django's cursor wrapper took as long as
    # SQLite's own work on the statement. Errors are Django's all the same.
    connection.ensure_connection()
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql" and settings.BUURTWACHT_PREPARED_LOOKUP:
            # Prepared once per connection: the server parses and plans it once, not per lookup.
            # Bound on the server, which preparing needs (Django's own cursor binds on the client).
            import psycopg

            raw = connection.connection
            if raw.prepare_threshold is None:
                # Django leaves psycopg's automatic preparing off (for poolers). A threshold no
                # statement reaches keeps it off for every other statement; this one asks.
                raw.prepare_threshold = _NEVER_AUTOMATICALLY
            with psycopg.Cursor(raw) as cursor:
                return cursor.execute(sql, params, prepare=True).fetchall()
        return connection.connection.execute(_native(connection, sql), params).fetchall()


_NEVER_AUTOMATICALLY = 2**62
_NATIVE: dict[tuple[str, str], str] = {}


def _native(connection, sql: str) -> str:
    """``sql`` in the driver's own placeholder style (sqlite3's ``?``; psycopg's is ``%s``)."""
    key = (connection.vendor, sql)
    native = _NATIVE.get(key)
    if native is None:
        native = _NATIVE[key] = sql.replace("%s", "?") if connection.vendor == "sqlite" else sql
    return native


def candidates(postcode: str, house_number: int, street: str | None = None) -> list[Address]:
    """The register's addresses with this (normalised) postcode and number (and, given, exactly
    this street name).

    The busiest query of the public site (every lookup by address), so it is one prepared
    statement on the address key's index rather than a queryset: building and compiling the
    queryset took more than half of a lookup's time in process (docs/benchmarks.md). The
    rows become ``Address`` objects as the ORM would make them (``from_db``).
    """
    alias = router.db_for_read(Address)
    if street is None:
        sql, params = _CANDIDATES_SQL, [postcode, house_number]
    else:
        sql, params = _CANDIDATES_IN_STREET_SQL, [postcode, house_number, street]
    connection = connections[alias]
    # The query is the kept connection's check (ADR 0036): where Django would first send its own
    # check (one round trip on PostgreSQL), the query goes instead, and a connection that turns
    # out broken is closed and the query sent once more on a new one. It only reads, outside any
    # transaction, so sending it twice changes nothing.
    checks = (
        connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if checks:
        connection.health_check_done = True
    try:
        rows = _fetch(connection, sql, params)
    except (OperationalError, InterfaceError):
        if not checks:
            raise
        connection.close()
        rows = _fetch(connection, sql, params)
    return [Address.from_db(alias, _FIELD_NAMES, row) for row in rows]


def find_address(postcode: str, house_number: str | int, addition: str = "", street: str = "") -> Address:
    """The register's address for what a resident typed, or a ``ValidationError`` naming the
    field to correct. ``street`` is only used where the postcode and number are not enough."""
    code, number, addition = parse_address_parts(postcode, house_number, addition)
    # A street named as the register spells it (chosen from the list we offered) is one
    # address, not the dozens a Belgian postcode has with that number; otherwise all of them.
    found = candidates(code.value, number, street.strip()) if street and street.strip() else []
    if not found:
        found = candidates(code.value, number)
    if not found:
        if not Address.objects.filter(postcode=code.value).exists():
            raise ValidationError(
                {"postcode": _("We do not know postcode %(postcode)s.") % {"postcode": code.value}}, code="unknown"
            )
        message = _("House number %(number)s is not in postcode %(postcode)s.") % {
            "number": number,
            "postcode": code.value,
        }
        raise ValidationError({"house_number": message}, code="unknown")
    with_addition = _with_addition(found, addition)
    if addition and not with_addition:
        raise _unknown_addition(addition)
    streets = sorted({c.street for c in found})
    if len(streets) > 1:
        wanted = street_key(street)
        matching = [c for c in found if street_key(c.street) == wanted] if wanted else []
        if not matching and addition and len({c.street for c in with_addition}) == 1:
            # "197B" where only one of the streets has a 197B: that street, nothing to choose.
            matching = with_addition
        if not matching:
            # With an addition, only the streets that have it are worth choosing from.
            offered = sorted({c.street for c in with_addition}) if addition else streets
            values = {"number": number, "postcode": code.value, "streets": ", ".join(offered)}
            if wanted:
                message = _("In %(postcode)s, number %(number)s is in these streets: %(streets)s. Choose yours.")
            else:
                message = _("Several streets in %(postcode)s have number %(number)s: %(streets)s. Choose yours.")
            raise AmbiguousAddress(message % values, offered)
        found = matching
        with_addition = _with_addition(found, addition)
    if with_addition:
        return with_addition[0]
    if not addition:
        # "12" when the register only has 12A and 12B: any of them lies in the same building.
        return sorted(found, key=lambda a: a.addition)[0]
    raise _unknown_addition(addition)


def _unknown_addition(addition: str) -> ValidationError:
    shown = f"bus {box_number(addition)}" if box_number(addition) != addition else addition
    return ValidationError(
        {"addition": _("Addition %(addition)s is not known for this house number.") % {"addition": shown}},
        code="unknown",
    )


def _with_addition(found: list[Address], addition: str) -> list[Address]:
    """The candidates with this addition: the same spelling, else the same box number (a register
    may write box 2 as ``2`` or as ``BUS2``)."""
    exact = [c for c in found if c.addition == addition]
    if exact or not addition:
        return exact
    box = box_number(addition)
    return [c for c in found if box_number(c.addition) == box]
