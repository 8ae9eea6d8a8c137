"""The address import on PostgreSQL writes with several connections at once
(``BUURTWACHT_IMPORT_POSTGRES_WRITERS``), each batch split by postcode, and reads the register
through its index whatever the planner's statistics say. The database tests run on both
databases (DATABASE_URL=postgres://… for PostgreSQL); SQLite keeps one writer."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.addresses import importer
from apps.addresses.importer import import_addresses
from apps.addresses.models import Address

HEADER = "postcode,house_number,addition,street,town,lat,lon\n"


class _Recorder:
    """Stands in for ``_Writer``: keeps the rows it is given, in order, per thread."""

    def __init__(self, shelf: list, fail_on: str | None = None):
        self.rows: list[tuple] = []
        self.changed = 0
        self.fail_on = fail_on
        self.thread = threading.get_ident()
        shelf.append(self)

    def write(self, rows: list[tuple], mark=None) -> None:
        if self.fail_on and any(r[1] == self.fail_on for r in rows):
            raise RuntimeError(f"refused {self.fail_on}")
        self.rows.extend(rows)
        self.changed += len(rows)


def _row(postcode: str, number: int, street: str = "Kerkstraat") -> tuple:
    return ("BE", postcode, number, "", street, "Heers", 50.75, 5.30)


def test_every_postcode_goes_to_one_writer_which_gets_its_rows_in_file_order():
    shelf: list[_Recorder] = []
    writers = importer._ParallelWriters(lambda: _Recorder(shelf), 3)
    postcodes = [f"{3700 + i}" for i in range(40)]
    batches = [[_row(p, n + 10 * b) for p in postcodes for n in range(3)] for b in range(5)]
    for batch in batches:
        writers.write(batch)
    writers.finish()
    assert len(shelf) == 3 and len({r.thread for r in shelf}) == 3  # one thread (and connection) each
    assert writers.changed == 5 * 40 * 3
    everything = [r for batch in batches for r in batch]
    for postcode in postcodes:
        holders = [w for w in shelf if any(r[1] == postcode for r in w.rows)]
        assert len(holders) == 1, postcode
        assert [r for r in holders[0].rows if r[1] == postcode] == [r for r in everything if r[1] == postcode]
    assert all(w.rows for w in shelf)  # 40 postcodes over 3 writers: each got some


def test_a_writer_that_fails_stops_the_import_with_its_error_and_the_others_end():
    shelf: list[_Recorder] = []
    writers = importer._ParallelWriters(lambda: _Recorder(shelf, fail_on="3705"), 2)
    rows = [_row(f"{3700 + i}", 1) for i in range(10)]
    writers.write(rows)
    with pytest.raises(RuntimeError, match="refused 3705"):
        for _ in range(50):  # the failure shows on a later write or at the end
            writers.write(rows)
        writers.finish()
    writers.abandon()  # what import_addresses does on the way out: returns, nothing left running
    assert not any(w._thread.is_alive() for w in writers._writers)


def _file(tmp_path):
    """60 postcodes over many small batches, addresses repeated later in the file with moved
    points (the later row wins), and refused rows in between."""
    lines = []
    for p in range(60):
        for n in range(1, 6):
            lines.append(f"{3700 + p},{n},,Straat {p},Plaats {p % 7},50.{p:02d}{n:02d},5.{p:02d}{n:02d}\n")
    for p in range(0, 60, 4):
        lines.append(f"{3700 + p},2,,Straat {p},Plaats {p % 7},51.{p:02d}99,4.{p:02d}99\n")  # moved
    lines.insert(17, "3701,9,,Straat 1,Plaats 1,abc,5.3\n")
    lines.insert(90, "37X1,1,,Straat 1,Plaats 1,50.75,5.30\n")
    path = tmp_path / "adressen.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path


def _register() -> list[tuple]:
    return list(
        Address.objects.order_by("postcode", "house_number").values_list(
            "postcode", "house_number", "addition", "street", "town", "lat", "lon", "municipality_id"
        )
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("writers", [1, 3])
def test_several_writers_load_the_same_register_as_one(tmp_path, settings, monkeypatch, writers):
    made = []
    original = importer._ParallelWriters.__init__

    def spy(self, make_writer, count):
        made.append(count)
        original(self, make_writer, count)

    monkeypatch.setattr(importer._ParallelWriters, "__init__", spy)
    settings.BUURTWACHT_IMPORT_POSTGRES_WRITERS = writers
    path = _file(tmp_path)
    result = import_addresses(path, batch_size=23)
    assert (result.lines, result.inserted, result.updated, result.rejected) == (317, 300, 15, 2)
    register = _register()
    assert len(register) == 300
    moved = [r for r in register if r[1] == 2 and int(r[0]) % 4 == 0]
    assert len(moved) == 15 and all(r[5] > 51 and r[6] < 5 for r in moved)
    # PostgreSQL with more than one writer splits the work; SQLite has one writer whatever is set.
    assert made == ([writers] if connection.vendor == "postgresql" and writers > 1 else [])
    # Again: the first rows put the 15 moved points back and the later rows move them again.
    again = import_addresses(path, batch_size=23)
    assert (again.inserted, again.updated) == (0, 30) and _register() == register


@pytest.mark.django_db
def test_each_batch_reads_the_register_through_its_index_and_compiles_nothing():
    """A never analysed address table (here: rows written in this transaction) makes the planner
    guess a postcode at 0.5 % of the rows; left to itself it would look for a batch's postcodes
    with a sequential scan of the whole table, per batch. Nor is a batch's statement worth JIT
    compiling (0.4 s each where the server has it)."""
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's planner (DATABASE_URL=postgres://…)")
    Address.objects.bulk_create(
        Address(
            country="BE",
            postcode=f"{1000 + i // 20}",
            house_number=i % 20 + 1,
            street="Straat",
            town="Plaats",
            lat=50.5,
            lon=4.5,
        )
        for i in range(5000)
    )
    table = Address._meta.db_table
    plans: list[str] = []

    def explain(execute, sql, params, many, context):
        if not many and table in sql and sql.lstrip().startswith(("SELECT", "INSERT")):
            with connection.connection.cursor() as raw:  # the same connection and transaction
                raw.execute("EXPLAIN " + sql, params)
                plans.append("\n".join(row[0] for row in raw.fetchall()))
        return execute(sql, params, many, context)

    def settings_now() -> tuple:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_setting('enable_seqscan'), current_setting('jit')")
            return cursor.fetchone()

    with connection.cursor() as cursor:  # any plan would be compiled, where the server has JIT
        cursor.execute("SET LOCAL jit_above_cost = 0")
    before = settings_now()
    writer = importer._Writer(None)
    known = [_row("1003", 7, "Straat"), _row("1003", 99, "Straat")]  # a postcode the register holds
    new = [_row("9999", 1)]
    with connection.execute_wrapper(explain):
        writer.write(known)
        writer.write(new)
    assert len(plans) == 3  # known: the check, the upsert; new: the check (then COPY)
    for plan in plans:
        assert f"Seq Scan on {table}" not in plan, plan
        assert "JIT:" not in plan, plan
        assert "Hash" not in plan and "Merge" not in plan, plan  # an upsert reads address by address
    assert Address.objects.filter(postcode="1003", house_number=99).exists()
    assert Address.objects.filter(postcode="9999").exists()
    assert settings_now() == before  # the settings lasted one batch only
