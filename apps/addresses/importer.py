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
"""

from __future__ import annotations

import csv
import io
import math
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils.translation import gettext as _

from apps.areas.crs import SUPPORTED_CRS, transformer_to_wgs84
from apps.areas.geometry import SERVICE_BOUNDS

from .models import Address
from .normalize import normalize_addition, normalize_postcode, split_house_number

BASE_COLUMNS = ("postcode", "house_number", "addition", "street", "town")
BATCH_SIZE = 20_000
MAX_REPORTED = 100_000  # beyond this the report only counts
_COLUMNS = ("country", "postcode", "house_number", "addition", "street", "town", "lat", "lon", "municipality_id")
_KEY = ("postcode", "house_number", "addition", "street")  # the order of the unique index
_STAGING = "buurtwacht_address_import"
_UNIQUE_VIOLATION = "23505"
# PostgreSQL, while a batch is written (ADR 0014): plans that read the register through its unique
# index, one address at a time, whatever the planner's statistics say. While an import fills the
# table they lag behind it (a first import starts with none: a postcode is then guessed at 0.5 % of
# the rows), and the plans they suggest read the whole table per batch: a sequential scan to look
# for the batch's postcodes, which made a first import quadratic, or a merge join over the whole
# unique index for the upsert. No JIT compilation either: those costs pass its threshold, and
# compiling took 0.4 s per statement for a batch that runs in milliseconds.
_BATCH_SETTINGS = {"enable_seqscan": "off", "enable_hashjoin": "off", "enable_mergejoin": "off", "jit": "off"}


class ImportRefused(ValidationError):
    """The file as a whole cannot be imported (wrong header, unknown CRS, empty file)."""


@dataclass
class Rejection:
    line: int
    column: str
    value: str
    reason: str


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
    report_path: str = ""
    rejections: list[Rejection] = field(default_factory=list)  # only the first few, for screens and tests

    @property
    def per_second(self) -> float:
        return self.lines / self.seconds if self.seconds else 0.0


class _Report:
    """Writes refused rows to a CSV file as they are found; keeps the first few in memory."""

    KEEP = 50

    def __init__(self, path: Path | None):
        self.path = path
        self._file = None
        self._writer = None
        self.count = 0
        self.first: list[Rejection] = []

    def add(self, line: int, column: str, value: str, reason: str) -> None:
        self.count += 1
        rejection = Rejection(line, column, value[:200], reason)
        if len(self.first) < self.KEEP:
            self.first.append(rejection)
        if self.path is None or self.count > MAX_REPORTED:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._file)
            self._writer.writerow(["line", "column", "value", "reason"])
        self._writer.writerow([line, column, rejection.value, reason])

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


def _header(first_line: str) -> tuple[str, list[str]]:
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    names = [name.strip().lower() for name in next(csv.reader([first_line], delimiter=delimiter))]
    return delimiter, names


def _layout(names: list[str], crs: int | None) -> tuple[dict[str, int], bool]:
    """Column positions and whether the coordinates are projected (x, y)."""
    positions = {name: i for i, name in enumerate(names) if name}
    projected = "x" in positions and "y" in positions and not ("lat" in positions and "lon" in positions)
    wanted = BASE_COLUMNS + (("x", "y") if projected else ("lat", "lon"))
    missing = [name for name in wanted if name not in positions]
    if missing:
        raise ImportRefused(
            _(
                "The first line must name the columns %(expected)s (or x,y instead of lat,lon with a CRS); "
                "missing: %(missing)s."
            )
            % {"expected": ",".join(BASE_COLUMNS + ("lat", "lon")), "missing": ", ".join(missing)}
        )
    if projected and crs is None:
        raise ImportRefused(_("The file has x,y coordinates: say in which system with --crs (28992, 31370 or 3812)."))
    if not projected and crs not in (None, 4326):
        raise ImportRefused(_("The file has lat,lon columns, which are always WGS84 (EPSG:4326); leave out --crs."))
    return positions, projected


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
    (nothing is written then). With ``keep_other_municipalities`` (uploads by a coordinator), an
    address that already belongs to another municipality is left as it is."""
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
        make_writer = lambda: _Writer(municipality.pk if municipality is not None else None, keep_other_municipalities)  # noqa: E731
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
        try:
            for line, row in enumerate(reader, start=2):
                parsed = parse(line, row)
                if parsed is not None:
                    batch.append(parsed)
                if len(batch) >= batch_size:
                    _flush(batch, writer, transformer, report, result)
                    batch = []
                    if progress:
                        progress(line - 1, raw.tell(), total_bytes)
        except UnicodeDecodeError as exc:
            report.add(line + 1, "", "", _("This line is not UTF-8 text; the rest of the file was not read."))
            result.lines = line
            del exc
        except csv.Error as exc:
            report.add(line + 1, "", "", _("This line cannot be read as CSV: %(error)s") % {"error": exc})
        if batch:
            _flush(batch, writer, transformer, report, result)
        writer.finish()
        result.lines = max(line - 1, 0)
        if result.lines == 0:
            raise ImportRefused(_("The file has a header but no addresses."))
        after = counter.count()
        result.inserted = after - before
        result.updated = writer.changed - result.inserted
        result.unchanged = result.valid - writer.changed
        if progress:
            progress(result.lines, total_bytes, total_bytes)
    finally:
        if writer is not None:
            writer.abandon()
        raw.close()
        report.close()
        Address._meta.apps.get_app_config("coverage").register_changed()  # coverage figures are now stale
    result.rejected = report.count - result.duplicates
    result.rejections = report.first
    if report.count == 0:
        result.report_path = ""
    result.seconds = time.perf_counter() - started
    return result


def _row_parser(positions: dict[str, int], projected: bool, report: _Report):
    i_post, i_num, i_add, i_street, i_town = (positions[c] for c in BASE_COLUMNS)
    i_a, i_b = (positions["x"], positions["y"]) if projected else (positions["lon"], positions["lat"])
    needed = max(positions[c] for c in BASE_COLUMNS + (("x", "y") if projected else ("lat", "lon"))) + 1
    postcodes: dict[str, tuple[str, str] | str] = {}
    additions: dict[str, str | None] = {"": ""}
    min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
    isfinite = math.isfinite

    def parse(line: int, row: list[str]):
        if len(row) < needed:
            if not row or not any(cell.strip() for cell in row):
                return None  # an empty line
            report.add(line, "", delimiter_hint(row), _("This line has fewer columns than the header."))
            return None
        raw_postcode = row[i_post]
        code = postcodes.get(raw_postcode)
        if code is None:
            try:
                value = normalize_postcode(raw_postcode)
                code = (value.value, value.country)
            except ValidationError as exc:
                code = exc.messages[0]
            if len(postcodes) > 200_000:
                postcodes.clear()
            postcodes[raw_postcode] = code
        if isinstance(code, str):
            report.add(line, "postcode", raw_postcode, code)
            return None
        raw_number = row[i_num]
        if raw_number.isdigit() and raw_number[0] != "0" and len(raw_number) <= 5:
            number, extra = int(raw_number), ""
        else:
            try:
                number, extra = split_house_number(raw_number)
            except ValidationError as exc:
                report.add(line, "house_number", raw_number, exc.messages[0])
                return None
        raw_addition = row[i_add]
        addition = additions.get(raw_addition)
        if addition is None:
            try:
                addition = normalize_addition(raw_addition)
            except ValidationError as exc:
                report.add(line, "addition", raw_addition, exc.messages[0])
                return None
            if len(additions) < 10_000:
                additions[raw_addition] = addition
        if extra:
            if addition and addition != extra:
                report.add(line, "addition", raw_addition, _("The house number already has an addition."))
                return None
            addition = extra
        street = row[i_street].strip()
        town = row[i_town].strip()
        if not street or len(street) > 160:
            report.add(line, "street", street, _("A street name of 1 to 160 characters is required."))
            return None
        if not town or len(town) > 120:
            report.add(line, "town", town, _("A town name of 1 to 120 characters is required."))
            return None
        try:
            a = float(row[i_a])
            b = float(row[i_b])
        except ValueError:
            column = "x,y" if projected else "lat,lon"
            report.add(line, column, f"{row[i_a]} {row[i_b]}", _("The coordinates are not numbers."))
            return None
        if not (isfinite(a) and isfinite(b)):
            report.add(line, "lat,lon", f"{row[i_a]} {row[i_b]}", _("The coordinates are not numbers."))
            return None
        if not projected and not (min_lon <= a <= max_lon and min_lat <= b <= max_lat):
            report.add(line, "lat,lon", f"{row[positions['lat']]} {row[positions['lon']]}", _outside_message(a, b))
            return None
        # (country, postcode, number, addition, street, town, lat, lon, line); x and y instead of
        # lat and lon until _flush projects them. A tuple of plain values, which the garbage
        # collector stops tracking: a million lists would keep it busy for seconds.
        if projected:
            return (code[1], code[0], number, addition, street, town, a, b, line)
        return (code[1], code[0], number, addition, street, town, round(b, 7), round(a, 7), line)

    return parse


def delimiter_hint(row: list[str]) -> str:
    return ",".join(row)[:200]


def _outside_message(lon: float, lat: float) -> str:
    min_lon, min_lat, max_lon, max_lat = SERVICE_BOUNDS
    if min_lon <= lat <= max_lon and min_lat <= lon <= max_lat:
        return _("The point lies outside Belgium and the Netherlands: are lat and lon swapped?")
    return _("The point lies outside Belgium and the Netherlands (lat about 49–54, lon about 2–8).")


def _flush(batch: list, writer: _Writer, transformer, report: _Report, result: AddressImportResult) -> None:
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
    rows = [r[:8] for r in unique.values()]  # (country, postcode, number, addition, street, town, lat, lon)
    result.valid += len(rows)
    writer.write(rows)


class _BackgroundWriter:
    """Runs a ``_Writer`` in its own thread (with its own database connection), at most two
    batches behind the reader, so reading and writing overlap."""

    def __init__(self, make_writer):
        self._queue: queue.Queue = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._make_writer = make_writer
        self.changed = 0
        self._thread = threading.Thread(target=self._run, name="address-import-writer", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            writer = self._make_writer()
            while (rows := self._queue.get()) is not None:
                if self._error is None:
                    writer.write(rows)
                    self.changed = writer.changed
        except BaseException as exc:  # noqa: BLE001 (handed to the reading thread)
            self._error = exc
            while self._queue.get() is not None:
                pass
        finally:
            connection.close()

    def write(self, rows: list[tuple]) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(rows)

    def finish(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()
        if self._error is not None:
            raise self._error

    def abandon(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join()


class _ParallelWriters:
    """PostgreSQL: several ``_BackgroundWriter`` threads, each with its own connection and so its
    own server process, so the server's work per row (its indexes, most of an import) runs on
    several of its CPUs at once. Each batch is split by postcode: every address goes to the same
    writer throughout the import, which writes its share in the order of the file, so a later
    row for an address still wins over an earlier one, and no two writers touch the same key."""

    def __init__(self, make_writer, count: int):
        self._writers = [_BackgroundWriter(make_writer) for _ in range(count)]

    @property
    def changed(self) -> int:
        return sum(w.changed for w in self._writers)

    def write(self, rows: list[tuple]) -> None:
        count = len(self._writers)
        shares: list[list[tuple]] = [[] for _ in range(count)]
        for r in rows:
            shares[hash(r[1]) % count].append(r)  # r[1] is the postcode; hash() is fixed per process
        for writer, share in zip(self._writers, shares, strict=True):
            if share:
                writer.write(share)

    def finish(self) -> None:
        for writer in self._writers:
            writer.finish()

    def abandon(self) -> None:
        for writer in self._writers:
            writer.abandon()


class _Writer:
    """The upsert of one batch, per database."""

    def __init__(self, municipality_id: int | None, keep_others: bool = False):
        self.municipality_id = municipality_id
        self.keep_others = keep_others and municipality_id is not None
        self.table = connection.ops.quote_name(Address._meta.db_table)
        self.changed = 0
        self.postgres = connection.vendor == "postgresql"
        self._cache_size: int | None = None

    def _grow_cache(self) -> None:
        # The register's indexes are B-trees that each batch updates all over (rows do not come
        # in index order): with SQLite's default 2 MB page cache nearly every update reads its
        # page again. A larger cache for this connection while it writes, given back afterwards.
        size_mb = settings.BUURTWACHT_IMPORT_SQLITE_CACHE_MB
        if self.postgres or self._cache_size is not None or not size_mb:
            return
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size")
            self._cache_size = int(cursor.fetchone()[0])
            cursor.execute(f"PRAGMA cache_size = {-1024 * int(size_mb):d}")

    def _restore_cache(self) -> None:
        if self._cache_size is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {self._cache_size:d}")
            self._cache_size = None

    def finish(self) -> None:
        self._restore_cache()

    def abandon(self) -> None:
        self._restore_cache()

    def count(self) -> int:
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM {self.table}")  # noqa: S608 (our own table name)
            return cursor.fetchone()[0]

    def _upsert(self, source: str) -> str:
        t = self.table
        cols = ", ".join(_COLUMNS)
        distinct = "IS DISTINCT FROM" if self.postgres else "IS NOT"
        checks = " OR ".join(f"{t}.{c} {distinct} excluded.{c}" for c in ("country", "town", "lat", "lon"))
        guard = (
            f" AND ({t}.municipality_id IS NULL OR {t}.municipality_id = excluded.municipality_id)"
            if self.keep_others
            else ""
        )
        return (
            f"INSERT INTO {t} ({cols}) {source} "  # noqa: S608 (no user input in the statement)
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
            "country = excluded.country, town = excluded.town, lat = excluded.lat, lon = excluded.lon, "
            f"municipality_id = COALESCE(excluded.municipality_id, {t}.municipality_id) "
            f"WHERE ({checks} OR (excluded.municipality_id IS NOT NULL AND "
            f"{t}.municipality_id {distinct} excluded.municipality_id)){guard}"
        )

    def write(self, rows: list[tuple]) -> None:
        if not rows:
            return
        m = self.municipality_id
        with transaction.atomic():
            if self.postgres:
                self._write_postgres(rows)
                return
            self._grow_cache()
            with connection.cursor() as cursor:
                sql = self._upsert("VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
                cursor.executemany(sql, [(*r, m) for r in rows])
                self.changed += max(cursor.rowcount, 0)

    def _write_postgres(self, rows: list[tuple]) -> None:
        with connection.cursor() as cursor:
            # For this batch only (given back below; a failed batch's rollback gives them back too).
            names = list(_BATCH_SETTINGS)
            cursor.execute(
                "SELECT " + ", ".join("current_setting(%s), set_config(%s, %s, true)" for _ in names),
                [v for name in names for v in (name, name, _BATCH_SETTINGS[name])],
            )
            before = cursor.fetchone()[::2]
            self._write_batch(cursor, rows)
            cursor.execute(
                "SELECT " + ", ".join("set_config(%s, %s, true)" for _ in names),
                [v for name, value in zip(names, before, strict=True) for v in (name, value)],
            )

    def _write_batch(self, cursor, rows: list[tuple]) -> None:
        import psycopg  # only installed where PostgreSQL is used

        key = ", ".join(_KEY)
        columns = ", ".join(_COLUMNS)
        if not self._registered(cursor, rows):
            # No address of the register has a postcode of these rows (a first import, or a
            # new part of the country): they are copied straight into the table, without the
            # staging table and the per-row conflict handling of the upsert. Another import
            # writing the same addresses at the same time ends in a unique violation; then
            # this batch takes the upsert after all.
            try:
                with transaction.atomic():
                    self._copy(cursor.cursor, self.table, rows)
            except (IntegrityError, psycopg.IntegrityError) as exc:
                if _UNIQUE_VIOLATION not in (
                    getattr(exc, "sqlstate", None),
                    getattr(exc.__cause__, "sqlstate", None),
                ):
                    raise
            else:
                self.changed += len(rows)
                return
        cursor.execute(
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {_STAGING} "
            "(country varchar(2), postcode varchar(7), house_number integer, addition varchar(10), "
            "street varchar(160), town varchar(120), lat double precision, lon double precision, "
            "municipality_id bigint) ON COMMIT DELETE ROWS"
        )
        # Empty already after each commit; inside a caller's transaction it would still hold
        # the rows of earlier batches.
        cursor.execute(f"TRUNCATE {_STAGING}")
        self._copy(cursor.cursor, _STAGING, rows)
        # Only the rows that are new or differ go to the upsert (an ON CONFLICT that finds its
        # row locks it, and so writes to it, even when nothing changes), in the order of the
        # unique index, so the indexes are written from one end to the other.
        same = " AND ".join(f"a.{c} = s.{c}" for c in (*_KEY, "country", "town", "lat", "lon"))
        cursor.execute(
            self._upsert(
                f"SELECT {columns} FROM {_STAGING} s WHERE NOT EXISTS (SELECT 1 FROM {self.table} a "  # noqa: S608
                f"WHERE {same} AND (s.municipality_id IS NULL OR a.municipality_id = s.municipality_id)) "
                f"ORDER BY {key}"
            )
        )
        self.changed += max(cursor.rowcount, 0)

    def _registered(self, cursor, rows: list[tuple]) -> bool:
        """Whether the register holds any address with a postcode of these rows."""
        postcodes = list({r[1] for r in rows})
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {self.table} WHERE postcode = ANY(%s))", [postcodes])  # noqa: S608
        return cursor.fetchone()[0]

    def _copy(self, raw, table: str, rows: list[tuple]) -> None:
        """COPY the rows into ``table``. The text format is written here, one string per batch,
        cheaper than psycopg's ``write_row`` per row (ADR 0010); a batch with a backslash, tab or
        line break in a name (which that format must escape) goes through ``write_row``."""
        m = self.municipality_id
        columns = _COLUMNS if m is not None else _COLUMNS[:-1]  # else municipality_id stays NULL
        end = "\n" if m is None else f"\t{int(m)}\n"
        text = "".join([f"{r[0]}\t{r[1]}\t{r[2]}\t{r[3]}\t{r[4]}\t{r[5]}\t{r[6]!r}\t{r[7]!r}{end}" for r in rows])
        plain = (
            "\\" not in text
            and "\r" not in text
            and text.count("\n") == len(rows)
            and text.count("\t") == len(rows) * (len(columns) - 1)
        )
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            if plain:
                copy.write(text)
            else:
                for r in rows:
                    copy.write_row(r if m is None else (*r, m))
