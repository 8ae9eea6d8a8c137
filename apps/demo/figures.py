"""The demo's figures as the coordinator reads them, counted from the database (``manage.py
load_demo`` prints them; the tests hold them to the seed)."""

from __future__ import annotations

from dataclasses import dataclass

from apps.applications.models import Application
from apps.coverage.sub_municipalities import covered_count
from apps.groups.models import Group
from apps.municipalities.models import Municipality

from .plan import MUNICIPALITY_SLUGS


@dataclass(frozen=True)
class Coverage:
    municipality: str
    country: str
    active_groups: int
    members: int
    covered: int
    sub_municipalities: int
    largest_group: str
    largest_size: int
    addresses: int
    signs: int
    open_applications: int
    group_requests: int

    def __str__(self) -> str:
        return (
            f"{self.municipality} ({self.country}): {self.active_groups} active groups, {self.members} members, "
            f"{self.covered} of {self.sub_municipalities} sub-municipalities covered, largest group "
            f"{self.largest_group} ({self.largest_size}); {self.addresses} addresses, {self.signs} street signs, "
            f"{self.open_applications} open applications, {self.group_requests} request(s) to start a group"
        )


def coverage(municipality: Municipality) -> Coverage:
    """The coordinator's sentence, counted from the database; which sub-municipalities are
    covered is ``apps.coverage``'s one rule."""
    active = list(municipality.groups.filter(status=Group.Status.ACTIVE).select_related("area"))
    sizes = sorted(((g.members.current().count(), g.name) for g in active), reverse=True)
    subs = covered_count(municipality)
    largest_size, largest_name = sizes[0] if sizes else (0, "-")
    return Coverage(
        municipality=municipality.name,
        country=municipality.country,
        active_groups=len(active),
        members=sum(size for size, _name in sizes),
        covered=subs.covered,
        sub_municipalities=subs.total,
        largest_group=largest_name,
        largest_size=largest_size,
        addresses=municipality.addresses.count(),
        signs=municipality.street_signs.count(),
        open_applications=Application.objects.filter(
            group__municipality=municipality, status__in=Application.OPEN_STATUSES
        ).count(),
        group_requests=municipality.group_requests.count(),
    )


def demo_coverage() -> list[Coverage]:
    return [coverage(m) for m in Municipality.objects.filter(slug__in=MUNICIPALITY_SLUGS).order_by("name")]
