"""The coordinator's geography screens: coverage of the municipality with its map layer, and the
upload of areas and addresses, imported by the worker while the page shows the progress."""

from __future__ import annotations

import math

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Max, Min
from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from shapely.geometry import shape

from apps.areas.jobs import cancel_job, may_cancel, queue_import
from apps.areas.models import ImportJob
from apps.coverage import aggregates, hexbins, national
from apps.coverage.services import address_points, coverage_for, covered_mask
from apps.groups.models import Group
from apps.municipalities.models import Country
from apps.municipalities.permissions import municipalities_for, police_municipality_ids

from .. import maps
from ..forms import ImportForm
from .common import error_text, render, staff_view

STREET_ZOOM = 16


@staff_view
def coverage_page(request: HttpRequest, pk: int):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    result = coverage_for(municipality)
    areas = Group.objects.filter(municipality=municipality, status=Group.Status.ACTIVE).select_related("area")
    features = [maps.area_feature(g.area.geometry, g.name, "group") for g in areas]
    return render(
        request,
        "staff/geo/coverage.html",
        {
            "municipality": municipality,
            "coverage": result,
            "share_percent": round(100 * result.share, 1),
            "members_per_100": round(result.members_per_100, 1),
            "map_data": maps.collection(features),
            "layer_url": reverse("staff:coverage_layer", args=[municipality.pk]),
            "tile_url": settings.BUURTWACHT_TILE_URL,
            "tile_attribution": settings.BUURTWACHT_TILE_ATTRIBUTION,
        },
    )


@staff_view
def coverage_layer(request: HttpRequest, pk: int):
    """Covered and uncovered addresses as GeoJSON: hexagons below street zoom, points from it on
    (within the requested ``bbox``). Addresses are no personal data, but the layer stays on the desk."""
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    try:
        zoom = max(0, min(20, int(request.GET.get("zoom", "12"))))
    except ValueError:
        zoom = 12
    groups = Group.objects.filter(municipality=municipality, status=Group.Status.ACTIVE).select_related("area")
    _ids, lons, lats, _streets, _towns = address_points(municipality)
    covered = covered_mask(lons, lats, [shape(g.area.geometry) for g in groups])
    if zoom >= STREET_ZOOM:
        bbox = _bbox(request.GET.get("bbox", ""))
        if bbox is not None:
            keep = (lons >= bbox[0]) & (lats >= bbox[1]) & (lons <= bbox[2]) & (lats <= bbox[3])
            lons, lats, covered = lons[keep], lats[keep], covered[keep]
        features = hexbins.point_features(lons, lats, covered)
        kind = "points"
    else:
        features = hexbins.hexbins(lons, lats, covered, hexbins.hex_size_for_zoom(zoom))
        kind = "hexagons"
    return JsonResponse(
        {
            "type": "FeatureCollection",
            "kind": kind,
            "legend": _("Share of addresses in an active group's area"),
            "features": features,
        }
    )


def _bbox(value: str):
    try:
        parts = [float(v) for v in value.split(",")]
    except ValueError:
        return None
    if len(parts) != 4 or not all(math.isfinite(v) for v in parts) or parts[0] > parts[2] or parts[1] > parts[3]:
        return None
    return parts


# --- national coverage: operators (everything) and police (their zone) -------------------------

# Below this zoom the layer holds every municipality in reach (a country fits the screen); from it
# on only what lies around the view.
REGIONAL_ZOOM = 10
# A view wider or higher than this many screen pixels at its zoom is refused where the layer
# reads addresses for the view itself (beyond the stored zooms): it bounds what one request reads.
MAX_VIEW_PIXELS = 4096
POINT_LIMIT = 5000
DEFAULT_NATIONAL_ZOOM = 8


class BadLayerRequest(ValueError):
    pass


def _layer_query(params) -> tuple[int, tuple[float, float, float, float] | None]:
    """The zoom and the view (west, south, east, north) asked for; ``BadLayerRequest`` with a
    message for anything else."""
    raw_zoom = params.get("zoom", "").strip()
    if raw_zoom:
        try:
            zoom = int(raw_zoom)
        except ValueError:
            zoom = -1
        if not 0 <= zoom <= 20:
            raise BadLayerRequest(_("The zoom must be a whole number from 0 to 20."))
    else:
        zoom = DEFAULT_NATIONAL_ZOOM
    raw_bbox = params.get("bbox", "").strip()
    bbox = None
    if raw_bbox:
        try:
            parts = [float(v) for v in raw_bbox.split(",")]
        except ValueError:
            parts = []
        if (
            len(parts) != 4
            or not all(math.isfinite(v) for v in parts)
            or parts[0] > parts[2]
            or parts[1] > parts[3]
            or not -90 <= parts[1] <= parts[3] <= 90
        ):
            raise BadLayerRequest(
                _("The view must be four numbers west,south,east,north in degrees, west of east and south of north.")
            )
        bbox = (parts[0], parts[1], parts[2], parts[3])
    if zoom > aggregates.LAST_STORED_ZOOM:
        if bbox is None:
            raise BadLayerRequest(
                _("From zoom %(zoom)d on the layer needs the view (bbox).") % {"zoom": aggregates.LAST_STORED_ZOOM + 1}
            )
        # Degrees per screen pixel along the equator at this zoom; latitudes span fewer.
        limit = MAX_VIEW_PIXELS * 360 / (256 * 2**zoom)
        if bbox[2] - bbox[0] > limit or bbox[3] - bbox[1] > limit:
            raise BadLayerRequest(_("The view is too large for this zoom; zoom out or ask for a smaller view."))
    return zoom, bbox


def _national_scope(user) -> list[int] | None:
    """The municipalities whose coverage the user may see on the national map: all of them for
    operators (``None``), the zone's for police; anyone else gets a 404."""
    if user.is_active and user.is_superuser:
        return None
    ids = [pk for pk in police_municipality_ids(user) if pk is not None]
    if not ids:
        raise Http404
    return ids


@staff_view
def national_coverage_page(request: HttpRequest):
    scope = _national_scope(request.user)
    # Address counts from the cells computed ahead (brought up to date here when that is cheap).
    freshness = aggregates.ensure_current()
    result = national.national_coverage(scope, freshness)
    bounds = None
    if result.rows:
        # The municipalities' extent, from their areas, for the map's first view.
        areas = Group.objects.filter(status=Group.Status.ACTIVE)
        if scope is not None:
            areas = areas.filter(municipality_id__in=scope)
        extent = areas.aggregate(
            min_lon=Min("area__min_lon"),
            min_lat=Min("area__min_lat"),
            max_lon=Max("area__max_lon"),
            max_lat=Max("area__max_lat"),
        )
        if extent["min_lon"] is not None:
            bounds = ",".join(str(extent[k]) for k in ("min_lon", "min_lat", "max_lon", "max_lat"))
    return render(
        request,
        "staff/geo/national_coverage.html",
        {
            "coverage": result,
            "freshness": freshness,
            "whole_country": scope is None,
            "share_percent": round(100 * result.share, 1),
            "layer_url": reverse("staff:national_coverage_layer"),
            "map_data": maps.collection([]),  # no outlines: thousands of areas; the layer says it all
            "bounds": bounds,
            "regional_zoom": REGIONAL_ZOOM,
            "countries": Country.choices,  # a row's country by its name
            "tile_url": settings.BUURTWACHT_TILE_URL,
            "tile_attribution": settings.BUURTWACHT_TILE_ATTRIBUTION,
        },
    )


@staff_view
def national_coverage_layer(request: HttpRequest):
    """Every municipality in reach on one layer: hexagons up to ``aggregates.LAST_STORED_ZOOM``
    from the cells computed ahead (all of them below ``REGIONAL_ZOOM``, those around the view from
    it on); closer in, hexagons and then covered / uncovered dots counted from the addresses of
    the view itself. Counts only: which address is covered, never who lives there."""
    scope = _national_scope(request.user)
    try:
        zoom, bbox = _layer_query(request.GET)
    except BadLayerRequest as exc:
        return JsonResponse({"error": str(exc)}, status=400)
    if zoom >= STREET_ZOOM:
        found = national.points(scope, bbox, limit=POINT_LIMIT)
        return _layer("points", hexbins.point_features(found.lons, found.lats, found.covered, POINT_LIMIT))
    if zoom > aggregates.LAST_STORED_ZOOM:
        size = hexbins.hex_size_for_zoom(zoom)
        # A hexagon that shows in the view lies within two radii of it: count all of its addresses.
        found = national.points(scope, national.widen(bbox, 2 * size))
        return _layer("hexagons", hexbins.hexbins(found.lons, found.lats, found.covered, size))
    freshness = aggregates.ensure_current()
    features = national.stored_hexagons(scope, zoom, bbox if zoom >= REGIONAL_ZOOM else None)
    return _layer("hexagons", features, freshness)


def _layer(kind: str, features: list, freshness: aggregates.Freshness | None = None) -> JsonResponse:
    body = {
        "type": "FeatureCollection",
        "kind": kind,
        "legend": _("Share of addresses in an active group's area"),
        "features": features,
    }
    if freshness is not None:
        body["computed_at"] = freshness.computed_at.isoformat() if freshness.computed_at else None
        body["current"] = freshness.fresh
    return JsonResponse(body)


# --- imports from the upload screen ------------------------------------------------------------


def _job(request, pk: int) -> ImportJob:
    return get_object_or_404(
        ImportJob.objects.filter(municipality__in=municipalities_for(request.user)).select_related("municipality"),
        pk=pk,
    )


@staff_view
@require_http_methods(["GET", "HEAD", "POST"])
def import_upload(request: HttpRequest, pk: int):
    municipality = get_object_or_404(municipalities_for(request.user), pk=pk)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            job = queue_import(
                actor=request.user,
                municipality=municipality,
                kind=data["kind"],
                upload=data["file"],
                options={"crs": data["crs"], "name_field": data["name_field"].strip(), "dry_run": data["dry_run"]},
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            return redirect("staff:import_job", job.pk)
    jobs = ImportJob.objects.filter(municipality=municipality)[:10]
    return render(
        request,
        "staff/geo/import_upload.html",
        {"municipality": municipality, "form": form, "jobs": jobs},
        status=400 if form.errors else 200,
    )


@staff_view
def import_job(request: HttpRequest, pk: int):
    job = _job(request, pk)
    return render(
        request,
        "staff/geo/import_job.html",
        {
            "job": job,
            "municipality": job.municipality,
            "status_url": reverse("staff:import_job_status", args=[job.pk]),
            "may_cancel": may_cancel(job),
        },
    )


@staff_view
@require_http_methods(["POST"])
def import_job_cancel(request: HttpRequest, pk: int):
    """Cancel a waiting or running import of one's own municipality (``areas.jobs.cancel_job``)."""
    job = _job(request, pk)
    try:
        cancel_job(job, actor=request.user)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The import was cancelled; nothing was imported."))
    return redirect("staff:import_job", job.pk)


@staff_view
def import_job_status(request: HttpRequest, pk: int):
    job = _job(request, pk)
    return JsonResponse(
        {
            "status": job.status,
            "status_label": job.get_status_display(),
            "progress": job.progress,
            "finished": job.finished,
            "summary": job.summary,
            "details": job.details[:100],
        }
    )
