from django.apps import AppConfig


class MunicipalitiesConfig(AppConfig):
    name = "apps.municipalities"
    label = "municipalities"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.accounts.second_factor import register_required
        from apps.messaging.hooks import register_message_access

        from .permissions import may_act_on_message, needs_second_factor

        register_message_access(may_act_on_message)
        register_required(needs_second_factor)
