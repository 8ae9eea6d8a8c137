"""Figures of a municipality or a police zone over a period, the numbers of the desk's
dashboard (``apps.figures``): for the municipality's coordinators (exact) and the police of its
zones (counts of fewer than 5 people as "< 5")."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from apps.figures import permissions
from apps.figures.period import EARLIEST, MAX_YEARS, read_period
from apps.figures.services import Figures, compute

from .errors import errors_from_django
from .schemas import MAX_INT, DetailOut, ErrorOut

router = Router(tags=["figures"])

# A count of people: the number, or "< 5" for a reader who may not see small counts.
People = int | Literal["< 5"]


class FiguresPeriodOut(Schema):
    start: dt.date = Field(alias="from")
    end: dt.date = Field(alias="to")


class FiguresNamedCount(Schema):
    name: str
    count: int = Field(ge=0, le=MAX_INT)


class FiguresGroupOut(Schema):
    name: str
    municipality: str
    members: People


class FiguresSubMunicipalityOut(Schema):
    municipality: str
    name: str
    covered: bool
    groups: int = Field(ge=0)
    members: People


class FiguresMonthOut(Schema):
    month: str = Field(pattern=r"^\d{4}-\d{2}$")
    applications: People
    decided: int = Field(ge=0)
    decision_median_hours: float | None
    joined: People
    left: People
    incidents: int = Field(ge=0)
    relays: int = Field(ge=0)
    relay_ack_median_minutes: float | None


class FiguresEffectOut(Schema):
    group: str
    municipality: str
    started_on: dt.date
    window_days: int = Field(ge=1)
    before: int = Field(ge=0)
    after: int = Field(ge=0)


class FiguresOut(Schema):
    scope: Literal["municipality", "zone"]
    id: int
    name: str
    period: FiguresPeriodOut
    exact: bool = Field(description='False: counts of fewer than 5 people read "< 5".')
    summary: str
    active_groups: int = Field(ge=0)
    members: People
    sub_municipalities_covered: int = Field(ge=0)
    sub_municipalities_total: int = Field(ge=0)
    sub_municipalities: list[FiguresSubMunicipalityOut]
    groups: list[FiguresGroupOut]
    largest_group: FiguresGroupOut | None
    smallest_group: FiguresGroupOut | None
    applications: People
    decision_median_hours: float | None
    joined: People
    left: People
    months: list[FiguresMonthOut]
    incidents: int = Field(ge=0)
    incidents_by_category: list[FiguresNamedCount]
    incidents_by_sub_municipality: list[FiguresNamedCount]
    relays: int = Field(ge=0)
    relays_acknowledged: int = Field(ge=0)
    relay_ack_median_minutes: float | None
    signs_placed: int = Field(ge=0)
    signs_placed_in_period: int = Field(ge=0)
    signs_by_state: list[FiguresNamedCount]
    before_and_after: list[FiguresEffectOut]
    before_and_after_note: str


class FiguresPeriodQuery(Schema):
    start: str | None = Field(
        None,
        alias="from",
        description=f"First day (YYYY-MM-DD, from {EARLIEST.isoformat()} on). Default: a year before `to`.",
        json_schema_extra={"format": "date"},
        max_length=40,
    )
    end: str | None = Field(
        None,
        alias="to",
        description=f"Last day (YYYY-MM-DD), at most {MAX_YEARS} years after `from`. Default: today.",
        json_schema_extra={"format": "date"},
        max_length=40,
    )


def _out(figures: Figures) -> dict:
    from apps.figures.tables import not_proof_text

    def group(g):
        return None if g is None else {"name": g.name, "municipality": g.municipality, "members": g.members}

    def named(pairs):
        return [{"name": name, "count": n} for name, n in pairs]

    f = figures
    return {
        "scope": f.scope.kind,
        "id": f.scope.pk,
        "name": f.scope.name,
        "period": {"from": f.period.start, "to": f.period.end},
        "exact": f.exact,
        "summary": f.sentence(),
        "active_groups": f.active_groups,
        "members": f.members,
        "sub_municipalities_covered": f.covered,
        "sub_municipalities_total": f.sub_municipality_total,
        "sub_municipalities": [s.__dict__ for s in f.sub_municipalities],
        "groups": [group(g) for g in f.groups],
        "largest_group": group(f.largest),
        "smallest_group": group(f.smallest),
        "applications": f.applications,
        "decision_median_hours": f.decision_median_hours,
        "joined": f.joined,
        "left": f.left,
        "months": [m.__dict__ for m in f.months],
        "incidents": f.incidents,
        "incidents_by_category": named(f.incidents_by_category),
        "incidents_by_sub_municipality": named(f.incidents_by_sub_municipality),
        "relays": f.relays,
        "relays_acknowledged": f.relays_acknowledged,
        "relay_ack_median_minutes": f.relay_ack_median_minutes,
        "signs_placed": f.signs_placed,
        "signs_placed_in_period": f.signs_placed_in_period,
        "signs_by_state": named(f.signs_by_state),
        "before_and_after": [e.__dict__ for e in f.effect],
        "before_and_after_note": not_proof_text(),
    }


def _answer(request: HttpRequest, scope_and_exact, query: FiguresPeriodQuery):
    scope, exact = scope_and_exact
    params = {"from": query.start or "", "to": query.end or ""}
    try:
        period = read_period(params)
    except ValidationError as exc:
        return 422, {"errors": errors_from_django(exc)}
    return 200, _out(compute(scope, period, exact=exact))


RESPONSES = {200: FiguresOut, 401: DetailOut, 404: DetailOut, 422: ErrorOut}
PERIOD_NOTE = (
    " Over `from`–`to` (default: the last 12 months; at most 5 years). A malformed date, `to` before "
    "`from` or a longer period answers 422 with the error shape."
)


@router.get(
    "/municipalities/{municipality_id}/figures",
    response=RESPONSES,
    by_alias=True,
    summary="Figures of a municipality",
    description="For its coordinators (exact) and the police of its zones (counts of fewer than 5 people "
    'as "< 5"); anyone else 404.' + PERIOD_NOTE,
)
def municipality_figures(request: HttpRequest, municipality_id: int, query: Query[FiguresPeriodQuery]):
    return _answer(request, permissions.municipality_scope(request.auth, municipality_id), query)


@router.get(
    "/police-zones/{zone_id}/figures",
    response=RESPONSES,
    by_alias=True,
    summary="Figures of a police zone",
    description='For the zone\'s officers (counts of fewer than 5 people as "< 5"); anyone else 404.' + PERIOD_NOTE,
)
def zone_figures(request: HttpRequest, zone_id: int, query: Query[FiguresPeriodQuery]):
    return _answer(request, permissions.zone_scope(request.auth, zone_id), query)
