"""Celery task of the imports (production mode); the embedded mode runs them in the worker.

The task is defined in :mod:`apps.areas.jobs`, beside the queue that sends it; it is named here
because Celery's autodiscovery imports each app's ``tasks`` module.
"""

from __future__ import annotations

from .jobs import run_import_job

__all__ = ["run_import_job"]
