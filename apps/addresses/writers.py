"""Writing parsed address rows to the register, batch by batch: the upsert per database
(``_Writer``; PostgreSQL's part in :mod:`.pgwrite`), run in a second thread while the next batch
is read (``_BackgroundWriter``), on PostgreSQL in several at once split by postcode
(``_ParallelWriters``, ADR 0014)."""

from __future__ import annotations

import queue
import threading
from dataclasses import replace

from django.conf import settings
from django.db import connection, transaction

from .journal import Mark
from .models import Address
from .pgwrite import _COLUMNS, _KEY, _PostgresBatch


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
            while (item := self._queue.get()) is not None:
                if self._error is None:
                    writer.write(*item)
                    self.changed = writer.changed
        except BaseException as exc:  # noqa: BLE001 (handed to the reading thread)
            self._error = exc
            while self._queue.get() is not None:
                pass
        finally:
            connection.close()

    def write(self, rows: list[tuple], mark: Mark | None = None) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((rows, mark))

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

    def write(self, rows: list[tuple], mark: Mark | None = None) -> None:
        count = len(self._writers)
        shares: list[list[tuple]] = [[] for _ in range(count)]
        for r in rows:
            shares[hash(r[1]) % count].append(r)  # r[1] is the postcode; hash() is fixed per process
        for part, (writer, share) in enumerate(zip(self._writers, shares, strict=True)):
            if mark is not None:
                writer.write(share, replace(mark, part=part, parts=count))
            elif share:
                writer.write(share)

    def finish(self) -> None:
        for writer in self._writers:
            writer.finish()

    def abandon(self) -> None:
        for writer in self._writers:
            writer.abandon()


class _Writer(_PostgresBatch):
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
        guard = f" AND {t}.municipality_id = excluded.municipality_id" if self.keep_others else ""
        return (
            f"INSERT INTO {t} ({cols}) {source} "  # noqa: S608 (no user input in the statement)
            f"ON CONFLICT ({', '.join(_KEY)}) DO UPDATE SET "
            "country = excluded.country, town = excluded.town, lat = excluded.lat, lon = excluded.lon, "
            f"municipality_id = COALESCE(excluded.municipality_id, {t}.municipality_id) "
            f"WHERE ({checks} OR (excluded.municipality_id IS NOT NULL AND "
            f"{t}.municipality_id {distinct} excluded.municipality_id)){guard}"
        )

    def write(self, rows: list[tuple], mark: Mark | None = None) -> None:
        """One transaction: the rows and, with ``mark``, their part in the import's journal."""
        if not rows and mark is None:
            return
        m = self.municipality_id
        with transaction.atomic():
            if mark is not None:
                mark.record(len(rows))
            if not rows:
                return
            if self.postgres:
                self._write_postgres(rows)
                return
            self._grow_cache()
            with connection.cursor() as cursor:
                sql = self._upsert("VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)")
                cursor.executemany(sql, [(*r, m) for r in rows])
                self.changed += max(cursor.rowcount, 0)
