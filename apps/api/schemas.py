"""Request and response shapes of API v1.

Public shapes list their fields one by one: a response is validated against its schema, so
a field that is not declared here (a phone number, the invite link) cannot leak out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict, WithJsonSchema

from apps.applications.forms import WORKPLACE_NAME_MAX_LENGTH
from apps.applications.models import Application
from apps.groups.models import Group


def _blank_to_none(value: Any) -> Any:
    # An empty query parameter (``lat=``) means "not given", not "not a number".
    return None if isinstance(value, str) and not value.strip() else value


OptionalFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]

# The largest id or count the database keeps (a 32-bit signed integer on every backend we run).
MAX_INT = 2_147_483_647

# Text as the forms read it: never a NUL character (Django's forms refuse it); a required text must
# hold more than white space (the forms strip it before they check that something was given).
NO_NUL = r"^[^\x00]*$"
SOME_TEXT = r"^[^\x00]*\S[^\x00]*$"


def text_field(max_length: int, *, required: bool = False, default: str = "", description: str | None = None):
    """A string field with the limits its form checks: at most ``max_length`` characters, no NUL,
    and when ``required`` more than white space."""
    if required:
        return Field(min_length=1, max_length=max_length, pattern=SOME_TEXT, description=description)
    return Field(default, max_length=max_length, pattern=NO_NUL, description=description)


def object_id(description: str | None = None):
    """An optional id of a stored object: 1 up to the largest the database keeps."""
    return Field(None, ge=1, le=MAX_INT, description=description)


def _choices(enum, name: str):
    """A model's choices as an enum written in place, under a name of its own: two enums of the
    same class name (``Group.Status``, ``Application.Status``) would otherwise share one
    component of the OpenAPI document, and one would describe the other's values."""
    return Annotated[enum, WithJsonSchema({"title": name, "type": "string", "enum": [c.value for c in enum]})]


GroupStatus = _choices(Group.Status, "GroupStatus")
ApplicationStatus = _choices(Application.Status, "ApplicationStatus")


class DetailOut(Schema):
    detail: str


class GroupRef(Schema):
    slug: str
    name: str


class ErrorOut(Schema):
    errors: dict[str, list[str]] = Field(description="Messages per field; `__all__` for the request as a whole.")
    right_group: GroupRef | None = Field(
        None, description="Only when the address lies in another group's area: the group to apply to instead."
    )
    nearby_groups: list[GroupRef] | None = Field(
        None,
        description="Only when the group is full (`errors.waiting_list`): groups next to it that still have places. "
        "Send the application again with `waiting_list: true` to join the waiting list instead.",
    )


# Public: groups as GeoJSON.


class GroupProperties(Schema):
    id: int
    name: str
    slug: str
    status: GroupStatus
    municipality: str
    country: str
    capacity: int
    places_available: bool
    url: str = Field(description="The group's public page.")


class GroupFeature(Schema):
    type: Literal["Feature"] = "Feature"
    id: int
    geometry: dict[str, Any] = Field(description="GeoJSON Polygon or MultiPolygon, WGS84 (lon, lat).")
    properties: GroupProperties


class GroupCollection(Schema):
    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[GroupFeature]


# Public: lookup.


class LookupQuery(BaseModel):
    """The lookup's query parameters. A plain pydantic model, not a ninja ``Schema``: the endpoint
    validates ``request.GET`` with it on every request, and ninja's per-field root validator cost
    more than the check itself (see docs/adr/0008-fast-public-lookup.md)."""

    postcode: str | None = Field(None, description="3870 (Belgium) or 6162 AB (the Netherlands).")
    house_number: str | None = Field(None, description="12 or 12A.")
    addition: str | None = None
    street: str | None = Field(
        None, description="Only needed where several streets of a (Belgian) postcode have the house number."
    )
    lat: OptionalFloat = Field(None, description="WGS84 latitude; give `lon` too, and no address.")
    lon: OptionalFloat = Field(None, description="WGS84 longitude.")


class PointOut(Schema):
    lat: float
    lon: float


class AddressOut(Schema):
    street: str
    house_number: str
    postcode: str
    town: str


class AreaRef(Schema):
    id: int
    name: str


class GroupSummary(Schema):
    id: int
    name: str
    slug: str
    status: GroupStatus
    url: str


class LookupOut(Schema):
    point: PointOut
    address: AddressOut | None
    on_border: bool = Field(description="The point lies on the border of an area; then several groups cover it.")
    areas: list[AreaRef]
    groups: list[GroupSummary] = Field(description="Open groups covering the point; apply to the first.")


# Public: applying.


class ApplicationIn(Schema):
    # A postcode or house number sent as a JSON number is still the text the resident typed.
    model_config = ConfigDict(coerce_numbers_to_str=True)

    # The lengths are the web form's (``ApplicationForm``), so the schema states every limit of a field.
    group: str = Field(description="Slug of the group applied to.", max_length=200)
    full_name: str = Field(max_length=160)
    street: str = Field(max_length=160)
    house_number: str = Field(max_length=10)
    addition: str | None = Field("", max_length=10)
    postcode: str = Field(max_length=10)
    town: str = Field(max_length=120)
    birth_date: dt.date = Field(description="YYYY-MM-DD.")
    phone: str = Field(description="Mobile number used with WhatsApp.", max_length=25)
    email: str = Field(max_length=254)
    accept_house_rules: bool
    house_rules_version: int = Field(
        description="Version of the house rules the resident read and accepts.", ge=1, le=MAX_INT
    )
    alerts_opt_in: bool = Field(
        False,
        description="The resident also wants police and municipality alerts for their neighbourhood (urgent ones "
        "by SMS or WhatsApp, the others by e-mail). Optional; show the sentence of the web form, unticked.",
    )
    waiting_list: bool = Field(
        False,
        description="When the group is full: put the applicant on its waiting list (first come, first served). "
        "Without it, applying to a full group answers 400 on `waiting_list`.",
    )
    offers_to_help: bool = Field(False, description="The applicant would like to help as an admin. Optional.")
    works_here: bool = Field(
        False,
        description="The address is where the applicant works, not where they live. Only where the group's "
        "municipality accepts people who work in the area; elsewhere `true` answers 400 on `works_here`.",
    )
    workplace_name: str | None = Field(
        "",
        max_length=WORKPLACE_NAME_MAX_LENGTH,
        description="With `works_here`: the name of the business or organisation (optional, at most 120 "
        "characters). Ignored without `works_here`.",
    )
    remark: str | None = Field("", max_length=1000)
    website: str | None = Field("", description="Leave empty (spam trap).", max_length=200)


class ApplicationCreated(Schema):
    id: int
    status: ApplicationStatus
    status_url: str = Field(description="Secret link where the applicant follows the application.")


# Private: applications and members.


class GroupOut(Schema):
    id: int
    slug: str
    name: str


class ApplicationOut(Schema):
    id: int
    group: GroupOut
    status: ApplicationStatus
    full_name: str
    street: str
    house_number: str
    postcode: str
    town: str
    age_checked_on: dt.date | None = Field(
        description="The day the person was found to be 18 or older. The date of birth is checked, never kept."
    )
    phone: str
    email: str
    works_here: bool = Field(description="The address is where the applicant works, not where they live.")
    workplace_name: str
    remark: str
    language: str
    created_at: dt.datetime
    confirmed_at: dt.datetime | None
    decided_at: dt.datetime | None
    decision_reason: str
    member_id: int | None


class CheckOut(Schema):
    name: str
    ok: bool
    message: str


class ApplicationDetailOut(ApplicationOut):
    checks: list[CheckOut] = Field(description="The automatic checks to look at before deciding.")


class ApplicationListQuery(Schema):
    status: ApplicationStatus | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=MAX_INT)


class ApplicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class RejectIn(Schema):
    reason: str = Field(
        description="Sent to the applicant; it must hold more than spaces.",
        min_length=1,
        max_length=4000,
        pattern=r"\S",
    )


class MemberOut(Schema):
    id: int
    full_name: str
    street: str
    house_number: str
    postcode: str
    town: str
    age_checked_on: dt.date | None = Field(
        description="The day the person was found to be 18 or older. The date of birth is checked, never kept."
    )
    phone: str
    email: str
    joined_at: dt.datetime


class MemberList(Schema):
    group: GroupOut
    count: int
    items: list[MemberOut]
