from django.apps import AppConfig

HOUR = 3600.0


class RetentionConfig(AppConfig):
    name = "apps.retention"
    label = "retention"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from .services import apply_retention

        # Idempotent and cheap when nothing is due: run every six hours, like the other periodic
        # jobs of the embedded worker (Celery beat runs ``apps.retention.tasks.apply_retention``).
        register_background(BackgroundJob("apply-retention", apply_retention, every=6 * HOUR))
