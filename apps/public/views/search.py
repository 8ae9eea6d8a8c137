"""Finding a group: the map of all groups, the search by address or by a point on the map, a
municipality's groups and a group's own page. Groups only, never people."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.http import urlencode
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from apps.addresses.services import AmbiguousAddress
from apps.areas import index
from apps.groups import map_layer
from apps.groups.lookup import Lookup, lookup_address, lookup_point
from apps.groups.models import Group
from apps.municipalities.models import Municipality

from ..forms import AddressSearchForm, PointSearchForm
from .common import START_FIELDS, add_service_errors, address_query, error_summary, saar_numbers


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


def _card(group: Group) -> dict:
    return {"group": group, "places": _places(group)}


def home(request):
    # The map's areas come from the layer (map_layer below), fetched by the page's script: at
    # national scale they are megabytes, which a page with a search form should not carry. The
    # list names the municipalities; each one's page lists its groups.
    return render(
        request,
        "public/home.html",
        {
            "form": AddressSearchForm(),
            "layer_url": reverse("public:map_layer"),
            "municipalities": list(map_layer.municipalities_with_groups()),
        },
    )


def municipality_groups(request, slug: str):
    municipality = get_object_or_404(Municipality, slug=slug)
    groups = list(
        map_layer.open_groups().filter(municipality=municipality).select_related("municipality").order_by("name", "id")
    )
    return render(
        request,
        "public/municipality.html",
        {
            "municipality": municipality,
            "groups": groups,
            # Counted as the desk and the figures count them: the active ones, then those being started.
            "active_count": sum(1 for g in groups if g.status == Group.Status.ACTIVE),
            "forming_count": sum(1 for g in groups if g.status == Group.Status.FORMING),
            "layer_url": reverse("public:municipality_layer", args=[municipality.slug]),
            "saar_numbers": saar_numbers(municipality),
        },
    )


@require_safe
def layer(request, slug: str | None = None):
    """The open groups' areas as GeoJSON for the public map, of the whole site or of one
    municipality. Its version follows the area index's token (it changes with every change of an
    area, a group or a municipality) and the language of the labels, so a browser that has it asks
    again and gets "not modified" until something changed."""
    municipality = get_object_or_404(Municipality, slug=slug) if slug is not None else None
    etag = f'"{index.current_token() or "none"}-{get_language()}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        response = not_modified
    else:
        response = StreamingHttpResponse(
            map_layer.public_layer(municipality), content_type="application/geo+json; charset=utf-8"
        )
    response["ETag"] = etag
    # Kept, but checked before each use: a changed area shows on the next visit.
    patch_cache_control(response, no_cache=True)
    return response


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
                add_service_errors(form, exc)
            except ValidationError as exc:
                add_service_errors(form, exc)
        if result is None:
            # The street is chosen from the list above the form: its error leads there.
            context["errors"] = error_summary(
                form, anchors={"street": "street-choice"} if "street_choices" in context else None
            )
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
    # Areas may overlap (the Baarle enclaves, a street both municipalities cover): the place lies
    # inside several groups' areas, and the resident chooses.
    in_several = not on_shared_border and len({g.area_id for g in result.groups}) > 1
    features = _feature_collection(result.groups)
    return {
        "result": result,
        "address": address,
        "municipality": result.municipality,
        "cards": [_card(g) for g in result.groups],
        "on_shared_border": on_shared_border,
        "border_count": len(result.areas),
        "in_several": in_several,
        "group_count": len(result.groups),
        "apply_query": address_query(address) if address else "",
        "start_query": address_query(address, START_FIELDS) if address else "",
        "areas": features,
        "marker": {"lat": result.lat, "lon": result.lon},
        "saar_numbers": saar_numbers(result.municipality),
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
            "saar_numbers": saar_numbers(group.municipality),
        },
    )
