"""Celery task for the production mode."""

from celery import shared_task

from .services import apply_retention as run


@shared_task(name="apps.retention.tasks.apply_retention", ignore_result=True)
def apply_retention() -> int:
    """Delete or redact what is older than each municipality's retention periods."""
    return run().total
