"""The figures of a municipality or a police zone over a period: what a council member or a
police chief asks ("8 active groups, 330 members, 11 of 12 sub-municipalities"). Read-only.

Groups, members and coverage are counted now, by ``apps.coverage`` (ADR 0017: one coverage
figure, the same on every page); for the yearly report (``Period.stock_at_end``) as they were at
the end of the year, when the data kept still shows that (``_stock_at``), else now, and the
report says which (``Figures.stock_note``). What happened (applications, members who joined or
left, incidents, relays) is counted over the period, per calendar month in the local time zone.
Counts of people pass ``suppression.people`` once, here, so the dashboard, the downloads and the
API show the same cells."""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import shapely
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from shapely.geometry import shape

from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.coverage.services import coverage_for
from apps.coverage.sub_municipalities import sub_municipality_cover
from apps.groups.models import Group
from apps.incidents.models import Incident
from apps.members.models import Member
from apps.municipalities.models import Municipality, PoliceZone, SubMunicipality
from apps.relays.models import Relay, RelayRecipient
from apps.signs.models import StreetSign

from .period import Period
from .suppression import people

# The windows before and after a group started are this long, or shorter when the group is
# younger (both windows always have the same length).
EFFECT_WINDOW_DAYS = 182
UNKNOWN = "?"

# When groups, members and coverage were counted (``Figures.stock``).
STOCK_TODAY = "today"  # the dashboard: now, whatever the period
STOCK_AT_END = "end"  # the yearly report of a past year: at the end of the year
STOCK_NOT_OVER = "not_over"  # the yearly report of a year not over yet: now
STOCK_NO_HISTORY = "no_history"  # a past year whose end the data kept no longer shows: now

# The audit events that record a group's status (``apps.groups.services.save_group``).
_GROUP_SAVED = (AuditEvent.Action.GROUP_CREATED, AuditEvent.Action.GROUP_UPDATED)


@dataclass(frozen=True)
class Scope:
    """What the figures are about: one municipality, or the municipalities of a police zone."""

    kind: str  # "municipality" or "zone"
    pk: int
    name: str
    municipalities: tuple[Municipality, ...]

    @classmethod
    def of_municipality(cls, municipality: Municipality) -> Scope:
        return cls("municipality", municipality.pk, municipality.name, (municipality,))

    @classmethod
    def of_zone(cls, zone: PoliceZone) -> Scope:
        return cls("zone", zone.pk, zone.name, tuple(zone.municipalities.order_by("name", "pk")))

    @property
    def municipality_ids(self) -> list[int]:
        return [m.pk for m in self.municipalities]


@dataclass(frozen=True)
class SubRow:
    municipality: str
    name: str
    covered: bool
    groups: int
    members: int | str


@dataclass(frozen=True)
class GroupRow:
    name: str
    municipality: str
    members: int | str


@dataclass(frozen=True)
class MonthRow:
    month: str
    applications: int | str = 0
    decided: int = 0
    decision_median_hours: float | None = None
    joined: int | str = 0
    left: int | str = 0
    incidents: int = 0
    relays: int = 0
    relay_ack_median_minutes: float | None = None


@dataclass(frozen=True)
class EffectRow:
    group: str
    municipality: str
    started_on: dt.date
    window_days: int
    before: int
    after: int


@dataclass
class Figures:
    scope: Scope
    period: Period
    exact: bool
    active_groups: int = 0
    members: int | str = 0
    covered: int = 0
    sub_municipality_total: int = 0
    sub_municipalities: list[SubRow] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)  # largest first
    largest: GroupRow | None = None
    smallest: GroupRow | None = None
    months: list[MonthRow] = field(default_factory=list)
    applications: int | str = 0
    decision_median_hours: float | None = None
    joined: int | str = 0
    left: int | str = 0
    incidents: int = 0
    incidents_by_category: list[tuple[str, int]] = field(default_factory=list)
    incidents_by_sub_municipality: list[tuple[str, int]] = field(default_factory=list)
    relays: int = 0
    relays_acknowledged: int = 0
    relay_ack_median_minutes: float | None = None
    signs_placed: int = 0
    signs_placed_in_period: int = 0
    signs_by_state: list[tuple[str, int]] = field(default_factory=list)
    effect: list[EffectRow] = field(default_factory=list)
    # Groups, members and coverage were counted at the end of ``counted_on`` (a STOCK_* value
    # says why that day); street signs always today (``today``).
    stock: str = STOCK_TODAY
    counted_on: dt.date | None = None
    today: dt.date | None = None

    def period_text(self) -> str:
        """ "From 1 January 2025 to 31 December 2025", dates in the reader's language."""
        return _("From %(start)s to %(end)s") % {
            "start": date_format(self.period.start, "DATE_FORMAT"),
            "end": date_format(self.period.end, "DATE_FORMAT"),
        }

    def stock_note(self) -> str:
        """When groups, members and coverage were counted, said plainly for the yearly report."""
        day = date_format(self.counted_on, "DATE_FORMAT") if self.counted_on else ""
        if self.stock == STOCK_AT_END:
            return _(
                "Groups, members and coverage as they were on %(date)s, at the end of the year. Coverage uses "
                "the areas of the groups and the sub-municipalities as they are drawn today."
            ) % {"date": day}
        if self.stock == STOCK_NOT_OVER:
            return _("Groups, members and coverage counted on %(date)s: the year is not over yet.") % {"date": day}
        if self.stock == STOCK_NO_HISTORY:
            return _(
                "Groups, members and coverage counted on %(date)s, not at the end of the year: the data kept "
                "no longer shows how they were then."
            ) % {"date": day}
        return _("Groups, members and coverage counted on %(date)s.") % {"date": day}

    def signs_note(self) -> str:
        return _("Street signs by state counted on %(date)s.") % {
            "date": date_format(self.today, "DATE_FORMAT") if self.today else ""
        }

    def sentence(self) -> str:
        """The one-line summary: "8 active groups, 330 members, 11 of the 12 sub-municipalities,
        the largest group Merkel-Bovenhoek with 85 members" in the reader's language."""

        def number(n) -> str:
            return n if isinstance(n, str) else number_format(n, force_grouping=True)

        def count(n) -> int:
            return n if isinstance(n, int) else 2  # "< 5" reads as a plural

        parts = [
            ngettext("%(n)s active group", "%(n)s active groups", self.active_groups)
            % {"n": number(self.active_groups)},
            ngettext("%(n)s member", "%(n)s members", count(self.members)) % {"n": number(self.members)},
        ]
        if self.sub_municipality_total:
            parts.append(
                _("%(covered)s of the %(total)s sub-municipalities")
                % {"covered": number(self.covered), "total": number(self.sub_municipality_total)}
            )
        if self.largest is not None:
            parts.append(
                ngettext(
                    "the largest group %(name)s with %(n)s member",
                    "the largest group %(name)s with %(n)s members",
                    count(self.largest.members),
                )
                % {"name": self.largest.name, "n": number(self.largest.members)}
            )
        return ", ".join(parts)


def _month(moment: dt.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def _hours(later: dt.datetime, earlier: dt.datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _sub_municipality_of(incidents: list[Incident], subs: list[SubMunicipality]) -> dict[int, str]:
    """Each incident's sub-municipality: the one whose boundary holds its point, else the one its
    area is linked to, else ``UNKNOWN``."""
    bounded = [s for s in subs if s.geometry]
    shapes = [shape(s.geometry) for s in bounded]
    for geometry in shapes:
        shapely.prepare(geometry)
    names = {s.pk: s.name for s in subs}
    result = {}
    for incident in incidents:
        name = None
        if incident.lat is not None and incident.lon is not None:
            point = shapely.Point(incident.lon, incident.lat)
            name = next((s.name for s, g in zip(bounded, shapes, strict=True) if g.intersects(point)), None)
        if name is None and incident.area_id and incident.area.sub_municipality_id:
            name = names.get(incident.area.sub_municipality_id)
        result[incident.pk] = name or UNKNOWN
    return result


@dataclass
class _Stock:
    """Groups, members and coverage at one moment, exact (suppressed by ``compute``).

    ``municipalities``: (municipality, active groups, [(sub-municipality, covered, groups,
    members)]); ``groups``: (members, pk, name, municipality's name) of each active group."""

    municipalities: list[tuple[Municipality, int, list[tuple[str, bool, int, int]]]] = field(default_factory=list)
    groups: list[tuple[int, int, str, str]] = field(default_factory=list)


def _stock_now(scope: Scope) -> _Stock:
    """Now, by apps.coverage's one rule (the figures of the coverage page)."""
    stock = _Stock()
    for municipality in scope.municipalities:
        cover = coverage_for(municipality)
        subs = [(sub.name, sub.covered, sub.groups, sub.members) for sub in cover.sub_municipalities]
        stock.municipalities.append((municipality, cover.active_groups, subs))
    current = Counter(
        Member.objects.current()
        .filter(group__municipality_id__in=scope.municipality_ids)
        .values_list("group_id", flat=True)
    )
    active = Group.objects.filter(municipality_id__in=scope.municipality_ids, status=Group.Status.ACTIVE)
    for group in active.select_related("municipality"):
        stock.groups.append((current.get(group.pk, 0), group.pk, group.name, group.municipality.name))
    return stock


def _history_reaches(scope: Scope, moment: dt.datetime, now: dt.datetime) -> bool:
    """Whether the data kept still shows the scope as it was at ``moment``.

    A group's status at a moment is read from the audit trail (``_statuses_at``), so the trail
    must still hold every event since: ``moment`` lies within each municipality's audit retention.
    Members who left are removed after the members' retention period (``apps.retention``); a
    removal after ``moment`` by more than that period may have taken members who were there at
    ``moment``, so none may have happened (each removal is an audit event with its counts)."""
    for municipality in scope.municipalities:
        if moment < now - dt.timedelta(days=municipality.retention_audit_days):
            return False
        removals = AuditEvent.objects.filter(
            municipality_id=municipality.pk,
            action=AuditEvent.Action.RETENTION_APPLIED,
            created_at__gt=moment + dt.timedelta(days=municipality.retention_members_days),
        ).values_list("data", flat=True)
        if any((data or {}).get("members") for data in removals):
            return False
    return True


def _statuses_at(groups: list[Group], moment: dt.datetime) -> dict[int, str] | None:
    """Each group's status at ``moment`` (the groups existed then), from the audit trail: the
    status its last save before ``moment`` recorded. A group saved for the first time only later
    was created with the status of that first save (a data load dates ``created_at`` back); a
    group never saved through ``save_group`` kept its status. ``None`` when a group's status at
    ``moment`` cannot be told: its first event left is a change made later."""
    events: dict[int, list[tuple[dt.datetime, str, str | None]]] = {g.pk: [] for g in groups}
    saved = (
        AuditEvent.objects.filter(group_id__in=list(events), action__in=_GROUP_SAVED, target_type="groups.group")
        .order_by("created_at", "pk")
        .values_list("group_id", "created_at", "action", "data")
    )
    for group_id, created_at, action, data in saved:
        events[group_id].append((created_at, action, (data or {}).get("status")))
    result = {}
    for group in groups:
        history = events[group.pk]
        before = [status for at, _action, status in history if at < moment]
        if before:
            status = before[-1]
        elif not history:
            status = group.status
        elif history[0][1] == AuditEvent.Action.GROUP_CREATED:
            status = history[0][2]
        else:
            return None
        if status not in Group.Status.values:
            return None
        result[group.pk] = status
    return result


def _stock_at(scope: Scope, moment: dt.datetime, now: dt.datetime) -> _Stock | None:
    """Groups, members and coverage just before ``moment`` (the end of a past year): the groups
    created before it and active then, their members who had joined and not left by then, and
    which sub-municipalities those groups covered (by the one rule of ``apps.coverage``, with the
    areas and boundaries as drawn now: their earlier drawings are not kept). ``None`` when the
    data kept no longer shows it (``_history_reaches``, ``_statuses_at``)."""
    if not _history_reaches(scope, moment, now):
        return None
    existing = list(
        Group.objects.filter(municipality_id__in=scope.municipality_ids, created_at__lt=moment)
        .select_related("area", "municipality")
        .order_by("name", "pk")
    )
    statuses = _statuses_at(existing, moment)
    if statuses is None:
        return None
    active = [g for g in existing if statuses[g.pk] == Group.Status.ACTIVE]
    members = Counter(
        Member.objects.filter(group__in=active, joined_at__lt=moment)
        .filter(Q(left_at__isnull=True) | Q(left_at__gte=moment))
        .values_list("group_id", flat=True)
    )
    stock = _Stock()
    for municipality in scope.municipalities:
        groups = [g for g in active if g.municipality_id == municipality.pk]
        subs = [
            (c.name, c.covered, len(c.group_ids), sum(members.get(pk, 0) for pk in c.group_ids))
            for c in sub_municipality_cover(municipality, groups)
        ]
        stock.municipalities.append((municipality, len(groups), subs))
    stock.groups = [(members.get(g.pk, 0), g.pk, g.name, g.municipality.name) for g in active]
    return stock


def compute(scope: Scope, period: Period, *, exact: bool) -> Figures:
    """The figures of ``scope`` over ``period``; counts of people exact only when ``exact``."""
    ids = scope.municipality_ids
    start, end = period.start_at, period.end_at
    figures = Figures(scope=scope, period=period, exact=exact)
    months = period.months

    # Groups, members and coverage: now, by apps.coverage's one rule; for the yearly report of a
    # past year as they were at its end, when the data kept still shows that.
    now = timezone.now()
    figures.today = timezone.localdate(now)
    stock = None
    if period.stock_at_end:
        if end > now:
            figures.stock = STOCK_NOT_OVER
        else:
            stock = _stock_at(scope, end, now)
            figures.stock = STOCK_NO_HISTORY if stock is None else STOCK_AT_END
    if stock is None:
        stock = _stock_now(scope)
    figures.counted_on = period.end if figures.stock == STOCK_AT_END else figures.today
    for municipality, active_groups, sub_rows in stock.municipalities:
        figures.active_groups += active_groups
        for sub_name, covered, groups, members in sub_rows:
            figures.covered += covered
            figures.sub_municipality_total += 1
            figures.sub_municipalities.append(
                SubRow(municipality.name, sub_name, covered, groups, people(members, exact=exact))
            )
    group_rows = stock.groups
    members_total = sum(n for n, *_rest in group_rows)
    figures.members = people(members_total, exact=exact)
    # Largest first; among equals the oldest group (as apps.coverage names the largest).
    group_rows.sort(key=lambda r: (-r[0], r[1]))
    figures.groups = [GroupRow(name, town, people(n, exact=exact)) for n, _pk, name, town in group_rows]
    if group_rows:
        figures.largest = figures.groups[0]
        figures.smallest = figures.groups[-1]

    # Applications: how many came in each month, how fast admins decided (from the moment the
    # application reached them, to approval or rejection), by the month of the decision.
    per_month: dict[str, dict] = defaultdict(lambda: defaultdict(int))
    decision_hours: dict[str, list[float]] = defaultdict(list)
    applications = Application.objects.filter(group__municipality_id__in=ids)
    for created in applications.filter(created_at__gte=start, created_at__lt=end).values_list("created_at", flat=True):
        per_month[_month(created)]["applications"] += 1
    decided = applications.filter(
        decided_at__gte=start,
        decided_at__lt=end,
        status__in=[Application.Status.APPROVED, Application.Status.REJECTED],
        decided_by__isnull=False,
    ).values_list("decided_at", "to_admin_at", "confirmed_at", "created_at")
    for decided_at, to_admin_at, confirmed_at, created_at in decided:
        since = to_admin_at or confirmed_at or created_at
        decision_hours[_month(decided_at)].append(max(_hours(decided_at, since), 0.0))

    # Members who joined and who left.
    members = Member.objects.filter(group__municipality_id__in=ids)
    for joined in members.filter(joined_at__gte=start, joined_at__lt=end).values_list("joined_at", flat=True):
        per_month[_month(joined)]["joined"] += 1
    for left in members.filter(left_at__gte=start, left_at__lt=end).values_list("left_at", flat=True):
        per_month[_month(left)]["left"] += 1

    # Incidents by category, sub-municipality and month.
    incidents = list(
        Incident.objects.filter(municipality_id__in=ids, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("area")
        .only("pk", "category", "occurred_at", "lat", "lon", "area__sub_municipality_id")
    )
    subs = list(SubMunicipality.objects.filter(municipality_id__in=ids).order_by("name", "pk"))
    sub_of = _sub_municipality_of(incidents, subs)
    by_category = Counter(i.category for i in incidents)
    by_sub = Counter(sub_of[i.pk] for i in incidents)
    for incident in incidents:
        per_month[_month(incident.occurred_at)]["incidents"] += 1
    labels = dict(Incident.Category.choices)
    figures.incidents = len(incidents)
    figures.incidents_by_category = [
        (str(labels[c]), by_category[c]) for c in Incident.Category.values if by_category[c]
    ]
    sub_names = list(dict.fromkeys(s.name for s in subs))
    figures.incidents_by_sub_municipality = [(name, by_sub[name]) for name in sub_names] + (
        [(_("unknown"), by_sub[UNKNOWN])] if by_sub[UNKNOWN] else []
    )

    # Relays and how fast the first recipient acknowledged each.
    relays = Relay.objects.filter(incident__municipality_id__in=ids, created_at__gte=start, created_at__lt=end)
    first_ack = dict(
        RelayRecipient.objects.filter(relay__in=relays, acknowledged_at__isnull=False)
        .values("relay")
        .annotate(first=Min("acknowledged_at"))
        .values_list("relay", "first")
    )
    ack_minutes: dict[str, list[float]] = defaultdict(list)
    for pk, created in relays.values_list("pk", "created_at"):
        month = _month(created)
        per_month[month]["relays"] += 1
        if pk in first_ack:
            ack_minutes[month].append(max(60 * _hours(first_ack[pk], created), 0.0))
    figures.relays = sum(per_month[m]["relays"] for m in per_month)
    figures.relays_acknowledged = sum(len(v) for v in ack_minutes.values())
    figures.relay_ack_median_minutes = _median([m for v in ack_minutes.values() for m in v])

    for month in months:
        row = per_month.get(month, {})
        figures.months.append(
            MonthRow(
                month=month,
                applications=people(row.get("applications", 0), exact=exact),
                decided=len(decision_hours.get(month, [])),
                decision_median_hours=_median(decision_hours.get(month, [])),
                joined=people(row.get("joined", 0), exact=exact),
                left=people(row.get("left", 0), exact=exact),
                incidents=row.get("incidents", 0),
                relays=row.get("relays", 0),
                relay_ack_median_minutes=_median(ack_minutes.get(month, [])),
            )
        )
    figures.applications = people(sum(per_month[m]["applications"] for m in months), exact=exact)
    figures.decision_median_hours = _median([h for v in decision_hours.values() for h in v])
    figures.joined = people(sum(per_month[m]["joined"] for m in months), exact=exact)
    figures.left = people(sum(per_month[m]["left"] for m in months), exact=exact)

    # Street signs: how many stand now (placed, or placed and since damaged), by state, and how
    # many were placed in the period.
    signs = StreetSign.objects.filter(municipality_id__in=ids)
    by_state = Counter(signs.values_list("state", flat=True))
    standing = (StreetSign.State.PLACED, StreetSign.State.DAMAGED)
    figures.signs_placed = sum(by_state[state] for state in standing)
    figures.signs_placed_in_period = signs.filter(
        state__in=standing, placed_on__gte=period.start, placed_on__lte=period.end
    ).count()
    figures.signs_by_state = [(str(label), by_state[value]) for value, label in StreetSign.State.choices]

    figures.effect = _before_and_after(ids, period)
    return figures


def _before_and_after(ids: list[int], period: Period) -> list[EffectRow]:
    """For each group that started in the period: the incidents in its area in equal windows
    before and after its start. A comparison, not proof of cause."""
    now = timezone.now()
    rows = []
    groups = (
        Group.objects.filter(municipality_id__in=ids, created_at__gte=period.start_at, created_at__lt=period.end_at)
        .exclude(status=Group.Status.CLOSED)
        .select_related("municipality")
        .order_by("created_at", "pk")
    )
    for group in groups:
        window = min(dt.timedelta(days=EFFECT_WINDOW_DAYS), now - group.created_at)
        if window < dt.timedelta(days=1):
            continue
        in_area = Incident.objects.filter(municipality_id=group.municipality_id, area_id=group.area_id)
        rows.append(
            EffectRow(
                group=group.name,
                municipality=group.municipality.name,
                started_on=timezone.localtime(group.created_at).date(),
                window_days=window.days,
                before=in_area.filter(
                    occurred_at__gte=group.created_at - window, occurred_at__lt=group.created_at
                ).count(),
                after=in_area.filter(
                    occurred_at__gte=group.created_at, occurred_at__lt=group.created_at + window
                ).count(),
            )
        )
    return rows
