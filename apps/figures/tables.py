"""The dashboard's sections: each a heading, a chart and the table with the same numbers. The
page, the printable report and the PDF all read them from here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from . import charts
from .services import Figures


@dataclass(frozen=True)
class Section:
    key: str
    heading: str
    columns: list[str]
    rows: list[list]
    chart: charts.Chart | None
    note: str = ""


def _number(value) -> str:
    return "–" if value is None else str(value)


def sections(f: Figures) -> list[Section]:
    group_rows = [[g.name, g.members] for g in f.groups]
    if len(f.scope.municipalities) > 1:
        group_rows = [[f"{g.name} ({g.municipality})", g.members] for g in f.groups]
    result = [
        Section(
            "groups",
            _("Members per active group"),
            [_("Group"), _("Members")],
            group_rows,
            charts.bars([(r[0], r[1]) for r in group_rows]),
        ),
        Section(
            "coverage",
            _("Coverage per sub-municipality"),
            [_("Sub-municipality"), _("Covered"), _("Groups"), _("Members")],
            [[s.name, _("yes") if s.covered else _("no"), s.groups, s.members] for s in f.sub_municipalities],
            charts.bars([(s.name, s.members) for s in f.sub_municipalities]),
            _(
                "A sub-municipality is covered when the area of an active group overlaps it, by at least a street's width."  # noqa: E501
            ),
        ),
        Section(
            "applications",
            _("Applications per month and how fast admins decide"),
            [_("Month"), _("Applications"), _("Decisions"), _("Median hours to a decision")],
            [[m.month, m.applications, m.decided, _number(m.decision_median_hours)] for m in f.months],
            charts.columns([(m.month, m.applications) for m in f.months]),
        ),
        Section(
            "members",
            _("Members joined and left per month"),
            [_("Month"), _("Joined"), _("Left")],
            [[m.month, m.joined, m.left] for m in f.months],
            charts.columns([(m.month, m.joined) for m in f.months]),
        ),
        Section(
            "incidents_month",
            _("Incidents per month"),
            [_("Month"), _("Incidents")],
            [[m.month, m.incidents] for m in f.months],
            charts.columns([(m.month, m.incidents) for m in f.months]),
        ),
        Section(
            "incidents_category",
            _("Incidents per category"),
            [_("Category"), _("Incidents")],
            [[label, n] for label, n in f.incidents_by_category],
            charts.bars(f.incidents_by_category),
        ),
        Section(
            "incidents_sub",
            _("Incidents per sub-municipality"),
            [_("Sub-municipality"), _("Incidents")],
            [[label, n] for label, n in f.incidents_by_sub_municipality],
            charts.bars(f.incidents_by_sub_municipality),
        ),
        Section(
            "relays",
            _("Relays and how fast they were acknowledged"),
            [_("Month"), _("Relays"), _("Median minutes to the first acknowledgement")],
            [[m.month, m.relays, _number(m.relay_ack_median_minutes)] for m in f.months],
            charts.columns([(m.month, m.relays) for m in f.months]),
        ),
        Section(
            "signs",
            _("Street signs"),
            [_("State"), _("Signs")],
            [[label, n] for label, n in f.signs_by_state],
            charts.bars(f.signs_by_state),
            _("Placed and damaged signs stand at the roadside; the others are requested, declined or removed."),
        ),
        Section(
            "effect",
            _("Incidents before and after a group started"),
            [_("Group"), _("Started on"), _("Days in each window"), _("Before"), _("After")],
            [[e.group, date_format(e.started_on, "DATE_FORMAT"), e.window_days, e.before, e.after] for e in f.effect],
            None,
            not_proof_text(),
        ),
    ]
    return result


def not_proof_text() -> str:
    return _(
        "Incidents reported in the group's area in equal windows before and after the group started. "
        "This is not proof that the group caused a change: reporting habits, seasons and chance "
        "change these numbers too."
    )
