"""Asking to start a group where none covers the address yet."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from apps.geocoding.services import locate
from apps.groups.lookup import lookup_point
from apps.groups.services import submit_group_request

from ..forms import StartGroupForm
from .common import START_FIELDS, add_service_errors, address_query, clear_honeypot, error_summary, form_rate, too_many

# Session key for the thank-you page; read once, then dropped.
_SENT_GROUP_REQUEST = "public.group_request_sent"


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=form_rate, method="POST", block=False, group="public.start_group")
def start_group(request):
    if request.method == "POST" and getattr(request, "limited", False):
        return too_many(request)
    context = {}
    if request.method == "POST":
        form = StartGroupForm(request.POST)
        if form.is_valid() and (address := _start_group_address(form, context)) is not None:
            data = form.cleaned_data
            submit_group_request(
                municipality=address.municipality,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                postcode=address.postcode,
                house_number=f"{address.house_number}{address.addition}",
                street=address.street,
                lat=address.lat,
                lon=address.lon,
                wants_to_be_admin=data["wants_to_be_admin"],
                message=data["message"],
            )
            request.session[_SENT_GROUP_REQUEST] = {"municipality": address.municipality.name, "email": data["email"]}
            return redirect("public:start_group_sent")
        clear_honeypot(form)
        context["errors"] = error_summary(form)
    else:
        initial = {}
        for name in START_FIELDS:
            value = request.GET.get(name, "").strip()
            if value:
                initial[name] = value[:10]
        form = StartGroupForm(initial=initial)
    context["form"] = form
    return render(request, "public/start_group.html", context)


def _start_group_address(form: StartGroupForm, context: dict):
    """The register's address for the request, or ``None`` with the reason on the form."""
    data = form.cleaned_data
    try:
        address = locate(data["postcode"], data["house_number"], data["addition"], data["street"])
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None
    if address.municipality is None:
        form.add_error(
            "postcode",
            _("We cannot tell which municipality this address belongs to. Contact your municipality directly."),
        )
        return None
    covering = lookup_point(address.lon, address.lat).group
    if covering is not None:
        # A request here would only create work: the resident can simply join.
        form.add_error(
            None, _("Group %(group)s already covers this address. You can apply to join it.") % {"group": covering.name}
        )
        context["covering_group"] = covering
        context["covering_query"] = address_query(address)
        return None
    return address


@never_cache
def start_group_sent(request):
    sent = request.session.pop(_SENT_GROUP_REQUEST, None)
    return render(request, "public/start_group_sent.html", {"sent": sent})
