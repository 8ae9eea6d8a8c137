"""Applying with the address where one works: only where the municipality accepts it (a setting
its coordinators change on the desk), on the web form and the API alike; carried to the member
and shown to the admins, in the member list and in the export."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import escape

from apps.applications import services
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.audit.models import AuditEvent
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import Municipality
from testkit.world import World, add_member, application_data

API_URL = "/api/v1/applications"
REFUSED = "only people who live in a group's area can apply"
BAKERY = "Bakkerij Peeters"


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English texts."""
    settings.LANGUAGE_CODE = "en"


def allow(municipality: Municipality, allowed: bool = True) -> None:
    Municipality.objects.filter(pk=municipality.pk).update(allows_works_here=allowed)
    municipality.refresh_from_db()


def apply_url(world: World) -> str:
    return reverse("public:apply", args=[world.group_a.slug])


def nothing_stored() -> bool:
    return (
        Application.objects.count() == 0
        and OutgoingMessage.objects.count() == 0
        and not AuditEvent.objects.filter(action=AuditEvent.Action.APPLICATION_SUBMITTED).exists()
    )


def cleaned(data: dict) -> dict:
    form = ApplicationForm(data, country="BE")
    assert form.is_valid(), form.errors
    return form.cleaned_data


def post_api(client, **overrides):
    body = application_data(World.ADDRESS_A)
    body.update(group="testdorp-noord", accept_house_rules=True, house_rules_version=1)
    body.update(overrides)
    return client.post(API_URL, json.dumps(body), content_type="application/json")


# --- the setting off (the default) -------------------------------------------------------------


def test_the_setting_is_off_by_default(world: World):
    assert Municipality.objects.create(name="Nieuwdorp", slug="nieuwdorp", country="BE").allows_works_here is False
    assert world.testdorp.allows_works_here is False


def test_off_the_form_does_not_offer_the_choice(client, world: World):
    html = client.get(apply_url(world)).content.decode()
    assert 'name="works_here"' not in html and 'name="workplace_name"' not in html
    assert "I work at this address" not in html
    assert "checks that you live in the area" in html


def test_off_a_forged_post_with_works_here_is_refused_and_nothing_is_stored(client, world: World):
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="yes", workplace_name=BAKERY))
    assert response.status_code == 200
    html = response.content.decode()
    assert escape(REFUSED) in html and "In Testdorp," in html
    assert 'name="works_here"' not in html  # still not offered
    assert nothing_stored()


def test_off_the_service_refuses_works_here_whoever_calls_it(world: World):
    with pytest.raises(ValidationError) as caught:
        services.submit(world.group_a, cleaned(application_data(World.ADDRESS_A, works_here="yes")))
    assert caught.value.error_dict["works_here"][0].code == "works_here_not_allowed"
    assert nothing_stored()


def test_off_living_here_is_applied_for_as_always(client, world: World):
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="no"))
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.works_here, application.workplace_name) == (False, "")


# --- the setting on ----------------------------------------------------------------------------


def test_on_the_form_offers_a_labelled_choice_living_first(client, world: World):
    allow(world.testdorp)
    html = client.get(apply_url(world)).content.decode()
    radios = re.findall(r'<input type="radio" name="works_here"[^>]*>', html)
    assert len(radios) == 2
    assert 'value="no"' in radios[0] and "checked" in radios[0]
    assert 'value="yes"' in radios[1] and "checked" not in radios[1]
    for radio in radios:
        radio_id = re.search(r'id="([^"]+)"', radio).group(1)
        assert re.search(rf'<label for="{radio_id}">I (live|work) at this address</label>', html)
    assert "<legend>Do you live or work at this address?</legend>" in html
    assert 'name="workplace_name"' in html and 'maxlength="120"' in html
    assert "checks that you live or work in the area" in html


def test_on_a_worker_applies_the_admin_approves_and_the_member_works_here(client, world: World):
    allow(world.testdorp)
    response = client.post(
        apply_url(world),
        application_data(World.ADDRESS_A, works_here="yes", workplace_name="  Bakkerij   Peeters "),
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.works_here, application.workplace_name) == (True, BAKERY)
    submitted = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_SUBMITTED)
    assert submitted.data["works_here"] is True

    services.confirm(services.confirmation_token(application))
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_detail", args=[application.pk])).content.decode()
    assert f"Works at this address</strong>: {BAKERY}" in page
    assert "Works in the group&#x27;s area" in page

    response = client.post(reverse("staff:application_approve", args=[application.pk]))
    assert response.status_code == 302
    member = Member.objects.get(application__pk=application.pk)
    assert (member.works_here, member.workplace_name) == (True, BAKERY)
    approved = AuditEvent.objects.get(action=AuditEvent.Action.APPLICATION_APPROVED)
    assert approved.data["works_here"] is True

    page = client.get(reverse("staff:member_list", args=[world.group_a.pk])).content.decode()
    assert f"Works at this address</strong>: {BAKERY}" in page
    page = client.get(reverse("staff:member_list", args=[world.group_a.pk]), {"q": "bakkerij"}).content.decode()
    assert "Jan Peeters" in page

    export = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-2:] == ["works here", "workplace"]
    assert rows[1][0] == "Jan Peeters" and rows[1][-2:] == ["yes", BAKERY]


def test_on_the_name_of_the_workplace_is_optional(client, world: World):
    allow(world.testdorp)
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="yes"))
    assert response.status_code == 302
    assert Application.objects.values_list("works_here", "workplace_name").get() == (True, "")


def test_on_living_here_keeps_no_workplace_name_typed_before(client, world: World):
    allow(world.testdorp)
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="no", workplace_name=BAKERY))
    assert response.status_code == 302
    assert Application.objects.values_list("works_here", "workplace_name").get() == (False, "")


def test_on_a_resident_shows_no_works_here_to_the_admin(client, world: World):
    allow(world.testdorp)
    application = services.submit(world.group_a, cleaned(application_data(World.ADDRESS_A))).application
    services.confirm(services.confirmation_token(application))
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_detail", args=[application.pk])).content.decode()
    assert "Works at this address" not in page and "Lives in the group&#x27;s area" in page
    member = services.approve(application, actor=world.admin_a)
    assert member.works_here is False
    export = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[1][-2:] == ["no", ""]


def test_a_member_who_works_here_keeps_the_columns_after_the_setting_is_turned_off(client, world: World):
    add_member(world.group_a, 1, works_here=True, workplace_name="=Kapsalon")
    add_member(world.group_a, 2)
    client.force_login(world.admin_a)
    export = client.get(reverse("staff:member_export", args=[world.group_a.pk]), {"sep": "comma"})
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=","))
    assert rows[0][-2:] == ["works here", "workplace"]
    assert sorted(r[-2:] for r in rows[1:]) == [["no", ""], ["yes", "'=Kapsalon"]]  # no formula


def test_without_the_setting_or_workers_the_export_keeps_its_columns(client, world: World):
    add_member(world.group_a, 1)
    client.force_login(world.admin_a)
    export = client.get(reverse("staff:member_export", args=[world.group_a.pk]))
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "name",
        "phone",
        "street",
        "house number",
        "postcode",
        "town",
        "e-mail",
        "joined",
        "18+ checked on",
    ]


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"works_here": "yes", "workplace_name": "B" * 121}, "workplace_name"),
        ({"works_here": "maybe"}, "works_here"),
        ({"works_here": "true"}, "works_here"),
    ],
)
def test_on_bad_input_is_refused_on_its_field_and_nothing_is_stored(client, world: World, overrides, field):
    allow(world.testdorp)
    form = ApplicationForm(application_data(World.ADDRESS_A, **overrides), country="BE")
    assert not form.is_valid() and list(form.errors) == [field]
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, **overrides))
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()
    assert nothing_stored()


def test_a_workplace_name_of_exactly_the_maximum_is_accepted(client, world: World):
    allow(world.testdorp)
    name = "B" * 120
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="yes", workplace_name=name))
    assert response.status_code == 302
    assert Application.objects.get().workplace_name == name


def test_the_setting_turned_off_while_the_form_was_open_refuses_it(client, world: World):
    allow(world.testdorp)
    assert 'name="works_here"' in client.get(apply_url(world)).content.decode()
    allow(world.testdorp, False)
    response = client.post(apply_url(world), application_data(World.ADDRESS_A, works_here="yes"))
    assert escape(REFUSED) in response.content.decode()
    assert nothing_stored()


# --- the API -----------------------------------------------------------------------------------


def test_api_off_refuses_works_here_on_its_field_and_stores_nothing(client, world: World):
    response = post_api(client, works_here=True, workplace_name=BAKERY)
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert list(errors) == ["works_here"] and REFUSED in errors["works_here"][0]
    assert nothing_stored()


def test_api_off_without_works_here_applies_as_always(client, world: World):
    response = post_api(client, works_here=False)
    assert response.status_code == 201, response.content
    assert Application.objects.get().works_here is False


def test_api_on_stores_works_here_and_the_private_api_shows_it(client, world: World):
    from apps.accounts.models import ApiToken

    allow(world.testdorp)
    response = post_api(client, works_here=True, workplace_name=BAKERY)
    assert response.status_code == 201, response.content
    application = Application.objects.get(pk=response.json()["id"])
    assert (application.works_here, application.workplace_name) == (True, BAKERY)
    services.confirm(services.confirmation_token(application))  # admins see confirmed applications only

    _token, key = ApiToken.issue(world.admin_a)
    detail = client.get(f"{API_URL}/{application.pk}", headers={"Authorization": f"Bearer {key}"}).json()
    assert (detail["works_here"], detail["workplace_name"]) == (True, BAKERY)
    area = next(c for c in detail["checks"] if c["name"] == "area")
    assert area["message"] == "Works in the group's area"


def test_api_on_a_too_long_workplace_name_is_refused(client, world: World):
    allow(world.testdorp)
    response = post_api(client, works_here=True, workplace_name="B" * 121)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["workplace_name"]
    assert nothing_stored()


def test_api_schema_documents_both_fields(client, db):
    document = client.get("/api/v1/openapi.json").json()
    fields = document["components"]["schemas"]["ApplicationIn"]["properties"]
    assert fields["works_here"]["type"] == "boolean" and fields["works_here"]["default"] is False
    assert "workplace_name" in fields
    out = document["components"]["schemas"]["ApplicationOut"]["properties"]
    assert {"works_here", "workplace_name"} <= set(out)


# --- the coordinator's setting -----------------------------------------------------------------


def settings_url(municipality: Municipality) -> str:
    return reverse("staff:municipality_detail", args=[municipality.pk])


def test_the_coordinator_turns_the_setting_on_and_off(client, world: World):
    client.force_login(world.coordinator)
    page = client.get(settings_url(world.testdorp)).content.decode()
    box = re.search(r'<input type="checkbox" name="allows_works_here"[^>]*>', page)
    assert box and "checked" not in box.group(0)
    assert "Accept applications from people who work in the area" in page

    response = client.post(settings_url(world.testdorp), {"allows_works_here": "on"}, follow=True)
    assert response.redirect_chain[-1] == (settings_url(world.testdorp), 302)
    assert "The settings are saved." in response.content.decode()
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is True
    box = re.search(r'<input type="checkbox" name="allows_works_here"[^>]*>', response.content.decode())
    assert "checked" in box.group(0)
    assert 'name="works_here"' in client.get(apply_url(world)).content.decode()

    response = client.post(settings_url(world.testdorp), {}, follow=True)
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is False
    response = client.post(settings_url(world.testdorp), {}, follow=True)
    assert "Nothing changed." in response.content.decode()


@pytest.mark.parametrize(
    "role", ["admin_a", "admin_b", "co_admin_a", "police", "police_nl", "coordinator_nl", "nobody"]
)
def test_others_cannot_change_the_setting(client, world: World, role):
    client.force_login(getattr(world, role))
    for method in ("get", "post"):
        response = getattr(client, method)(settings_url(world.testdorp), {"allows_works_here": "on"})
        assert response.status_code == 404
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is False


def test_a_coordinator_cannot_change_another_municipality(client, world: World):
    allow(world.grensstad)
    client.force_login(world.coordinator)
    assert client.post(settings_url(world.grensstad), {}).status_code == 404
    world.grensstad.refresh_from_db()
    assert world.grensstad.allows_works_here is True


def test_visitors_are_sent_to_the_login_page_and_nothing_changes(client, world: World):
    response = client.post(settings_url(world.testdorp), {"allows_works_here": "on"})
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is False


def test_the_operator_may_change_it_as_they_may_everything(client, world: World):
    client.force_login(world.superuser)
    client.post(settings_url(world.testdorp), {"allows_works_here": "on"})
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is True


@pytest.mark.parametrize("role", ["admin_a", "police", "coordinator_nl", "nobody"])
def test_the_service_itself_refuses_anyone_but_the_coordinators(world: World, role):
    with pytest.raises(PermissionDenied):
        services.set_works_here_allowed(world.testdorp, allowed=True, actor=getattr(world, role))
    with pytest.raises(PermissionDenied):
        services.set_works_here_allowed(world.testdorp, allowed=True, actor=None)
    world.testdorp.refresh_from_db()
    assert world.testdorp.allows_works_here is False
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED).exists()
    assert services.set_works_here_allowed(world.testdorp, allowed=True, actor=world.coordinator) is True
    assert services.set_works_here_allowed(world.testdorp, allowed=True, actor=world.coordinator) is False
    [event] = AuditEvent.objects.filter(action=AuditEvent.Action.MUNICIPALITY_SETTINGS_CHANGED)
    assert event.actor == world.coordinator and event.data["allows_works_here"] is True


# --- in a browser: the choice is easy to tap on a phone ----------------------------------------


@pytest.mark.browser
def test_the_choice_has_44px_targets_and_passes_axe(live_server, transactional_db):
    from testkit.browser import assert_usable, open_page, outside_the_browser_loop, running_chromium
    from testkit.world import build_world

    world = build_world()
    allow(world.testdorp)
    with running_chromium() as browser:
        page = open_page(browser)
        page.goto(live_server.url + reverse("public:apply", args=[world.group_a.slug]))
        assert_usable(page, "the apply form with the choice")
        for label in page.locator(".address-use label").all():
            assert label.bounding_box()["height"] >= 44
        page.locator("label", has_text="I work at this address").click()
        assert page.locator("input[name=works_here][value=yes]").is_checked()
        page.fill("#id_full_name", "Jan Peeters")
        page.fill("#id_workplace_name", BAKERY)
        page.fill("#id_street", "Noordstraat")
        page.fill("#id_house_number", "1")
        page.fill("#id_postcode", "3870")
        page.fill("#id_town", "Testdorp")
        page.fill("#id_birth_date", "1960-05-17")
        page.fill("#id_phone", "0470 12 34 56")
        page.fill("#id_email", "jan.peeters@example.org")
        page.locator("label[for=id_accept_house_rules]").click()
        with page.expect_navigation():
            page.locator("main form button[type=submit]").click()
        assert page.errors == []
    stored = outside_the_browser_loop(lambda: Application.objects.values_list("works_here", "workplace_name").get())
    assert stored == (True, BAKERY)
