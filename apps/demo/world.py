"""The generated demo world as plain values, before :mod:`apps.demo.load` stores it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from shapely.geometry import Polygon


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    birth_date: dt.date
    phone: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class House:
    street: str
    number: int
    addition: str
    postcode: str
    town: str
    lon: float
    lat: float

    @property
    def house_number(self) -> str:
        return f"{self.number}{self.addition}"


@dataclass
class Sub:
    name: str
    code: str
    polygon: Polygon
    houses: list[House] = field(default_factory=list)


@dataclass(frozen=True)
class Membership:
    person: Person
    house: House
    joined_at: dt.datetime


@dataclass
class DemoGroup:
    name: str
    slug: str
    area_name: str
    sub_names: tuple[str, ...]
    geometry: Polygon
    created_at: dt.datetime
    invite_link: str
    description: str
    members: list[Membership] = field(default_factory=list)


@dataclass(frozen=True)
class Sign:
    road: str
    lon: float
    lat: float
    group_slug: str
    placed_on: dt.date


@dataclass(frozen=True)
class PendingApplication:
    group_slug: str
    person: Person
    house: House
    confirmed: bool
    remark: str


@dataclass(frozen=True)
class StartRequest:
    person: Person
    house: House
    message: str


@dataclass
class DemoMunicipality:
    name: str
    slug: str
    code: str
    country: str
    outline: Polygon
    subs: list[Sub]
    groups: list[DemoGroup]
    coordinator: Person
    rules_published_at: dt.datetime
    signs: list[Sign] = field(default_factory=list)
    applications: list[PendingApplication] = field(default_factory=list)
    start_requests: list[StartRequest] = field(default_factory=list)

    @property
    def houses(self) -> list[House]:
        return [h for sub in self.subs for h in sub.houses]

    @property
    def contact_email(self) -> str:
        return f"buurtpreventie.{self.slug}@example.org"


@dataclass
class DemoWorld:
    seed: int
    municipalities: list[DemoMunicipality]
    police_zone: str
    police: Person

    def municipality(self, slug: str) -> DemoMunicipality:
        return next(m for m in self.municipalities if m.slug == slug)
