"""What the import checks: the columns (guessed from header words in Dutch, French and English,
or the group's last mapping) and each row (name, phone, address in the register and in the
group's area, duplicates in the file, in the group, with other groups' members and with people
already invited or applying)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from apps.addresses.normalize import split_house_number
from apps.applications.models import Application
from apps.areas import index as area_index
from apps.core.phones import normalize_mobile
from apps.geocoding.services import locate
from apps.members.models import Member
from apps.messaging.services import channel_available

from .models import FIELDS, REQUIRED_FIELDS, Enrolment
from .readers import Row

FIELD_LABELS = {
    "full_name": _("Name"),
    "street": _("Street"),
    "house_number": _("House number"),
    "postcode": _("Postcode"),
    "town": _("Town"),
    "phone": _("Mobile phone"),
    "email": _("E-mail"),
}

# Header words per field (lower case, without accents or punctuation), exact matches first.
HEADER_WORDS = {
    "full_name": ("naam", "volledigenaam", "name", "fullname", "nom", "nomcomplet", "deelnemer", "lid", "member"),
    "street": ("straat", "straatnaam", "street", "rue", "adres", "address", "adresse"),
    "house_number": (
        "huisnummer",
        "nummer",
        "nr",
        "huisnr",
        "housenumber",
        "number",
        "no",
        "numero",
        "num",
        "n",
    ),
    "postcode": ("postcode", "postnummer", "zip", "zipcode", "postalcode", "codepostal", "cp"),
    "town": ("gemeente", "plaats", "woonplaats", "stad", "town", "city", "place", "localite", "ville", "commune"),
    "phone": (
        "gsm",
        "telefoon",
        "telefoonnummer",
        "mobiel",
        "mobielnummer",
        "tel",
        "phone",
        "mobile",
        "mobilephone",
        "whatsapp",
        "telephone",
        "portable",
        "numerodetelephone",
        "gsmnummer",
    ),
    "email": ("email", "mail", "emailadres", "emailaddress", "courriel", "adresseemail", "adressemail"),
}

# Reason codes of a bad row → the message the admin reads (translated when shown).
REASONS = {
    "formula": gettext_noop("a cell holds a formula: type the value itself"),
    "merged": gettext_noop("merged cells: unmerge them and fill in each cell"),
    "no_name": gettext_noop("no name"),
    "no_phone": gettext_noop("no mobile phone number"),
    "bad_phone": gettext_noop("the phone number is not a Belgian or Dutch mobile number"),
    "bad_email": gettext_noop("the e-mail address is not valid"),
    "unreachable": gettext_noop("no e-mail address, and text messages are not set up: nobody could reach them"),
    "bad_address": gettext_noop("the address is not in the address register"),
    "no_house_number": gettext_noop("no house number or postcode"),
    "wrong_area": gettext_noop("the address is outside the group's area"),
    "duplicate_in_file": gettext_noop("the same phone number is on line %(line)d"),
    "member_here": gettext_noop("already a member of this group"),
    "member_elsewhere": gettext_noop("this number belongs to a member of another group"),
    "invited": gettext_noop("already invited and not answered yet"),
    "applied": gettext_noop("has an open application for this group"),
    "too_long": gettext_noop("a value is too long"),
}


def _word(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", text.lower())


def guess_mapping(headers: list[str], remembered: dict | None = None) -> dict[str, int]:
    """field → column index: the group's last mapping where its header is in this file, else
    the header words; each column is used once."""
    words = [_word(h) for h in headers]
    mapping: dict[str, int] = {}
    used: set[int] = set()
    for name, header in (remembered or {}).items():
        if name in FIELDS and _word(header) in words:
            index = words.index(_word(header))
            if index not in used:
                mapping[name], _ = index, used.add(index)
    for exact in (True, False):
        for name in FIELDS:
            if name in mapping:
                continue
            for index, word in enumerate(words):
                if index in used or not word:
                    continue
                hit = word in HEADER_WORDS[name] if exact else any(len(w) > 3 and w in word for w in HEADER_WORDS[name])
                if hit:
                    mapping[name] = index
                    used.add(index)
                    break
    return mapping


def validate_mapping(mapping: dict[str, int], column_count: int) -> None:
    errors = {}
    for name in REQUIRED_FIELDS:
        if mapping.get(name) is None:
            errors[name] = _("Choose the column that holds this; it is needed for every person.")
    seen: dict[int, str] = {}
    for name, index in mapping.items():
        if index is None:
            continue
        if not 0 <= index < column_count:
            errors[name] = _("Choose one of the file's columns.")
        elif index in seen:
            errors[name] = _("This column is already chosen for “%(field)s”.") % {"field": FIELD_LABELS[seen[index]]}
        else:
            seen[index] = name
    if errors:
        raise ValidationError(errors, code="mapping")


@dataclass
class Person:
    line: int
    full_name: str
    street: str
    house_number: str
    postcode: str
    town: str
    phone: str
    email: str


@dataclass
class Checked:
    """The outcome of one pass over the file."""

    good: list[Person] = field(default_factory=list)
    good_count: int = 0
    bad: list[dict] = field(default_factory=list)  # {"line": n, "reasons": [[code, params], ...]}

    @property
    def bad_count(self) -> int:
        return len(self.bad)


_MAX = {"full_name": 160, "street": 160, "house_number": 16, "town": 120, "email": 254}
BATCH = 500


def _value(row: Row, mapping: dict, name: str) -> str:
    index = mapping.get(name)
    if index is None or index >= len(row.cells):
        return ""
    return row.cells[index].strip()


def _phone_reachable() -> bool:
    return channel_available("sms") or channel_available("whatsapp")


@dataclass(frozen=True)
class Place:
    street: str
    postcode: str
    town: str


# Addresses remembered during one pass over a file.
PLACES_REMEMBERED = 2048


def _place(values: dict, group, places: dict):
    """(the register's address, whether it lies in the group's area), or None when the register
    does not know it; remembered for the run, since a family shares one address."""
    try:
        number, addition = split_house_number(values["house_number"])
    except ValidationError:
        return None
    key = (values["postcode"].upper().replace(" ", ""), number, addition, values["street"].lower())
    if key not in places:
        if len(places) >= PLACES_REMEMBERED:
            places.clear()  # neighbours are usually on nearby rows: memory stays flat
        try:
            address = locate(values["postcode"], number, addition, values["street"], municipality=group.municipality)
        except ValidationError:
            places[key] = None
        else:
            inside = any(hit.area_id == group.area_id for hit in area_index.lookup(address.lon, address.lat))
            places[key] = (Place(address.street, address.postcode, address.town), inside)
    return places[key]


def _check_row(row: Row, mapping: dict, group, country: str, places: dict) -> tuple[Person | None, list]:
    reasons: list = []
    if row.formula:
        reasons.append(["formula", {}])
    if row.merged:
        reasons.append(["merged", {}])
    values = {name: _value(row, mapping, name) for name in FIELDS}
    if any(len(values[n]) > m for n, m in _MAX.items()):
        reasons.append(["too_long", {}])
    if not values["full_name"]:
        reasons.append(["no_name", {}])
    phone = ""
    if not values["phone"]:
        reasons.append(["no_phone", {}])
    else:
        try:
            phone = normalize_mobile(values["phone"], default_region=country)
        except ValidationError:
            reasons.append(["bad_phone", {}])
    email = values["email"]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            reasons.append(["bad_email", {}])
    elif phone and not _phone_reachable():
        reasons.append(["unreachable", {}])
    address = None
    if not values["house_number"] or not values["postcode"]:
        reasons.append(["no_house_number", {}])
    elif not reasons:
        found = _place(values, group, places)
        if found is None:
            reasons.append(["bad_address", {}])
        elif not found[1]:
            reasons.append(["wrong_area", {}])
        else:
            address = found[0]
    if reasons:
        return None, reasons
    return (
        Person(
            line=row.line,
            full_name=values["full_name"],
            street=address.street,
            house_number=values["house_number"].replace(" ", "").upper(),
            postcode=address.postcode,
            town=address.town,
            phone=phone,
            email=email.lower() if email else "",
        ),
        [],
    )


def check_rows(rows: Iterator[Row], mapping: dict, group, *, sample: int = 0, on_good=None) -> Checked:
    """Check every row: the counts, the bad rows and the first ``sample`` good people (for the
    preview). ``on_good`` is handed each batch of good people as it is checked (to invite them),
    so nothing but the phone numbers seen grows with the file."""
    result = Checked()
    country = group.municipality.country
    members_here = set(Member.objects.current().filter(group=group).values_list("phone", flat=True))
    first_line: dict[str, int] = {}
    places: dict = {}
    batch: list[Person] = []

    def flush():
        phones = [p.phone for p in batch]
        elsewhere = set(
            Member.objects.current().exclude(group=group).filter(phone__in=phones).values_list("phone", flat=True)
        )
        invited = set(
            Enrolment.objects.filter(group=group, status__in=Enrolment.OPEN_STATUSES, phone__in=phones).values_list(
                "phone", flat=True
            )
        )
        applied = set(
            Application.objects.filter(group=group, status__in=Application.OPEN_STATUSES, phone__in=phones).values_list(
                "phone", flat=True
            )
        )
        accepted = []
        for person in batch:
            reason = (
                "member_here"
                if person.phone in members_here
                else "member_elsewhere"
                if person.phone in elsewhere
                else "invited"
                if person.phone in invited
                else "applied"
                if person.phone in applied
                else None
            )
            if reason:
                result.bad.append({"line": person.line, "reasons": [[reason, {}]]})
                continue
            result.good_count += 1
            accepted.append(person)
            if len(result.good) < sample:
                result.good.append(person)
        batch.clear()
        if on_good is not None and accepted:
            on_good(accepted)

    for row in rows:
        person, reasons = _check_row(row, mapping, group, country, places)
        if person is not None and person.phone in first_line:
            reasons = [["duplicate_in_file", {"line": first_line[person.phone]}]]
            person = None
        if person is None:
            result.bad.append({"line": row.line, "reasons": reasons})
            continue
        first_line[person.phone] = row.line
        batch.append(person)
        if len(batch) >= BATCH:
            flush()
    if batch:
        flush()
    result.bad.sort(key=lambda b: b["line"])
    return result
