"""manage.py import_areas PATH --municipality NAME: load a municipality's areas from a file."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.areas.importer import AreaImportRefused, AreaImportResult, import_areas
from apps.core.actors import SYSTEM


class Command(BaseCommand):
    help = (
        "Import areas from GeoJSON, a zipped Shapefile or a GeoPackage in EPSG:4326, 28992, 31370 or 3812. "
        "All or nothing; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--municipality", required=True, help="name, slug or code; created when it does not exist")
        parser.add_argument("--crs", type=int, help="EPSG code, when the file does not say")
        parser.add_argument("--name-field", help="the property that holds each area's name")
        parser.add_argument("--country", choices=["BE", "NL"], help="for a municipality that is created")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        try:
            result = import_areas(
                path,
                municipality=options["municipality"],
                crs=options["crs"],
                name_field=options["name_field"],
                country=options["country"],
                dry_run=options["dry_run"],
                actor=SYSTEM,
            )
        except AreaImportRefused as exc:
            if exc.result is not None:
                self._report(exc.result)
            raise CommandError(" ".join(exc.messages)) from exc
        self._report(result)

    def _report(self, result: AreaImportResult) -> None:
        write = self.stdout.write
        write(
            _("%(kind)s in EPSG:%(crs)s for %(municipality)s%(created)s%(dry)s")
            % {
                "kind": result.kind,
                "crs": result.epsg,
                "municipality": result.municipality,
                "created": _(" (new municipality)") if result.municipality_created else "",
                "dry": _(" — dry run, nothing written") if result.dry_run else "",
            }
        )
        write(
            _(
                "%(created)d new, %(updated)d changed, %(unchanged)d unchanged, %(refused)d refused, "
                "%(repaired)d repaired"
            )
            % {
                "created": result.count("created"),
                "updated": result.count("updated"),
                "unchanged": result.count("unchanged"),
                "refused": result.count("refused"),
                "repaired": len(result.repaired),
            }
        )
        if result.neighbours_repaired:
            write(
                _("The neighbours of %(n)d areas were out of date and have been repaired.")
                % {"n": result.neighbours_repaired}
            )
        for f in result.refused:
            self.stderr.write(
                _("Feature %(n)d %(name)s refused: %(reason)s") % {"n": f.number, "name": f.name, "reason": f.reason}
            )
        for f in result.repaired:
            write(_("Feature %(n)d %(name)s: %(what)s") % {"n": f.number, "name": f.name, "what": f.repaired})
        for o in result.overlaps:
            write(
                _("Overlap %(a)s / %(b)s: %(m2).0f m²%(active)s")
                % {
                    "a": o.first,
                    "b": o.second,
                    "m2": o.m2,
                    "active": _(" (both active groups)") if o.active_groups else "",
                }
            )
