"""Loading a municipality's sub-municipalities (deelgemeenten, wijken, buurten) with their
boundaries, from the same files and coordinate systems as areas (GeoJSON, zipped Shapefile,
GeoPackage; EPSG:4326, 28992, 31370, 3812).

The boundary is what coverage per sub-municipality is computed from
(``apps.coverage.sub_municipalities``): "11 of our 12 sub-municipalities" comes from the
municipality's own file. As with areas: all or nothing (a feature that cannot be used refuses
the file and names it), matched by name so importing the same file again changes nothing, an
outline repaired only where the repair changes its surface by less than 1 %.

A file of a whole province or country (Statbel's deelgemeenten, CBS's wijken) holds the
sub-municipalities of many municipalities: when its features name their municipality
(``parent_code`` / ``parent_name``, ``GM_CODE`` / ``GM_NAAM``, ``gemeentecode`` /
``gemeentenaam``), only those of this municipality are taken, by its official code or its name,
and the others are counted as skipped. Sub-municipalities that are not in the file are kept (the
areas linked to them stay linked); the report names them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from shapely.geometry import mapping

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.municipalities.models import Municipality, SubMunicipality
from apps.municipalities.permissions import require_municipality

from . import crs as crs_module
from .geometry import parse_area_geometry
from .importer import (
    AreaImportRefused,
    FeatureOutcome,
    _choose_epsg,
    _choose_name_field,
    _prepare_feature,
    json_geometry,
    read_boundary_file,
)

CODE_FIELDS = (
    "code",
    "niscode",
    "NISCODE",
    "nis_code",
    "CODE",
    "WK_CODE",
    "BU_CODE",
    "wijkcode",
    "buurtcode",
    "statcode",
)
# (code field, name field) pairs naming a feature's municipality, in the order they are tried.
PARENT_FIELDS = (
    ("parent_code", "parent_name"),
    ("GM_CODE", "GM_NAAM"),
    ("gemeentecode", "gemeentenaam"),
)


@dataclass
class SubMunicipalityImportResult:
    kind: str = ""
    epsg: int | None = None
    municipality: str = ""
    dry_run: bool = False
    features: list[FeatureOutcome] = field(default_factory=list)
    skipped: int = 0  # features of other municipalities in the file
    not_in_file: list[str] = field(default_factory=list)  # kept sub-municipalities the file does not hold

    def count(self, status: str) -> int:
        return sum(1 for f in self.features if f.status == status)

    @property
    def refused(self) -> list[FeatureOutcome]:
        return [f for f in self.features if f.status == "refused"]

    def summary(self) -> str:
        return _(
            "%(created)d new, %(updated)d changed, %(unchanged)d unchanged; %(skipped)d of other municipalities "
            "skipped; %(kept)d not in the file and kept."
        ) % {
            "created": self.count("created"),
            "updated": self.count("updated"),
            "unchanged": self.count("unchanged"),
            "skipped": self.skipped,
            "kept": len(self.not_in_file),
        }


def _norm(value) -> str:
    return str(value or "").strip().casefold()


def _own_features(raw, municipality: Municipality):
    """The features of ``municipality`` in a file that names each feature's municipality, and how
    many were skipped; all features when the file names none."""
    keys = {k for f in raw.features for k in f.properties}
    for code_field, name_field in PARENT_FIELDS:
        if code_field in keys or name_field in keys:
            code, name = _norm(municipality.code), _norm(municipality.name)
            own = [
                f
                for f in raw.features
                if (code and _norm(f.properties.get(code_field)).removeprefix("gm") == code.removeprefix("gm"))
                or _norm(f.properties.get(name_field)) == name
            ]
            if not own:
                raise AreaImportRefused(
                    _(
                        "The file names the municipality of each feature (%(fields)s), and none is %(municipality)s; "
                        "nothing was imported."
                    )
                    % {"fields": f"{code_field}, {name_field}", "municipality": municipality.name}
                )
            return own, len(raw.features) - len(own)
    return list(raw.features), 0


def _code_field(features) -> str | None:
    keys = {k for f in features for k in f.properties}
    return next((c for c in CODE_FIELDS if c in keys), None)


def import_sub_municipalities(
    path: str | Path,
    *,
    municipality: Municipality,
    actor,
    crs: int | None = None,
    name_field: str | None = None,
    dry_run: bool = False,
    budget=None,
    cancelled: Callable[[], bool] | None = None,
    before_write: Callable[[], None] | None = None,
) -> SubMunicipalityImportResult:
    """Read, check and (unless ``dry_run``) save the sub-municipalities of a file for one
    municipality, for the system or a coordinator of it. Raises :class:`AreaImportRefused`
    (``.result`` names each refused feature) when the file or any of its features cannot be used;
    nothing is written then. With ``budget`` (an upload) the file is read within it;
    ``before_write`` is called first thing in the transaction that writes."""
    require_municipality(actor, municipality)
    path = Path(path)
    raw = read_boundary_file(path, budget, cancelled)
    result = SubMunicipalityImportResult(kind=raw.kind, dry_run=dry_run, municipality=municipality.name)
    result.epsg = _choose_epsg(raw, crs)
    features, result.skipped = _own_features(raw, municipality)
    raw.features = features
    field_name = _choose_name_field(raw, name_field)
    code_field = _code_field(features)
    transformer = crs_module.transformer_to_wgs84(result.epsg) if result.epsg != 4326 else None
    existing = {s.name: s for s in SubMunicipality.objects.filter(municipality=municipality)}
    seen: dict[str, int] = {}
    accepted: list[tuple[FeatureOutcome, dict, str, SubMunicipality | None]] = []
    for feature in features:
        name = str(feature.properties.get(field_name) or "").strip()[:120]
        outcome = FeatureOutcome(number=feature.number, name=name)
        result.features.append(outcome)
        if not name:
            outcome.status, outcome.reason = (
                "refused",
                _("The feature has no name in field %(field)s.") % {"field": field_name},
            )
            continue
        if name in seen:
            outcome.status = "refused"
            outcome.reason = _("Feature %(other)d has the same name; sub-municipality names must differ.") % {
                "other": seen[name]
            }
            continue
        seen[name] = feature.number
        geom = _prepare_feature(feature, transformer, outcome)
        if geom is None:
            outcome.status = "refused"
            continue
        try:
            parsed = parse_area_geometry(mapping(geom))
        except ValidationError as exc:
            outcome.status, outcome.reason = "refused", " ".join(exc.messages)
            continue
        outcome.area_m2 = parsed.area_m2
        geometry = json_geometry(parsed)
        code = str(feature.properties.get(code_field) or "").strip()[:20] if code_field else ""
        sub = existing.get(name)
        if sub is None:
            outcome.status = "created"
        else:
            outcome.status = "unchanged" if sub.geometry == geometry and (sub.code == code or not code) else "updated"
        accepted.append((outcome, geometry, code, sub))
    result.not_in_file = sorted(set(existing) - set(seen))
    if result.refused:
        raise AreaImportRefused(
            _("%(n)d of %(total)d features cannot be imported; nothing was imported.")
            % {"n": len(result.refused), "total": len(features)},
            result,
        )
    if dry_run:
        return result
    with transaction.atomic():
        if before_write is not None:
            before_write()
        for outcome, geometry, code, sub in accepted:
            if outcome.status == "unchanged":
                continue
            sub = sub or SubMunicipality(municipality=municipality, name=outcome.name)
            sub.geometry = geometry
            if code:
                sub.code = code
            sub.save()
            record(
                actor,
                AuditEvent.Action.SUB_MUNICIPALITY_SAVED,
                sub,
                municipality_id=municipality.pk,
                area_m2=round(outcome.area_m2),
                via="import",
                file=path.name[:100],
            )
    return result


def run_sub_municipality_import(job, report: Callable[[float], None]) -> tuple[str, list[str]]:
    """The runner of sub-municipality uploads (``ImportJob.Kind.SUB_MUNICIPALITIES``)."""
    from apps.core.actors import SYSTEM

    from .jobs import before_write, cancelled, parse_budget

    options = job.options or {}
    try:
        result = import_sub_municipalities(
            job.path,
            municipality=job.municipality,
            # Checked when the job was queued; a coordinator's account removed since leaves the system.
            actor=job.created_by or SYSTEM,
            crs=options.get("crs") or None,
            name_field=options.get("name_field") or None,
            dry_run=bool(options.get("dry_run")),
            budget=parse_budget(),
            cancelled=lambda: cancelled(job),
            before_write=lambda: before_write(job),
        )
    except AreaImportRefused as exc:
        if exc.result is not None:
            exc.details = [
                _("Feature %(n)d %(name)s: %(reason)s") % {"n": f.number, "name": f.name, "reason": f.reason}
                for f in exc.result.refused
            ]
        raise
    report(100)
    summary = result.summary()
    if result.dry_run:
        summary = _("Dry run, nothing written: ") + summary
    return summary, [_("Not in the file, kept: %(name)s") % {"name": name} for name in result.not_in_file]
