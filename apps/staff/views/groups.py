"""A group on the desk: its page (with the invite link on explicit request), and the form that
creates or edits a group together with its area, chosen, drawn on the map or uploaded."""

from __future__ import annotations

from functools import wraps

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods

from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.groups.permissions import group_requests_for, managed_groups
from apps.groups.services import save_group, set_invite_link, step_down
from apps.municipalities.permissions import can_coordinate, municipalities_for

from .. import forms, maps
from ..figures import Fill, with_counts
from .common import (
    add_errors,
    coordinated_group,
    group_area_feature,
    int_or_none,
    render,
    staff_view,
)


class InviteLinkForm(django_forms.Form):
    invite_link = django_forms.CharField(
        label=gettext_lazy("New invite link"),
        max_length=300,
        error_messages={"required": gettext_lazy("Enter the group's new invite link.")},
        help_text=gettext_lazy(
            "In WhatsApp: group info, Invite via link, Copy link. It looks like https://chat.whatsapp.com/…"
        ),
        widget=django_forms.URLInput(attrs={"autocomplete": "off", "inputmode": "url"}),
    )


COORDINATOR = "coordinator"


class StepDownForm(django_forms.Form):
    successor = django_forms.ChoiceField(
        label=gettext_lazy("Who takes over the group?"),
        widget=django_forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose who takes over the group."),
            "invalid_choice": gettext_lazy(
                "Choose one of the group's other admins, or hand the group back to the coordinator."
            ),
        },
    )

    def __init__(self, *args, others=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [
            (str(role.user_id), _("%(name)s (becomes admin)") % {"name": role.user.display_name}) for role in others
        ]
        choices.append((COORDINATOR, _("Nobody: hand the group back to the coordinator")))
        self.fields["successor"].choices = choices


def _update_invite_link(request, group: Group, form: InviteLinkForm):
    if not form.is_valid():
        return None
    try:
        changed = set_invite_link(actor=request.user, group=group, invite_link=form.cleaned_data["invite_link"])
    except ValidationError as exc:
        add_errors(form, exc, "invite_link")
        return None
    if changed:
        messages.success(request, _("The invite link was changed. Approved members receive the new link from now on."))
    else:
        messages.info(request, _("This already was the group's invite link: nothing changed."))
    return redirect("staff:group_detail", pk=group.pk)


def _step_down(request, group: Group, form: StepDownForm):
    if not form.is_valid():
        return None
    choice = form.cleaned_data["successor"]
    successor = None
    if choice != COORDINATOR:
        successor = group.admin_roles.select_related("user").get(user_id=int(choice)).user
    try:
        step_down(actor=request.user, group=group, successor=successor)
    except ValidationError as exc:
        add_errors(form, exc, "successor")
        return None
    if successor is not None:
        messages.success(
            request,
            _("You are no longer an admin of %(group)s. %(name)s is its admin now.")
            % {"group": group.name, "name": successor.display_name},
        )
    else:
        messages.success(
            request,
            _("You are no longer an admin of %(group)s. The coordinator was told by e-mail.") % {"group": group.name},
        )
    if managed_groups(request.user).filter(pk=group.pk).exists():
        return redirect("staff:group_detail", pk=group.pk)
    return redirect("staff:dashboard")


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def group_detail(request, pk):
    group = get_object_or_404(
        with_counts(managed_groups(request.user)).select_related("municipality", "area", "area__sub_municipality"),
        pk=pk,
    )
    own_role = GroupAdmin.objects.filter(group=group, user=request.user).first()
    others = list(
        group.admin_roles.select_related("user").exclude(user=request.user).order_by("role", "user__first_name")
    )
    invite_form = InviteLinkForm()
    step_down_form = StepDownForm(others=others) if own_role else None
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "update_invite":
        invite_form = InviteLinkForm(request.POST)
        response = _update_invite_link(request, group, invite_form)
        if response is not None:
            return response
        messages.error(request, _("The invite link was not changed. Correct the field marked below."))
    elif action == "step_down":
        if own_role is None:
            raise PermissionDenied
        step_down_form = StepDownForm(request.POST, others=others)
        response = _step_down(request, group, step_down_form)
        if response is not None:
            return response
        messages.error(request, _("You are still an admin. Correct the field marked below."))
    invite_link = ""
    # The invite link lets anyone into the WhatsApp group. It is shown only on an explicit
    # request, by POST so it never lands in a URL or the history, and each showing is recorded.
    if action == "show_invite" and group.invite_link:
        record(
            request.user,
            AuditEvent.Action.GROUP_INVITE_VIEWED,
            group,
            group_id=group.pk,
            municipality_id=group.municipality_id,
        )
        invite_link = group.invite_link
    admins = group.admin_roles.select_related("user").order_by("role", "user__first_name", "user__username")
    return render(
        request,
        "staff/group_detail.html",
        {
            "group": group,
            "fill": Fill(group.member_count, group.capacity),
            "admins": admins,
            "invite_link": invite_link,
            "invite_form": invite_form,
            "own_role": own_role,
            "step_down_form": step_down_form,
            "coordinates": can_coordinate(request.user, group.municipality),
            "map_data": maps.collection([group_area_feature(group)]),
        },
    )


# --- the group form --------------------------------------------------------------------------


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
                add_errors(form, exc)
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
    return render(
        request,
        "staff/group_form.html",
        {
            "form": form,
            "municipality": municipality,
            "group": group,
            "group_request": group_request,
            "map_data": maps.collection(features),
        },
    )


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


def _request_for_new_group(request, municipality) -> GroupRequest | None:
    request_id = int_or_none(request.GET.get("request"))
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
    group = coordinated_group(request, pk)
    return _group_form(request, group.municipality, group=group)
