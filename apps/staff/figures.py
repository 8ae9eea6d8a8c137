"""The figures the desk shows: members per group, how full a group is, coverage per municipality."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from apps.applications.models import Application
from apps.coverage.sub_municipalities import SubMunicipalityCover, sub_municipality_cover
from apps.groups.models import Group, GroupRequest
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Municipality

# From this share of the capacity on, admins and coordinators are warned: splitting an area
# or raising the capacity takes the coordinator some time.
WARN_PERCENT = 90


@dataclass(frozen=True)
class Fill:
    current: int
    capacity: int

    @property
    def percent(self) -> int:
        return round(100 * self.current / self.capacity) if self.capacity else 100

    @property
    def bar_percent(self) -> int:
        return min(self.percent, 100)

    @property
    def level(self) -> str:
        if self.current >= self.capacity:
            return "full"
        if 100 * self.current >= WARN_PERCENT * self.capacity:
            return "warn"
        return "ok"


def _count(queryset: QuerySet) -> Subquery:
    """A per-group count as a subquery, so several counts never multiply each other's joins."""
    return Coalesce(
        Subquery(queryset.order_by().values("group").annotate(n=Count("pk")).values("n"), output_field=IntegerField()),
        Value(0),
    )


def with_member_count(groups: QuerySet) -> QuerySet:
    """Annotate ``member_count``: the current members (a number only, no one's data)."""
    return groups.annotate(member_count=_count(Member.objects.current().filter(group=OuterRef("pk"))))


def with_counts(groups: QuerySet) -> QuerySet:
    """Annotate ``member_count`` and ``pending_count`` (applications waiting for the admin)."""
    return with_member_count(groups).annotate(
        pending_count=_count(Application.objects.filter(group=OuterRef("pk"), status=Application.Status.CONFIRMED)),
    )


def attach_fill(groups) -> list[Group]:
    """Evaluate annotated groups and give each its ``fill``."""
    groups = list(groups)
    for group in groups:
        group.fill = Fill(group.member_count, group.capacity)
    return groups


def coverage(municipality: Municipality) -> list[SubMunicipalityCover]:
    """Sub-municipalities with ``name`` and ``covered``, by the one rule of ``apps.coverage``."""
    return sub_municipality_cover(municipality)


@dataclass(frozen=True)
class MunicipalityFigures:
    municipality: Municipality
    active_groups: int
    forming_groups: int
    members: int
    largest_group: int
    sub_municipalities: int
    covered: int
    open_requests: int
    failed_messages: int
    near_full: int


def municipality_figures(municipality: Municipality) -> MunicipalityFigures:
    groups = attach_fill(
        with_counts(Group.objects.filter(municipality=municipality).exclude(status=Group.Status.CLOSED))
    )
    subs = coverage(municipality)
    failed = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.FAILED).filter(
        Q(municipality_id=municipality.pk)
        | Q(group_id__in=Group.objects.filter(municipality=municipality).values("pk"))
    )
    return MunicipalityFigures(
        municipality=municipality,
        active_groups=sum(g.status == Group.Status.ACTIVE for g in groups),
        forming_groups=sum(g.status == Group.Status.FORMING for g in groups),
        members=sum(g.member_count for g in groups),
        largest_group=max((g.member_count for g in groups), default=0),
        sub_municipalities=len(subs),
        covered=sum(s.covered for s in subs),
        open_requests=GroupRequest.objects.filter(municipality=municipality, status=GroupRequest.Status.OPEN).count(),
        failed_messages=failed.count(),
        near_full=sum(g.fill.level != "ok" for g in groups),
    )
