"""An admin of an existing WhatsApp group the municipality does not know yet registers it: the
area drawn on the map (or, without a map, the streets of a postcode), the group's name, size and
age, their contact details and the acceptance of the house rules
(``apps.groups.registrations``). The status link of the e-mail shows how the registration stands.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.areas.models import Area
from apps.core import form_limits
from apps.groups.registration_forms import RegistrationForm
from apps.groups.registrations import find_registration, submit_registration

from .common import add_service_errors, clear_honeypot, error_summary, private

LIMIT_KIND = "register_group"
# Session key for the thank-you page; read once, then dropped.
_SENT = "public.group_registration_sent"
SHOW_STREETS = "streets"


def _area_context() -> dict:
    """The map's first view: the box around every municipality's areas (Belgium and the
    Netherlands when there are none), and each municipality's own box, to which the map moves
    when it is chosen."""
    per_municipality = Area.objects.values("municipality_id").annotate(
        min_lon=Min("min_lon"), min_lat=Min("min_lat"), max_lon=Max("max_lon"), max_lat=Max("max_lat")
    )
    keys = ("min_lon", "min_lat", "max_lon", "max_lat")
    boxes = {str(row["municipality_id"]): [row[k] for k in keys] for row in per_municipality}
    if not boxes:
        return {"map_bounds": "", "municipality_bounds": {}}
    every = [
        min(b[0] for b in boxes.values()),
        min(b[1] for b in boxes.values()),
        max(b[2] for b in boxes.values()),
        max(b[3] for b in boxes.values()),
    ]
    return {"map_bounds": ",".join(str(v) for v in every), "municipality_bounds": boxes}


@require_http_methods(["GET", "POST"])
def register_group(request):
    context = _area_context()
    if request.method != "POST":
        context["form"] = RegistrationForm()
        return render(request, "public/group_registration/form.html", context)
    limited = form_limits.connection_limited(request, LIMIT_KIND)
    form = RegistrationForm(request.POST)
    if limited:
        # Nothing is read or saved, and nothing typed is lost: the form comes back as sent.
        context.update(form=form, limited=limited)
        return render(request, "public/group_registration/form.html", context, status=429)
    if request.POST.get("action") == SHOW_STREETS:
        # Without a map: the streets of the postcode are listed; nothing is checked or saved yet.
        context.update(form=form, show_streets=True)
        if not form.street_choices:
            context["no_streets"] = True
        return render(request, "public/group_registration/form.html", context)
    if form.is_valid():
        data = form.cleaned_data
        limited = form_limits.phone_limited(request, LIMIT_KIND, data["phone"])
        if limited:
            context.update(form=form, limited=limited)
            return render(request, "public/group_registration/form.html", context, status=429)
        try:
            submitted = submit_registration(
                municipality=data["municipality"],
                group_name=data["group_name"],
                approximate_size=data["approximate_size"],
                running_since=data["running_since"],
                geometry=data["geometry"],
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                streets=data["streets"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form_limits.count_accepted(request, LIMIT_KIND, data["phone"])
            request.session[_SENT] = {
                "municipality": data["municipality"].name,
                "email": data["email"],
                "again": not submitted.created,
            }
            return redirect("public:register_group_sent")
    form_limits.count_refused(request, LIMIT_KIND)
    clear_honeypot(form)
    context.update(form=form, errors=error_summary(form), show_streets=bool(form.street_choices))
    return render(request, "public/group_registration/form.html", context)


@never_cache
def register_group_sent(request):
    sent = request.session.pop(_SENT, None)
    return render(request, "public/group_registration/sent.html", {"sent": sent})


@never_cache
def group_registration_status(request, key):
    registration = find_registration(key)
    if registration is None:
        raise Http404
    return private(render(request, "public/group_registration/status.html", {"registration": registration}))
