from django.apps import AppConfig

HOUR = 3600.0


class ApplicationsConfig(AppConfig):
    name = "apps.applications"
    label = "applications"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from . import signals
        from .services import hourly

        register_background(BackgroundJob("expire-applications", hourly, every=HOUR))
        signals.connect()
