"""Asking to start a group where none covers the address yet.

An address the register does not know (a postcode outside it, a new house) is no dead end: the
resident chooses their municipality (preselected where the postcode tells it) and sends the
request anyway; the coordinator sees that the address was not found.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.addresses.models import Address
from apps.addresses.services import AmbiguousAddress
from apps.core import form_limits
from apps.geocoding.services import locate
from apps.groups.lookup import lookup_point
from apps.groups.services import submit_group_request
from apps.municipalities.models import Municipality

from ..forms import StartGroupForm
from .common import START_FIELDS, add_service_errors, address_query, clear_honeypot, error_summary

# Session key for the thank-you page; read once, then dropped.
_SENT_GROUP_REQUEST = "public.group_request_sent"


class StartGroupRequestForm(StartGroupForm):
    """The request form, with the municipality to choose when the register does not know the
    address (shown only then)."""

    municipality = forms.ModelChoiceField(
        label=gettext_lazy("Your municipality"),
        required=False,
        queryset=Municipality.objects.order_by("name"),
        empty_label=gettext_lazy("Choose your municipality"),
        help_text=gettext_lazy(
            "Your municipality is not in the list? Then it does not work with Buurtwacht yet: "
            "contact your municipality directly."
        ),
        error_messages={"invalid_choice": gettext_lazy("Choose your municipality from the list.")},
    )


@dataclass
class Place:
    """Where the request is for: a register address, or what the resident typed."""

    municipality: Municipality
    postcode: str
    house_number: str
    street: str
    lat: float | None = None
    lon: float | None = None


@require_http_methods(["GET", "POST"])
def start_group(request):
    context = {}
    limited = form_limits.connection_limited(request, "start_group") if request.method == "POST" else None
    if limited:
        # Nothing is read or saved, and nothing typed is lost: the form comes back as sent.
        context.update(form=StartGroupRequestForm(request.POST), limited=limited)
        return render(request, "public/start_group.html", context, status=429)
    if request.method == "POST":
        form = StartGroupRequestForm(request.POST)
        if form.is_valid() and (place := _start_group_place(form, context)) is not None:
            data = form.cleaned_data
            form_limits.count_accepted(request, "start_group")
            submitted = submit_group_request(
                municipality=place.municipality,
                full_name=data["full_name"],
                email=data["email"],
                phone=data["phone"],
                postcode=place.postcode,
                house_number=place.house_number,
                street=place.street,
                lat=place.lat,
                lon=place.lon,
                wants_to_be_admin=data["wants_to_be_admin"],
                message=data["message"],
            )
            request.session[_SENT_GROUP_REQUEST] = {
                "municipality": place.municipality.name,
                "email": data["email"],
                # The same request was already open: nobody was told again.
                "since": submitted.created_at.isoformat() if submitted.repeated else "",
            }
            return redirect("public:start_group_sent")
        form_limits.count_refused(request, "start_group")
        clear_honeypot(form)
        context["errors"] = error_summary(form)
        if form.data.get("municipality") or form.errors.get("municipality"):
            context["choose_municipality"] = True
    else:
        initial = {}
        for name in START_FIELDS:
            value = request.GET.get(name, "").strip()
            if value:
                # As long as the field takes: a street name is longer than a postcode.
                initial[name] = value[: StartGroupRequestForm.base_fields[name].max_length]
        form = StartGroupRequestForm(initial=initial)
    context["form"] = form
    return render(request, "public/start_group.html", context)


def _postcode_municipality(postcode: str) -> Municipality | None:
    """The municipality of every register address with this postcode, when there is one."""
    ids = set(
        Address.objects.filter(postcode=postcode, municipality__isnull=False).values_list("municipality_id", flat=True)
    )
    return Municipality.objects.filter(pk=ids.pop()).first() if len(ids) == 1 else None


def _offer_municipalities(form: StartGroupRequestForm, context: dict, postcode: str) -> None:
    """Show the list of municipalities, with the postcode's own chosen where the register knows it."""
    context["choose_municipality"] = True
    if not form.data.get("municipality") and (known := _postcode_municipality(postcode)) is not None:
        data = form.data.copy()
        data["municipality"] = str(known.pk)
        form.data = data


def _typed_place(form: StartGroupRequestForm, municipality: Municipality) -> Place | None:
    """The address as the resident typed it, for the municipality they chose; ``None`` with the
    reason on the form."""
    data = form.cleaned_data
    country = getattr(form, "postcode_country", municipality.country)
    if municipality.country != country:
        form.add_error(
            "municipality",
            _("%(municipality)s is not in the same country as postcode %(postcode)s. Check both.")
            % {"municipality": municipality.name, "postcode": data["postcode"]},
        )
        return None
    street = " ".join(data["street"].split())
    if not street:
        form.add_error("street", _("Enter your street: your address is not in our register."))
        return None
    return Place(
        municipality=municipality,
        postcode=data["postcode"],
        house_number=f"{data['house_number']}{data['addition']}",
        street=street,
    )


def _start_group_place(form: StartGroupRequestForm, context: dict) -> Place | None:
    """Where the request is for, or ``None`` with the reason on the form."""
    data = form.cleaned_data
    chosen = data.get("municipality")
    try:
        address = locate(data["postcode"], data["house_number"], data["addition"], data["street"])
    except AmbiguousAddress as exc:
        add_service_errors(form, exc)
        return None
    except ValidationError as exc:
        # The form checked the postcode, number and addition: the register does not know them.
        if chosen is not None:
            place = _typed_place(form, chosen)
            if place is None:
                context["choose_municipality"] = True
            return place
        postcode = data["postcode"]  # add_error takes the field out of cleaned_data
        add_service_errors(form, exc)
        form.add_error(
            "municipality",
            _(
                "We cannot find this address in our register. Check it, or choose your municipality "
                "and send the request anyway."
            ),
        )
        _offer_municipalities(form, context, postcode)
        return None
    if address.municipality is None and chosen is None:
        form.add_error(  # the address is known, so its postcode stays on the object
            "postcode",
            _("We cannot tell which municipality this address belongs to. Contact your municipality directly."),
        )
        _offer_municipalities(form, context, address.postcode)
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
    return Place(
        municipality=address.municipality or chosen,
        postcode=address.postcode,
        house_number=address.number_text,
        street=address.street,
        lat=address.lat,
        lon=address.lon,
    )


@never_cache
def start_group_sent(request):
    sent = request.session.pop(_SENT_GROUP_REQUEST, None)
    if sent and sent.get("since"):
        sent["since"] = datetime.fromisoformat(sent["since"])
    return render(request, "public/start_group_sent.html", {"sent": sent})
