from django.apps import AppConfig

QUARTER = 900.0


class MeetingsConfig(AppConfig):
    name = "apps.meetings"
    label = "meetings"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import BackgroundJob, register_background

        from .services import background

        # Waiting lists that can move up (stored before 2026-12-07), the reminder the day before
        # (each run sends those due, each once), and the residents' names and addresses of
        # meetings past their period.
        register_background(BackgroundJob("meeting-reminders", background, every=QUARTER))
