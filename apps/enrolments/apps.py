from django.apps import AppConfig

HOUR = 3600.0


class EnrolmentsConfig(AppConfig):
    name = "apps.enrolments"
    label = "enrolments"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from .services import remind_and_drop

        register_background(BackgroundJob("enrolment-reminders", remind_and_drop, every=HOUR))
