"""What an admin sees before deciding on an application: the automatic checks, read only."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from apps.groups.lookup import lookup_point

from .models import Application


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    message: str


def checks(application: Application, today=None) -> list[Check]:
    """The automatic checks an admin sees before deciding. The age is the one checked when the
    resident applied: the date of birth is not kept."""
    group = application.group
    in_area = any(a.pk == group.area_id for a in lookup_point(application.lon, application.lat).areas)
    current = group.members.current().count()
    duplicate = group.members.current().filter(phone=application.phone).exists()
    return [
        Check(
            "email",
            application.confirmed_at is not None,
            _("E-mail address confirmed") if application.confirmed_at else _("E-mail address not confirmed yet"),
        ),
        Check("area", in_area, _area_message(application, in_area)),
        Check("age", application.age_checked_on is not None, _age_message(application)),
        Check(
            "duplicate", not duplicate, _("Phone number already in the group") if duplicate else _("Not yet a member")
        ),
        Check(
            "capacity",
            current < group.capacity,
            _("%(current)d of %(capacity)d places taken") % {"current": current, "capacity": group.capacity},
        ),
    ]


def _age_message(application: Application) -> str:
    if application.age_checked_on is None:
        return _("Not found to be 18 or older")
    return _("18+ checked on %(date)s") % {"date": date_format(application.age_checked_on, "j F Y")}


def _area_message(application: Application, in_area: bool) -> str:
    if not in_area:
        return _("Address outside the group's area")
    if application.works_here:
        return _("Works in the group's area")
    return _("Lives in the group's area")
