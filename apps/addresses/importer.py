"""Loading an address register from CSV: streaming, upserting, with a report of refused rows.

The file has a header line with the columns ``postcode,house_number,addition,street,town,lat,lon``
(WGS84) or ``postcode,house_number,addition,street,town,x,y`` in a projected system named with
``crs`` (EPSG:28992 RD New, 31370 Lambert 72, 3812 Lambert 2008). Commas or semicolons.

- It is read line by line and written in batches, each batch in its own transaction, so memory
  stays the same whatever the size of the file, and a second run of the same file changes
  nothing (an address is identified by postcode, street, house number and addition; only a row
  whose town, country, municipality or point differs is updated).
- A row that cannot be an address is not loaded and goes into the report with its line number,
  the column and the reason; the good rows around it are loaded.
- Two rows for the same address in one batch: the later one is used and the earlier one is
  reported as a duplicate. (Across batches the later row also wins, by the upsert.)
- SQLite: one ``INSERT … ON CONFLICT DO UPDATE … WHERE changed`` per batch. PostgreSQL: a batch
  none of whose postcodes the register holds yet is copied straight into the table (``COPY``);
  any other is copied into a temporary table and upserted from it, only its new or changed rows
  (ADR 0010); two connections write at once, each batch split by postcode, with plans fixed on
  the register's unique index (ADR 0014).
- Each run keeps a journal (:mod:`.journal`): every writer records its part of each batch in the
  transaction that commits its rows, so what an import killed halfway wrote is known exactly,
  also between the two halves of a batch on PostgreSQL (ADR 0019). Importing the same file again
  completes it; ``import_addresses --status`` and that next run say what the register holds.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from apps.areas.crs import SUPPORTED_CRS, transformer_to_wgs84
from apps.areas.geometry import SERVICE_BOUNDS

from . import journal
from .csvrows import ImportRefused, Rejection, _header, _layout, _Report, _row_parser
from .models import Address
from .signals import register_changed
from .writers import _BackgroundWriter, _ParallelWriters, _Writer

__all__ = ["BATCH_SIZE", "AddressImportResult", "ImportRefused", "Rejection", "import_addresses"]

BATCH_SIZE = 20_000


@dataclass
class AddressImportResult:
    lines: int = 0
    valid: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    duplicates: int = 0
    seconds: float = 0.0
    batches: int = 0
    journal_id: int | None = None  # the run's AddressImport (ADR 0019)
    report_path: str = ""
    rejections: list[Rejection] = field(default_factory=list)  # only the first few, for screens and tests

    @property
    def per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


def import_addresses(
    path: str | Path,
    *,
    crs: int | None = None,
    municipality=None,
    report_path: str | Path | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int, int, int], None] | None = None,
    keep_other_municipalities: bool = False,
) -> AddressImportResult:
    """Load the CSV at ``path`` into the register. ``progress(lines, bytes_read, bytes_total)``
    is called after every batch. Raises :class:`ImportRefused` when the file as a whole is wrong
    (nothing is written then).

    With ``keep_other_municipalities`` (uploads by a coordinator) the import touches only the
    addresses of ``municipality`` (:class:`_Scope`): a row of another country, a row whose
    address is in the register for another municipality or for none, and a new address in a
    postcode that belongs to another municipality are refused and reported with their line; the
    upsert also leaves any row of another owner as it is (a guard for rows that change meanwhile).
    The command without that flag (an operator's national register) may assign and move addresses."""
    started = time.perf_counter()
    path = Path(path)
    if crs is not None and crs not in SUPPORTED_CRS:
        raise ImportRefused(
            _("Unknown coordinate system EPSG:%(crs)s; use one of %(known)s.")
            % {"crs": crs, "known": ", ".join(str(c) for c in SUPPORTED_CRS)}
        )
    total_bytes = path.stat().st_size
    if total_bytes == 0:
        raise ImportRefused(_("The file is empty."))
    report = _Report(Path(report_path) if report_path else None)
    result = AddressImportResult(report_path=str(report_path or ""))
    raw = path.open("rb")
    writer = None
    run = None
    finished = False
    try:
        text = io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")
        try:
            first_line = text.readline()
        except UnicodeDecodeError as exc:
            raise ImportRefused(_("The file is not UTF-8 text.")) from exc
        if not first_line.strip():
            raise ImportRefused(_("The file is empty."))
        delimiter, names = _header(first_line)
        positions, projected = _layout(names, crs)
        transformer = transformer_to_wgs84(crs) if projected else None
        counter = _Writer(None)
        # The journal of this run: each writer records its part of every batch with its rows.
        run = journal.start(path)
        result.journal_id = run.pk
        make_writer = lambda: _Writer(municipality.pk if municipality is not None else None, keep_other_municipalities)  # noqa: E731
        scope = _Scope(municipality) if keep_other_municipalities and municipality is not None else None
        # Outside a transaction (the command, the worker) a second thread writes each batch while
        # the next one is read (on PostgreSQL several, each batch split by postcode, ADR 0014);
        # inside one (a test, a caller's atomic block) everything stays in it.
        if connection.in_atomic_block:
            writer = make_writer()
        elif connection.vendor == "postgresql" and settings.BUURTWACHT_IMPORT_POSTGRES_WRITERS > 1:
            writer = _ParallelWriters(make_writer, settings.BUURTWACHT_IMPORT_POSTGRES_WRITERS)
        else:
            writer = _BackgroundWriter(make_writer)
        before = counter.count()
        reader = csv.reader(text, delimiter=delimiter)
        parse = _row_parser(positions, projected, report)
        batch: list = []
        line = 1
        flushed = 1  # the last line of the batches handed to the writers
        try:
            for line, row in enumerate(reader, start=2):
                parsed = parse(line, row)
                if parsed is not None:
                    batch.append(parsed)
                if len(batch) >= batch_size:
                    _flush(batch, writer, transformer, report, result, run, flushed, line, scope)
                    batch, flushed = [], line
                    if progress:
                        progress(line - 1, raw.tell(), total_bytes)
        except UnicodeDecodeError as exc:
            report.add(line + 1, "", "", _("This line is not UTF-8 text; the rest of the file was not read."))
            result.lines = line
            del exc
        except csv.Error as exc:
            report.add(line + 1, "", "", _("This line cannot be read as CSV: %(error)s") % {"error": exc})
        if batch:
            _flush(batch, writer, transformer, report, result, run, flushed, line, scope)
        writer.finish()
        result.lines = max(line - 1, 0)
        if result.lines == 0:
            raise ImportRefused(_("The file has a header but no addresses."))
        journal.finish(run, result.lines)
        finished = True
        after = counter.count()
        result.inserted = after - before
        result.updated = writer.changed - result.inserted
        result.unchanged = result.valid - writer.changed
        if progress:
            progress(result.lines, total_bytes, total_bytes)
    except BaseException as exc:
        if run is not None and not finished:
            if isinstance(exc, ImportRefused) and result.batches == 0:
                journal.forget(run)
            else:
                journal.fail(run, exc)
        raise
    finally:
        if writer is not None:
            writer.abandon()
        raw.close()
        report.close()
        register_changed.send(sender=Address)  # the figures built on the register are now stale
    result.rejected = report.count - result.duplicates
    result.rejections = report.first
    if report.count == 0:
        result.report_path = ""
    result.seconds = time.perf_counter() - started
    return result


def _flush(
    batch: list,
    writer: _Writer,
    transformer,
    report: _Report,
    result: AddressImportResult,
    run,
    after_line: int,
    through_line: int,
    scope: _Scope | None = None,
) -> None:
    """Hand the rows of lines ``after_line + 1`` to ``through_line`` to the writers."""
    if transformer is not None:
        xs = [r[6] for r in batch]
        ys = [r[7] for r in batch]
        lons, lats = transformer.transform(xs, ys)
        min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
        kept = []
        for r, lon, lat in zip(batch, lons, lats, strict=True):
            if min_lon <= lon <= max_lon and min_lat <= lat <= max_lat:
                kept.append((*r[:6], round(lat, 7), round(lon, 7), r[8]))
            else:
                report.add(
                    r[8], "x,y", f"{r[6]} {r[7]}", _("The point lies outside Belgium and the Netherlands in this CRS.")
                )
        batch = kept
    # The last row of an address in the batch wins; the earlier ones are reported.
    unique: dict[tuple, tuple] = {}
    for r in batch:
        key = (r[1], r[4], r[2], r[3])
        earlier = unique.get(key)
        if earlier is not None:
            result.duplicates += 1
            report.add(
                earlier[8],
                "",
                f"{r[4]} {r[2]}{r[3]}, {r[1]}",
                _("The same address is on line %(line)d; that later line is used.") % {"line": r[8]},
            )
        unique[key] = r
    kept_rows = scope.keep(list(unique.values()), report) if scope is not None else unique.values()
    rows = [r[:8] for r in kept_rows]  # (country, postcode, number, addition, street, town, lat, lon)
    result.valid += len(rows)
    result.batches += 1
    writer.write(rows, journal.Mark(run.pk, result.batches, after_line + 1, through_line, len(rows)))


class _Scope:
    """What a coordinator's upload may touch: the addresses of their own municipality.

    Checked per batch, before the rows reach the writers, with one query on the batch's
    postcodes: a row of another country; a row whose address (postcode, street, number,
    addition) is in the register for another municipality or for none; a new address in a
    postcode the register holds for another municipality. Each is refused with its line. New
    addresses in a postcode the register does not know, or knows only without a municipality
    (a new house), are the municipality's own."""

    def __init__(self, municipality):
        self.municipality = municipality

    def keep(self, rows: list[tuple], report: _Report) -> list[tuple]:
        m = self.municipality
        postcodes = {r[1] for r in rows}
        other_owner: dict[str, int] = {}
        not_ours: set[tuple] = set()
        others = (
            Address.objects.filter(postcode__in=postcodes)
            .exclude(municipality_id=m.pk)
            .values_list("postcode", "house_number", "addition", "street", "municipality_id")
            .order_by()
        )
        for postcode, number, addition, street, owner in others.iterator(chunk_size=5000):
            not_ours.add((postcode, street, number, addition))
            if owner is not None:
                other_owner.setdefault(postcode, owner)
        kept = []
        for r in rows:
            country, postcode, number, addition, street = r[0], r[1], r[2], r[3], r[4]
            shown = f"{street} {number}{addition}, {postcode}"
            if country != m.country:
                reason = _(
                    "This address is not in %(country)s; an import of %(municipality)s changes only its own addresses."
                )
                report.add(
                    r[8], "postcode", shown, reason % {"country": m.get_country_display(), "municipality": m.name}
                )
            elif (postcode, street, number, addition) in not_ours:
                reason = _(
                    "This address belongs to another municipality, or to none, in the register; "
                    "an import of %(municipality)s changes only its own addresses."
                )
                report.add(r[8], "postcode", shown, reason % {"municipality": m.name})
            elif postcode in other_owner:
                reason = _(
                    "Postcode %(postcode)s belongs to another municipality in the register; "
                    "an import of %(municipality)s adds only addresses of its own postcodes."
                )
                report.add(r[8], "postcode", shown, reason % {"postcode": postcode, "municipality": m.name})
            else:
                kept.append(r)
        return kept
