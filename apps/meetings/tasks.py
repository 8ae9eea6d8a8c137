"""Celery task for the production mode (Celery beat, every quarter): waiting lists that can move up,
the reminders the day before, and the residents' data of meetings past their period."""

from celery import shared_task

from .services import background


@shared_task(name="apps.meetings.tasks.send_reminders", ignore_result=True)
def send_reminders() -> int:
    return background()
