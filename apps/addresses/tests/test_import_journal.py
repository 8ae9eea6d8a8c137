"""The journal of the address import (ADR 0019): every writer records its part of each batch with
its rows, so what an import that did not finish wrote is known exactly. The kill itself, between
the two halves of a batch on PostgreSQL, is in test_import_after_a_kill.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from apps.addresses import journal, writers
from apps.addresses.importer import import_addresses
from apps.addresses.jobs import run_address_import
from apps.addresses.models import Address, AddressImport, AddressImportPart
from apps.areas.models import ImportJob
from apps.municipalities.models import Municipality

HEADER = "postcode,house_number,addition,street,town,lat,lon\n"


def write(tmp_path, text, name="adressen.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def fifty(tmp_path, name="adressen.csv"):
    """50 addresses on lines 2 to 51, and a refused line (52)."""
    lines = "".join(f"3870,{n},,Kerkstraat,Heers,50.75{n:02d},5.30{n:02d}\n" for n in range(1, 51))
    return write(tmp_path, HEADER + lines + "3870,51,,Kerkstraat,Heers,abc,5.3\n", name)


@pytest.mark.django_db
def test_a_finished_import_keeps_one_row_and_no_parts(tmp_path):
    result = import_addresses(fifty(tmp_path), batch_size=7)
    run = AddressImport.objects.get(pk=result.journal_id)
    assert (run.file, run.outcome, run.lines) == ("adressen.csv", "done", 51)
    assert run.finished_at is not None and not AddressImportPart.objects.exists()
    assert journal.unfinished() == []


@pytest.mark.django_db
def test_a_refused_file_leaves_no_trace(tmp_path):
    with pytest.raises(Exception, match="header but no addresses"):
        import_addresses(write(tmp_path, HEADER))
    assert not AddressImport.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_an_import_stopped_by_an_error_says_what_it_wrote_and_the_next_run_completes_it(
    tmp_path, monkeypatch, settings
):
    settings.BUURTWACHT_IMPORT_POSTGRES_WRITERS = 1  # one writer on PostgreSQL too: batches in order
    path = fifty(tmp_path)
    original = writers._Writer.write
    calls = []

    def fails_at_the_fourth_batch(self, rows, mark=None):
        calls.append(mark)
        if len(calls) == 4:
            raise RuntimeError("disk full")
        original(self, rows, mark)

    monkeypatch.setattr(writers._Writer, "write", fails_at_the_fourth_batch)
    with pytest.raises(RuntimeError, match="disk full"):
        import_addresses(path, batch_size=7)
    # Batches of 7 addresses: lines 2-8, 9-15, 16-22 written; the fourth (23-29) not.
    assert [m.last_line for m in calls] == [8, 15, 22, 29]
    assert set(Address.objects.values_list("house_number", flat=True)) == set(range(1, 22))
    [run] = journal.unfinished("adressen.csv")
    assert (run.outcome, run.error) == ("failed", "disk full")
    said = journal.describe(run)
    assert said.startswith("The import of adressen.csv started at ") and "stopped on an error." in said
    assert (
        "The addresses of its lines up to 22 are in the register; nothing after that line was written. "
        "Importing the file again completes it." in said
    )

    monkeypatch.setattr(writers._Writer, "write", original)
    again = import_addresses(path, batch_size=7)
    assert (again.inserted, again.unchanged) == (29, 21)
    assert journal.unfinished() == []
    assert AddressImport.objects.get(pk=run.pk).outcome == "redone"
    assert not AddressImportPart.objects.exists()


def _part(run, batch, part, first, last, rows, total, parts=2):
    AddressImportPart.objects.create(
        run=run, batch=batch, part=part, parts=parts, first_line=first, last_line=last, rows=rows, batch_rows=total
    )


@pytest.mark.django_db
def test_the_description_counts_whole_batches_and_the_parts_after_them():
    run = AddressImport.objects.create(file="register.csv", started_at=datetime(2026, 12, 5, 9, 30, tzinfo=UTC))
    assert "Nothing of it was written yet." in journal.describe(run)
    assert "has not finished: it stopped, or it is still running." in journal.describe(run)
    _part(run, 1, 0, 2, 20001, 9000, 19990)
    _part(run, 1, 1, 2, 20001, 10990, 19990)
    _part(run, 2, 1, 20002, 40001, 10000, 20000)
    _part(run, 2, 0, 20002, 40001, 10000, 20000)
    assert "its lines up to 40001 are in the register; nothing after that line was written." in journal.describe(run)
    # One writer two batches ahead of the other.
    _part(run, 3, 0, 40002, 60001, 9500, 20000)
    _part(run, 4, 0, 60002, 80001, 9800, 19999)
    assert (
        "The addresses of its lines up to 40001 are in the register, and 19300 of the 39999 addresses of lines "
        "40002 to 80001; nothing after line 80001 was written." in journal.describe(run)
    )


@pytest.mark.django_db
def test_the_job_that_runs_an_interrupted_import_again_says_what_it_completes(tmp_path, settings):
    heers = Municipality.objects.create(name="Heers", slug="heers", country="BE")
    path = fifty(tmp_path, "0a1b2c.csv")
    run = AddressImport.objects.create(file="0a1b2c.csv")
    _part(run, 1, 0, 2, 8, 7, 7, parts=1)
    job = ImportJob.objects.create(municipality=heers, kind="addresses", path=str(path), original_name="adressen.csv")
    summary, details = run_address_import(job, lambda percent: None)
    assert summary.startswith("51 lines: 50 new")
    assert details[0].startswith("The import of 0a1b2c.csv started at ") and "lines up to 8" in details[0]
    assert AddressImport.objects.get(pk=run.pk).outcome == "redone"
