from django.apps import AppConfig


class AddressesConfig(AppConfig):
    name = "apps.addresses"
    label = "addresses"

    def ready(self) -> None:
        # Models (and the modules that use them) load only once the app registry is ready.
        from apps.areas.jobs import register_runner
        from apps.areas.models import ImportJob

        from .jobs import run_address_import

        # The upload screen's queue belongs to areas; the address import it runs belongs here.
        register_runner(ImportJob.Kind.ADDRESSES, run_address_import)
