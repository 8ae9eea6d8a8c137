"""The desk's first page: the user's groups, municipalities and police zones at a glance."""

from __future__ import annotations

from apps.groups.permissions import managed_groups, visible_groups
from apps.municipalities.permissions import municipalities_for, police_municipality_ids
from apps.relays.services import held_relays_for

from ..figures import attach_fill, municipality_figures, with_counts
from ..flags import flagged_groups, wait_days
from .common import render, staff_view


@staff_view
def dashboard(request):
    user = request.user
    admin_groups = attach_fill(
        with_counts(managed_groups(user).filter(admin_roles__user=user)).select_related("municipality")
    )
    municipalities = [municipality_figures(m) for m in municipalities_for(user)]
    # Groups that need the coordinator: no admin, one admin, applications waiting too long.
    flagged = flagged_groups(managed_groups(user).filter(municipality__in=[f.municipality for f in municipalities]))
    sections = [
        (figures, [g for g in flagged if g.municipality_id == figures.municipality.pk]) for figures in municipalities
    ]
    police_zones = list(user.police_roles.select_related("zone").values_list("zone__name", flat=True))
    police_groups = (
        visible_groups(user).filter(municipality_id__in=police_municipality_ids(user)).count() if police_zones else 0
    )
    # Red relays of group admins that wait for this coordinator's or officer's decision.
    held_relays = list(
        held_relays_for(user).select_related("incident", "incident__municipality").order_by("created_at")[:20]
        if municipalities or police_zones or user.is_superuser
        else []
    )
    return render(
        request,
        "staff/dashboard.html",
        {
            "held_relays": held_relays,
            "admin_groups": admin_groups,
            "municipalities": municipalities,
            "municipality_sections": sections,
            "flagged_groups": flagged,
            "wait_days": wait_days(),
            "police_zones": police_zones,
            "police_groups": police_groups,
            "has_role": bool(admin_groups or municipalities or police_zones),
        },
    )
