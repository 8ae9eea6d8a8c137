"""Celery task of the coverage figures (production mode); the embedded worker calls
``aggregates.refresh_if_stale`` every round instead.

The task is defined in :mod:`apps.coverage.aggregates`, beside the code that queues it; it is
named here because Celery's autodiscovery imports each app's ``tasks`` module.
"""

from __future__ import annotations

from .aggregates import refresh_coverage

__all__ = ["refresh_coverage"]
