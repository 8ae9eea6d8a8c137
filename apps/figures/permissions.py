"""Who may read the figures, and whether they read exact counts of people.

A municipality's figures: its coordinators (exact) and the police of a zone it belongs to
(small counts of people suppressed). A police zone's figures: its officers (suppressed).
Operators read both, exact. Anyone else: not found.

A group's member count elsewhere on the desk (the police overview): exact for who may see the
group's members themselves (its admins, its municipality's coordinators, operators), suppressed
for everyone else, as on the figures pages."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.core.actors import is_operator, is_person
from apps.groups.permissions import managed_groups
from apps.municipalities.models import Municipality, PoliceZone
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids

from .services import Scope


def municipalities_with_figures_for(user) -> QuerySet:
    if is_operator(user):
        return Municipality.objects.all()
    ids = set(coordinated_municipality_ids(user)) | set(police_municipality_ids(user))
    return Municipality.objects.filter(pk__in=ids).order_by("name")


def zones_with_figures_for(user) -> QuerySet:
    if is_operator(user):
        return PoliceZone.objects.all()
    if not is_person(user):
        return PoliceZone.objects.none()
    return PoliceZone.objects.filter(officers__user=user).distinct().order_by("name")


def sees_exact(user, scope: Scope) -> bool:
    """Exact counts of people: operators, and coordinators of every municipality in the scope."""
    if is_operator(user):
        return True
    return bool(scope.municipality_ids) and set(scope.municipality_ids) <= set(coordinated_municipality_ids(user))


def municipality_scope(user, pk: int) -> tuple[Scope, bool]:
    municipality = get_object_or_404(municipalities_with_figures_for(user), pk=pk)
    scope = Scope.of_municipality(municipality)
    return scope, sees_exact(user, scope)


def zone_scope(user, pk: int) -> tuple[Scope, bool]:
    zone = get_object_or_404(zones_with_figures_for(user), pk=pk)
    scope = Scope.of_zone(zone)
    return scope, sees_exact(user, scope)


def default_scope(user) -> tuple[str, int]:
    """Where the desk's link to the figures leads: the user's first municipality as coordinator,
    else their first zone; ``Http404`` for anyone without either."""
    coordinated = coordinated_municipality_ids(user)
    if coordinated:
        return "municipality", sorted(coordinated)[0]
    zone = zones_with_figures_for(user).first()
    if zone is not None:
        return "zone", zone.pk
    municipality = municipalities_with_figures_for(user).first()
    if municipality is not None:
        return "municipality", municipality.pk
    raise Http404


def groups_read_exact(user, group_ids) -> set[int]:
    """The groups among ``group_ids`` whose member count ``user`` reads exact: those whose
    members the user may see (``managed_groups``). Any other group's count passes
    ``suppression.people``."""
    return set(managed_groups(user).filter(pk__in=list(group_ids)).values_list("pk", flat=True))
