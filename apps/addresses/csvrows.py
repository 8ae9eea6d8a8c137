"""Reading an address CSV: its header, its column layout, each row checked and normalised, and
the report of the rows refused (``importer.import_addresses`` drives it)."""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from apps.areas.geometry import SERVICE_BOUNDS

from .normalize import normalize_addition, normalize_postcode, split_house_number

BASE_COLUMNS = ("postcode", "house_number", "addition", "street", "town")
MAX_REPORTED = 100_000  # beyond this the report only counts


class ImportRefused(ValidationError):
    """The file as a whole cannot be imported (wrong header, unknown CRS, empty file)."""


@dataclass
class Rejection:
    line: int
    column: str
    value: str
    reason: str


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
