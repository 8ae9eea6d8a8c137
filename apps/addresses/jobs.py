"""The address import as a queued job of the upload screen (``apps.areas.jobs``), which
``AddressesConfig.ready`` registers for the ``addresses`` kind."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.utils.translation import gettext as _

from . import journal
from .importer import import_addresses


def run_address_import(job, report: Callable[[float], None]) -> tuple[str, list[str]]:
    """The runner of address imports (CSV) for the coordinator's municipality: an address that
    already belongs to another municipality is left as it is."""
    options = job.options or {}
    # A run of this job that the worker's stop interrupted: what it wrote, which this run completes.
    earlier = [journal.describe(run) for run in journal.unfinished(Path(job.path).name)]
    result = import_addresses(
        job.path,
        crs=options.get("crs") or None,
        municipality=job.municipality,
        keep_other_municipalities=True,
        progress=lambda lines, done, total: report(100 * done / max(total, 1)),
    )
    summary = _(
        "%(lines)d lines: %(inserted)d new, %(updated)d changed, %(unchanged)d unchanged, %(rejected)d refused, "
        "%(duplicates)d duplicates."
    ) % {
        "lines": result.lines,
        "inserted": result.inserted,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "rejected": result.rejected,
        "duplicates": result.duplicates,
    }
    details = earlier + [
        _("Line %(line)d %(column)s: %(reason)s") % {"line": r.line, "column": r.column, "reason": r.reason}
        for r in result.rejections
    ]
    return summary, details
