"""How many places a group has left, its waiting list, and the groups next to it.

A place is taken by a current member and by an application waiting for the admin's decision:
otherwise a group of 256 with three applications on the admin's table would take all three
and refuse two of them at the approval, after they had waited unseen. Read only.
"""

from __future__ import annotations

from django.db.models import QuerySet

from apps.areas.models import AreaNeighbour
from apps.groups.models import Group

from .models import Application


def places_free(group: Group) -> int:
    taken = (
        group.members.current().count()
        + Application.objects.filter(group=group, status=Application.Status.CONFIRMED).count()
    )
    return group.capacity - taken


def waiting_list(group: Group) -> QuerySet:
    """First come, first served: by the moment the e-mail address was confirmed."""
    return Application.objects.filter(group=group, status=Application.Status.WAITING).order_by("confirmed_at", "pk")


def is_full(group: Group) -> bool:
    """No place left, or people already waiting for one (who go first)."""
    return places_free(group) <= 0 or waiting_list(group).exists()


def position_on_waiting_list(application: Application) -> int | None:
    if application.status != Application.Status.WAITING:
        return None
    ids = list(waiting_list(application.group).values_list("pk", flat=True))
    return ids.index(application.pk) + 1


def neighbouring_groups(group: Group, limit: int = 5) -> list[Group]:
    """Groups of the areas next to this group's area (in either country) that take members and
    still have a place, nearest first."""
    links = AreaNeighbour.objects.filter(area_id=group.area_id).order_by("distance_m").values_list("neighbour_id")
    candidates = (
        Group.objects.filter(area_id__in=links)
        .exclude(pk=group.pk)
        .exclude(status=Group.Status.CLOSED)
        .select_related("municipality")
    )
    distance = dict(AreaNeighbour.objects.filter(area_id=group.area_id).values_list("neighbour_id", "distance_m"))
    found = sorted((g for g in candidates if not is_full(g)), key=lambda g: (distance.get(g.area_id, 0), g.name))
    return found[:limit]
