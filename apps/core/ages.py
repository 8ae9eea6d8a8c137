"""Age on a given day. Someone born on 29 February comes of age on 1 March in common years."""

from __future__ import annotations

import datetime as dt


def birthday_in(year: int, birth_date: dt.date) -> dt.date:
    try:
        return birth_date.replace(year=year)
    except ValueError:  # 29 February in a common year
        return dt.date(year, 3, 1)


def age_on(birth_date: dt.date, day: dt.date) -> int:
    age = day.year - birth_date.year
    if day < birthday_in(day.year, birth_date):
        age -= 1
    return age
