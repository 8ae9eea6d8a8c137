"""Celery task for the production mode."""

from celery import shared_task

from .digest import send_coordinator_digests


@shared_task(name="apps.staff.tasks.coordinator_digest", ignore_result=True)
def coordinator_digest() -> int:
    return send_coordinator_digests()
