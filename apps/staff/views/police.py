"""The police officer's overview: the groups of the zone and how to reach their admins.

A group's member count follows the figures' small-number rule (ADR 0033): fewer than 5 reads
"< 5" for the police, as on the zone's figures page, through the same function."""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Prefetch

from apps.figures.permissions import groups_read_exact
from apps.figures.suppression import members_text
from apps.groups.models import Group, GroupAdmin
from apps.groups.permissions import visible_groups

from .. import maps
from ..figures import with_member_count
from .common import render, staff_view


@staff_view
def police_overview(request):
    """The groups of the officer's zone and how to reach their admins; no member or applicant data."""
    admin_roles = GroupAdmin.objects.select_related("user").order_by("role", "user__first_name", "user__username")
    groups = list(
        with_member_count(visible_groups(request.user))
        .select_related("municipality", "area")
        .prefetch_related(Prefetch("admin_roles", queryset=admin_roles))
        .order_by("municipality__name", "name")
    )
    exact = groups_read_exact(request.user, [g.pk for g in groups])
    by_municipality = defaultdict(list)
    for group in groups:
        group.members_text = members_text(group.member_count, exact=group.pk in exact)
        by_municipality[group.municipality].append(group)
    features = [
        maps.area_feature(g.area.geometry, g.name, "group" if g.status == Group.Status.ACTIVE else f"group-{g.status}")
        for g in groups
    ]
    return render(
        request,
        "staff/police_overview.html",
        {
            "municipalities": dict(by_municipality),
            "groups": groups,
            "map_data": maps.collection(features),
            "suppressed": any(g.pk not in exact for g in groups),
        },
    )
