"""The municipal coordinator's pages: the municipality with its groups, areas and street signs,
a group's admins (appoint, remove, invite, withdraw an invitation), the house rules, and
residents' requests for a group."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Case, Count, IntegerField, Value, When
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from apps.accounts.decorators import recent_login_required
from apps.applications.services import set_works_here_allowed
from apps.areas.models import Area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.coverage.exports import coverage_csv
from apps.coverage.services import coverage_for
from apps.groups.invitations import appoint_or_invite, invitation_days, invite_admin, withdraw_invitation
from apps.groups.models import AdminInvitation, Group, GroupAdmin, GroupRequest
from apps.groups.permissions import group_requests_for, managed_groups
from apps.groups.services import decide_group_request, leaves_without_admin, remove_admin
from apps.incidents.services import set_incident_tolerance
from apps.members.models import Member
from apps.municipalities.permissions import municipalities_for
from apps.municipalities.services import publish_house_rules
from apps.retention.forms import RetentionForm
from apps.retention.services import save_policy
from apps.signs.models import StreetSign

from .. import forms, maps
from ..figures import attach_fill, coverage, municipality_figures, with_counts
from ..flags import attach_flags, with_flag_counts
from .common import (
    add_errors,
    coordinated_group,
    error_text,
    group_area_feature,
    int_or_none,
    paginate,
    query_without_page,
    render,
    staff_view,
)


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def municipality_detail(request, pk):
    # Only the municipality's coordinators (and operators) reach it; everyone else gets a 404.
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    if request.method == "POST":
        # The page's one form: the municipality's settings.
        settings_form = forms.MunicipalitySettingsForm(request.POST)
        if settings_form.is_valid():
            changed = set_works_here_allowed(
                municipality, allowed=settings_form.cleaned_data["allows_works_here"], actor=request.user
            )
            tolerance = settings_form.cleaned_data.get("incident_tolerance_m")
            if tolerance is not None:
                changed = set_incident_tolerance(municipality, metres=tolerance, actor=request.user) or changed
            if changed:
                messages.success(request, _("The settings are saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return redirect("staff:municipality_detail", pk=municipality.pk)
    else:
        settings_form = forms.MunicipalitySettingsForm(
            initial={
                "allows_works_here": municipality.allows_works_here,
                "incident_tolerance_m": municipality.incident_tolerance_m,
            }
        )
    groups = attach_flags(
        attach_fill(
            with_flag_counts(with_counts(managed_groups(request.user).filter(municipality=municipality)))
            .select_related("area", "area__sub_municipality")
            .order_by("name")
        )
    )
    signs = StreetSign.objects.filter(municipality=municipality).select_related("group").order_by("road")
    free_areas = Area.objects.filter(municipality=municipality, groups__isnull=True).order_by("name")
    features = [
        group_area_feature(g, "group" if g.status == Group.Status.ACTIVE else f"group-{g.status}") for g in groups
    ]
    features += [maps.area_feature(a.geometry, a.name, "free-area") for a in free_areas]
    features += [maps.point_feature(s.lon, s.lat, _("Street sign: %(road)s") % {"road": s.road}, "sign") for s in signs]
    return render(
        request,
        "staff/municipality_detail.html",
        {
            "municipality": municipality,
            "figures": municipality_figures(municipality),
            "groups": groups,
            "sub_municipalities": coverage(municipality),
            "signs": signs,
            "free_areas": free_areas,
            "map_data": maps.collection(features),
            "settings_form": settings_form,
        },
    )


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
@recent_login_required(methods=["POST"])
def retention_settings(request, pk):
    """How long the municipality keeps each kind of personal data (its privacy page says so)."""
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    form = RetentionForm(request.POST or None, initial=RetentionForm.initial_for(municipality))
    if request.method == "POST":
        if form.is_valid():
            try:
                changed = save_policy(municipality, actor=request.user, **form.days())
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if changed:
                    messages.success(request, _("The settings are saved."))
                else:
                    messages.info(request, _("Nothing changed."))
                return redirect("staff:retention_settings", pk=municipality.pk)
        messages.error(request, _("Nothing was saved. Correct what is marked below."))
    return render(request, "staff/retention_settings.html", {"municipality": municipality, "form": form})


@staff_view
def coverage_export(request, pk):
    """The coverage page's figures per sub-municipality as a spreadsheet (counts only)."""
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    delimiter = "," if request.GET.get("sep") == "comma" else ";"
    content = coverage_csv(coverage_for(municipality), delimiter=delimiter)
    # The byte-order mark makes Excel read the file as UTF-8 (names with é, ë, ç).
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate()
    response["Content-Disposition"] = f'attachment; filename="{municipality.slug}-coverage-{stamp:%Y-%m-%d}.csv"'
    return response


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
@recent_login_required(methods=["POST"])
def group_admins(request, pk):
    """A group's admins: appoint (an account of the municipality at once, anyone else by an
    invitation they accept or decline), invite a person without an account, remove an admin,
    withdraw an invitation that waits for an answer."""
    group = coordinated_group(request, pk)
    form = forms.AppointAdminForm()
    invite_form = forms.InviteAdminForm(country=group.municipality.country)
    confirm_removal = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            role = get_object_or_404(
                group.admin_roles.select_related("user"), user_id=int_or_none(request.POST.get("user"))
            )
            without_admin = leaves_without_admin(group, role.user)
            if without_admin and request.POST.get("confirm") != "yes":
                # The group's last admin: say what follows and ask once more (see group_admins.html).
                confirm_removal = role
            else:
                remove_admin(actor=request.user, group=group, user=role.user)
                messages.success(
                    request, _("%(name)s is no longer an admin of this group.") % {"name": role.user.display_name}
                )
                if without_admin:
                    messages.warning(
                        request,
                        _("This group has no admin now: new applications reach no one. Appoint a new admin."),
                    )
                return redirect("staff:group_admins", pk=group.pk)
        if action == "withdraw":
            invitation = get_object_or_404(
                group.admin_invitations.pending().select_related("user"),
                pk=int_or_none(request.POST.get("invitation")),
            )
            try:
                withdraw_invitation(actor=request.user, invitation=invitation)
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(
                    request,
                    _("The invitation of %(name)s is withdrawn: its link no longer works.")
                    % {"name": invitation.user.display_name},
                )
            return redirect("staff:group_admins", pk=group.pk)
        if action == "appoint":
            form = forms.AppointAdminForm(request.POST)
            if form.is_valid():
                user = form.cleaned_data["user"]
                try:
                    result = appoint_or_invite(
                        actor=request.user, group=group, user=user, role=form.cleaned_data["role"]
                    )
                except ValidationError as exc:
                    add_errors(form, exc, default_field="user")
                else:
                    if isinstance(result, AdminInvitation):
                        messages.success(request, _invited_text(result))
                    else:
                        if result.role == GroupAdmin.Role.CO_ADMIN:
                            text = _("%(name)s is now a co-admin of this group.")
                        else:
                            text = _("%(name)s is now an admin of this group.")
                        messages.success(request, text % {"name": user.display_name})
                    return redirect("staff:group_admins", pk=group.pk)
        if action == "invite":
            invite_form = forms.InviteAdminForm(request.POST, country=group.municipality.country)
            if invite_form.is_valid():
                data = invite_form.cleaned_data
                try:
                    invitation = invite_admin(
                        actor=request.user,
                        group=group,
                        full_name=data["full_name"],
                        email=data["email"],
                        phone=data["phone"],
                        role=data["role"],
                    )
                except ValidationError as exc:
                    add_errors(invite_form, exc)
                else:
                    messages.success(
                        request,
                        _(
                            "An account was made for %(name)s (user name %(username)s) and an invitation was "
                            "e-mailed to them. They become an admin of this group only after accepting it, "
                            "when they also choose their password."
                        )
                        % {"name": invitation.user.display_name, "username": invitation.user.get_username()},
                    )
                    return redirect("staff:group_admins", pk=group.pk)
            messages.error(request, _("Nobody was invited. Correct the fields marked below."))
    admins = group.admin_roles.select_related("user").order_by("role", "user__first_name", "user__username")
    invitations = list(group.admin_invitations.pending().select_related("user", "invited_by").order_by("created_at"))
    return render(
        request,
        "staff/group_admins.html",
        {
            "group": group,
            "admins": admins,
            "invitations": invitations,
            "form": form,
            "invite_form": invite_form,
            "confirm_removal": confirm_removal,
            "last_admin_ids": [a.user_id for a in admins if leaves_without_admin(group, a.user)],
        },
    )


def _invited_text(invitation: AdminInvitation) -> str:
    days = invitation_days()
    return ngettext(
        "%(name)s is not an account of %(municipality)s, so they were not appointed: they received an "
        "invitation by e-mail and become an admin of this group only after accepting it, within %(days)d day.",
        "%(name)s is not an account of %(municipality)s, so they were not appointed: they received an "
        "invitation by e-mail and become an admin of this group only after accepting it, within %(days)d days.",
        days,
    ) % {"name": invitation.user.display_name, "municipality": invitation.group.municipality.name, "days": days}


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def house_rules_publish(request, pk):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    current = municipality.current_house_rules
    initial = {}
    if current is not None:
        for code, shown in current.texts().items():
            suffix = "" if code == municipality.language else f"_{code}"
            initial.update({f"title{suffix}": shown.title, f"text{suffix}": shown.text})
    form = forms.HouseRulesForm(request.POST or None, language=municipality.language, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                rules = publish_house_rules(
                    municipality,
                    title=form.cleaned_data["title"],
                    text=form.cleaned_data["text"],
                    translations=form.translations(),
                    actor=request.user,
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Version %(version)d of the house rules is published.") % {"version": rules.version},
                )
                return redirect("staff:house_rules_publish", pk=municipality.pk)
        messages.error(request, _("Nothing was published. Correct what is marked below."))
    versions = list(
        municipality.house_rules.select_related("published_by")
        .prefetch_related("translations")
        .order_by("-version")[:20]
    )
    # How many of the current members accepted each version (a count, no one's data).
    accepted = dict(
        Member.objects.current()
        .filter(group__municipality=municipality)
        .order_by()
        .values("house_rules_version")
        .annotate(n=Count("pk"))
        .values_list("house_rules_version", "n")
    )
    for version in versions:
        version.accepted_by = accepted.get(version.pk, 0)
    return render(
        request,
        "staff/house_rules.html",
        {
            "municipality": municipality,
            "current": current,
            "current_accepted_by": accepted.get(current.pk, 0) if current else 0,
            "current_texts": list(current.texts().values()) if current else [],
            "form": form,
            "versions": versions,
        },
    )


@staff_view
def group_request_list(request):
    form = forms.group_request_filter_form(request.GET or None)
    requests = group_requests_for(request.user).select_related("municipality", "group")
    if form.is_valid() and form.cleaned_data["status"]:
        requests = requests.filter(status=form.cleaned_data["status"])
    requests = requests.annotate(
        rank=Case(When(status=GroupRequest.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("rank", "-created_at", "-pk")
    page = paginate(request, requests)
    return render(
        request, "staff/group_request_list.html", {"form": form, "page": page, "query": query_without_page(request)}
    )


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def group_request_detail(request, pk):
    group_request = get_object_or_404(
        group_requests_for(request.user).select_related("municipality", "group", "decided_by"), pk=pk
    )
    groups = managed_groups(request.user).filter(municipality=group_request.municipality).order_by("name")
    is_open = group_request.status == GroupRequest.Status.OPEN
    if request.method != "POST":
        record(request.user, AuditEvent.Action.GROUP_REQUEST_VIEWED, group_request)
    if request.method == "POST" and is_open:
        form = forms.GroupRequestDecisionForm(request.POST, groups=groups)
        if form.is_valid():
            approve = form.cleaned_data["decision"] == form.APPROVE
            try:
                decide_group_request(
                    actor=request.user,
                    request=group_request,
                    approve=approve,
                    note=form.cleaned_data["note"],
                    group=form.cleaned_data["group"],
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("The request was answered; the resident receives an e-mail."))
            return redirect("staff:group_request_detail", pk=group_request.pk)
    else:
        initial = {}
        chosen = int_or_none(request.GET.get("group"))
        if chosen is not None and groups.filter(pk=chosen).exists():
            initial = {"group": chosen, "decision": forms.GroupRequestDecisionForm.APPROVE}
        form = forms.GroupRequestDecisionForm(groups=groups, initial=initial)
    features = [group_area_feature(g) for g in groups.select_related("area")]
    if group_request.lat is not None and group_request.lon is not None:
        features.append(
            maps.point_feature(group_request.lon, group_request.lat, _("Address of the request"), "request")
        )
    return render(
        request,
        "staff/group_request_detail.html",
        {
            "group_request": group_request,
            "form": form if is_open else None,
            "map_data": maps.collection(features),
        },
    )
