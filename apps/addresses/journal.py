"""What an address import committed, known exactly even after a kill (ADR 0019).

On PostgreSQL two connections write each batch, each its half in its own transaction (ADR 0014):
a kill between their commits leaves half a batch in the register. Each writer therefore records
its part of every batch (:class:`~.models.AddressImportPart`: the batch's lines, its own rows, how
many parts the batch has) in the transaction that commits that part's rows. A part is in the
journal if and only if its rows are in the register, so :func:`describe` can say which lines an
unfinished import wrote, whole or in part; importing the same file again completes it (the
import is an upsert in the order of the file). A finished import keeps one row, without parts.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import AddressImport, AddressImportPart


@dataclass(frozen=True)
class Mark:
    """A writer's part of one batch, as its writer records it with the part's rows."""

    run_id: int
    batch: int
    first_line: int
    last_line: int
    batch_rows: int
    part: int = 0
    parts: int = 1

    def record(self, rows: int) -> None:
        """Inside the transaction that writes the part's rows."""
        AddressImportPart.objects.create(
            run_id=self.run_id,
            batch=self.batch,
            part=self.part,
            parts=self.parts,
            first_line=self.first_line,
            last_line=self.last_line,
            rows=rows,
            batch_rows=self.batch_rows,
        )


def start(path: Path) -> AddressImport:
    return AddressImport.objects.create(file=path.name[:255], size=path.stat().st_size)


def finish(run: AddressImport, lines: int) -> None:
    """The whole file is written: the parts are no longer needed, and earlier unfinished imports
    of the same file are complete now."""
    now = timezone.now()
    with transaction.atomic():
        AddressImport.objects.filter(pk=run.pk).update(outcome=AddressImport.Outcome.DONE, finished_at=now, lines=lines)
        earlier = AddressImport.objects.filter(
            file=run.file,
            started_at__lte=run.started_at,
            outcome__in=(AddressImport.Outcome.RUNNING, AddressImport.Outcome.FAILED),
        ).exclude(pk=run.pk)
        ids = list(earlier.values_list("pk", flat=True))
        AddressImport.objects.filter(pk__in=ids).update(outcome=AddressImport.Outcome.REDONE, finished_at=now)
        AddressImportPart.objects.filter(run_id__in=[run.pk, *ids]).delete()


def fail(run: AddressImport, error: BaseException) -> None:
    """The import stopped on an error; its parts stay, to say what it wrote."""
    # Inside a caller's transaction that the error broke, nothing can be written: it is rolled
    # back with the rest.
    with contextlib.suppress(DatabaseError), transaction.atomic():
        AddressImport.objects.filter(pk=run.pk, outcome=AddressImport.Outcome.RUNNING).update(
            outcome=AddressImport.Outcome.FAILED, finished_at=timezone.now(), error=str(error)[:2000]
        )


def forget(run: AddressImport) -> None:
    """Nothing was written (the file was refused): no trace is kept."""
    with contextlib.suppress(DatabaseError):  # inside a caller's transaction the error broke
        AddressImport.objects.filter(pk=run.pk).delete()


def unfinished(file: str | None = None) -> list[AddressImport]:
    runs = AddressImport.objects.filter(outcome__in=(AddressImport.Outcome.RUNNING, AddressImport.Outcome.FAILED))
    if file is not None:
        runs = runs.filter(file=file[:255])
    return list(runs.order_by("started_at"))


def describe(run: AddressImport) -> str:
    """What an unfinished import wrote, exactly: the lines whose every address is in the register
    (every part of their batches committed), the lines of which only some are, and the last line
    it wrote anything of."""
    started = timezone.localtime(run.started_at).strftime("%Y-%m-%d %H:%M:%S")
    if run.outcome == AddressImport.Outcome.FAILED:
        head = _("The import of %(file)s started at %(started)s stopped on an error.")
    else:
        head = _("The import of %(file)s started at %(started)s has not finished: it stopped, or it is still running.")
    head %= {"file": run.file, "started": started}
    batches: dict[int, list[AddressImportPart]] = {}
    for part in run.parts.order_by("batch", "part"):
        batches.setdefault(part.batch, []).append(part)
    whole_through = 1  # the header
    number = 1
    while number in batches and len(batches[number]) == batches[number][0].parts:
        whole_through = batches[number][0].last_line
        number += 1
    # Every writer records a part of every batch, in the order of the file (an empty one too), so
    # the batches after the whole ones have no gaps: the writer furthest ahead has a part of each.
    rest = [parts for batch, parts in sorted(batches.items()) if batch >= number]
    if not batches:
        held = _("Nothing of it was written yet.")
    elif not rest:
        held = _("The addresses of its lines up to %(line)d are in the register; nothing after that line was written.")
        held %= {"line": whole_through}
    else:
        held = _(
            "The addresses of its lines up to %(line)d are in the register, and %(rows)d of the %(total)d addresses "
            "of lines %(first)d to %(last)d; nothing after line %(last)d was written."
        ) % {
            "line": whole_through,
            "rows": sum(p.rows for parts in rest for p in parts),
            "total": sum(parts[0].batch_rows for parts in rest),
            "first": rest[0][0].first_line,
            "last": rest[-1][0].last_line,
        }
    return " ".join((head, held, _("Importing the file again completes it.")))
