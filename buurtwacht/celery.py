"""Celery application for the production mode (``BUURTWACHT_WORKER=celery``)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buurtwacht.settings")

app = Celery("buurtwacht")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "worker-heartbeat": {"task": "apps.messaging.tasks.heartbeat", "schedule": 15.0},
    "deliver-due-messages": {"task": "apps.messaging.tasks.deliver_due", "schedule": 10.0},
    "expire-applications": {"task": "apps.applications.tasks.expire_stale", "schedule": 3600.0},
    "coordinator-digest": {"task": "apps.staff.tasks.coordinator_digest", "schedule": 3600.0},
}
