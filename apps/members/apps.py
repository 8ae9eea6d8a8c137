from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "apps.members"
    label = "members"

    def ready(self) -> None:
        # Django's app registry: modules with models are imported once the apps are loaded.
        from apps.groups.hooks import register_group_activated
        from apps.messaging.hooks import register_member_contact
        from apps.municipalities.hooks import register_house_rules_published

        from .house_rules import ask_members_to_accept
        from .notices import tell_group_is_live
        from .services import alert_contact

        register_member_contact(alert_contact)
        register_group_activated(tell_group_is_live)
        register_house_rules_published(ask_members_to_accept)
