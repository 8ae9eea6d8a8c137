from django.apps import AppConfig


class MunicipalitiesConfig(AppConfig):
    name = "apps.municipalities"
    label = "municipalities"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.messaging.hooks import register_message_access

        from .permissions import may_act_on_message

        register_message_access(may_act_on_message)
