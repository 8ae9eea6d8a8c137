from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


def _areas_changed(sender, **kwargs) -> None:
    # A group's name, status or area, or a municipality's name, is part of what the in-memory
    # public lookup answers; a new version token makes every process rebuild it.
    from apps.areas.index import bump

    bump()


class GroupsConfig(AppConfig):
    name = "apps.groups"
    label = "groups"

    def ready(self) -> None:
        from apps.municipalities.models import Municipality

        from .models import Group

        for model in (Group, Municipality):
            post_save.connect(_areas_changed, sender=model, dispatch_uid=f"index-bump-{model.__name__}")
            post_delete.connect(_areas_changed, sender=model, dispatch_uid=f"index-bump-del-{model.__name__}")
