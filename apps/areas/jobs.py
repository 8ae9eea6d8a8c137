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
from django.utils import timezone, translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from apps.core.actors import SYSTEM, account_of
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


def register_runner(kind: str, runner: Runner) -> None:
    """Let the app that owns an import kind run its jobs; called from its ``AppConfig.ready``."""
    _runners[kind] = runner


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
        transaction.on_commit(lambda: run_import_job.delay(job.pk))
    return job


def _claim() -> ImportJob | None:
    for job_id in (
        ImportJob.objects.filter(status=ImportJob.Status.QUEUED).order_by("created_at").values_list("pk", flat=True)[:5]
    ):
        claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.QUEUED).update(
            status=ImportJob.Status.RUNNING, started_at=timezone.now()
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
        status=ImportJob.Status.RUNNING, started_at=timezone.now()
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
            ImportJob.objects.filter(pk=job.pk).update(progress=max(0, min(99, int(percent))))

    runner = _runners.get(job.kind)
    try:
        if runner is None:
            raise ValidationError(
                _("No import of this kind (%(kind)s) is known; nothing was imported.") % {"kind": job.kind}
            )
        summary, details = runner(job, report)
        status = ImportJob.Status.DONE
    except ValidationError as exc:
        summary = " ".join(exc.messages)
        details = getattr(exc, "details", [])
        status = ImportJob.Status.FAILED
    except Exception:  # noqa: BLE001 (the job must end, whatever happened)
        log.exception("import job %s failed", job.pk)
        summary, details, status = _("The import stopped on an unexpected error."), [], ImportJob.Status.FAILED
    ImportJob.objects.filter(pk=job.pk).update(
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
