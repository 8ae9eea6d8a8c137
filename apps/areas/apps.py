from django.apps import AppConfig


class AreasConfig(AppConfig):
    name = "apps.areas"
    label = "areas"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .models import Area

        # Any change of an area, by whatever path (service, admin, demo, import), in the same
        # transaction: every process's spatial index sees it on its next check.
        post_save.connect(_changed, sender=Area, dispatch_uid="areas_index_bump_save")
        post_delete.connect(_changed, sender=Area, dispatch_uid="areas_index_bump_delete")


def _changed(sender, **kwargs) -> None:
    from . import index

    index.bump()
