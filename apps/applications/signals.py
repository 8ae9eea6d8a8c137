"""A member who leaves frees a place: the first application on the group's waiting list moves
on to the admins. Members sit below applications in the layers, so applications listens to the
``Member`` model's own signals rather than members calling up; the receiver runs inside the
transaction that removed the member, so the move and its messages commit with it."""

from __future__ import annotations


def member_saved(sender, instance, update_fields=None, **kwargs) -> None:
    if instance.left_at is None:
        return
    if update_fields is not None and "left_at" not in update_fields:
        return
    from .services import fill_free_places

    fill_free_places(instance.group_id)


def member_deleted(sender, instance, **kwargs) -> None:
    from .services import fill_free_places

    fill_free_places(instance.group_id)


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from apps.members.models import Member

    post_save.connect(member_saved, sender=Member, dispatch_uid="applications.member_saved")
    post_delete.connect(member_deleted, sender=Member, dispatch_uid="applications.member_deleted")
