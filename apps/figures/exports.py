"""The figures as downloads: CSV streamed row by row, XLSX written in openpyxl's write-only mode
to a temporary file that is streamed back, and the yearly report as a PDF (fpdf2).

Every download is a long table of three columns (figure, item, value), so any number of rows
(months, groups, sub-municipalities) streams without holding the table in memory. Text cells
are made safe for spreadsheets: a cell starting with = + - @ is not run as a formula."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator

from django.utils.translation import gettext as _

from .services import Figures

SAFE_PREFIX = "'"


def cell_safe(value):
    """Spreadsheets run text cells that start with = + - @ (or a tab or return) as formulas."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return SAFE_PREFIX + value
    return value


def header() -> list[str]:
    return [_("Figure"), _("Item"), _("Value")]


def rows(figures: Figures) -> Iterator[list]:
    """The figures as (figure, item, value) rows, in the order of the dashboard."""
    f = figures
    yield [_("Scope"), "", f.scope.name]
    yield [_("Period"), _("from"), f.period.start.isoformat()]
    yield [_("Period"), _("to"), f.period.end.isoformat()]
    yield [_("Summary"), "", f.sentence()]
    yield [_("Active groups"), "", f.active_groups]
    yield [_("Members"), "", f.members]
    yield [_("Sub-municipalities covered"), "", f.covered]
    yield [_("Sub-municipalities"), "", f.sub_municipality_total]
    for sub in f.sub_municipalities:
        yield [_("Sub-municipality covered"), sub.name, _("yes") if sub.covered else _("no")]
        yield [_("Members per sub-municipality"), sub.name, sub.members]
    for group in f.groups:
        yield [_("Members per group"), group.name, group.members]
    if f.largest:
        yield [_("Largest group"), f.largest.name, f.largest.members]
        yield [_("Smallest group"), f.smallest.name, f.smallest.members]
    for m in f.months:
        yield [_("Applications"), m.month, m.applications]
        yield [_("Decisions by admins"), m.month, m.decided]
        yield [_("Median hours to a decision"), m.month, m.decision_median_hours]
        yield [_("Members joined"), m.month, m.joined]
        yield [_("Members left"), m.month, m.left]
        yield [_("Incidents"), m.month, m.incidents]
        yield [_("Relays"), m.month, m.relays]
        yield [_("Median minutes to acknowledge a relay"), m.month, m.relay_ack_median_minutes]
    yield [_("Median hours to a decision"), _("whole period"), f.decision_median_hours]
    yield [_("Median minutes to acknowledge a relay"), _("whole period"), f.relay_ack_median_minutes]
    for label, n in f.incidents_by_category:
        yield [_("Incidents per category"), label, n]
    for label, n in f.incidents_by_sub_municipality:
        yield [_("Incidents per sub-municipality"), label, n]
    for label, n in f.signs_by_state:
        yield [_("Street signs"), label, n]
    yield [_("Street signs placed in the period"), "", f.signs_placed_in_period]
    for e in f.effect:
        yield [_("Incidents in the window before the group started"), e.group, e.before]
        yield [_("Incidents in the window after the group started"), e.group, e.after]


class _Echo:
    """A file-like object whose write gives back what was written, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(head: list[str], body: Iterable[list], *, delimiter: str = ";") -> Iterator[str]:
    """CSV text, one line at a time (with a BOM, so Excel reads the accents)."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    yield "\ufeff" + writer.writerow(head)
    for row in body:
        yield writer.writerow([cell_safe("" if v is None else v) for v in row])


def xlsx_file(title: str, head: list[str], body: Iterable[list]):
    """A temporary XLSX file (opened, at its start) written row by row in write-only mode; the
    caller streams it and closing it deletes it."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31] or "Figures")
    sheet.append(head)
    for row in body:
        sheet.append([cell_safe(v) for v in row])
    out = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 (closed by the response that streams it)
    workbook.save(out)
    out.seek(0)
    return out
