"""manage.py repair_neighbours: find areas whose stored neighbours are out of date and recompute them."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from apps.areas import neighbours
from apps.areas.models import Area


class Command(BaseCommand):
    help = (
        "Compare the stored neighbours of every area with the neighbours computed now and write only the "
        "difference. Areas and their neighbours are saved together; this repairs what was left behind "
        "by an interrupted import from before that (ADR 0019)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="report what is out of date, write nothing")

    def handle(self, *args, dry_run: bool = False, **options):
        changes = neighbours.plan()
        if not changes:
            if not dry_run:
                neighbours.record_basis()
            self.stdout.write(
                _("The neighbours of all %(areas)d areas are up to date.") % {"areas": Area.objects.count()}
            )
            return
        figures = {"areas": len(changes.areas), "added": len(changes.added), "removed": len(changes.removed)}
        if dry_run:
            self.stdout.write(
                _(
                    "The neighbours of %(areas)d areas are out of date: %(added)d rows to add, %(removed)d to "
                    "remove. Nothing was written (dry run)."
                )
                % figures
            )
            return
        with transaction.atomic():
            neighbours.write(changes)
            neighbours.record_basis()
        self.stdout.write(
            _("The neighbours of %(areas)d areas are repaired: %(added)d rows added, %(removed)d removed.") % figures
        )
