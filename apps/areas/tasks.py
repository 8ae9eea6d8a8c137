"""Celery task of the imports (production mode); the embedded mode runs them in the worker."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="areas.run_import_job")
def run_import_job(job_id: int) -> None:
    from .jobs import run_job_by_id

    run_job_by_id(job_id)
