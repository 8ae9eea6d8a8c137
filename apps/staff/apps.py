from django.apps import AppConfig

HOUR = 3600.0


class StaffConfig(AppConfig):
    name = "apps.staff"
    label = "staff"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from .digest import send_coordinator_digests

        # The coordinators' weekly digest of groups that need them (sent once a week).
        register_background(BackgroundJob("coordinator-digest", send_coordinator_digests, every=HOUR))
