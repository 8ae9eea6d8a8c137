"""The coverage of a municipality as a spreadsheet: one row per sub-municipality and a total, the
same figures as the coverage page (``services.coverage_for``). Counts only, no personal data."""

from __future__ import annotations

import csv
import io

from django.utils.translation import gettext as _

from .services import Coverage

DELIMITERS = (";", ",")


def _cell(value: str) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas; a name typed in must not."""
    return "'" + value if value and value[0] in "=+-@\t\r" else value


def coverage_csv(coverage: Coverage, *, delimiter: str = ";") -> str:
    if delimiter not in DELIMITERS:
        delimiter = ";"
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(
        [
            _("sub-municipality"),
            _("covered"),
            _("addresses"),
            _("addresses in a group's area"),
            _("groups"),
            _("members"),
        ]
    )
    for sub in coverage.sub_municipalities:
        writer.writerow(
            [
                _cell(sub.name),
                _("yes") if sub.covered else _("no"),
                sub.addresses,
                sub.covered_addresses,
                sub.groups,
                sub.members,
            ]
        )
    writer.writerow(
        [
            _("total"),
            _("%(covered)s of %(total)s")
            % {"covered": coverage.covered_sub_municipalities, "total": len(coverage.sub_municipalities)},
            coverage.addresses,
            coverage.covered_addresses,
            coverage.active_groups,
            coverage.members,
        ]
    )
    return out.getvalue()
