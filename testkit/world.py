"""Test helpers shared by every app: a small world with users in every role.

``World`` builds two municipalities (BE ``Testdorp`` and NL ``Grensstad``) with one group each
in Testdorp (``group_a`` north, ``group_b`` south, sharing a border at latitude 50.75), one
in Grensstad, addresses inside each area, and the users: admin of A, a co-admin of A, admin
of B, the coordinator of Testdorp, the coordinator of Grensstad, a Belgian police officer of
Testdorp's zone, a Dutch police officer of Grensstad's unit, a user with no role at all and a
superuser. Groups and their admins are made through the services, as the desk makes them.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from apps.accounts.models import User
from apps.addresses.models import Address
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.groups.services import appoint_admin, save_group
from apps.members.models import Member
from apps.municipalities.models import Coordinator, Municipality, PoliceOfficer, PoliceZone
from apps.municipalities.services import publish_house_rules
from testkit.second_factor import add_authenticator

PASSWORD = "correct-horse-battery"  # noqa: S105 (test accounts only)


def box(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [
            [[min_lon, min_lat], [max_lon, min_lat], [max_lon, max_lat], [min_lon, max_lat], [min_lon, min_lat]]
        ],
    }


def make_user(username: str, **extra) -> User:
    return User.objects.create_user(
        username=username, password=PASSWORD, email=f"{username}@example.org", first_name=username.title(), **extra
    )


@dataclass
class World:
    testdorp: Municipality
    grensstad: Municipality
    group_a: Group
    group_b: Group
    group_nl: Group
    admin_a: User
    admin_b: User
    coordinator: User
    coordinator_nl: User
    police: User
    superuser: User
    zone: PoliceZone
    co_admin_a: User
    nobody: User
    police_nl: User
    zone_nl: PoliceZone

    # An address in each area, and one covered by no group.
    ADDRESS_A = {"postcode": "3870", "house_number": "1", "street": "Noordstraat", "town": "Testdorp"}
    ADDRESS_B = {"postcode": "3870", "house_number": "2", "street": "Zuidstraat", "town": "Testdorp"}
    ADDRESS_BORDER = {"postcode": "3870", "house_number": "3", "street": "Grensweg", "town": "Testdorp"}
    ADDRESS_NONE = {"postcode": "3871", "house_number": "5", "street": "Veldweg", "town": "Testdorp"}
    ADDRESS_NL = {"postcode": "6211 AB", "house_number": "10", "street": "Markt", "town": "Grensstad"}


def build_world() -> World:
    testdorp = Municipality.objects.create(name="Testdorp", slug="testdorp", country="BE", code="73999")
    grensstad = Municipality.objects.create(name="Grensstad", slug="grensstad", country="NL", code="GM9999")
    superuser = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    publish_house_rules(testdorp, title="Huisregels", text="1. Eerst 101 bellen.\n2. Geen chat.", actor=superuser)
    publish_house_rules(grensstad, title="Huisregels", text="1. Eerst 112 bellen.", actor=superuser)
    # Group A: north of latitude 50.75; group B: south of it; they share that border.
    area_a = save_area(actor=SYSTEM, municipality=testdorp, name="Noord", geometry=box(5.30, 50.75, 5.32, 50.76))
    area_b = save_area(actor=SYSTEM, municipality=testdorp, name="Zuid", geometry=box(5.30, 50.74, 5.32, 50.75))
    area_nl = save_area(actor=SYSTEM, municipality=grensstad, name="Centrum", geometry=box(5.68, 50.84, 5.70, 50.86))
    group_a = save_group(
        actor=SYSTEM,
        municipality=testdorp,
        area=area_a,
        name="Testdorp Noord",
        status=Group.Status.ACTIVE,
        capacity=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
        invite_link="https://chat.whatsapp.com/INVITEnoord",
    )
    group_b = save_group(
        actor=SYSTEM,
        municipality=testdorp,
        area=area_b,
        name="Testdorp Zuid",
        status=Group.Status.ACTIVE,
        capacity=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
        invite_link="https://chat.whatsapp.com/INVITEzuid",
    )
    group_nl = save_group(
        actor=SYSTEM,
        municipality=grensstad,
        area=area_nl,
        name="Grensstad Centrum",
        status=Group.Status.ACTIVE,
        capacity=settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY,
    )
    Address.objects.bulk_create(
        [
            Address(
                country="BE",
                postcode="3870",
                house_number=1,
                street="Noordstraat",
                town="Testdorp",
                lon=5.31,
                lat=50.755,
                municipality=testdorp,
            ),
            Address(
                country="BE",
                postcode="3870",
                house_number=2,
                street="Zuidstraat",
                town="Testdorp",
                lon=5.31,
                lat=50.745,
                municipality=testdorp,
            ),
            Address(
                country="BE",
                postcode="3870",
                house_number=2,
                addition="A",
                street="Zuidstraat",
                town="Testdorp",
                lon=5.3101,
                lat=50.745,
                municipality=testdorp,
            ),
            Address(
                country="BE",
                postcode="3870",
                house_number=3,
                street="Grensweg",
                town="Testdorp",
                lon=5.31,
                lat=50.75,
                municipality=testdorp,
            ),
            Address(
                country="BE",
                postcode="3871",
                house_number=5,
                street="Veldweg",
                town="Testdorp",
                lon=5.40,
                lat=50.70,
                municipality=testdorp,
            ),
            Address(
                country="NL",
                postcode="6211 AB",
                house_number=10,
                street="Markt",
                town="Grensstad",
                lon=5.69,
                lat=50.85,
                municipality=grensstad,
            ),
        ]
    )
    admin_a = make_user("admin_a", phone="+32470000001")
    admin_b = make_user("admin_b", phone="+32470000002")
    co_admin_a = make_user("co_admin_a", phone="+32470000003")
    appoint_admin(actor=SYSTEM, group=group_a, user=admin_a)
    appoint_admin(actor=SYSTEM, group=group_a, user=co_admin_a, role=GroupAdmin.Role.CO_ADMIN)
    appoint_admin(actor=SYSTEM, group=group_b, user=admin_b)
    nobody = make_user("nobody")
    coordinator = make_user("coordinator")
    Coordinator.objects.create(user=coordinator, municipality=testdorp)
    coordinator_nl = make_user("coordinator_nl")
    Coordinator.objects.create(user=coordinator_nl, municipality=grensstad)
    zone = PoliceZone.objects.create(name="PZ Testzone", country="BE")
    zone.municipalities.add(testdorp)
    police = make_user("police")
    PoliceOfficer.objects.create(user=police, zone=zone)
    zone_nl = PoliceZone.objects.create(name="Basisteam Grensstad", country="NL")
    zone_nl.municipalities.add(grensstad)
    police_nl = make_user("police_nl")
    PoliceOfficer.objects.create(user=police_nl, zone=zone_nl)
    # Coordinators, police and operators log in with a second factor (apps/accounts/second_factor.py).
    for user in (superuser, coordinator, coordinator_nl, police, police_nl):
        add_authenticator(user)
    return World(
        testdorp=testdorp,
        grensstad=grensstad,
        group_a=group_a,
        group_b=group_b,
        group_nl=group_nl,
        admin_a=admin_a,
        admin_b=admin_b,
        coordinator=coordinator,
        coordinator_nl=coordinator_nl,
        police=police,
        superuser=superuser,
        zone=zone,
        co_admin_a=co_admin_a,
        nobody=nobody,
        police_nl=police_nl,
        zone_nl=zone_nl,
    )


def application_data(address: dict | None = None, **overrides) -> dict:
    """Valid raw form data for an application (as a resident would type it)."""
    data = {
        "full_name": "Jan Peeters",
        "street": "Noordstraat",
        "house_number": "1",
        "addition": "",
        "postcode": "3870",
        "town": "Testdorp",
        "birth_date": "1960-05-17",
        "phone": "0470 12 34 56",
        "email": "jan.peeters@example.org",
        "accept_house_rules": "on",
        "house_rules_version": "1",
        "remark": "",
        "website": "",
    }
    data.update(address or {})
    data.update(overrides)
    return data


def add_member(group: Group, n: int, **extra) -> Member:
    """A member of ``group``. A ``birth_date`` given is dropped, as the application drops it: only
    the day the member was found to be 18 or older is kept (``age_checked_on``, today)."""
    extra.pop("birth_date", None)
    rules = group.municipality.current_house_rules
    defaults = {
        "full_name": f"Lid {n}",
        "street": "Noordstraat",
        "house_number": str(n),
        "postcode": "3870",
        "town": "Testdorp",
        "age_checked_on": timezone.localdate(),
        "phone": f"+32478{n:06d}",  # 0478 numbers: admins have 0470 ones
        "email": f"lid{n}@example.org",
        "house_rules_version": rules,
        "house_rules_accepted_at": timezone.now(),
    }
    defaults.update(extra)
    return Member.objects.create(group=group, **defaults)


def add_second_street(world: World) -> Address:
    """A second street in postcode 3870 with a number 1, in group B's area: in Belgium a postcode
    covers many streets, each starting at 1, so postcode and number alone are ambiguous."""
    return Address.objects.create(
        country="BE",
        postcode="3870",
        house_number=1,
        street="Sint-Jansstraat",
        town="Testdorp",
        lon=5.311,
        lat=50.746,
        municipality=world.testdorp,
    )
