"""Imports from the coordinator's upload screen: queued as an ``ImportJob``, run by the worker,
followed by the screen through the job's progress.

The embedded worker and Celery both call :func:`run_due_jobs`; ``manage.py run_import_jobs``
runs it on its own as well.

Each kind of import has a runner, registered by the app that owns it (:func:`register_runner`,
from its ``AppConfig.ready``): areas registers the area import, addresses the address import.
A job of a kind nobody registered ends failed, with nothing imported.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import SYSTEM, account_of
from apps.core.limits import Budget, Cancelled
from apps.core.wakeup import wake
from apps.municipalities.permissions import require_municipality

from .importer import AreaImportRefused, import_areas
from .models import ImportJob

log = logging.getLogger(__name__)
UPLOAD_DIR = "imports"
ADDRESS_CSV_MAX = 4 * 1024**3

# A runner gets the claimed job and a function that takes its progress in percent; it returns
# the summary and the detail lines shown with the finished job (a ValidationError refuses it).
Runner = Callable[[ImportJob, Callable[[float], None]], tuple[str, list[str]]]
_runners: dict[str, Runner] = {}
# The kinds whose runner stops when its job is cancelled while it runs (``cancelled``); the job of
# another kind can be cancelled only while it waits.
_cancellable: set[str] = set()
# A job is started at most this often: one that stopped the worker (its memory, a crash) twice
# is not started a third time.
MAX_ATTEMPTS = 2


class JobCancelled(Exception):
    """The coordinator cancelled the job while it ran; nothing was written."""


def register_runner(kind: str, runner: Runner, *, cancellable: bool = False) -> None:
    """Let the app that owns an import kind run its jobs; called from its ``AppConfig.ready``.
    ``cancellable``: the runner asks :func:`cancelled` and stops, writing nothing, when it is."""
    _runners[kind] = runner
    if cancellable:
        _cancellable.add(kind)
    else:
        _cancellable.discard(kind)


def parse_budget() -> Budget:
    """The memory and time an uploaded file may take to read (``apps.core.limits``)."""
    return Budget(
        memory_bytes=settings.BUURTWACHT_PARSE_MEMORY,
        cpu_seconds=settings.BUURTWACHT_PARSE_CPU_SECONDS,
        wall_seconds=settings.BUURTWACHT_PARSE_WALL_SECONDS,
    )


def cancelled(job: ImportJob) -> bool:
    """Has the job been cancelled since it was claimed?"""
    return ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.CANCELLED).exists()


def may_cancel(job: ImportJob) -> bool:
    """Can the job still be cancelled: waiting, or running in a runner that stops when asked and
    has not begun to write (a job writing its result finishes)."""
    if job.status == ImportJob.Status.QUEUED:
        return True
    return job.status == ImportJob.Status.RUNNING and job.kind in _cancellable and job.progress < 100


def cancel_job(job: ImportJob, *, actor) -> ImportJob:
    """Cancel a waiting or running import of a municipality the actor coordinates. A waiting job
    is not started; a running area import stops before it writes anything. Refused (a
    ``ValidationError``) once the job is done, refused or writing."""
    require_municipality(actor, job.municipality)
    if not may_cancel(job):
        raise ValidationError(_("This import can no longer be cancelled."))
    states = [ImportJob.Status.QUEUED]
    if job.kind in _cancellable:
        states.append(ImportJob.Status.RUNNING)
    with transaction.atomic():
        with translation.override((job.options or {}).get("language") or settings.LANGUAGE_CODE):
            summary = _("Cancelled; nothing was imported.")
        # Progress 100 means the runner is writing (``before_write``): too late to cancel.
        changed = ImportJob.objects.filter(pk=job.pk, status__in=states, progress__lt=100).update(
            status=ImportJob.Status.CANCELLED, summary=summary, finished_at=timezone.now()
        )
        if not changed:
            raise ValidationError(_("This import can no longer be cancelled."))
        record(actor, AuditEvent.Action.IMPORT_CANCELLED, job, municipality_id=job.municipality_id, kind=job.kind)
    job.refresh_from_db()
    return job


def before_write(job: ImportJob) -> None:
    """Called by a cancellable runner inside the transaction that writes its result: locks the
    job, stops (``JobCancelled``) if it was cancelled, and otherwise marks it as writing, so a
    cancellation that comes now is refused instead of arriving too late."""
    current = ImportJob.objects.select_for_update().filter(pk=job.pk).values_list("status", flat=True).first()
    if current != ImportJob.Status.RUNNING:
        raise JobCancelled
    ImportJob.objects.filter(pk=job.pk).update(progress=100)


def _upload_dir() -> Path:
    path = Path(settings.VAR_DIR) / UPLOAD_DIR
    path.mkdir(parents=True, exist_ok=True)
    return path


def queue_import(*, actor, municipality, kind: str, upload, options: dict | None = None) -> ImportJob:
    """Keep the uploaded file and queue its import for the worker."""
    require_municipality(actor, municipality)
    if kind not in ImportJob.Kind.values:
        raise ValidationError({"kind": _("Choose what the file holds.")})
    limit = settings.BUURTWACHT_MAX_AREA_FILE if kind == ImportJob.Kind.AREAS else ADDRESS_CSV_MAX
    if upload is None or upload.size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    if upload.size > limit:
        raise ValidationError({"file": _("The file is larger than %(max)d MB.") % {"max": limit // (1024 * 1024)}})
    suffix = Path(upload.name).suffix.lower()[:10]
    target = _upload_dir() / f"{uuid.uuid4().hex}{suffix}"
    with target.open("wb") as f:
        for chunk in upload.chunks():
            f.write(chunk)
    with transaction.atomic():
        job = ImportJob.objects.create(
            municipality=municipality,
            kind=kind,
            path=str(target),
            original_name=Path(upload.name).name[:200],
            # The worker writes the summary in the language of the coordinator who uploaded.
            options={**(options or {}), "language": translation.get_language() or settings.LANGUAGE_CODE},
            created_by=account_of(actor),
        )
    if settings.BUURTWACHT_WORKER == "celery":
        # A wake-up only: a job the broker did not take is found by the sweep (``run_queued_imports``).
        transaction.on_commit(lambda: wake(run_import_job, job.pk))
    return job


def _claim() -> ImportJob | None:
    for job_id in (
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("created_at").values_list("pk", flat=True)[:5]
    ):
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
        )
        if claimed:
            return ImportJob.objects.get(pk=job_id)
    return None


def requeue_interrupted() -> int:
    """Put the imports that were running when the embedded worker stopped back in the queue.

    Only the embedded worker calls this, when it starts: a deployment runs one of it, so a job
    marked running at that moment has no worker left. Imports are upserts, so running one again
    from the start changes nothing twice. A job whose file is gone is marked refused instead.
    """
    requeued = 0
    for job in ImportJob.objects.filter(status=ImportJob.Status.RUNNING):
        if job.attempts >= MAX_ATTEMPTS:
            # Twice the worker stopped while running it: the file itself may be what stops it.
            with translation.override((job.options or {}).get("language") or settings.LANGUAGE_CODE):
                summary = _(
                    "The import stopped the worker %(n)d times and is not started again; check the file or split it."
                ) % {"n": job.attempts}
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED, summary=summary, finished_at=timezone.now()
            )
            Path(job.path).unlink(missing_ok=True)
            log.warning("import job %s stopped the worker %s times; not started again", job.pk, job.attempts)
            continue
        if Path(job.path).is_file():
            requeued += ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.QUEUED, progress=0, started_at=None
            )
        else:
            with translation.override((job.options or {}).get("language") or settings.LANGUAGE_CODE):
                summary = _("The import stopped when the worker stopped; upload the file again.")
            ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
                status=ImportJob.Status.FAILED, summary=summary, finished_at=timezone.now()
            )
    if requeued:
        log.warning("%s interrupted import(s) queued again", requeued)
    return requeued


def run_due_jobs(limit: int = 1) -> int:
    done = 0
    while done < limit:
        job = _claim()
        if job is None:
            break
        run(job)
        done += 1
    return done


@shared_task(name="areas.run_import_job")
def run_import_job(job_id: int) -> None:
    """The Celery task of one queued job (production mode); ``tasks`` names it for autodiscovery."""
    run_job_by_id(job_id)


def run_job_by_id(job_id: int) -> None:
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
        status=ImportJob.Status.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1
    )
    if claimed:
        run(ImportJob.objects.get(pk=job_id))


def run(job: ImportJob) -> None:
    """Run a claimed job to its end; the file is removed afterwards."""
    with translation.override((job.options or {}).get("language") or settings.LANGUAGE_CODE):
        _run(job)
    Path(job.path).unlink(missing_ok=True)


def _run(job: ImportJob) -> None:
    last = [0.0]

    def report(percent: float) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.5:
            last[0] = now
            # Never back from 100, which marks a job writing its result (``before_write``).
            ImportJob.objects.filter(pk=job.pk, progress__lt=100).update(progress=max(0, min(99, int(percent))))

    runner = _runners.get(job.kind)
    try:
        if runner is None:
            raise ValidationError(
                _("No import of this kind (%(kind)s) is known; nothing was imported.") % {"kind": job.kind}
            )
        summary, details = runner(job, report)
        status = ImportJob.Status.DONE
    except (JobCancelled, Cancelled):
        log.info("import job %s stopped: cancelled", job.pk)
        return
    except ValidationError as exc:
        summary = " ".join(exc.messages)
        details = getattr(exc, "details", [])
        status = ImportJob.Status.FAILED
    except Exception:  # noqa: BLE001 (the job must end, whatever happened)
        log.exception("import job %s failed", job.pk)
        summary, details, status = _("The import stopped on an unexpected error."), [], ImportJob.Status.FAILED
    # Only a job still running: a cancelled one keeps its state and its summary.
    ImportJob.objects.filter(pk=job.pk, status=ImportJob.Status.RUNNING).update(
        status=status, progress=100, summary=summary, details=details[:500], finished_at=timezone.now()
    )


def run_area_import(job: ImportJob, report: Callable[[float], None]) -> tuple[str, list[str]]:
    """The runner of area imports (GeoJSON, Shapefile zip, GeoPackage)."""
    options = job.options or {}
    try:
        result = import_areas(
            job.path,
            municipality=job.municipality.slug,
            crs=options.get("crs") or None,
            name_field=options.get("name_field") or None,
            dry_run=bool(options.get("dry_run")),
            # Checked when the job was queued; a coordinator's account removed since leaves the system.
            actor=job.created_by or SYSTEM,
            progress=lambda done, total: report(100 * done / max(total, 1)),
            # An upload is read within a memory and time budget, in a process of its own.
            budget=parse_budget(),
            cancelled=lambda: cancelled(job),
            before_write=lambda: before_write(job),
        )
    except AreaImportRefused as exc:
        if exc.result is not None:
            exc.details = [
                _("Feature %(n)d %(name)s: %(reason)s") % {"n": f.number, "name": f.name, "reason": f.reason}
                for f in exc.result.refused
            ]
        raise
    details = [
        _("Feature %(n)d %(name)s: %(what)s") % {"n": f.number, "name": f.name, "what": f.repaired}
        for f in result.repaired
    ]
    if result.neighbours_repaired:
        details.append(
            _("The neighbours of %(n)d areas were out of date and have been repaired.")
            % {"n": result.neighbours_repaired}
        )
    details += [
        _("Overlap %(a)s / %(b)s: %(m2)s m²")
        % {"a": o.first, "b": o.second, "m2": number_format(round(o.m2), force_grouping=True)}
        for o in result.overlaps
    ]
    summary = _(
        "%(created)d new, %(updated)d changed, %(unchanged)d unchanged, %(repaired)d repaired, %(overlaps)d overlaps."
    ) % {
        "created": result.count("created"),
        "updated": result.count("updated"),
        "unchanged": result.count("unchanged"),
        "repaired": len(result.repaired),
        "overlaps": len(result.overlaps),
    }
    if result.dry_run:
        summary = _("Dry run, nothing written: ") + summary
    return summary, details
