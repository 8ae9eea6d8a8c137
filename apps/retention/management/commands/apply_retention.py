"""Remove the personal data past each municipality's retention periods, now (the worker and Celery
beat also run it by themselves)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from apps.municipalities.models import Municipality
from apps.retention.services import KINDS, apply_retention

COLUMNS = (*KINDS, "attachments")


class Command(BaseCommand):
    help = "Delete (or, with --dry-run, count) what is past each municipality's retention periods."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count what would be removed; change nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        report = apply_retention(dry_run=dry_run)
        names = dict(Municipality.objects.values_list("pk", "name"))
        verb = "would remove" if dry_run else "removed"
        if not report.counts:
            self.stdout.write(f"Nothing is past its retention period ({'dry run' if dry_run else 'nothing removed'}).")
            return
        self.stdout.write("\t".join(["municipality", *COLUMNS]))
        for municipality_id, counts in sorted(report.counts.items(), key=lambda kv: (kv[0] is None, kv[0] or 0)):
            name = names.get(municipality_id, "(none)") if municipality_id is not None else "(none)"
            self.stdout.write("\t".join([name, *(str(counts.get(k, 0)) for k in COLUMNS)]))
        self.stdout.write(f"{'Dry run: ' if dry_run else ''}{verb} {report.total} in total.")
