"""Data minimisation: the date of birth is checked and never stored (by the page, the API, the
approval and the data migration of existing rows); admins see an application only once the
applicant confirmed their e-mail address (list, counts, page by URL, API)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from apps.api.tests.utils import application_json, bearer, stored_application
from apps.applications import services
from apps.applications.models import Application
from apps.areas.models import Area
from apps.groups.models import Group
from apps.members.models import Member
from apps.municipalities.models import HouseRulesVersion, Municipality
from apps.public.tests.helpers import submit_application
from apps.staff.figures import with_counts
from testkit.world import World, application_data

BIRTH = "1960-05-17"


def stored_values(model) -> str:
    """Every value of every row of ``model``, as text."""
    return repr(list(model.objects.values_list()))


def assert_no_birth_date():
    assert "birth_date" not in {f.name for f in Application._meta.get_fields()}
    assert "birth_date" not in {f.name for f in Member._meta.get_fields()}
    for model in (Application, Member):
        text = stored_values(model)
        assert "1960" not in text and "17-05" not in text and "05-17" not in text, text


def test_the_page_stores_only_the_day_the_age_was_checked(client, world: World):
    assert submit_application(client, world.group_a).status_code == 302
    application = Application.objects.get()
    assert application.age_checked_on == timezone.localdate()
    assert_no_birth_date()


def test_the_api_stores_only_the_day_the_age_was_checked(client, world: World):
    response = client.post(
        "/api/v1/applications", application_json(World.ADDRESS_A, birth_date=BIRTH), content_type="application/json"
    )
    assert response.status_code == 201, response.content
    assert Application.objects.get().age_checked_on == timezone.localdate()
    assert_no_birth_date()


def test_the_api_still_refuses_the_too_young(client, world: World):
    young = (timezone.localdate() - dt.timedelta(days=365 * 17)).isoformat()
    response = client.post(
        "/api/v1/applications", application_json(World.ADDRESS_A, birth_date=young), content_type="application/json"
    )
    assert response.status_code == 400 and "birth_date" in response.json()["errors"]
    assert not Application.objects.exists()


def test_the_service_refuses_a_missing_or_too_young_birth_date(world: World):
    from apps.applications.forms import ApplicationForm

    form = ApplicationForm(application_data(World.ADDRESS_A), country="BE")
    assert form.is_valid(), form.errors
    for birth in (None, timezone.localdate() - dt.timedelta(days=365 * 10)):
        with pytest.raises(ValidationError) as refused:
            services.submit(world.group_a, {**form.cleaned_data, "birth_date": birth})
        assert "birth_date" in refused.value.error_dict
    assert not Application.objects.exists()


def test_approval_carries_the_check_to_the_member_and_the_admin_sees_18_plus(client, world: World):
    application = stored_application(world.group_a, World.ADDRESS_A, confirmed=True)
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_detail", args=[application.pk]), HTTP_ACCEPT_LANGUAGE="en")
    checks = {c.name: c for c in page.context["checks"]}
    assert checks["age"].ok and timezone.localdate().strftime("%Y") in checks["age"].message
    member = services.approve(application, actor=world.admin_a)
    assert member.age_checked_on == application.age_checked_on == timezone.localdate()
    listing = client.get(reverse("staff:member_list", args=[world.group_a.pk])).content.decode()
    assert "18+" in listing and BIRTH not in listing
    assert_no_birth_date()


def test_an_application_never_checked_of_age_is_not_approved(world: World):
    application = stored_application(world.group_a, World.ADDRESS_A, confirmed=True)
    Application.objects.filter(pk=application.pk).update(age_checked_on=None)
    application.refresh_from_db()
    with pytest.raises(ValidationError):
        services.approve(application, actor=world.admin_a)
    assert not Member.objects.exists()


# --- the data migration ---------------------------------------------------------------------------

BEFORE = [
    ("applications", "0004_application_workplace_name_application_works_here"),
    ("members", "0003_member_workplace_name_member_works_here"),
]
AFTER = [("applications", "0005_age_check_without_birth_date"), ("members", "0004_age_check_without_birth_date")]


@pytest.mark.django_db(transaction=True)
def test_the_data_migration_keeps_only_the_age_check():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    OldApplication = old.get_model("applications", "Application")
    OldMember = old.get_model("members", "Member")
    # The other apps' tables are as they are now: their rows through today's models.
    town = Municipality.objects.create(name="Oudstad", slug="oudstad", country="BE")
    rules = HouseRulesVersion.objects.create(municipality=town, version=1, title="R", text="R")
    area = Area.objects.create(
        municipality=town, name="A", geometry={"type": "Polygon", "coordinates": []},
        min_lon=0, min_lat=0, max_lon=0, max_lat=0,
    )  # fmt: skip
    group = Group.objects.create(municipality=town, area=area, name="G", slug="g")
    now = timezone.now()
    joined = dt.datetime(2024, 6, 1, 12, tzinfo=dt.UTC)
    common = {
        "group_id": group.pk,
        "street": "S",
        "house_number": "1",
        "postcode": "3870",
        "town": "T",
        "email": "x@example.org",
        "house_rules_version_id": rules.pk,
        "house_rules_accepted_at": now,
    }
    adult = OldApplication.objects.create(
        full_name="Volwassen", birth_date=dt.date(1960, 5, 17), phone="+32470000001", lat=0, lon=0,
        access_key_hash="a" * 64, created_at=joined, **common,
    )  # fmt: skip
    minor_then = OldApplication.objects.create(
        full_name="Toen Jong", birth_date=dt.date(2006, 9, 1), phone="+32470000002", lat=0, lon=0,
        access_key_hash="b" * 64, created_at=joined, **common,
    )  # fmt: skip
    minor_now = OldApplication.objects.create(
        full_name="Nu Jong", birth_date=timezone.localdate() - dt.timedelta(days=365 * 10), phone="+32470000003",
        lat=0, lon=0, access_key_hash="c" * 64, created_at=joined, **common,
    )  # fmt: skip
    member = OldMember.objects.create(
        full_name="Lid", birth_date=dt.date(1950, 1, 1), phone="+32470000004", joined_at=joined, **common
    )
    try:
        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        new = executor.loader.project_state(AFTER).apps
        NewApplication = new.get_model("applications", "Application")
        NewMember = new.get_model("members", "Member")
        checked = dict(NewApplication.objects.values_list("pk", "age_checked_on"))
        assert checked[adult.pk] == dt.date(2024, 6, 1)  # of age when they applied: that day
        assert checked[minor_then.pk] == dt.date(2024, 9, 1)  # came of age later: that day
        assert checked[minor_now.pk] is None  # not of age: never approved
        assert NewMember.objects.get(pk=member.pk).age_checked_on == dt.date(2024, 6, 1)
        columns = {
            c.name for c in connection.introspection.get_table_description(connection.cursor(), "members_member")
        }
        assert "birth_date" not in columns and "age_checked_on" in columns
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


# --- unconfirmed applications are not shown to admins ---------------------------------------------


@pytest.fixture
def unconfirmed(world: World) -> Application:
    return stored_application(world.group_a, World.ADDRESS_A, phone="0470 22 33 44", full_name="Els Onbevestigd")


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "coordinator", "superuser"])
def test_unconfirmed_application_is_in_no_list_page_or_count(client, world: World, unconfirmed, who):
    user = getattr(world, who)
    client.force_login(user)
    listing = client.get(reverse("staff:application_list"))
    assert "Els Onbevestigd" not in listing.content.decode()
    assert unconfirmed.pk not in [a.pk for a in listing.context["page"].object_list]
    for status in ("", "submitted", "expired"):
        page = client.get(reverse("staff:application_list"), {"status": status})
        assert "Els Onbevestigd" not in page.content.decode()
    assert client.get(reverse("staff:application_detail", args=[unconfirmed.pk])).status_code == 404
    assert client.post(reverse("staff:application_approve", args=[unconfirmed.pk])).status_code == 404
    assert client.post(reverse("staff:application_reject", args=[unconfirmed.pk]), {"reason": "x"}).status_code == 404
    api = client.get("/api/v1/applications", headers=bearer(user)).json()
    assert api["count"] == 0
    assert client.get(f"/api/v1/applications/{unconfirmed.pk}", headers=bearer(user)).status_code == 404
    assert Application.objects.get(pk=unconfirmed.pk).status == Application.Status.SUBMITTED
    assert with_counts(Group.objects.filter(pk=world.group_a.pk)).get().pending_count == 0


def test_an_expired_never_confirmed_application_stays_hidden(client, world: World, unconfirmed):
    Application.objects.filter(pk=unconfirmed.pk).update(status=Application.Status.EXPIRED, decided_at=timezone.now())
    client.force_login(world.admin_a)
    assert client.get(reverse("staff:application_detail", args=[unconfirmed.pk])).status_code == 404


def test_once_confirmed_the_admin_sees_it(client, world: World, unconfirmed):
    services.confirm(services.confirmation_token(unconfirmed))
    client.force_login(world.admin_a)
    assert client.get(reverse("staff:application_detail", args=[unconfirmed.pk])).status_code == 200
    assert with_counts(Group.objects.filter(pk=world.group_a.pk)).get().pending_count == 1
