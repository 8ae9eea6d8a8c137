from django.apps import AppConfig

HOUR = 3600.0


class ApplicationsConfig(AppConfig):
    name = "apps.applications"
    label = "applications"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from .services import expire_stale_applications

        register_background(BackgroundJob("expire-applications", expire_stale_applications, every=HOUR))
