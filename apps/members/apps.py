from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "apps.members"
    label = "members"

    def ready(self) -> None:
        # Django's app registry: modules with models are imported once the apps are loaded.
        from apps.messaging.hooks import register_member_contact

        from .services import alert_contact

        register_member_contact(alert_contact)
