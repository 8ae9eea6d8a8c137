"""Street signs on the desk: the list and map of the signs a user may see, asking for a sign
(tap on the map, or type the coordinates), the coordinator's steps (approve, decline, placement
with a photo, damaged, removed), the photo, and the printable poster and flyer with QR codes."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from apps.groups.models import Group
from apps.groups.permissions import managed_groups
from apps.signs import services
from apps.signs.forms import DeclineForm, PlacementForm, PrintForm, SignRequestForm, StateNoteForm
from apps.signs.models import StreetSign
from apps.signs.permissions import may_decide, requesting_groups, signs_for
from apps.signs.printing import filename, group_url, printable_pdf, qr_svg, shown, sign_url

from .. import maps
from .common import add_errors, paginate, query_without_page, render, staff_view

State = StreetSign.State

# At most this many signs on the list's map (a municipality has a few dozen).
MAP_SIGNS = 500


def _sign_feature(sign: StreetSign) -> dict:
    label = _("Street sign: %(road)s") % {"road": sign.road}
    label += f" ({sign.get_state_display()})"
    if sign.group_stopped:
        label += " — " + _("group stopped")
    kind = "sign-stopped" if sign.group_stopped else "sign"
    return maps.point_feature(sign.lon, sign.lat, label, kind, reverse("staff:sign_detail", args=[sign.pk]))


@staff_view
@require_http_methods(["GET", "HEAD"])
def sign_list(request):
    signs = signs_for(request.user).select_related("group", "municipality")
    state = request.GET.get("state", "")
    if state in State.values:
        signs = signs.filter(state=state)
    elif request.GET.get("stopped") == "1":
        signs = signs.filter(group__status=Group.Status.CLOSED)
    else:
        state = ""
    signs = signs.annotate(scan_total=Sum("scans__count")).order_by("municipality__name", "road", "pk")
    features = [_sign_feature(s) for s in signs[:MAP_SIGNS]]
    stopped = (
        signs_for(request.user)
        .filter(group__status=Group.Status.CLOSED)
        .exclude(state__in=[State.REMOVED, State.DECLINED])
    )
    return render(
        request,
        "staff/signs/sign_list.html",
        {
            "page": paginate(request, signs),
            "query": query_without_page(request),
            "states": State.choices,
            "state": state,
            "stopped_only": request.GET.get("stopped") == "1",
            "stopped_count": stopped.count(),
            "may_request": requesting_groups(request.user).exists(),
            "map_data": maps.collection(features) if features else None,
        },
    )


def _request_map(user) -> dict:
    groups = requesting_groups(user).select_related("area").order_by("name")[:50]
    return maps.collection(maps.area_feature(g.area.geometry, g.name, "group") for g in groups)


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def sign_request(request):
    if not requesting_groups(request.user).exists():
        raise Http404
    if request.method == "POST":
        form = SignRequestForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                sign = services.request_sign(
                    actor=request.user,
                    group=data["group"],
                    lat=data["lat"],
                    lon=data["lon"],
                    road=data["road"],
                    note=data["note"],
                )
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                if sign.repeated:
                    messages.info(request, _("You had already asked for this sign; it was not asked twice."))
                else:
                    messages.success(request, _("The sign was asked for. The municipality's coordinator decides."))
                return redirect("staff:sign_detail", pk=sign.pk)
        messages.error(request, _("Nothing was saved. Correct what is marked below."))
    else:
        groups = list(requesting_groups(request.user)[:2])
        initial = {"group": groups[0].pk} if len(groups) == 1 else {}
        form = SignRequestForm(user=request.user, initial=initial)
    return render(request, "staff/signs/sign_form.html", {"form": form, "map_data": _request_map(request.user)})


def _visible_sign(request, pk) -> StreetSign:
    return get_object_or_404(signs_for(request.user).select_related("group", "municipality", "requested_by"), pk=pk)


@staff_view
@require_http_methods(["GET", "HEAD"])
def sign_detail(request, pk):
    sign = _visible_sign(request, pk)
    return _detail(request, sign)


def _detail(request, sign: StreetSign, *, forms: dict | None = None, status: int = 200):
    decides = may_decide(request.user, sign)
    steps = services.STEPS[sign.state] if decides else set()
    forms = forms or {}
    context = {
        "sign": sign,
        "steps": steps,
        "decides": decides,
        "decline_form": forms.get("decline") or DeclineForm(),
        "placement_form": forms.get("place")
        or PlacementForm(initial={"placed_on": sign.placed_on or timezone.localdate()}),
        "damaged_form": forms.get("damaged") or StateNoteForm(prefix="damaged"),
        "removed_form": forms.get("removed") or StateNoteForm(prefix="removed"),
        "scans": sign.scans.order_by("-day")[:30],
        "scan_total": sign.scans.aggregate(total=Sum("count"))["total"] or 0,
        "scan_url": shown(sign_url(sign)),
        "may_print": sign.state in (State.APPROVED, State.PLACED, State.DAMAGED)
        and sign.group_id is not None
        and managed_groups(request.user).filter(pk=sign.group_id).exists(),
        "map_data": maps.collection([_sign_feature(sign)]),
    }
    return render(request, "staff/signs/sign_detail.html", context, status=status)


@staff_view
@require_POST
def sign_step(request, pk, step):
    """One of the coordinator's steps; the service refuses anyone else (403) and any step the
    sign's state does not allow."""
    sign = _visible_sign(request, pk)
    done = {
        "approve": _("The sign is approved; the admin who asked for it is told."),
        "decline": _("The sign is declined; the admin who asked for it is told."),
        "place": _("The placement is recorded."),
        "damaged": _("The sign is marked as damaged."),
        "removed": _("The sign is marked as removed."),
    }
    if step not in done:
        raise Http404
    form = None
    try:
        if step == "approve":
            services.approve(actor=request.user, sign=sign)
        elif step == "decline":
            form = DeclineForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.decline(actor=request.user, sign=sign, reason=form.cleaned_data["reason"])
        elif step == "place":
            form = PlacementForm(request.POST, request.FILES)
            if not form.is_valid():
                raise ValidationError(form.errors)
            services.record_placement(
                actor=request.user,
                sign=sign,
                placed_on=form.cleaned_data["placed_on"],
                photo=form.cleaned_data.get("photo"),
            )
        else:
            form = StateNoteForm(request.POST, prefix=step)
            if not form.is_valid():
                raise ValidationError(form.errors)
            action = services.mark_damaged if step == "damaged" else services.mark_removed
            action(actor=request.user, sign=sign, note=form.cleaned_data["note"])
    except ValidationError as exc:
        if form is not None and hasattr(exc, "error_dict"):
            if form.is_bound and not form.errors:
                add_errors(form, exc)
            messages.error(request, _("Nothing was changed. Correct what is marked below."))
            sign.refresh_from_db()
            return _detail(request, sign, forms={step: form}, status=400)
        messages.error(request, " ".join(exc.messages))
        return redirect("staff:sign_detail", pk=sign.pk)
    messages.success(request, done[step])
    return redirect("staff:sign_detail", pk=sign.pk)


@staff_view
@require_http_methods(["GET", "HEAD"])
def sign_photo(request, pk):
    sign = _visible_sign(request, pk)
    if not sign.photo:
        raise Http404
    response = FileResponse(sign.photo.open("rb"), content_type=sign.photo_type or "application/octet-stream")
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="sign-{sign.pk}.{sign.photo.name.rsplit(".", 1)[-1]}"'
    return response


@staff_view
@require_http_methods(["GET", "HEAD"])
def group_printables(request, pk):
    """The group's QR code, and its poster and flyer to download (the group's admins and the
    municipality's coordinators)."""
    group = get_object_or_404(managed_groups(request.user).select_related("municipality"), pk=pk)
    language = (get_language() or "nl")[:2]
    if "format" in request.GET:
        form = PrintForm(request.GET, group=group)
        if form.is_valid():
            data = form.cleaned_data
            pdf = printable_pdf(group, kind=data["format"], language=data["language"], sign=data["sign"])
            response = HttpResponse(pdf, content_type="application/pdf")
            name = filename(group, kind=data["format"], language=data["language"], sign=data["sign"])
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        status = 400
    else:
        form = PrintForm(
            group=group,
            initial={"language": group.municipality.language or language, "sign": request.GET.get("sign")},
        )
        status = 200
    url = group_url(group)
    return render(
        request,
        "staff/signs/printables.html",
        {"group": group, "form": form, "qr": qr_svg(url), "url": url, "url_shown": shown(url)},
        status=status,
    )
