from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save

from apps.addresses.signals import register_changed as register_imported


class CoverageConfig(AppConfig):
    name = "apps.coverage"
    label = "coverage"

    def ready(self) -> None:
        # Models (and the modules that use them) load only once the app registry is ready.
        from apps.addresses.models import Address

        from .aggregates import register_changed

        # An address saved or deleted one by one (the desk, the geocoder's cache), and the
        # importer's whole run (it writes with SQL, so only its own signal fires).
        post_save.connect(register_changed, sender=Address, dispatch_uid="coverage-register-save")
        post_delete.connect(register_changed, sender=Address, dispatch_uid="coverage-register-delete")
        register_imported.connect(register_changed, dispatch_uid="coverage-register-import")

        from apps.messaging.hooks import BackgroundJob, register_background

        from .aggregates import count_in_child_process

        # Counted in a child process: the worker keeps its idle size (ADR 0035).
        register_background(BackgroundJob("coverage-count", count_in_child_process, slow=True, order=20))
