from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class AreasConfig(AppConfig):
    name = "apps.areas"
    label = "areas"

    def ready(self) -> None:
        # Models (and the modules that use them) load only once the app registry is ready.
        from .jobs import register_runner, run_area_import
        from .models import Area, ImportJob

        # Any change of an area, by whatever path (service, admin, demo, import), in the same
        # transaction: every process's spatial index sees it on its next check.
        post_save.connect(_changed, sender=Area, dispatch_uid="areas_index_bump_save")
        post_delete.connect(_changed, sender=Area, dispatch_uid="areas_index_bump_delete")
        register_runner(ImportJob.Kind.AREAS, run_area_import, cancellable=True)
        from .sub_municipalities import run_sub_municipality_import

        register_runner(ImportJob.Kind.SUB_MUNICIPALITIES, run_sub_municipality_import, cancellable=True)

        from apps.messaging.hooks import BackgroundJob, register_background

        from .jobs import requeue_interrupted, run_due_jobs

        # One queued import per round of the worker's second thread, before the coverage count.
        register_background(
            BackgroundJob("imports", lambda: run_due_jobs(limit=1), slow=True, order=10, at_start=requeue_interrupted)
        )
        # Neighbours computed with another neighbour distance than the setting's are recomputed once,
        # in the second thread, before the first import (Celery: apps.areas.tasks on worker_ready).
        from .neighbours import check_basis_once

        register_background(BackgroundJob("neighbour-basis", check_basis_once, slow=True, order=5))


def _changed(sender, **kwargs) -> None:
    from . import index  # uses the models, which this module is imported before

    index.bump()
