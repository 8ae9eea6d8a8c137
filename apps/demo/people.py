"""Invented residents of the demo: names, birth dates, phone numbers and e-mail addresses
unique across the world, and the moments and invite links of the story."""

from __future__ import annotations

import datetime as dt
import random
import string
import unicodedata

from django.core.exceptions import ValidationError

from apps.core.phones import normalize_mobile

from . import names
from .plan import REFERENCE_DATE, TIMEZONE
from .world import Person


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


class People:
    """Invented residents with phone numbers and e-mail addresses unique across the world."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.emails: set[str] = set()

    def person(self, country: str) -> Person:
        rng = self.rng
        first = rng.choice(names.FIRST_NAMES_BE if country == "BE" else names.FIRST_NAMES_NL)
        last = rng.choice(names.LAST_NAMES_BE if country == "BE" else names.LAST_NAMES_NL)
        # Adults of every age, the way neighbourhood-watch groups are: few under 25, many over 50.
        age_days = int(rng.triangular(19 * 365.25 + 10, 88 * 365.25, 58 * 365.25))
        birth = REFERENCE_DATE - dt.timedelta(days=age_days)
        return Person(first, last, birth, self._phone(country), self._email(first, last))

    def _phone(self, country: str) -> str:
        while True:
            if country == "BE":
                raw = f"+3247{self.rng.randint(0, 9)}{self.rng.randint(0, 999_999):06d}"
            else:
                raw = f"+316{self.rng.randint(10_000_000, 59_999_999)}"
            try:
                phone = normalize_mobile(raw, country)
            except ValidationError:
                continue
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@example.org", 2
        while email in self.emails:
            email, n = f"{base}{n}@example.org", n + 1
        self.emails.add(email)
        return email


def moment(rng, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=TIMEZONE)


def invite(rng) -> str:
    # Marked DEMO so nobody mistakes it for a real group's link.
    return "https://chat.whatsapp.com/DEMO" + "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(18)
    )
