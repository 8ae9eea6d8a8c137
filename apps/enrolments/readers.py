"""Reading a member list (CSV or XLSX) row by row, in constant memory.

A CSV may be UTF-8 (with or without a byte-order mark) or Windows-1252, separated by ";" or ",".
An XLSX is read with openpyxl in read-only mode twice side by side: once for the values (the
cached results, never a formula run by us) and once to see which cells held a formula. Merged
cells are found in the sheet's XML (read-only openpyxl does not report them). A cell that was a
formula or part of a merged range makes its row a bad row: the admin corrects the file.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# More columns than this are ignored: a member list has a handful.
MAX_COLUMNS = 40
# Empty rows read in a row before the reading stops (an XLSX may announce a million of them).
MAX_EMPTY_ROWS = 1000
_CHUNK = 1024 * 1024
_BOM_AS_CP1252 = "\xef\xbb\xbf".encode("latin-1").decode("cp1252")


@dataclass
class Row:
    line: int
    cells: list[str]
    formula: bool = False
    merged: bool = False


@dataclass
class Table:
    kind: str
    path: Path
    encoding: str = ""
    delimiter: str = ""
    headers: list[str] = field(default_factory=list)


def kind_of(name: str, head: bytes) -> str:
    """ "xlsx" or "csv" from the file's first bytes (an XLSX is a zip), else refused."""
    if head.startswith(b"PK\x03\x04"):
        if not name.lower().endswith(".xlsx"):
            raise ValidationError(_("Upload a CSV file or an Excel workbook (.xlsx)."), code="kind")
        return "xlsx"
    if name.lower().endswith((".xls", ".xlsx", ".ods")):
        raise ValidationError(
            _("This is not an Excel workbook Buurtwacht can read: save it as .xlsx or as CSV."), code="kind"
        )
    if b"\x00" in head[:4096]:
        raise ValidationError(_("Upload a CSV file or an Excel workbook (.xlsx)."), code="kind")
    return "csv"


# --- CSV -----------------------------------------------------------------------------------------


def detect_encoding(path: Path) -> str:
    """ "utf-8-sig" when the whole file decodes as UTF-8 (read in chunks), else "cp1252"."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as f:
            while chunk := f.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8-sig"


def detect_delimiter(first_line: str) -> str:
    """ ";" or "," (or a tab), whichever separates more fields of the header line outside quotes."""
    counts = dict.fromkeys(";,\t", 0)
    quoted = False
    for char in first_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda c: (counts[c], c == ";"))
    return best if counts[best] else ";"


def _open_csv(path: Path, encoding: str):
    # Windows-1252 leaves five bytes undefined: they become "?" rather than stopping the import.
    return path.open("r", encoding=encoding, errors="replace" if encoding == "cp1252" else "strict", newline="")


def _csv_rows(table: Table) -> Iterator[Row]:
    with _open_csv(table.path, table.encoding) as f:
        reader = csv.reader(f, delimiter=table.delimiter)
        try:
            for cells in reader:
                cells = [c.strip() for c in cells[:MAX_COLUMNS]]
                if reader.line_num == 1 and cells:
                    # A UTF-8 byte-order mark before Windows-1252 text (an editor that added one).
                    cells[0] = cells[0].removeprefix(_BOM_AS_CP1252).removeprefix("\ufeff")
                # A spreadsheet would run a cell starting with "=" as a formula.
                yield Row(line=reader.line_num, cells=cells, formula=any(c.startswith("=") for c in cells))
        except csv.Error as exc:
            raise ValidationError(
                _("The CSV file cannot be read after line %(line)d: %(error)s")
                % {"line": reader.line_num, "error": exc},
                code="csv",
            ) from exc


# --- XLSX ----------------------------------------------------------------------------------------


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def _merged_rows(workbook, sheet) -> set[int]:
    """The row numbers that a merged range touches, from the sheet's ``<mergeCell>`` elements."""
    from defusedxml.ElementTree import iterparse
    from openpyxl.utils.cell import range_boundaries

    rows: set[int] = set()
    path = getattr(sheet, "_worksheet_path", None)
    if not path:
        return rows
    with workbook._archive.open(path) as source:
        for _event, element in iterparse(source, events=("end",)):
            if element.tag.endswith("}mergeCell"):
                try:
                    _c1, r1, _c2, r2 = range_boundaries(element.get("ref", ""))
                except (ValueError, TypeError):
                    continue
                if r1 is not None and r2 is not None:
                    rows.update(range(r1, min(r2, r1 + MAX_EMPTY_ROWS) + 1))
            elif element.tag.endswith("}row"):
                element.clear()  # cells already read: constant memory
    return rows


# What an XLSX may unpack to: its members are read once, with this cap, before openpyxl opens it
# (the sizes in a zip's header are the zip's own word and may lie; openpyxl keeps the shared
# strings in memory).
MAX_UNPACKED = 200 * 1024 * 1024


def _check_unpacked(path: Path) -> None:
    room = MAX_UNPACKED
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                with archive.open(info) as member:
                    while chunk := member.read(_CHUNK):
                        room -= len(chunk)
                        if room < 0:
                            raise ValidationError(
                                _("This Excel workbook unpacks to more than %(max)d MB.")
                                % {"max": MAX_UNPACKED // (1024 * 1024)},
                                code="xlsx_too_large",
                            )
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError) as exc:
        raise ValidationError(
            _("This Excel workbook cannot be opened: %(error)s") % {"error": exc}, code="xlsx"
        ) from exc


def _open_xlsx(path: Path):
    from openpyxl import load_workbook

    _check_unpacked(path)
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as exc:
        raise ValidationError(
            _("This Excel workbook cannot be opened: %(error)s") % {"error": exc}, code="xlsx"
        ) from exc
    return values, formulas


def _xlsx_rows(table: Table) -> Iterator[Row]:
    values, formulas = _open_xlsx(table.path)
    try:
        sheet_v = values.worksheets[0]
        sheet_f = formulas.worksheets[0]
        merged = _merged_rows(values, sheet_v)
        pairs = zip(sheet_v.iter_rows(max_col=MAX_COLUMNS), sheet_f.iter_rows(max_col=MAX_COLUMNS), strict=False)
        for number, (cells_v, cells_f) in enumerate(pairs, start=1):
            line = getattr(cells_v[0], "row", None) or number if cells_v else number
            texts = [_cell_text(getattr(c, "value", None)) for c in cells_v]
            formula = any(getattr(c, "data_type", "") == "f" for c in cells_f)
            yield Row(line=line, cells=texts, formula=formula, merged=line in merged)
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError) as exc:
        raise ValidationError(_("This Excel workbook cannot be read: %(error)s") % {"error": exc}, code="xlsx") from exc
    finally:
        values.close()
        formulas.close()


# --- both ----------------------------------------------------------------------------------------


def reopen(path: Path, kind: str) -> Table:
    """The table of a kept file, its encoding and separator detected again (not its headers)."""
    table = Table(kind=kind, path=path)
    if kind == "csv":
        table.encoding = detect_encoding(path)
        with _open_csv(path, table.encoding) as f:
            first = f.readline(64 * 1024)
        table.delimiter = detect_delimiter(first)
    return table


def open_table(path: Path, kind: str) -> Table:
    """The table with its header row read (the first row that is not empty)."""
    table = reopen(path, kind)
    for row in _raw_rows(table):
        if any(row.cells):
            table.headers = row.cells
            break
    if not table.headers:
        raise ValidationError(_("The file is empty."), code="empty")
    return table


def _raw_rows(table: Table) -> Iterator[Row]:
    return _csv_rows(table) if table.kind == "csv" else _xlsx_rows(table)


def data_rows(table: Table) -> Iterator[Row]:
    """The rows after the header row; empty rows are skipped, and many in a row end the reading."""
    seen_header = False
    empty = 0
    for row in _raw_rows(table):
        if not any(row.cells):
            empty += 1
            if empty > MAX_EMPTY_ROWS:
                return
            continue
        empty = 0
        if not seen_header:
            seen_header = True
            continue
        yield row


def count_rows(table: Table, limit: int) -> int:
    """The data rows, counted up to ``limit + 1`` (then the reading stops)."""
    count = 0
    for _row in data_rows(table):
        count += 1
        if count > limit:
            break
    return count
