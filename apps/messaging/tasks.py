"""Celery tasks for the production mode. Each takes primary keys and is safe to repeat."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(name="apps.messaging.tasks.deliver_message", ignore_result=True)
def deliver_message(pk: int) -> None:
    services.deliver(pk, services.worker_name("celery"))


@shared_task(name="apps.messaging.tasks.deliver_due", ignore_result=True)
def deliver_due() -> int:
    return services.deliver_due(services.worker_name("celery"))


@shared_task(name="apps.messaging.tasks.heartbeat", ignore_result=True)
def heartbeat() -> None:
    services.beat(services.worker_name("celery"), "celery")
