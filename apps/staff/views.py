"""The staff desk: group admins, municipal coordinators and police, each seeing only their own.

Every object is taken from the scoped querysets of apps.accounts.permissions, so what lies
outside the user's reach is a 404 and is never shown or changed. Changes are POST only and go
through the services, which check permission once more (PermissionDenied gives a 403).
Looking at or exporting personal data is recorded in the audit trail.
"""

from __future__ import annotations

from collections import defaultdict
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Case, F, IntegerField, Prefetch, Q, Value, When
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from apps.accounts.permissions import (
    administered_groups,
    applications_for,
    can_coordinate,
    group_requests_for,
    managed_groups,
    members_for,
    municipalities_for,
    police_municipality_ids,
    roles,
    visible_groups,
)
from apps.accounts.services import invite_admin
from apps.applications import services as application_services
from apps.applications.models import Application
from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.ages import age_on
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.groups.services import appoint_admin, decide_group_request, remove_admin, save_group
from apps.members.alerts import ALERTS_CONSENT
from apps.members.services import Via, roster_csv, start_alerts, stop_alerts
from apps.members.services import remove as remove_member
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import retry
from apps.municipalities.services import publish_house_rules
from apps.signs.models import StreetSign

from . import forms, maps
from .figures import Fill, attach_fill, coverage, municipality_figures, with_counts, with_member_count

PAGE_SIZE = 25


def staff_view(view):
    """Logged-in staff only; pages hold personal data, so browsers and proxies must not keep them."""
    return login_required(never_cache(view))


# --- helpers ---------------------------------------------------------------------------------


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _error_text(exc: ValidationError) -> str:
    return " ".join(str(m) for m in exc.messages)


def _add_errors(form: Form, exc: ValidationError, default_field: str | None = None) -> None:
    """Put a service's ValidationError on the form: on a field of the same name, else on top."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else default_field, errors)
    else:
        form.add_error(default_field, exc)


def _navigation(request) -> list[dict]:
    user = request.user
    user_roles = roles(user)
    current = request.resolver_match.url_name if request.resolver_match else ""

    def item(name: str, label: str, *pages: str) -> dict:
        return {"url": reverse(name), "label": label, "current": current in (name.split(":")[1], *pages)}

    items = [item("staff:dashboard", _("Overview"))]
    if user_roles["admin"] or user_roles["coordinator"] or user_roles["superuser"]:
        items.append(item("staff:application_list", _("Applications"), "application_detail"))
        items.append(item("staff:message_list", _("Messages")))
    if user_roles["coordinator"] and not user_roles["superuser"]:
        # A coordinator usually has one municipality: its page is one tap away.
        for municipality in municipalities_for(user)[:3]:
            url = reverse("staff:municipality_detail", args=[municipality.pk])
            items.append({"url": url, "label": municipality.name, "current": url == request.path})
    if user_roles["coordinator"] or user_roles["superuser"]:
        items.append(item("staff:group_request_list", _("Requests for a group"), "group_request_detail"))
    if user_roles["police"] or user_roles["superuser"]:
        items.append(item("staff:police_overview", _("Police overview")))
    return items


def _render(request, template: str, context: dict | None = None, status: int = 200) -> HttpResponse:
    context = {"desk_nav": _navigation(request), **(context or {})}
    return render(request, template, context, status=status)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


def _managed_group(request, pk) -> Group:
    return get_object_or_404(managed_groups(request.user).select_related("municipality", "area"), pk=pk)


def _coordinated_group(request, pk) -> Group:
    """A group the user coordinates: a group admin reaches their group, but not its settings."""
    groups = managed_groups(request.user).filter(municipality__in=municipalities_for(request.user))
    return get_object_or_404(groups.select_related("municipality", "area", "area__sub_municipality"), pk=pk)


def _group_area_feature(group: Group, kind: str = "group") -> dict:
    return maps.area_feature(group.area.geometry, group.name, kind, reverse("staff:group_detail", args=[group.pk]))


# --- dashboard -------------------------------------------------------------------------------


@staff_view
def dashboard(request):
    user = request.user
    admin_groups = attach_fill(
        with_counts(managed_groups(user).filter(admin_roles__user=user)).select_related("municipality")
    )
    municipalities = [municipality_figures(m) for m in municipalities_for(user)]
    police_zones = list(user.police_roles.select_related("zone").values_list("zone__name", flat=True))
    police_groups = (
        visible_groups(user).filter(municipality_id__in=police_municipality_ids(user)).count() if police_zones else 0
    )
    return _render(
        request,
        "staff/dashboard.html",
        {
            "admin_groups": admin_groups,
            "municipalities": municipalities,
            "police_zones": police_zones,
            "police_groups": police_groups,
            "has_role": bool(admin_groups or municipalities or police_zones),
        },
    )


# --- applications ----------------------------------------------------------------------------


def _record_viewed_per_group(user, action: str, objects) -> None:
    """One audit event per group whose people were shown, naming the ids that were on screen."""
    by_group = defaultdict(list)
    for obj in objects:
        by_group[obj.group].append(obj.pk)
    for group, ids in by_group.items():
        record(user, action, group, group_id=group.pk, municipality_id=group.municipality_id, ids=ids)


@staff_view
def application_list(request):
    user = request.user
    groups = managed_groups(user).order_by("name")
    form = forms.ApplicationFilterForm(request.GET or None, groups=groups)
    applications = applications_for(user).select_related("group", "group__municipality")
    if form.is_valid():
        if form.cleaned_data["status"]:
            applications = applications.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["group"]:
            applications = applications.filter(group=form.cleaned_data["group"])
    # Waiting for the admin first, oldest first (they expire); then the rest, newest first.
    applications = applications.annotate(
        rank=Case(
            When(status=Application.Status.CONFIRMED, then=Value(0)),
            When(status=Application.Status.SUBMITTED, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        ),
        open_since=Case(When(status__in=Application.OPEN_STATUSES, then=F("created_at"))),
    ).order_by("rank", F("open_since").asc(nulls_last=True), "-created_at", "-pk")
    page = _page(request, applications)
    _record_viewed_per_group(user, AuditEvent.Action.APPLICATION_VIEWED, page.object_list)
    return _render(
        request,
        "staff/application_list.html",
        {"form": form, "page": page, "query": _query_without_page(request)},
    )


def _application_page(request, application: Application, reject_form=None) -> HttpResponse:
    record(
        request.user,
        AuditEvent.Action.APPLICATION_VIEWED,
        application,
        municipality_id=application.group.municipality_id,
    )
    group = application.group
    features = [
        _group_area_feature(group),
        maps.point_feature(application.lon, application.lat, _("Address of the applicant"), "applicant"),
    ]
    return _render(
        request,
        "staff/application_detail.html",
        {
            "application": application,
            "group": group,
            "age": age_on(application.birth_date, timezone.localdate()),
            "checks": application_services.checks(application) if application.is_open else [],
            "can_approve": application.status == Application.Status.CONFIRMED,
            "reject_form": reject_form
            or forms.ReasonForm(
                label=_("Reason for rejecting"),
                help_text=_("The applicant receives this reason by e-mail."),
            ),
            "map_data": maps.collection(features),
        },
    )


def _application(request, pk) -> Application:
    return get_object_or_404(
        applications_for(request.user).select_related(
            "group", "group__municipality", "group__area", "decided_by", "house_rules_version"
        ),
        pk=pk,
    )


@staff_view
def application_detail(request, pk):
    return _application_page(request, _application(request, pk))


@staff_view
@require_POST
def application_approve(request, pk):
    application = _application(request, pk)
    try:
        application_services.approve(application, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _("Not approved: %(reason)s") % {"reason": _error_text(exc)})
    else:
        if application.group.invite_link:
            messages.success(request, _("Approved. The new member receives the invite link by e-mail."))
        else:
            messages.success(
                request, _("Approved. The new member was told by e-mail that you will add their number in WhatsApp.")
            )
    return redirect("staff:application_detail", pk=application.pk)


@staff_view
@require_POST
def application_reject(request, pk):
    application = _application(request, pk)
    form = forms.ReasonForm(
        request.POST, label=_("Reason for rejecting"), help_text=_("The applicant receives this reason by e-mail.")
    )
    if form.is_valid():
        try:
            application_services.reject(application, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                messages.error(request, _("Not rejected: %(reason)s") % {"reason": _error_text(exc)})
                return redirect("staff:application_detail", pk=application.pk)
            _add_errors(form, exc)
        else:
            messages.success(request, _("Rejected. The applicant receives your reason by e-mail."))
            return redirect("staff:application_detail", pk=application.pk)
    messages.error(request, _("Not rejected: give the applicant a reason."))
    return _application_page(request, application, reject_form=form)


# --- groups and members ----------------------------------------------------------------------


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def group_detail(request, pk):
    group = get_object_or_404(
        with_counts(managed_groups(request.user)).select_related("municipality", "area", "area__sub_municipality"),
        pk=pk,
    )
    invite_link = ""
    # The invite link lets anyone into the WhatsApp group. It is shown only on an explicit
    # request, by POST so it never lands in a URL or the history, and each showing is recorded.
    if request.method == "POST" and request.POST.get("action") == "show_invite" and group.invite_link:
        record(
            request.user,
            AuditEvent.Action.GROUP_INVITE_VIEWED,
            group,
            group_id=group.pk,
            municipality_id=group.municipality_id,
        )
        invite_link = group.invite_link
    admins = group.admin_roles.select_related("user").order_by("role", "user__first_name", "user__username")
    return _render(
        request,
        "staff/group_detail.html",
        {
            "group": group,
            "fill": Fill(group.member_count, group.capacity),
            "admins": admins,
            "invite_link": invite_link,
            "coordinates": can_coordinate(request.user, group.municipality),
            "map_data": maps.collection([_group_area_feature(group)]),
        },
    )


@staff_view
def member_list(request, pk):
    group = _managed_group(request, pk)
    members = members_for(request.user).filter(group=group).current().order_by("full_name", "pk")
    total = members.count()
    search = (request.GET.get("q") or "").strip()[:100]
    if search:
        members = members.filter(
            Q(full_name__icontains=search)
            | Q(street__icontains=search)
            | Q(phone__icontains=search)
            | Q(postcode__icontains=search)
        )
    members = list(members)
    record(
        request.user,
        AuditEvent.Action.MEMBERS_VIEWED,
        group,
        group_id=group.pk,
        municipality_id=group.municipality_id,
        count=len(members),
    )
    return _render(
        request,
        "staff/member_list.html",
        {
            "group": group,
            "members": members,
            "fill": Fill(total, group.capacity),
            "search": search,
            "remove_form": forms.ReasonForm(
                label=_("Why is this member removed?"),
                help_text=_("Kept with the membership record; not sent to the member."),
            ),
            # Only the group's own admins record a member's choice about alerts, not the coordinator.
            "records_alerts": administered_groups(request.user).filter(pk=group.pk).exists(),
            "alerts_consent": ALERTS_CONSENT,
        },
    )


@staff_view
def member_export(request, pk):
    group = _managed_group(request, pk)
    # Semicolons unless asked otherwise: what Excel reads in Belgium and the Netherlands.
    delimiter = "," if request.GET.get("sep") == "comma" else ";"
    content = roster_csv(group, actor=request.user, delimiter=delimiter)  # records MEMBERS_EXPORTED
    # The byte-order mark makes Excel read the file as UTF-8 (names with é, ë, ç).
    response = HttpResponse("\ufeff" + content, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{group.slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@staff_view
@require_POST
def member_remove(request, pk):
    member = get_object_or_404(members_for(request.user).select_related("group"), pk=pk)
    form = forms.ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Not removed: say why the member is removed."))
    else:
        try:
            remove_member(member, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as exc:
            messages.error(request, _("Not removed: %(reason)s") % {"reason": _error_text(exc)})
        else:
            messages.success(
                request,
                _("Removed from the list. Also remove the number from the WhatsApp group itself."),
            )
    return redirect("staff:member_list", pk=member.group_id)


@require_POST
@staff_view
def member_alerts_stop(request, pk):
    """The member asked their admin to stop the police and municipality alerts."""
    member = get_object_or_404(members_for(request.user).current().select_related("group"), pk=pk)
    if stop_alerts(member, actor=request.user, via=Via.ADMIN):
        messages.success(request, _("Recorded: %(name)s no longer receives alerts.") % {"name": member.full_name})
    else:
        messages.info(request, _("%(name)s did not receive alerts; nothing changed.") % {"name": member.full_name})
    return redirect("staff:member_list", pk=member.group_id)


@require_POST
@staff_view
def member_alerts_start(request, pk):
    """The member asked their admin to receive the alerts (again)."""
    member = get_object_or_404(members_for(request.user).current().select_related("group"), pk=pk)
    try:
        start_alerts(member, actor=request.user, member_asked=request.POST.get("member_asked") == "on")
    except ValidationError as exc:
        messages.error(request, _("Not recorded: %(reason)s") % {"reason": _error_text(exc)})
    else:
        messages.success(request, _("Recorded: %(name)s receives alerts again.") % {"name": member.full_name})
    return redirect("staff:member_list", pk=member.group_id)


# --- messages --------------------------------------------------------------------------------


def _outgoing_for(user):
    return OutgoingMessage.objects.filter(
        Q(group_id__in=managed_groups(user).values("pk")) | Q(municipality_id__in=municipalities_for(user).values("pk"))
    )


@staff_view
def message_list(request):
    form = forms.message_filter_form(request.GET or None)
    outgoing = _outgoing_for(request.user)
    if form.is_valid() and form.cleaned_data["status"]:
        outgoing = outgoing.filter(status=form.cleaned_data["status"])
    group_names = dict(managed_groups(request.user).values_list("pk", "name"))
    page = _page(request, outgoing.order_by("-created_at", "-pk"))
    for message in page.object_list:
        message.group_name = group_names.get(message.group_id, "")
    # Recipients' addresses are personal data: who looked at which messages is kept.
    record(request.user, AuditEvent.Action.MESSAGES_VIEWED, None, message_ids=[m.pk for m in page.object_list])
    return _render(
        request, "staff/message_list.html", {"form": form, "page": page, "query": _query_without_page(request)}
    )


@staff_view
@require_POST
def message_retry(request, pk):
    message = get_object_or_404(_outgoing_for(request.user), pk=pk)
    if retry(message, actor=request.user):
        messages.success(request, _("The message is queued and will be sent again."))
    else:
        messages.info(request, _("Only failed messages can be sent again; this one was not changed."))
    return redirect(reverse("staff:message_list") + "?status=" + OutgoingMessage.Status.FAILED)


# --- municipal coordinator -------------------------------------------------------------------


@staff_view
def municipality_detail(request, pk):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    groups = attach_fill(
        with_counts(managed_groups(request.user).filter(municipality=municipality))
        .select_related("area", "area__sub_municipality")
        .order_by("name")
    )
    signs = StreetSign.objects.filter(municipality=municipality).select_related("group").order_by("road")
    free_areas = Area.objects.filter(municipality=municipality, groups__isnull=True).order_by("name")
    features = [
        _group_area_feature(g, "group" if g.status == Group.Status.ACTIVE else f"group-{g.status}") for g in groups
    ]
    features += [maps.area_feature(a.geometry, a.name, "free-area") for a in free_areas]
    features += [maps.point_feature(s.lon, s.lat, _("Street sign: %(road)s") % {"road": s.road}, "sign") for s in signs]
    return _render(
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
        },
    )


class GeoJSONUploadLimit(FileUploadHandler):
    """Stops keeping an uploaded file once it passes the limit, so an oversized upload is never
    held in memory or written to disk; the form then says the file was too large."""

    def __init__(self, request=None, limit: int = 0):
        super().__init__(request)
        self.limit = limit
        self.refused: set[str] = set()

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > self.limit:
            self.refused.add(self.field_name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None  # the next handler builds the file


def _install_upload_limit(request) -> GeoJSONUploadLimit:
    handler = GeoJSONUploadLimit(request, settings.BUURTWACHT_MAX_GEOJSON_UPLOAD)
    request.upload_handlers.insert(0, handler)
    request.geojson_upload_limit = handler
    return handler


def _upload_refused(request) -> bool:
    handler = getattr(request, "geojson_upload_limit", None)
    return bool(handler and "geojson_file" in handler.refused)


def _area_for(form: forms.GroupForm, municipality, group: Group | None, actor) -> Area:
    """The area chosen or drawn in the form, saved through the area service."""
    data = form.cleaned_data
    sub = data["sub_municipality"]
    source = data["area_source"]
    if source == form.AREA_EXISTING:
        area = data["existing_area"]
        # An existing area keeps its sub-municipality unless the coordinator changed the field.
        if "sub_municipality" in form.changed_data and area.sub_municipality_id != (sub.pk if sub else None):
            area = save_area(
                municipality=municipality,
                name=area.name,
                geometry=area.geometry,
                sub_municipality=sub,
                area=area,
                actor=actor,
            )
        return area
    field = "geojson_file" if source == form.AREA_UPLOAD else "geometry"
    try:
        geometry = form.geometry_input()
        # A new outline for a group replaces its area in place when no other group uses it;
        # a shared area is left alone and the group gets a new one.
        reuse = None
        if group is not None and not group.area.groups.exclude(pk=group.pk).exists():
            reuse = group.area
        return save_area(
            municipality=municipality,
            name=data["area_name"].strip() or data["name"].strip(),
            geometry=geometry,
            sub_municipality=sub,
            area=reuse,
            actor=actor,
        )
    except ValidationError as exc:
        if hasattr(exc, "error_dict"):
            raise
        raise ValidationError({field: exc.error_list}) from exc


def _group_form(request, municipality, group: Group | None = None, group_request: GroupRequest | None = None):
    initial = _group_initial(municipality, group, group_request)
    if request.method == "POST":
        # Reading request.FILES runs the upload through GeoJSONUploadLimit first.
        files = request.FILES
        form = forms.GroupForm(
            request.POST, files, municipality=municipality, initial=initial, upload_refused=_upload_refused(request)
        )
        if form.is_valid():
            data = form.cleaned_data
            try:
                # Area and group are saved together or not at all.
                with transaction.atomic():
                    area = _area_for(form, municipality, group, request.user)
                    saved = save_group(
                        actor=request.user,
                        municipality=municipality,
                        area=area,
                        name=data["name"],
                        status=data["status"],
                        capacity=data["capacity"],
                        invite_link=data["invite_link"],
                        public_description=data["public_description"],
                        group=group,
                    )
            except ValidationError as exc:
                _add_errors(form, exc)
                if group is not None:
                    group.refresh_from_db()  # save_group may have changed the instance before it failed
            else:
                messages.success(request, _("The group was saved."))
                if group_request is not None:
                    url = reverse("staff:group_request_detail", args=[group_request.pk])
                    return redirect(f"{url}?group={saved.pk}")
                return redirect("staff:group_detail", pk=saved.pk)
        messages.error(request, _("The group was not saved. Correct the fields marked below."))
    else:
        form = forms.GroupForm(municipality=municipality, initial=initial)
    features = [
        maps.area_feature(a.geometry, a.name, "current" if group and a.pk == group.area_id else "other-area")
        for a in Area.objects.filter(municipality=municipality).order_by("name")
    ]
    if group_request is not None and group_request.lat is not None:
        features.append(
            maps.point_feature(group_request.lon, group_request.lat, _("Address of the request"), "request")
        )
    return _render(
        request,
        "staff/group_form.html",
        {
            "form": form,
            "municipality": municipality,
            "group": group,
            "group_request": group_request,
            "map_data": maps.collection(features),
            "draw_locale": _draw_locale(),
        },
    )


def _draw_locale() -> dict[str, str]:
    """The texts of the Leaflet.draw toolbar, which ships in English only."""
    return {
        "polygon": _("Draw an area"),
        "rectangle": _("Draw a rectangle"),
        "cancel": _("Cancel"),
        "cancelTitle": _("Stop drawing"),
        "finish": _("Finish"),
        "finishTitle": _("Finish drawing"),
        "undo": _("Delete last point"),
        "undoTitle": _("Delete the last point drawn"),
        "start": _("Click to place the first corner."),
        "cont": _("Click to place the next corner."),
        "end": _("Click the first corner to close the area."),
        "rectangleStart": _("Click and drag to draw a rectangle."),
        "release": _("Release the mouse to finish."),
        "crossing": _("The edges of an area cannot cross."),
        "save": _("Save"),
        "saveTitle": _("Keep the changes"),
        "cancelEditTitle": _("Undo the changes"),
        "clearAll": _("Clear all"),
        "clearAllTitle": _("Remove the outline"),
        "edit": _("Move the corners"),
        "editDisabled": _("Nothing to change"),
        "remove": _("Remove the outline"),
        "removeDisabled": _("Nothing to remove"),
        "editHint": _("Drag the corners to change the area."),
        "editSubHint": _("Click Cancel to undo the changes."),
        "removeHint": _("Click the area to remove it."),
    }


def _group_initial(municipality, group: Group | None, group_request: GroupRequest | None) -> dict:
    if group is not None:
        return {
            "name": group.name,
            "status": group.status,
            "capacity": group.capacity,
            "invite_link": group.invite_link,
            "public_description": group.public_description,
            "area_source": forms.GroupForm.AREA_EXISTING,
            "existing_area": group.area_id,
            "area_name": group.area.name,
            "sub_municipality": group.area.sub_municipality_id,
        }
    has_free_area = Area.objects.filter(municipality=municipality, groups__isnull=True).exists()
    initial = {
        "status": Group.Status.FORMING,
        "capacity": settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
        "area_source": forms.GroupForm.AREA_EXISTING if has_free_area else forms.GroupForm.AREA_DRAW,
    }
    if group_request is not None and group_request.street:
        initial["name"] = f"{municipality.name} {group_request.street}"
    return initial


def _with_upload_limit(view):
    """Install the GeoJSON size limit before anything reads the request body.

    CsrfViewMiddleware reads request.POST before the view runs, which would parse the upload
    with the default handlers; so the middleware skips this view and the CSRF check runs
    inside, after the limit is in place (the pattern Django's upload-handler docs give).
    """

    protected = csrf_protect(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        _install_upload_limit(request)
        return protected(request, *args, **kwargs)

    return csrf_exempt(wrapper)


def _request_for_new_group(request, municipality) -> GroupRequest | None:
    request_id = _int_or_none(request.GET.get("request"))
    if request_id is None:
        return None
    return get_object_or_404(group_requests_for(request.user).filter(municipality=municipality), pk=request_id)


@staff_view
@_with_upload_limit
def group_create(request, pk):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    return _group_form(request, municipality, group_request=_request_for_new_group(request, municipality))


@staff_view
@_with_upload_limit
def group_edit(request, pk):
    group = _coordinated_group(request, pk)
    return _group_form(request, group.municipality, group=group)


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def group_admins(request, pk):
    group = _coordinated_group(request, pk)
    form = forms.AppointAdminForm()
    invite_form = forms.InviteAdminForm(country=group.municipality.country)
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "remove":
            role = get_object_or_404(
                group.admin_roles.select_related("user"), user_id=_int_or_none(request.POST.get("user"))
            )
            remove_admin(actor=request.user, group=group, user=role.user)
            messages.success(
                request, _("%(name)s is no longer an admin of this group.") % {"name": role.user.display_name}
            )
            return redirect("staff:group_admins", pk=group.pk)
        if action == "appoint":
            form = forms.AppointAdminForm(request.POST)
            if form.is_valid():
                user = form.cleaned_data["user"]
                appoint_admin(actor=request.user, group=group, user=user, role=form.cleaned_data["role"])
                messages.success(request, _("%(name)s is now an admin of this group.") % {"name": user.display_name})
                return redirect("staff:group_admins", pk=group.pk)
        if action == "invite":
            invite_form = forms.InviteAdminForm(request.POST, country=group.municipality.country)
            if invite_form.is_valid():
                data = invite_form.cleaned_data
                try:
                    admin = invite_admin(
                        actor=request.user,
                        group=group,
                        full_name=data["full_name"],
                        email=data["email"],
                        phone=data["phone"],
                        role=data["role"],
                    )
                except ValidationError as exc:
                    _add_errors(invite_form, exc)
                else:
                    messages.success(
                        request,
                        _(
                            "An account was made for %(name)s (user name %(username)s), who is now an admin of this "
                            "group. They received an e-mail with a link to choose a password."
                        )
                        % {"name": admin.user.display_name, "username": admin.user.get_username()},
                    )
                    return redirect("staff:group_admins", pk=group.pk)
            messages.error(request, _("Nobody was invited. Correct the fields marked below."))
    admins = group.admin_roles.select_related("user").order_by("role", "user__first_name", "user__username")
    return _render(
        request,
        "staff/group_admins.html",
        {"group": group, "admins": admins, "form": form, "invite_form": invite_form},
    )


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def house_rules_publish(request, pk):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    current = municipality.current_house_rules
    initial = {"title": current.title, "text": current.text} if current else {}
    form = forms.HouseRulesForm(request.POST or None, current=current, initial=initial)
    if request.method == "POST" and form.is_valid():
        rules = publish_house_rules(
            municipality, title=form.cleaned_data["title"], text=form.cleaned_data["text"], actor=request.user
        )
        messages.success(
            request, _("Version %(version)d of the house rules is published.") % {"version": rules.version}
        )
        return redirect("staff:house_rules_publish", pk=municipality.pk)
    versions = municipality.house_rules.select_related("published_by").order_by("-version")[:20]
    return _render(
        request,
        "staff/house_rules.html",
        {"municipality": municipality, "current": current, "form": form, "versions": versions},
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
    page = _page(request, requests)
    return _render(
        request, "staff/group_request_list.html", {"form": form, "page": page, "query": _query_without_page(request)}
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
                messages.error(request, _error_text(exc))
            else:
                messages.success(request, _("The request was answered; the resident receives an e-mail."))
            return redirect("staff:group_request_detail", pk=group_request.pk)
    else:
        initial = {}
        chosen = _int_or_none(request.GET.get("group"))
        if chosen is not None and groups.filter(pk=chosen).exists():
            initial = {"group": chosen, "decision": forms.GroupRequestDecisionForm.APPROVE}
        form = forms.GroupRequestDecisionForm(groups=groups, initial=initial)
    features = [_group_area_feature(g) for g in groups.select_related("area")]
    if group_request.lat is not None and group_request.lon is not None:
        features.append(
            maps.point_feature(group_request.lon, group_request.lat, _("Address of the request"), "request")
        )
    return _render(
        request,
        "staff/group_request_detail.html",
        {
            "group_request": group_request,
            "form": form if is_open else None,
            "map_data": maps.collection(features),
        },
    )


# --- police ----------------------------------------------------------------------------------


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
    by_municipality = defaultdict(list)
    for group in groups:
        by_municipality[group.municipality].append(group)
    features = [
        maps.area_feature(g.area.geometry, g.name, "group" if g.status == Group.Status.ACTIVE else f"group-{g.status}")
        for g in groups
    ]
    return _render(
        request,
        "staff/police_overview.html",
        {"municipalities": dict(by_municipality), "groups": groups, "map_data": maps.collection(features)},
    )
