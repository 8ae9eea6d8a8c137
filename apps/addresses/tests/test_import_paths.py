"""The two ways a batch is written on PostgreSQL: COPY straight into the table when the register
holds none of its postcodes, else COPY into a staging table and the upsert from it. The tests run
on SQLite too (DATABASE_URL=postgres://… for PostgreSQL), where every batch takes the upsert; the
checks of the PostgreSQL path skip there."""

from __future__ import annotations

import csv

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.addresses import importer, pgwrite
from apps.addresses.importer import import_addresses
from apps.addresses.models import Address
from apps.municipalities.models import Municipality

HEADER = "postcode,house_number,addition,street,town,lat,lon\n"
POSTGRES = "needs PostgreSQL (DATABASE_URL=postgres://…): SQLite writes every batch with the upsert"


def write(tmp_path, text, name="adressen.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def writes(run, monkeypatch):
    """The result of ``run()``, the tables it copied into (PostgreSQL) and the INSERT statements
    it sent to the address table."""
    copied = []
    copy = importer._Writer._copy

    def spy(self, raw, table, rows):
        copied.append("staging" if table == pgwrite._STAGING else "address")
        copy(self, raw, table, rows)

    monkeypatch.setattr(importer._Writer, "_copy", spy)
    with CaptureQueriesContext(connection) as queries:
        result = run()
    table = connection.ops.quote_name(Address._meta.db_table)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(f"INSERT INTO {table}")]
    return result, copied, inserts


def snapshot():
    return list(Address.objects.order_by("pk").values())


@pytest.mark.django_db
def test_new_postcodes_are_copied_straight_in_and_known_ones_upserted(tmp_path, monkeypatch):
    path = write(
        tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n3870,2,a,Kerkstraat,Heers,50.7532,5.3013\n"
    )
    first, copied, sql = writes(lambda: import_addresses(path), monkeypatch)
    assert (first.inserted, first.updated, first.unchanged) == (2, 0, 0)
    if connection.vendor == "postgresql":
        assert (copied, sql) == (["address"], [])
    before = snapshot()
    second, copied, sql = writes(lambda: import_addresses(path), monkeypatch)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 2)
    assert snapshot() == before
    if connection.vendor == "postgresql":
        assert copied == ["staging"] and len(sql) == 1 and "ON CONFLICT" in sql[0]
    # One batch with a moved point, a new number in a known postcode and a new postcode.
    third = import_addresses(
        write(
            tmp_path,
            HEADER
            + "3870,1,,Kerkstraat,Heers,50.7540,5.3020\n"
            + "3870,3,,Kerkstraat,Heers,50.7533,5.3014\n"
            + "3871,1,,Dorpsstraat,Heers,50.7601,5.3101\n",
            "b.csv",
        )
    )
    assert (third.inserted, third.updated, third.unchanged) == (2, 1, 0)
    assert Address.objects.get(postcode="3870", house_number=1).lat == pytest.approx(50.754)
    assert Address.objects.count() == 4


@pytest.mark.django_db
def test_names_the_copy_text_format_must_escape_are_stored_as_they_are(tmp_path):
    streets = ["Kerk\\straat", "Tab\tstraat", "Lijn\nstraat", "Gewone straat"]
    text = HEADER + "".join(f'3870,{n},,"{s}",Heers,50.753{n},5.301{n}\n' for n, s in enumerate(streets, start=1))
    path = write(tmp_path, text)
    result = import_addresses(path)
    assert (result.inserted, result.rejected) == (4, 0)
    assert sorted(Address.objects.values_list("street", flat=True)) == sorted(streets)
    assert import_addresses(path).unchanged == 4


@pytest.mark.django_db
def test_a_copy_that_meets_an_existing_address_falls_back_to_the_upsert(tmp_path, monkeypatch):
    """Another import may write the same addresses between the check and the COPY: the unique
    violation sends the batch to the upsert instead of ending the import."""
    if connection.vendor != "postgresql":
        pytest.skip(POSTGRES)
    path = write(
        tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n3870,2,,Kerkstraat,Heers,50.7532,5.3013\n"
    )
    import_addresses(path)
    before = snapshot()
    monkeypatch.setattr(importer._Writer, "_registered", lambda self, cursor, rows: False)
    moved = write(
        tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n3870,2,,Kerkstraat,Heers,50.7539,5.3019\n", "b.csv"
    )
    result, copied, sql = writes(lambda: import_addresses(moved), monkeypatch)
    assert (result.inserted, result.updated, result.unchanged) == (0, 1, 1)
    assert copied == ["address", "staging"] and len(sql) == 1 and "ON CONFLICT" in sql[0]
    after = snapshot()
    assert [a["id"] for a in after] == [b["id"] for b in before]
    assert after[0] == before[0] and after[1]["lat"] == pytest.approx(50.7539)


@pytest.mark.django_db
def test_municipality_of_the_rows_and_other_municipalities_kept(tmp_path):
    heers = Municipality.objects.create(name="Heers", slug="heers", country="BE", code="73022")
    borgloon = Municipality.objects.create(name="Borgloon", slug="borgloon", country="BE", code="73009")
    path = write(tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n")
    assert import_addresses(path, municipality=heers).inserted == 1
    assert Address.objects.get().municipality == heers
    assert import_addresses(path, municipality=heers).unchanged == 1
    # An upload by another municipality's coordinator leaves the address as it is (and says so).
    kept = import_addresses(path, municipality=borgloon, keep_other_municipalities=True)
    assert (kept.updated, kept.unchanged, kept.rejected) == (0, 0, 1)
    assert Address.objects.get().municipality == heers
    # The command (no such guard) moves it.
    moved = import_addresses(path, municipality=borgloon)
    assert moved.updated == 1 and Address.objects.get().municipality == borgloon


@pytest.mark.django_db(transaction=True)
def test_bad_rows_across_batches_with_the_second_thread(tmp_path):
    """Outside a transaction the batches go through the second thread and its own connection:
    the first batch copied straight in (on PostgreSQL), the later ones by the upsert."""
    lines = []
    for n in range(1, 41):
        if n % 10 == 0:
            lines.append(f"3870,{n},,Kerkstraat,Heers,abc,5.3\n")
        else:
            lines.append(f"3870,{n},,Kerkstraat,Heers,50.75{n:02d},5.30{n:02d}\n")
    lines.append("3870,1,,Kerkstraat,Heers,50.7599,5.3099\n")  # line 42: the first address again, moved
    path = write(tmp_path, HEADER + "".join(lines))
    report = tmp_path / "report.csv"
    result = import_addresses(path, batch_size=7, report_path=report)
    assert (result.lines, result.inserted, result.updated, result.rejected) == (41, 36, 1, 4)
    with open(report, newline="", encoding="utf-8") as f:
        assert [int(r["line"]) for r in csv.DictReader(f)] == [11, 21, 31, 41]
    assert Address.objects.count() == 36
    assert Address.objects.get(house_number=1).lat == pytest.approx(50.7599)
    before = snapshot()
    # Again: line 2 puts the first point back and line 42 moves it again; the end is the same.
    assert import_addresses(path, batch_size=7).inserted == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_sqlite_import_grows_the_page_cache_while_it_writes_and_gives_it_back(tmp_path, settings):
    """The import's writing connection gets a larger SQLite page cache; the command's own
    connection keeps its setting afterwards, and 0 leaves SQLite's default alone."""
    if connection.vendor != "sqlite":
        pytest.skip("a SQLite setting")
    from apps.addresses.importer import _Writer

    def cache() -> int:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            return cursor.fetchone()[0]

    before = cache()
    settings.BUURTWACHT_IMPORT_SQLITE_CACHE_MB = 64
    writer = _Writer(None)
    writer.write([("BE", "3870", 1, "", "Kerkstraat", "Heers", 50.75, 5.30)])
    assert cache() == -64 * 1024
    writer.finish()
    assert cache() == before
    settings.BUURTWACHT_IMPORT_SQLITE_CACHE_MB = 0
    writer = _Writer(None)
    writer.write([("BE", "3870", 2, "", "Kerkstraat", "Heers", 50.75, 5.30)])
    assert cache() == before
    writer.abandon()
