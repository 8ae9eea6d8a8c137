"""Celery task for the production mode."""

from celery import shared_task

from .services import hourly


@shared_task(name="apps.applications.tasks.expire_stale", ignore_result=True)
def expire_stale() -> int:
    """Expire, escalate to the coordinators, and fill the waiting lists' free places."""
    return hourly()
