"""The resident's pages: find the group for an address, apply, confirm, follow or withdraw the
application, and ask to start a group where none exists. No account is needed anywhere.

These pages show groups, never people: a member's or applicant's name, phone, e-mail or
address appears only on the applicant's own status page, behind its secret link.
"""

from __future__ import annotations

import logging
from itertools import groupby

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms import Form
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from apps.addresses.services import AmbiguousAddress
from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.applications.services import WrongArea
from apps.core.phones import display as display_phone
from apps.geocoding.services import locate
from apps.groups.lookup import Lookup, lookup_address, lookup_point
from apps.groups.models import Group
from apps.groups.services import submit_group_request
from apps.municipalities.models import POLICE_NUMBERS, Country

from .forms import AddressSearchForm, PointSearchForm, StartGroupForm, hide_honeypot, tune_address_widgets

logger = logging.getLogger(__name__)

# Session keys for the thank-you pages; each is read once, then dropped.
_SENT_APPLICATION = "public.application_sent"
_SENT_GROUP_REQUEST = "public.group_request_sent"
# Fields the apply page takes over from the search result, so the resident types less.
_PREFILL_FIELDS = ("postcode", "house_number", "addition", "street", "town")
_START_FIELDS = ("postcode", "house_number", "addition", "street")


def _form_rate(group, request) -> str:
    # Read at request time so a deployment (or a test) can change it without a restart.
    return settings.BUURTWACHT_APPLICATION_RATE


# ---------------------------------------------------------------------------------------------
# Helpers


def _public_feature(group: Group) -> dict:
    """A group's area as GeoJSON with only what anyone may see."""
    return {
        "type": "Feature",
        "geometry": group.area.geometry,
        "properties": {
            "name": group.name,
            "status": group.status,
            "status_label": group.get_status_display(),
            "municipality": group.municipality.name,
            "url": reverse("public:group_detail", args=[group.slug]),
        },
    }


def _feature_collection(groups) -> dict:
    return {"type": "FeatureCollection", "features": [_public_feature(g) for g in groups]}


def _places(group: Group) -> str:
    """How full the group is, in words rather than numbers: a count of members says nothing
    a resident needs, and the exact figure is the admins' business."""
    free = group.capacity - group.members.current().count()
    if free <= 0:
        return "full"
    if free <= max(5, group.capacity // 20):
        return "few"
    return "available"


def _address_query(address, fields=_PREFILL_FIELDS) -> str:
    """Query string that carries a register address to the next form."""
    values = {name: getattr(address, name) for name in fields}
    return urlencode({k: v for k, v in values.items() if v not in ("", None)})


def _card(group: Group) -> dict:
    return {"group": group, "places": _places(group)}


def _saar_numbers(municipality) -> list[dict]:
    """Police numbers for the SAAR reminder: the municipality's own, or, when the place is
    not known, those of both countries."""
    if municipality is not None:
        return [
            {
                "country": "",
                "emergency": municipality.police_emergency_number,
                "non_urgent": municipality.police_non_urgent_number,
            }
        ]
    return [
        {
            "country": label,
            "emergency": POLICE_NUMBERS[code]["emergency"],
            "non_urgent": POLICE_NUMBERS[code]["non_urgent"],
        }
        for code, label in Country.choices
    ]


def _add_service_errors(form: Form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` on the fields it names; what names no field of
    this form goes to the top of the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


def _error_summary(form: Form, unlinked: tuple[str, ...] = ("website", "house_rules_version")) -> list[dict]:
    """Every error in the order of the page, each with the id of the field to jump to.
    Hidden fields get no link: there is nothing to jump to."""
    items = [{"message": message, "anchor": ""} for message in form.errors.get(NON_FIELD_ERRORS, [])]
    for name in form.fields:
        for message in form.errors.get(name, []):
            anchor = "" if name in unlinked else form[name].id_for_label
            items.append({"message": message, "anchor": anchor, "label": form[name].label})
    return items


def _clear_honeypot(form: Form) -> None:
    """A person whose browser filled the trap field gets another chance: the form comes
    back with the field empty."""
    if form.is_spam:
        logger.info("Trap field filled in on %s; nothing stored.", form.__class__.__name__)
    if form.data.get("website"):
        data = form.data.copy()
        data["website"] = ""
        form.data = data


def _too_many(request, template_context: dict | None = None):
    return render(request, "public/too_many.html", template_context or {}, status=429)


def _private(response):
    """Pages reached through a secret link: keep the link out of other sites' logs and out
    of search engines. "same-origin", not "no-referrer": with no referrer at all the browser
    sends ``Origin: null`` on the page's own forms, and the CSRF check refuses them."""
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


# ---------------------------------------------------------------------------------------------
# Finding a group


def home(request):
    groups = list(
        Group.objects.exclude(status=Group.Status.CLOSED)
        .select_related("municipality", "area")
        .order_by("municipality__name", "name")
    )
    by_municipality = [
        {"municipality": municipality, "groups": list(items)}
        for municipality, items in groupby(groups, key=lambda g: g.municipality)
    ]
    return render(
        request,
        "public/home.html",
        {
            "form": AddressSearchForm(),
            "areas": _feature_collection(groups),
            "by_municipality": by_municipality,
        },
    )


def search(request):
    params = request.GET
    context = {"form": AddressSearchForm()}
    result: Lookup | None = None
    if "lat" in params or "lon" in params:
        point = PointSearchForm(params)
        if not point.is_valid():
            if point.is_unreadable:
                context["point_error"] = _(
                    "We could not read the place you chose on the map. Choose it again, or search by address."
                )
                return render(request, "public/search.html", context, status=400)
            context["point_error"] = " ".join(point.non_field_errors())
            return render(request, "public/search.html", context)
        result = lookup_point(point.cleaned_data["lon"], point.cleaned_data["lat"])
    elif any(name in params for name in ("postcode", "house_number", "addition")):
        form = AddressSearchForm(params)
        context["form"] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = lookup_address(data["postcode"], data["house_number"], data["addition"], data["street"])
            except AmbiguousAddress as exc:
                context["street_choices"] = [
                    {"street": street, "query": urlencode({**_search_params(data), "street": street})}
                    for street in exc.streets
                ]
                _add_service_errors(form, exc)
            except ValidationError as exc:
                _add_service_errors(form, exc)
        if result is None:
            context["errors"] = _error_summary(form)
            return render(request, "public/search.html", context)
    else:
        return render(request, "public/search.html", context)

    context.update(_result_context(result))
    return render(request, "public/search.html", context)


def _search_params(data: dict) -> dict:
    return {"postcode": data["postcode"], "house_number": data["house_number"], "addition": data["addition"]}


def _result_context(result: Lookup) -> dict:
    address = result.address
    # A point on the outer edge of a single area is simply in that area; a choice exists
    # only where two or more areas meet.
    on_shared_border = result.on_border and len(result.areas) > 1
    features = _feature_collection(result.groups)
    return {
        "result": result,
        "address": address,
        "municipality": result.municipality,
        "cards": [_card(g) for g in result.groups],
        "on_shared_border": on_shared_border,
        "border_count": len(result.areas),
        "apply_query": _address_query(address) if address else "",
        "start_query": _address_query(address, _START_FIELDS) if address else "",
        "areas": features,
        "marker": {"lat": result.lat, "lon": result.lon},
        "saar_numbers": _saar_numbers(result.municipality),
    }


def group_detail(request, slug: str):
    group = get_object_or_404(Group.objects.select_related("municipality", "area"), slug=slug)
    return render(
        request,
        "public/group_detail.html",
        {
            "group": group,
            "places": _places(group),
            "rules": group.municipality.current_house_rules,
            "areas": _feature_collection([group]),
            "saar_numbers": _saar_numbers(group.municipality),
        },
    )


# ---------------------------------------------------------------------------------------------
# Applying


def _refresh_house_rules(form: ApplicationForm, rules) -> None:
    """When the rules changed while the resident was filling in the form, show the new text
    with the acceptance box cleared, so what they accept next is what they read."""
    if form.data.get("house_rules_version") == str(rules.version):
        return
    data = form.data.copy()
    data["house_rules_version"] = str(rules.version)
    data.pop("accept_house_rules", None)
    form.data = data
    if "accept_house_rules" not in form.errors:
        form.add_error(
            "accept_house_rules", _("The house rules were changed while you filled in the form. Read them again.")
        )


def _wrong_area_links(group: Group | None, data) -> dict:
    address = {k: data.get(k, "") for k in _PREFILL_FIELDS if data.get(k)}
    if group is not None:
        return {"right_group": group, "right_group_query": urlencode(address)}
    start = {k: v for k, v in address.items() if k in _START_FIELDS}
    return {"start_query": urlencode(start)}


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_form_rate, method="POST", block=False, group="public.apply")
def apply(request, slug: str):
    group = get_object_or_404(Group.objects.select_related("municipality", "area"), slug=slug)
    if request.method == "POST" and getattr(request, "limited", False):
        return _too_many(request, {"group": group})
    rules = group.municipality.current_house_rules
    if not group.is_open_for_applications or rules is None:
        return render(request, "public/apply_unavailable.html", {"group": group, "rules": rules})

    country = group.municipality.country
    context = {"group": group, "rules": rules}
    if request.method == "POST":
        form = ApplicationForm(request.POST, country=country)
        if form.is_valid():
            try:
                submitted = applications.submit(group, form.cleaned_data)
            except WrongArea as exc:
                _add_service_errors(form, exc)
                context["wrong_area"] = _wrong_area_links(exc.right_group, request.POST)
            except ValidationError as exc:
                _add_service_errors(form, exc)
            else:
                application = submitted.application
                request.session[_SENT_APPLICATION] = {
                    "group": group.name,
                    "email": application.email,
                    "status_url": reverse("public:application_status", args=[submitted.access_key]),
                }
                return redirect("public:application_sent")
        _refresh_house_rules(form, rules)
        _clear_honeypot(form)
        context["errors"] = _error_summary(form)
    else:
        initial = {"house_rules_version": rules.version}
        for name in _PREFILL_FIELDS:
            value = request.GET.get(name, "").strip()
            if value:
                initial[name] = value[: ApplicationForm.base_fields[name].max_length]
        form = ApplicationForm(initial=initial, country=country)
    _tune_application_form(form)
    context["form"] = form
    return render(request, "public/apply.html", context)


def _tune_application_form(form: ApplicationForm) -> None:
    """The shared application form, fitted to the web page: phone keyboards, a hint on the
    age limit before anyone hits it, and a remark box that does not dominate the page."""
    tune_address_widgets(form)
    hide_honeypot(form)
    form.fields["birth_date"].help_text = _("You must be %(age)d or older to join.") % {
        "age": settings.BUURTWACHT_MINIMUM_AGE
    }
    form.fields["remark"].widget.attrs["rows"] = 3


@never_cache
def application_sent(request):
    sent = request.session.pop(_SENT_APPLICATION, None)
    context = {"sent": sent, "hours": settings.BUURTWACHT_CONFIRMATION_MAX_AGE // 3600}
    return _private(render(request, "public/application_sent.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def application_confirm(request, token: str):
    # A GET only shows the button: mail scanners open every link in an e-mail, and such a
    # visit must not confirm anything.
    if request.method == "GET":
        return _private(render(request, "public/confirm.html", {"token": token}))
    try:
        application = applications.confirm(token)
    except ValidationError as exc:
        context = {"token": token, "error": " ".join(exc.messages), "expired": exc.code == "expired"}
        return _private(render(request, "public/confirm.html", context, status=400))
    return _private(render(request, "public/confirm_done.html", {"application": application}))


def _application_or_404(key: str):
    application = applications.by_access_key(key)
    if application is None:
        raise Http404
    return application


@never_cache
def application_status(request, key: str):
    application = _application_or_404(key)
    context = {
        "application": application,
        "key": key,
        "phone": display_phone(application.phone),
        "is_rejected": application.status == application.Status.REJECTED,
        "saar_numbers": _saar_numbers(application.group.municipality),
    }
    return _private(render(request, "public/status.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def application_withdraw(request, key: str):
    application = _application_or_404(key)
    status_url = reverse("public:application_status", args=[key])
    if not application.is_open:
        return redirect(status_url)
    if request.method == "POST":
        try:
            applications.withdraw(application)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Your application has been withdrawn. Nothing more will happen with it."))
        return redirect(status_url)
    return _private(render(request, "public/withdraw.html", {"application": application, "key": key}))


# ---------------------------------------------------------------------------------------------
# Stopping the alerts (the link in every alert a member receives)


@never_cache
@require_http_methods(["GET", "POST"])
def alerts_stop(request, key: str):
    """Opening the link shows a button; only the POST stops the alerts, because mail scanners
    open links. A second POST changes nothing; a wrong link says so and changes nothing."""
    from apps.members.services import Via, stop_alerts
    from apps.relays.broadcasts import find_by_stop_key

    recipient = find_by_stop_key(key)
    member = recipient.member if recipient is not None else None
    if member is None:
        return _private(render(request, "public/alerts_stop.html", {"state": "invalid"}, status=404))
    if request.method == "POST":
        state = "stopped" if stop_alerts(member, via=Via.LINK) else "already"
    else:
        state = "ask" if member.receives_alerts else "already"
    context = {"state": state, "key": key, "group": member.group}
    return _private(render(request, "public/alerts_stop.html", context))


# ---------------------------------------------------------------------------------------------
# Starting a group


@require_http_methods(["GET", "POST"])
@ratelimit(key="ip", rate=_form_rate, method="POST", block=False, group="public.start_group")
def start_group(request):
    if request.method == "POST" and getattr(request, "limited", False):
        return _too_many(request)
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
        _clear_honeypot(form)
        context["errors"] = _error_summary(form)
    else:
        initial = {}
        for name in _START_FIELDS:
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
        _add_service_errors(form, exc)
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
        context["covering_query"] = _address_query(address)
        return None
    return address


@never_cache
def start_group_sent(request):
    sent = request.session.pop(_SENT_GROUP_REQUEST, None)
    return render(request, "public/start_group_sent.html", {"sent": sent})
