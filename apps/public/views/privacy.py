"""The privacy page: what is kept about residents, why, who sees it and for how long, written from
the configuration (the municipality's retention periods, or the defaults), in the resident's
language."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from apps.municipalities.models import Municipality
from apps.retention.services import policy_of


@require_safe
def privacy(request, slug: str | None = None):
    """``/privacy/``: the default periods and the municipalities that set their own;
    ``/privacy/<municipality>/``: that municipality's periods."""
    municipality = get_object_or_404(Municipality, slug=slug) if slug else None
    policy = policy_of(municipality)
    context = {
        "municipality": municipality,
        "policy": policy,
        "minimum_age": settings.BUURTWACHT_MINIMUM_AGE,
        "confirmation_hours": settings.BUURTWACHT_CONFIRMATION_MAX_AGE // 3600,
        "enrolment_days": settings.BUURTWACHT_ENROLMENT_EXPIRY_DAYS,
        "municipalities": [] if municipality else Municipality.objects.order_by("name").only("name", "slug"),
    }
    return render(request, "public/privacy.html", context)
