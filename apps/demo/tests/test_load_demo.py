"""The demo world: the seed's figures hold, it loads the same way every time, once, and every
resident in it lives where the lookups say they do."""

from __future__ import annotations

import hashlib
import io
import json
import random
import re

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import shape
from shapely.ops import polylabel

from apps.accounts.models import User
from apps.addresses.models import Address
from apps.addresses.normalize import normalize_postcode
from apps.applications.models import Application
from apps.areas.geometry import parse_area_geometry
from apps.areas.models import Area
from apps.core.phones import normalize_mobile
from apps.demo import figures, load
from apps.demo.generate import HEERLO_GROUPS, HEERLO_SUBS, MAASVELD_WIJKEN, REFERENCE_DATE, UNCOVERED
from apps.demo.logins import DEMO_PASSWORD, LOGINS
from apps.groups.lookup import lookup_address, lookup_point
from apps.groups.models import Group, GroupAdmin, GroupRequest
from apps.members.models import Member
from apps.municipalities.models import Municipality, SubMunicipality
from apps.signs.models import StreetSign

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One load shared by every test here (a load takes about a second), inside a transaction
    that is rolled back after the last test. Each test runs in its own savepoint, so the tests
    that reset or reload see the shared load again afterwards."""
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        yield load.load()
        transaction.set_rollback(True)


def digest() -> str:
    """Everything the generator decides, as one hash (timestamps of "now" and secrets left out)."""
    parts = [
        Municipality.objects.order_by("slug").values_list("slug", "name", "code", "country"),
        SubMunicipality.objects.order_by("code").values_list("name", "code", "geometry"),
        Area.objects.order_by("name").values_list("name", "geometry", "area_m2"),
        Group.objects.order_by("slug").values_list("slug", "name", "invite_link", "created_at", "area__name"),
        Member.objects.order_by("phone").values_list(
            "group__slug",
            "full_name",
            "phone",
            "email",
            "street",
            "house_number",
            "postcode",
            "age_checked_on",
            "joined_at",
        ),
        Address.objects.order_by("postcode", "house_number", "addition").values_list(
            "postcode", "house_number", "addition", "street", "town", "lon", "lat"
        ),
        StreetSign.objects.order_by("road").values_list("road", "lon", "lat", "group__slug", "placed_on"),
        Application.objects.order_by("phone").values_list("group__slug", "full_name", "phone", "postcode", "status"),
        GroupRequest.objects.order_by("email").values_list("full_name", "postcode", "house_number", "lon", "lat"),
        User.objects.order_by("username").values_list("username", "first_name", "last_name", "phone"),
    ]
    h = hashlib.sha256()
    for rows in parts:
        h.update(json.dumps([list(r) for r in rows], default=str, sort_keys=True).encode())
    return h.hexdigest()


def test_heerlo_holds_the_seed_sentence(demo):
    heerlo = Municipality.objects.get(slug="heerlo")
    active = heerlo.groups.filter(status=Group.Status.ACTIVE)
    sizes = {g.name: g.members.current().count() for g in active}
    assert len(sizes) == 8
    assert sum(sizes.values()) == 330
    assert max(sizes.values()) == 85 and sizes["Merkel-Bovenhoek"] == 85
    assert list(sizes.values()).count(85) == 1
    # Covered: the middle of the sub-municipality lies in an active group's area.
    subs = list(heerlo.sub_municipalities.all())
    covered = {s.name for s in subs if lookup_point(*polylabel(shape(s.geometry), 1e-5).coords[0]).group}
    assert len(subs) == 12 and len(covered) == 11
    assert {s.name for s in subs} - covered == {HEERLO_SUBS[UNCOVERED][0]}
    assert 3000 <= heerlo.addresses.count() <= 5000
    assert heerlo.police_zones.get().name == "PZ Kanton Heerlo"
    # Nine signs, each at an entry road inside the area of the group it names.
    signs = list(heerlo.street_signs.select_related("group"))
    assert len(signs) == 9
    assert all(lookup_point(sign.lon, sign.lat).group == sign.group for sign in signs)
    # The command prints the same sentence.
    line = next(c for c in figures.demo_coverage() if c.municipality == "Heerlo")
    assert str(line).startswith(
        "Heerlo (BE): 8 active groups, 330 members, 11 of 12 sub-municipalities covered, "
        "largest group Merkel-Bovenhoek (85)"
    )


def test_two_loads_give_identical_data_and_the_seed_matters(demo):
    first = digest()
    load.reset()
    assert not load.present() and Member.objects.count() == 0 and Address.objects.count() == 0
    load.load()
    assert digest() == first
    load.reset()
    load.load(seed=7)
    assert digest() != first


def test_loading_twice_changes_nothing(demo):
    counts = (Address.objects.count(), Member.objects.count(), Group.objects.count(), User.objects.count())
    with pytest.raises(CommandError, match="--reset"):
        call_command("load_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "nothing changed" in out.getvalue() and "buurtwacht-demo" in out.getvalue()
    call_command("load_demo", "--reset", stdout=io.StringIO())
    assert (Address.objects.count(), Member.objects.count(), Group.objects.count(), User.objects.count()) == counts
    assert counts[0] > 3000 and counts[1] == 330 + 23


def test_if_empty_leaves_a_database_with_other_municipalities_alone(demo):
    load.reset()
    Municipality.objects.create(name="Elders", slug="elders", country="BE")
    out = io.StringIO()
    call_command("load_demo", "--if-empty", stdout=out)
    assert "not loaded" in out.getvalue() and not load.present()


def test_every_member_lives_in_their_groups_area_and_is_an_adult(demo):
    members = list(Member.objects.select_related("group"))
    assert len(members) == 353
    for member in members:
        found = lookup_address(member.postcode, member.house_number)
        assert found.address.street == member.street, member
        assert found.group == member.group, member
        assert not found.on_border
        assert member.age_checked_on == timezone.localtime(member.joined_at).date()
        assert member.joined_at.date() <= REFERENCE_DATE
        assert member.house_rules_accepted_at >= member.house_rules_version.published_at


def test_phones_emails_and_postcodes_are_valid_and_distinct(demo):
    phones = list(Member.objects.values_list("phone", flat=True)) + list(
        Application.objects.values_list("phone", flat=True)
    )
    assert len(phones) == len(set(phones))
    for member in Member.objects.select_related("group__municipality"):
        country = member.group.municipality.country
        assert normalize_mobile(member.phone, country) == member.phone
        assert member.phone.startswith("+3247" if country == "BE" else "+316")
        assert member.email.endswith("@example.org")
    for postcode, country in Address.objects.values_list("postcode", "country").distinct():
        assert (normalize_postcode(postcode).value, normalize_postcode(postcode).country) == (postcode, country)


def test_group_areas_are_valid_and_cover_their_sub_municipalities(demo):
    for group in Group.objects.select_related("area"):
        parsed = parse_area_geometry(group.area.geometry)
        assert parsed.geometry.geom_type == "Polygon" and parsed.geometry.is_valid
        assert parsed.area_m2 > 1_000_000  # villages, not gardens
    vennemaal = Group.objects.get(slug="vennemaal").area
    area = shape(vennemaal.geometry)
    for name in ("Groot-Vennemaal", "Klein-Vennemaal"):
        sub = shape(SubMunicipality.objects.get(name=name).geometry)
        assert area.intersection(sub).area == pytest.approx(sub.area, rel=1e-6)


def test_register_lookups_find_the_right_group_and_none_where_nobody_watches(demo):
    # Which group the plan puts at each postcode (Dutch: its four digits).
    expected = {HEERLO_SUBS[cell][1]: plan.slug for plan in HEERLO_GROUPS for cell in plan.cells}
    expected.update({digits: name.lower() for name, digits, _half in MAASVELD_WIJKEN})
    rng = random.Random(1)
    covered = list(Address.objects.exclude(town=HEERLO_SUBS[UNCOVERED][0]).order_by("pk"))
    for address in rng.sample(covered, 60):
        result = lookup_address(address.postcode, str(address.house_number), address.addition)
        assert result.address == address
        assert result.group.slug == expected[address.postcode[:4]], address
    uncovered = list(Address.objects.filter(town=HEERLO_SUBS[UNCOVERED][0]).order_by("pk"))
    assert len(uncovered) > 100
    for address in rng.sample(uncovered, 20):
        result = lookup_address(address.postcode, str(address.house_number), address.addition)
        assert result.areas == [] and result.group is None
    request = GroupRequest.objects.get()
    assert request.municipality.slug == "heerlo" and lookup_point(request.lon, request.lat).group is None


def test_logins_work_with_the_demo_password_and_have_their_roles(demo):
    for login in LOGINS:
        user = authenticate(username=login.username, password=DEMO_PASSWORD)
        assert user is not None, login.username
        if login.role == "superuser":
            assert user.is_superuser and user.is_staff
        elif login.role == "coordinator":
            assert user.coordinator_roles.get().municipality.slug == login.scope
        elif login.role == "police":
            assert user.police_roles.get().zone.name == login.scope
        else:
            role = GroupAdmin.Role.ADMIN if login.role == "admin" else GroupAdmin.Role.CO_ADMIN
            admin = user.group_admin_roles.get()
            assert (admin.group.slug, admin.role) == (login.scope, role)
            # Admins are members of their own group.
            assert admin.group.members.current().filter(phone=user.phone).exists()
    assert Group.objects.filter(admin_roles__isnull=True).count() == 0


def test_open_applications_wait_for_the_admins(demo):
    def open_in(slug):
        qs = Application.objects.filter(group__slug=slug, status__in=Application.OPEN_STATUSES)
        return qs.filter(status=Application.Status.CONFIRMED).count(), qs.count()

    assert open_in("merkel-bovenhoek") == (2, 3)
    assert open_in("heerlo-centrum") == (1, 2)
    assert open_in("oud-maasveld") == (1, 1)
    # The logins printed by `make run` and listed in the README say what the desk says.
    for login in LOGINS:
        said = re.search(r"(\d+) applications? waits?(?: \((\d+) more awaits e-mail confirmation)?", login.description)
        if said:
            waiting, confirming = int(said.group(1)), int(said.group(2) or 0)
            assert open_in(login.scope) == (waiting, waiting + confirming), login.username
    for application in Application.objects.select_related("group"):
        assert lookup_point(application.lon, application.lat).group == application.group


def test_house_rules_are_published_once_per_municipality_with_the_national_numbers(demo):
    for slug, numbers in (("heerlo", ("101", "112")), ("maasveld", ("112", "0900-8844"))):
        municipality = Municipality.objects.get(slug=slug)
        assert municipality.house_rules.count() == 1
        rules = municipality.current_house_rules
        assert rules.version == 1 and "SAAR" in rules.text and "18 jaar" in rules.text
        assert all(number in rules.text for number in numbers)


def test_about_a_third_of_the_members_asked_for_alerts(demo):
    from django.utils.translation import override

    from apps.audit.models import AuditEvent
    from apps.members.alerts import ALERTS_CONSENT

    with override("nl"):
        wording = str(ALERTS_CONSENT)
    members = Member.objects.filter(group__municipality__slug__in=load.MUNICIPALITY_SLUGS)
    total, receiving = members.count(), members.receiving_alerts().count()
    assert 0.25 * total <= receiving <= 0.45 * total
    # Consented when they joined, to the stored wording, each with its audit event.
    assert not members.receiving_alerts().exclude(alerts_consent_text=wording).exists()
    assert all(m.alerts_opt_in_at == m.joined_at for m in members.receiving_alerts())
    ids = {str(pk) for pk in members.receiving_alerts().values_list("pk", flat=True)}
    events = AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_IN, target_type="members.member")
    assert set(events.values_list("target_id", flat=True)) == ids


def test_the_demo_members_phones_count_as_confirmed_so_its_alerts_reach_phones(demo):
    assert not Member.objects.filter(phone_confirmed_at__isnull=True).exists()
    assert all(m.alert_phone == m.phone for m in Member.objects.receiving_alerts())
