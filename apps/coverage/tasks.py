"""Celery task of the coverage figures (production mode); the embedded worker calls
``aggregates.refresh_if_stale`` every round instead."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="coverage.refresh", ignore_result=True)
def refresh_coverage() -> bool:
    from .aggregates import refresh_if_stale

    return refresh_if_stale()
