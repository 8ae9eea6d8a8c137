"""Applying to a group: the form, the thank-you page, the confirmation by e-mail link, and the
applicant's own status page with the way to withdraw, both behind a secret link."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.applications.places import is_full, neighbouring_groups, position_on_waiting_list
from apps.applications.services import GroupFull, WrongArea
from apps.core import form_limits
from apps.core.phones import display as display_phone
from apps.groups.models import Group

from ..forms import hide_honeypot, tune_address_widgets
from .common import (
    PREFILL_FIELDS,
    START_FIELDS,
    add_service_errors,
    clear_honeypot,
    error_summary,
    private,
    saar_numbers,
)

# Session key for the thank-you page; read once, then dropped.
_SENT_APPLICATION = "public.application_sent"


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
    address = {k: data.get(k, "") for k in PREFILL_FIELDS if data.get(k)}
    if group is not None:
        return {"right_group": group, "right_group_query": urlencode(address)}
    start = {k: v for k, v in address.items() if k in START_FIELDS}
    return {"start_query": urlencode(start)}


@require_http_methods(["GET", "POST"])
def apply(request, slug: str):
    group = get_object_or_404(Group.objects.select_related("municipality", "area"), slug=slug)
    rules = group.municipality.current_house_rules
    if not group.is_open_for_applications or rules is None:
        return render(request, "public/apply_unavailable.html", {"group": group, "rules": rules})

    country = group.municipality.country
    # A full group says so before the resident types anything: the waiting list, or a group nearby.
    full = is_full(group)
    # Where the municipality accepts people who work in the area, the form asks which it is.
    works_here = group.municipality.allows_works_here
    context = {
        "group": group,
        "rules": rules,
        "full": full,
        "neighbours": neighbouring_groups(group) if full else [],
        "works_here_allowed": works_here,
    }
    limited = form_limits.connection_limited(request, "apply") if request.method == "POST" else None
    if limited:
        # Nothing is read or saved, and nothing typed is lost: the form comes back as sent.
        form = ApplicationForm(request.POST, country=country)
        _tune_application_form(form, full=context["full"], works_here=works_here)
        context.update(form=form, limited=limited)
        return render(request, "public/apply.html", context, status=429)
    if request.method == "POST":
        form = ApplicationForm(request.POST, country=country)
        phone_limit = (
            form_limits.phone_limited(request, "apply", form.cleaned_data["phone"]) if form.is_valid() else None
        )
        if phone_limit:
            _tune_application_form(form, full=context["full"], works_here=works_here)
            context.update(form=form, limited=phone_limit)
            return render(request, "public/apply.html", context, status=429)
        if form.is_valid():
            try:
                submitted = applications.submit(group, form.cleaned_data)
            except WrongArea as exc:
                add_service_errors(form, exc)
                context["wrong_area"] = _wrong_area_links(exc.right_group, request.POST)
            except GroupFull as exc:
                # It filled up while the form was being filled in.
                add_service_errors(form, exc)
                context.update(full=True, neighbours=exc.neighbours)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                application = submitted.application
                form_limits.count_accepted(request, "apply", application.phone)
                request.session[_SENT_APPLICATION] = {
                    "group": group.name,
                    "email": application.email,
                    "status_url": reverse("public:application_status", args=[submitted.access_key]),
                }
                return redirect("public:application_sent")
        form_limits.count_refused(request, "apply")
        _refresh_house_rules(form, rules)
        clear_honeypot(form)
        # A "works here" sent where the choice is not offered: said at the top, nothing to jump to.
        hidden = () if works_here else ("works_here", "workplace_name")
        context["errors"] = error_summary(form, unlinked=("website", "house_rules_version", *hidden))
    else:
        initial = {"house_rules_version": rules.version}
        for name in PREFILL_FIELDS:
            value = request.GET.get(name, "").strip()
            if value:
                initial[name] = value[: ApplicationForm.base_fields[name].max_length]
        form = ApplicationForm(initial=initial, country=country)
    _tune_application_form(form, full=context["full"], works_here=works_here)
    context["form"] = form
    return render(request, "public/apply.html", context)


def _tune_application_form(form: ApplicationForm, *, full: bool, works_here: bool) -> None:
    """The shared application form, fitted to the web page: phone keyboards, a hint on the
    age limit before anyone hits it, a remark box that does not dominate the page, the
    waiting-list box only when the group is full, and the choice between living and working at
    the address only where the municipality accepts both. Called after the form was checked:
    a choice that is not shown was still read, so the service can refuse it."""
    if not full:
        del form.fields["waiting_list"]
    if not works_here:
        del form.fields["works_here"]
        del form.fields["workplace_name"]
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
    return private(render(request, "public/application_sent.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def application_confirm(request, token: str):
    # A GET only shows the button: mail scanners open every link in an e-mail, and such a
    # visit must not confirm anything.
    if request.method == "GET":
        return private(render(request, "public/confirm.html", {"token": token}))
    try:
        application = applications.confirm(token)
    except ValidationError as exc:
        context = {"token": token, "error": " ".join(exc.messages), "expired": exc.code == "expired"}
        return private(render(request, "public/confirm.html", context, status=400))
    return private(render(request, "public/confirm_done.html", {"application": application}))


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
        "waiting_position": position_on_waiting_list(application),
        "saar_numbers": saar_numbers(application.group.municipality),
    }
    return private(render(request, "public/status.html", context))


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
    return private(render(request, "public/withdraw.html", {"application": application, "key": key}))
