"""Request and response shapes of API v1.

Public shapes list their fields one by one: a response is validated against its schema, so
a field that is not declared here (a phone number, the invite link) cannot leak out.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, ConfigDict

from apps.applications.models import Application
from apps.groups.models import Group


def _blank_to_none(value: Any) -> Any:
    # An empty query parameter (``lat=``) means "not given", not "not a number".
    return None if isinstance(value, str) and not value.strip() else value


OptionalFloat = Annotated[float | None, BeforeValidator(_blank_to_none)]


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
    status: Group.Status
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
    status: Group.Status
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

    group: str = Field(description="Slug of the group applied to.")
    full_name: str
    street: str
    house_number: str
    addition: str | None = ""
    postcode: str
    town: str
    birth_date: dt.date = Field(description="YYYY-MM-DD.")
    phone: str = Field(description="Mobile number used with WhatsApp.")
    email: str
    accept_house_rules: bool
    house_rules_version: int = Field(description="Version of the house rules the resident read and accepts.")
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
        description="With `works_here`: the name of the business or organisation (optional, at most 120 "
        "characters). Ignored without `works_here`.",
    )
    remark: str | None = ""
    website: str | None = Field("", description="Leave empty (spam trap).")


class ApplicationCreated(Schema):
    id: int
    status: Application.Status
    status_url: str = Field(description="Secret link where the applicant follows the application.")


# Private: applications and members.


class GroupOut(Schema):
    id: int
    slug: str
    name: str


class ApplicationOut(Schema):
    id: int
    group: GroupOut
    status: Application.Status
    full_name: str
    street: str
    house_number: str
    postcode: str
    town: str
    birth_date: dt.date
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
    status: Application.Status | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0)


class ApplicationPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[ApplicationOut]


class RejectIn(Schema):
    reason: str = Field(description="Sent to the applicant.")


class MemberOut(Schema):
    id: int
    full_name: str
    street: str
    house_number: str
    postcode: str
    town: str
    birth_date: dt.date
    phone: str
    email: str
    joined_at: dt.datetime


class MemberList(Schema):
    group: GroupOut
    count: int
    items: list[MemberOut]
