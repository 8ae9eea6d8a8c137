"""Celery task for the production mode."""

from celery import shared_task

from .services import expire_stale_applications


@shared_task(name="apps.applications.tasks.expire_stale", ignore_result=True)
def expire_stale() -> int:
    return expire_stale_applications()
