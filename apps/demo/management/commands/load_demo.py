"""``manage.py load_demo``: the demo world, its figures and its logins."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.demo import figures, load
from apps.demo.generate import DEFAULT_SEED
from apps.demo.logins import format_table
from apps.municipalities.models import Municipality


class Command(BaseCommand):
    help = (
        "Load the demo: Heerlo, an invented Belgian municipality (12 sub-municipalities, 8 active groups in 11 of "
        "them, 330 members, the largest group 85, 9 street signs, police zone PZ Kanton Heerlo) and Maasveld, an "
        "invented Dutch neighbour (2 groups), with address registers, house rules, open applications, a request "
        "to start a group and staff logins that share one password. The same seed always gives the same data. "
        "Without options the command refuses when demo data is already there; --reset deletes the demo "
        "municipalities, their police zone and the demo logins (nothing else) and loads them again; --if-empty "
        "loads only into a database that has no municipality yet and otherwise does nothing."
    )

    def add_arguments(self, parser):
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--reset", action="store_true", help="Delete the demo municipalities and logins first, then load again."
        )
        mode.add_argument(
            "--if-empty",
            action="store_true",
            help="Load only when the database has no municipality at all; otherwise do nothing (used by make run).",
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Seed of the generator (default {DEFAULT_SEED})."
        )

    def handle(self, *args, reset=False, if_empty=False, seed=DEFAULT_SEED, **options):
        if if_empty and (Municipality.objects.exists() or load.present()):
            if load.present():
                self.stdout.write("The demo is already loaded; nothing changed.\n")
                self._report()
            else:
                self.stdout.write("The database already has municipalities; the demo was not loaded.")
            return
        if load.present() and not reset:
            raise CommandError(
                "The demo is already loaded. Run `manage.py load_demo --reset` to delete it and load it again."
            )
        try:
            # One transaction: a reload that fails leaves the previous demo in place.
            with transaction.atomic():
                if reset:
                    load.reset()
                load.load(seed)
        except load.DemoError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(f"Demo loaded (seed {seed}).") + "\n")
        self._report()

    def _report(self):
        for line in figures.demo_coverage():
            self.stdout.write(f"{line}")
        self.stdout.write("\n" + format_table())
