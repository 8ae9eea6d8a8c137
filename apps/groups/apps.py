from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class GroupsConfig(AppConfig):
    name = "apps.groups"
    label = "groups"

    def ready(self) -> None:
        # Modules with models are imported once the app registry is ready, hence here.
        from apps.areas.usage import register_active_area_ids
        from apps.messaging.hooks import register_message_access
        from apps.municipalities.hooks import register_house_rules_published
        from apps.municipalities.models import Municipality

        from .house_rules_notice import notify_admins
        from .models import Group
        from .permissions import may_act_on_message
        from .signals import active_area_ids, areas_changed

        register_message_access(may_act_on_message)
        register_active_area_ids(active_area_ids)
        register_house_rules_published(notify_admins)

        for model in (Group, Municipality):
            post_save.connect(areas_changed, sender=model, dispatch_uid=f"index-bump-{model.__name__}")
            post_delete.connect(areas_changed, sender=model, dispatch_uid=f"index-bump-del-{model.__name__}")
