"""The period figures are counted over: from one day to another, both included. By default the
last twelve months up to today; at most five years, so a request cannot make the database count
a lifetime."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_YEARS = 5
EARLIEST = dt.date(2000, 1, 1)


def years_before(day: dt.date, years: int) -> dt.date:
    """The same day ``years`` earlier (28 February for 29 February in a year without it)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class Period:
    """``stock_at_end``: groups, members and coverage are counted as they were at the end of the
    period (the yearly report: "at the end of 2025"), not today (the dashboard). A period that
    has not ended yet is counted today either way (``services.compute``)."""

    start: dt.date
    end: dt.date
    stock_at_end: bool = False

    @classmethod
    def default(cls, today: dt.date | None = None) -> Period:
        today = today or timezone.localdate()
        return cls(years_before(today, 1) + dt.timedelta(days=1), today)

    @classmethod
    def year(cls, year: int) -> Period:
        """A calendar year, for the yearly report: its figures as they stood at the year's end."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31), stock_at_end=True)

    @property
    def start_at(self) -> dt.datetime:
        return timezone.make_aware(dt.datetime.combine(self.start, dt.time.min))

    @property
    def end_at(self) -> dt.datetime:
        """The first moment after the period (exclusive)."""
        return timezone.make_aware(dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min))

    @property
    def months(self) -> list[str]:
        """Every month the period touches, as ``YYYY-MM``."""
        result, year, month = [], self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            result.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result

    def query(self) -> str:
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


class PeriodForm(forms.Form):
    """Reads ``from`` and ``to`` (ISO dates) for the dashboard, the downloads and the API alike."""

    start = forms.DateField(label=_("First day"), required=False, input_formats=["%Y-%m-%d"])
    end = forms.DateField(label=_("Last day"), required=False, input_formats=["%Y-%m-%d"])

    def __init__(self, data=None, **kwargs):
        super().__init__(data, **kwargs)
        self.fields["start"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["end"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["start"].error_messages["invalid"] = _("Enter a date as YYYY-MM-DD.")
        self.fields["end"].error_messages["invalid"] = _("Enter a date as YYYY-MM-DD.")

    def add_prefix(self, field_name):
        # The query string says from= and to=, the words a person reads in a link.
        return {"start": "from", "end": "to"}.get(field_name, field_name)

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        default = Period.default()
        start, end = data.get("start"), data.get("end")
        if start and not end:
            end = min(years_before(start, -1) - dt.timedelta(days=1), default.end)
        elif end and not start:
            start = years_before(end, 1) + dt.timedelta(days=1)
        start, end = start or default.start, end or default.end
        if start < EARLIEST:
            raise ValidationError({"start": _("Choose a date from 2000 on.")})
        if end < start:
            raise ValidationError({"end": _("The end of the period lies before its start.")})
        if years_before(end, MAX_YEARS) >= start:
            raise ValidationError({"end": _("Choose a period of at most %(years)s years.") % {"years": MAX_YEARS}})
        data["period"] = Period(start, end)
        return data


def read_period(params) -> Period:
    """The period of a query string; a ``ValidationError`` (by field) for a bad one."""
    form = PeriodForm(params)
    if not form.is_valid():
        raise ValidationError(
            {("from" if k == "start" else "to" if k == "end" else k): v for k, v in form.errors.items()}
        )
    return form.cleaned_data["period"]
