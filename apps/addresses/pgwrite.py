"""The PostgreSQL half of the register's batch writer: ``COPY`` straight into the table for
postcodes the register does not hold yet, else through a temporary table and an upsert of only
the new or changed rows (ADR 0010), with plans fixed on the unique index (ADR 0014)."""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction

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


class _PostgresBatch:
    """The PostgreSQL writing of ``writers._Writer``, which provides ``table``, ``municipality_id``,
    ``changed`` and ``_upsert``."""

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
