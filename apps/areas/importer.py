"""Importing a municipality's areas from a file: GeoJSON, zipped Shapefile or GeoPackage.

All or nothing: every feature is read, reprojected to WGS84, checked and, where that is safe,
repaired; when any feature is refused nothing is written and the result names each refused
feature and why. Features are matched to the municipality's existing areas by name, so
importing the same file again changes nothing (but the neighbours an earlier, interrupted run
left out of date, which it repairs). The areas' neighbours are written in the same transaction
as the areas (ADR 0019). Overlaps between the imported areas and the areas of active groups are
reported with their size in m².
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, box, mapping, shape

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import is_operator, is_system, require_actor
from apps.core.limits import Budget
from apps.municipalities.models import Country, Municipality
from apps.municipalities.permissions import require_municipality

from . import crs as crs_module
from . import index, neighbours, problems, usage
from .geometry import parse_area_geometry, to_geojson
from .models import Area
from .readers import RawFeature, read_area_file, read_limited
from .services import apply_geometry

log = logging.getLogger(__name__)
NAME_FIELDS = ("name", "naam", "NAAM", "Name", "NAME", "naam_nl", "wijknaam", "buurtnaam", "deelgemeente", "label")
MIN_OVERLAP_M2 = 1.0


class AreaImportRefused(ValidationError):
    """The file, or one of its features, cannot be imported; nothing was written."""

    def __init__(self, message, result: AreaImportResult | None = None):
        super().__init__(message)
        self.result = result


@dataclass
class FeatureOutcome:
    number: int
    name: str
    status: str = ""  # created, updated, unchanged, refused
    reason: str = ""  # why refused
    repaired: str = ""  # what was repaired
    area_m2: float = 0.0
    area_id: int | None = None


@dataclass
class Overlap:
    first: str
    second: str
    m2: float
    active_groups: bool  # both areas hold an active group


@dataclass
class AreaImportResult:
    kind: str = ""
    epsg: int | None = None
    municipality: str = ""
    municipality_created: bool = False
    dry_run: bool = False
    features: list[FeatureOutcome] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    neighbours_repaired: int = 0  # areas whose stored neighbours an earlier, interrupted run left stale

    def count(self, status: str) -> int:
        return sum(1 for f in self.features if f.status == status)

    @property
    def refused(self) -> list[FeatureOutcome]:
        return [f for f in self.features if f.status == "refused"]

    @property
    def repaired(self) -> list[FeatureOutcome]:
        return [f for f in self.features if f.repaired]


def read_boundary_file(path: Path, budget: Budget | None = None, cancelled: Callable[[], bool] | None = None):
    """The features of an area or boundary file; with ``budget`` (an upload) read in a child
    process within it (``apps.core.limits``). A file that cannot be read raises
    :class:`AreaImportRefused` with the reason."""
    try:
        if budget is not None:
            return read_limited(path, settings.BUURTWACHT_MAX_AREA_FILE, budget, cancelled=cancelled)
        return read_area_file(path, settings.BUURTWACHT_MAX_AREA_FILE)
    except AreaImportRefused:
        raise
    except ValidationError as exc:
        raise AreaImportRefused(exc.messages[0]) from exc


def _choose_epsg(raw, requested: int | None) -> int:
    if requested is not None and requested not in crs_module.SUPPORTED_CRS:
        raise AreaImportRefused(
            _("Unknown coordinate system EPSG:%(crs)s; use one of %(known)s.")
            % {"crs": requested, "known": ", ".join(str(c) for c in crs_module.SUPPORTED_CRS)}
        )
    geoms = [f.geometry for f in raw.features if f.geometry is not None and not f.geometry.is_empty]
    if not geoms:
        unreadable = next((f for f in raw.features if f.error), None)
        if unreadable is not None:
            # Why the first one cannot be read says more than "no areas".
            raise AreaImportRefused(
                _("No area in the file can be read. Feature %(n)d: %(reason)s")
                % {"n": unreadable.number, "reason": unreadable.error}
            )
        raise AreaImportRefused(_("The file holds no areas."))
    all_bounds = [tuple(b) for b in shapely.bounds(np.array(geoms, dtype=object)).tolist()]

    def fits(code: int) -> bool:
        # Most features, not all: one feature far away is refused on its own, with its name.
        return 2 * sum(crs_module.plausible(code, b) for b in all_bounds) > len(all_bounds)

    epsg = raw.epsg
    if epsg is not None and requested is not None and epsg != requested:
        raise AreaImportRefused(
            _("The file says its coordinates are in EPSG:%(file)s, but EPSG:%(given)s was given.")
            % {"file": epsg, "given": requested}
        )
    epsg = epsg or requested or (4326 if fits(4326) else None)
    if epsg is None:
        raise AreaImportRefused(
            _(
                "The file does not say in which coordinate system it is, and its numbers are not longitude and "
                "latitude. Give it with --crs (28992, 31370 or 3812)."
            )
        )
    if epsg not in crs_module.SUPPORTED_CRS:
        raise AreaImportRefused(
            _("The file is in EPSG:%(crs)s; Buurtwacht reads %(known)s.")
            % {"crs": epsg, "known": ", ".join(str(c) for c in crs_module.SUPPORTED_CRS)}
        )
    if not fits(epsg):
        raise AreaImportRefused(
            _("The coordinates do not lie in Belgium or the Netherlands when read as EPSG:%(crs)s (%(name)s).")
            % {"crs": epsg, "name": crs_module.CRS_NAMES[epsg]}
        )
    return epsg


def _choose_name_field(raw, name_field: str | None) -> str:
    keys: list[str] = []
    for feature in raw.features:
        keys.extend(k for k in feature.properties if k not in keys)
    if name_field:
        if name_field not in keys:
            raise AreaImportRefused(
                _("The features have no field %(field)s; they have: %(fields)s.")
                % {"field": name_field, "fields": ", ".join(keys) or "-"}
            )
        return name_field
    for candidate in NAME_FIELDS:
        if candidate in keys:
            return candidate
    raise AreaImportRefused(
        _("Say which field holds the areas' names with --name-field; the features have: %(fields)s.")
        % {"fields": ", ".join(keys) or "-"}
    )


def _find_municipality(name: str) -> Municipality | None:
    name = name.strip()
    return (
        Municipality.objects.filter(slug=name).first()
        or Municipality.objects.filter(name__iexact=name).first()
        or Municipality.objects.filter(code=name).exclude(code="").first()
    )


def _country_for(epsg: int, raw, country: str | None) -> str:
    if country:
        if country.upper() not in Country.values:
            raise AreaImportRefused(_("Country must be BE or NL."))
        return country.upper()
    if epsg == 28992:
        return Country.NL
    if epsg in (31370, 3812):
        return Country.BE
    values = {str(f.properties.get("country", "")).upper() for f in raw.features} & set(Country.values)
    if len(values) == 1:
        return values.pop()
    raise AreaImportRefused(_("The municipality does not exist yet: say its country with --country BE or NL."))


def _polygonal(geom):
    parts = []
    for part in shapely.get_parts(geom):
        if isinstance(part, Polygon):
            parts.append(part)
        elif isinstance(part, MultiPolygon):
            parts.extend(part.geoms)
        elif part.geom_type == "GeometryCollection":
            sub = _polygonal(part)
            if sub is not None:
                parts.extend(shapely.get_parts(sub))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _prepare_feature(feature: RawFeature, transformer, outcome: FeatureOutcome):
    """The feature's geometry in WGS84, repaired where safe; sets ``outcome.reason`` when refused."""
    if feature.error:
        outcome.reason = feature.error
        return None
    geom = feature.geometry
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        outcome.reason = _("An area must be a Polygon or MultiPolygon, not %(kind)s.") % {"kind": geom.geom_type}
        return None
    if geom.is_empty:
        outcome.reason = _("The area is empty.")
        return None
    if shapely.has_z(geom):
        geom = shapely.force_2d(geom)
    if transformer is not None:

        def project(coords):
            x, y = transformer.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        geom = shapely.transform(geom, project)
    # 7 decimals is about 1 cm: the same file always gives the same stored outline.
    rounded = shapely.transform(geom, lambda c: np.round(c, 7))
    if rounded.is_valid or not geom.is_valid:
        geom = rounded
    if not geom.is_valid:
        # In longitude and latitude by now, so the place of the fault can be told.
        problem = problems.outline_problem(geom)
        fixed = _polygonal(shapely.make_valid(geom))
        before = abs(geom.area)
        change = abs(fixed.area - before) / max(fixed.area, before) if fixed is not None and before > 0 else 1.0
        if fixed is None or change >= settings.BUURTWACHT_AREA_REPAIR_MAX_CHANGE:
            outcome.reason = _(
                "%(problem)s Repairing it would change its surface by more than 1%%: correct it in the file and "
                "import the file again."
            ) % {"problem": problem.what}
            return None
        outcome.repaired = _("%(problem)s Repaired: its surface changed by %(change).3f%%.") % {
            "problem": problem.what,
            "change": change * 100,
        }
        geom = fixed
    return geom


def import_areas(
    path: str | Path,
    *,
    municipality: str,
    crs: int | None = None,
    name_field: str | None = None,
    country: str | None = None,
    dry_run: bool = False,
    actor,
    progress: Callable[[int, int], None] | None = None,
    budget: Budget | None = None,
    cancelled: Callable[[], bool] | None = None,
    before_write: Callable[[], None] | None = None,
) -> AreaImportResult:
    """Read, check and (unless ``dry_run``) save the areas of a file for one municipality.
    Raises :class:`AreaImportRefused` (with ``.result`` naming each refused feature) when the file
    or any feature cannot be imported; nothing is written then.

    With ``budget`` (an upload) the file is read in a child process within that memory and time
    (``apps.core.limits``); ``cancelled`` is asked meanwhile and stops it (``limits.Cancelled``).
    ``before_write`` is called first thing in the transaction that writes; what it raises undoes it."""
    path = Path(path)
    raw = read_boundary_file(path, budget, cancelled)
    result = AreaImportResult(kind=raw.kind, dry_run=dry_run)
    epsg = _choose_epsg(raw, crs)
    result.epsg = epsg
    field_name = _choose_name_field(raw, name_field)
    target = _find_municipality(municipality)
    if target is None:
        # Only the system (the command) and operators create municipalities.
        require_actor(actor)
        if not (is_system(actor) or is_operator(actor)):
            raise PermissionDenied
        if not municipality.strip() or not slugify(municipality):
            raise AreaImportRefused(_("Give the municipality's name."))
        target = Municipality(
            name=municipality.strip(), slug=slugify(municipality), country=_country_for(epsg, raw, country)
        )
        result.municipality_created = True
    else:
        require_municipality(actor, target)
    result.municipality = target.name
    transformer = crs_module.transformer_to_wgs84(epsg) if epsg != 4326 else None
    existing = {a.name: a for a in Area.objects.filter(municipality=target)} if target.pk else {}
    seen: dict[str, int] = {}
    accepted: list[tuple[FeatureOutcome, object, Area | None]] = []
    total = len(raw.features)
    for feature in raw.features:
        name = str(feature.properties.get(field_name) or "").strip()[:160]
        outcome = FeatureOutcome(number=feature.number, name=name)
        result.features.append(outcome)
        if not name:
            outcome.status = "refused"
            outcome.reason = _("The feature has no name in field %(field)s.") % {"field": field_name}
            continue
        if name in seen:
            outcome.status = "refused"
            outcome.reason = _("Feature %(other)d has the same name; area names must differ.") % {"other": seen[name]}
            continue
        seen[name] = feature.number
        geom = _prepare_feature(feature, transformer, outcome)
        if geom is None:
            outcome.status = "refused"
            continue
        try:
            parsed = parse_area_geometry(mapping(geom))
        except ValidationError as exc:
            outcome.status = "refused"
            outcome.reason = " ".join(exc.messages)
            continue
        outcome.area_m2 = parsed.area_m2
        area = existing.get(name)
        if area is None:
            outcome.status = "created"
        else:
            outcome.area_id = area.pk
            new = json_geometry(parsed)
            outcome.status = "unchanged" if area.geometry == new else "updated"
        accepted.append((outcome, parsed, area))
        if progress and feature.number % 100 == 0:
            progress(feature.number, total)
    result.overlaps = _overlaps(accepted, target)
    if result.refused:
        raise AreaImportRefused(
            _("%(n)d of %(total)d features cannot be imported; nothing was imported.")
            % {"n": len(result.refused), "total": total},
            result,
        )
    if dry_run:
        return result
    changed: list[int] = []
    if any(outcome.status != "unchanged" for outcome, _parsed, _area in accepted) or target.pk is None:
        with transaction.atomic():
            if before_write is not None:
                before_write()
            if target.pk is None:
                target.save()
            for outcome, parsed, area in accepted:
                if outcome.status == "unchanged":
                    continue
                area = area or Area(municipality=target, name=outcome.name)
                apply_geometry(area, parsed)
                area.save()
                outcome.area_id = area.pk
                changed.append(area.pk)
                record(
                    actor,
                    AuditEvent.Action.AREA_SAVED,
                    area,
                    area_m2=round(parsed.area_m2),
                    via="import",
                    file=path.name[:100],
                )
            # The neighbours are part of this unit of work: committed with the areas or not at all
            # (ADR 0019). Those of the unchanged areas are checked too, and repaired where stale.
            found = neighbours.refresh([outcome.area_id for outcome, _parsed, _area in accepted])
            if changed:
                transaction.on_commit(index.invalidate)
    else:
        # Nothing to write but what an earlier, interrupted run may have left stale (written in a
        # transaction of its own only when anything is).
        found = neighbours.refresh([outcome.area_id for outcome, _parsed, _area in accepted])
    result.neighbours_repaired = _repaired(found, changed)
    if result.neighbours_repaired:
        log.warning("import_areas repaired the stale neighbours of %s areas", result.neighbours_repaired)
    if progress:
        progress(total, total)
    return result


def _repaired(found: neighbours.NeighbourChanges, changed: list[int]) -> int:
    """The areas whose stored neighbours were wrong before this import: the rows it changed
    between areas it did not change itself (a changed area's pairs change for a reason)."""
    moved = set(changed)
    return len({end for pair in found.pairs() if not (moved & set(pair)) for end in pair})


def json_geometry(parsed) -> dict:
    return to_geojson(parsed.geojson)


def _overlaps(accepted, municipality: Municipality) -> list[Overlap]:
    """Overlaps of more than 1 m² between the imported areas, and between them and the areas of
    active groups (in any municipality, across borders), measured in an equal-area projection."""
    if not accepted:
        return []
    entries: list[tuple[str, object, bool, int | None]] = []
    replaced = set()
    active_area_ids = usage.active_area_ids()
    for outcome, parsed, area in accepted:
        area_id = area.pk if area is not None else None
        replaced.add(area_id)
        entries.append((outcome.name, parsed.geometry, area_id in active_area_ids, area_id))
    bounds = shapely.total_bounds(np.array([e[1] for e in entries], dtype=object))
    extent = box(*bounds)
    others = (
        Area.objects.filter(pk__in=active_area_ids)
        .exclude(pk__in=[r for r in replaced if r is not None])
        .filter(min_lon__lte=bounds[2], max_lon__gte=bounds[0], min_lat__lte=bounds[3], max_lat__gte=bounds[1])
        .select_related("municipality")
    )
    imported = len(entries)
    for other in others:
        geom = shape(other.geometry)
        if geom.intersects(extent):
            entries.append((f"{other.name} ({other.municipality.name})", geom, True, other.pk))
    geoms = np.array([e[1] for e in entries], dtype=object)
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms[:imported], predicate="intersects")
    keep = (left < right) | (right >= imported)
    left, right = left[keep], right[keep]
    if not len(left):
        return []
    touching = shapely.touches(geoms[left], geoms[right])
    left, right = left[~touching], right[~touching]
    result = []
    for a, b in zip(left.tolist(), right.tolist(), strict=True):
        m2 = neighbours.to_metres(shapely.intersection(geoms[a], geoms[b])).area
        if m2 >= MIN_OVERLAP_M2:
            result.append(Overlap(entries[a][0], entries[b][0], round(m2, 1), entries[a][2] and entries[b][2]))
    result.sort(key=lambda o: -o.m2)
    return result
