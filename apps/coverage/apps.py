from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class CoverageConfig(AppConfig):
    name = "apps.coverage"
    label = "coverage"

    def ready(self) -> None:
        from apps.addresses.models import Address

        from .aggregates import register_changed

        # An address saved or deleted one by one (the desk, the geocoder's cache); the importer,
        # which writes with SQL, calls register_changed itself.
        post_save.connect(register_changed, sender=Address, dispatch_uid="coverage-register-save")
        post_delete.connect(register_changed, sender=Address, dispatch_uid="coverage-register-delete")

    def register_changed(self) -> None:
        """Called by the address importer when it ends (it writes with SQL, so no signal fires)."""
        from .aggregates import register_changed

        register_changed()
