"""Run by test_import_after_a_kill.py in a process of its own: ``import_addresses`` with two writing
connections (PostgreSQL), killed between the two halves of one batch: once both writers have
committed every batch before ``K``, the first writer to reach batch ``K`` commits its half and
the process ends at once (``os._exit``, as a kill), while the other writer waits before its half.
With one writer (SQLite) the process ends right after batch ``K`` committed. Nothing of the
process runs after that: no ``finally``, no report.

    python -m apps.addresses.tests.killed_import kill CSV BATCH_SIZE K WRITERS
    python -m apps.addresses.tests.killed_import manage COMMAND ARGS…   (a command, in English)
"""

from __future__ import annotations

import os
import sys
import threading


def main(csv_path: str, batch_size: int, kill_at: int, writers_expected: int) -> None:
    import django

    django.setup()
    from apps.addresses import writers
    from apps.addresses.importer import import_addresses

    lock = threading.Lock()
    calls: dict[int, int] = {}
    both_there = threading.Event()  # both writers have committed every batch before K
    if writers_expected == 1:
        both_there.set()
    never = threading.Event()
    original = writers._Writer.write

    def write(self, rows, *args, **kwargs):
        with lock:
            calls[id(self)] = number = calls.get(id(self), 0) + 1
            first = number == kill_at and not any(n >= kill_at for key, n in calls.items() if key != id(self))
        if number == kill_at:
            if not first:
                both_there.set()
                never.wait()  # the other half of batch K: never written
            both_there.wait()
        original(self, rows, *args, **kwargs)
        if number == kill_at:
            os._exit(9)  # killed right after this half of batch K committed

    writers._Writer.write = write
    import_addresses(csv_path, batch_size=batch_size)
    sys.exit("the import ended without being killed")


def manage(args: list[str]) -> None:
    import django

    django.setup()
    from django.core.management import execute_from_command_line
    from django.utils import translation

    translation.activate("en")  # the test reads the messages in English
    execute_from_command_line(["manage.py", *args])


if __name__ == "__main__":
    if sys.argv[1] == "kill":
        main(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]))
    else:
        manage(sys.argv[2:])
