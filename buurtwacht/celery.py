"""Celery application for the production mode (``BUURTWACHT_WORKER=celery``).

The database rows are the queues (``OutgoingMessage``, ``ImportJob``); a task sent when a row is
written only wakes a worker early (``apps.core.wakeup``). The beat schedule sweeps the rows on a
fixed period, so work whose wake-up was lost (the broker was down, the process died between the
commit and the publish) is still done once the broker and a worker are back (docs/adr/0024).
"""

from __future__ import annotations

import os

from celery import Celery, shared_task
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buurtwacht.settings")

app = Celery("buurtwacht")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "apps.messaging.tasks.heartbeat", "schedule": 15.0},
    "deliver-due-messages": {"task": "apps.messaging.tasks.deliver_due", "schedule": 10.0},
    "run-queued-imports": {"task": "areas.run_queued_imports", "schedule": 60.0},
    "expire-applications": {"task": "apps.applications.tasks.expire_stale", "schedule": 3600.0},
    "coordinator-digest": {"task": "apps.staff.tasks.coordinator_digest", "schedule": 3600.0},
    "apply-retention": {"task": "apps.retention.tasks.apply_retention", "schedule": 6 * 3600.0},
    "meeting-reminders": {"task": "apps.meetings.tasks.send_reminders", "schedule": 900.0},
}


@worker_process_init.connect(dispatch_uid="buurtwacht_allocator")
def _allocator(**_kwargs) -> None:
    """Each worker process gives large freed blocks back to the system (ADR 0037)."""
    from apps.core.allocator import tune

    tune()


@shared_task(name="areas.run_queued_imports", ignore_result=True)
def run_queued_imports() -> int:
    """The sweep of queued imports: one per round, the oldest first (each claim is atomic, so a
    job that was also woken for runs once)."""
    from apps.areas.jobs import run_due_jobs

    return run_due_jobs(limit=1)
