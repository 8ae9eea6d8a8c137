from django.apps import AppConfig


class WebConfig(AppConfig):
    """The site as a whole: health, the embedded mailbox, the context every page shares, `serve`."""

    name = "apps.web"
    label = "web"

    def ready(self):
        from . import checks  # noqa: F401 (registers the system checks)
