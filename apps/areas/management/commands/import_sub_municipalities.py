"""manage.py import_sub_municipalities PATH --municipality NAME: load a municipality's
sub-municipalities (deelgemeenten, wijken, buurten) with their boundaries."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from apps.areas.importer import AreaImportRefused, _find_municipality
from apps.areas.sub_municipalities import import_sub_municipalities
from apps.core.actors import SYSTEM


class Command(BaseCommand):
    help = (
        "Import a municipality's sub-municipalities with their boundaries from GeoJSON, a zipped Shapefile or a "
        "GeoPackage in EPSG:4326, 28992, 31370 or 3812. A file of many municipalities that names each feature's "
        "municipality gives only this one's. All or nothing; importing the same file again changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument(
            "--municipality", required=True, help="name, slug or official code of an existing municipality"
        )
        parser.add_argument("--crs", type=int, help="EPSG code, when the file does not say")
        parser.add_argument("--name-field", help="the property that holds each sub-municipality's name")
        parser.add_argument("--dry-run", action="store_true", help="check and report, write nothing")

    def handle(self, *args, **options):
        path = Path(options["path"])
        if not path.is_file():
            raise CommandError(_("There is no file %(path)s.") % {"path": path})
        municipality = _find_municipality(options["municipality"])
        if municipality is None:
            raise CommandError(_("There is no municipality %(name)s.") % {"name": options["municipality"]})
        try:
            result = import_sub_municipalities(
                path,
                municipality=municipality,
                actor=SYSTEM,
                crs=options["crs"],
                name_field=options["name_field"],
                dry_run=options["dry_run"],
            )
        except AreaImportRefused as exc:
            for f in exc.result.refused if exc.result is not None else []:
                self.stderr.write(
                    _("Feature %(n)d %(name)s refused: %(reason)s")
                    % {"n": f.number, "name": f.name, "reason": f.reason}
                )
            raise CommandError(" ".join(exc.messages)) from exc
        head = _("%(kind)s in EPSG:%(crs)s for %(municipality)s") % {
            "kind": result.kind,
            "crs": result.epsg,
            "municipality": result.municipality,
        }
        if result.dry_run:
            head += _(" — dry run, nothing written")
        self.stdout.write(head)
        self.stdout.write(result.summary())
        for name in result.not_in_file:
            self.stdout.write(_("Not in the file, kept: %(name)s") % {"name": name})
