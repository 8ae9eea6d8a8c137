"""manage.py import_addresses PATH.csv: load or refresh the address register."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.addresses import journal
from apps.addresses.importer import ImportRefused, import_addresses
from apps.municipalities.models import Municipality


class Command(BaseCommand):
    help = (
        "Load addresses from a CSV with the columns postcode,house_number,addition,street,town,lat,lon "
        "(or x,y with --crs). Upserts: running the same file again changes nothing. Refused rows are "
        "written with their line number to a report. --status says what an import that did not finish "
        "wrote; importing its file again completes it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?")
        parser.add_argument(
            "--status", action="store_true", help="say what the imports that did not finish wrote, and stop"
        )
        parser.add_argument("--crs", type=int, help="EPSG code of x,y columns: 28992, 31370 or 3812")
        parser.add_argument("--municipality", help="name, slug or official code of the municipality of these addresses")
        parser.add_argument("--report", help="where to write refused rows (default: var/imports/<file>.rejected.csv)")
        parser.add_argument("--batch-size", type=int, default=20_000)

    def handle(self, *args, **options):
        if options["status"]:
            runs = journal.unfinished()
            for run in runs:
                self.stdout.write(journal.describe(run))
            if not runs:
                self.stdout.write(_("No address import is unfinished."))
            return
        if not options["path"]:
            raise CommandError(_("Give the CSV file, or --status."))
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        municipality = None
        if options["municipality"]:
            name = options["municipality"]
            municipality = (
                Municipality.objects.filter(slug=name).first()
                or Municipality.objects.filter(code=name).first()
                or Municipality.objects.filter(name__iexact=name).first()
            )
            if municipality is None:
                raise CommandError(_("There is no municipality %(name)s.") % {"name": name})
        report = options["report"] or str(
            Path(settings.VAR_DIR) / "imports" / f"{path.stem}-{time.strftime('%Y%m%d-%H%M%S')}.rejected.csv"
        )

        def progress(lines, done, total):
            if options["verbosity"] > 1:
                self.stderr.write(f"{lines:>12,} lines  {100 * done / total:5.1f} %")

        # An earlier import of this file that did not finish: what it wrote, which this run completes.
        for run in journal.unfinished(path.name):
            self.stdout.write(journal.describe(run))
        try:
            result = import_addresses(
                path,
                crs=options["crs"],
                municipality=municipality,
                report_path=report,
                batch_size=options["batch_size"],
                progress=progress,
            )
        except ImportRefused as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            _(
                "%(lines)d lines in %(seconds).1f s (%(rate)d per second): %(inserted)d new, %(updated)d changed, "
                "%(unchanged)d unchanged, %(rejected)d refused, %(duplicates)d duplicates."
            )
            % {
                "lines": result.lines,
                "seconds": result.seconds,
                "rate": result.per_second,
                "inserted": result.inserted,
                "updated": result.updated,
                "unchanged": result.unchanged,
                "rejected": result.rejected,
                "duplicates": result.duplicates,
            }
        )
        if result.report_path:
            self.stdout.write(_("Refused rows and duplicates: %(path)s") % {"path": result.report_path})
