"""Celery task of the imports (production mode); the embedded mode runs them in the worker.

The task is defined in :mod:`apps.areas.jobs`, beside the queue that sends it; it is named here
because Celery's autodiscovery imports each app's ``tasks`` module.
"""

from __future__ import annotations

from celery.signals import worker_ready

from .jobs import run_import_job
from .neighbours import check_basis_once

__all__ = ["run_import_job"]


@worker_ready.connect(dispatch_uid="areas_neighbour_basis")
def _neighbour_basis(**_kwargs) -> None:
    """A Celery worker that starts after the neighbour distance changed recomputes the
    neighbours (the embedded worker does it in its second thread)."""
    check_basis_once()
