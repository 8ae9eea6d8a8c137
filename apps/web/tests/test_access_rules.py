"""Every URL and every API operation has a declared access rule (``access_rules.py``), and every
restricted one refuses the people without a right to its object, changing nothing.

One world is built for the module; each test runs in a transaction of its own on top of it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from types import SimpleNamespace

import pytest
import time_machine
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse_lazy
from django.utils import timezone

from apps.accounts.models import ApiToken
from apps.areas.models import Area, ImportJob
from apps.enrolments import services as enrolment_services
from apps.enrolments.models import Enrolment
from apps.enrolments.tests.helpers import csv_bytes, person, upload
from apps.groups.registrations import submit_registration
from apps.groups.services import submit_group_request
from apps.incidents import services as incident_services
from apps.incidents.tests.helpers import jpeg_with_gps, report
from apps.meetings import services as meeting_services
from apps.meetings.models import Meeting
from apps.meetings.tests.helpers import plan
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import SubMunicipality
from apps.network.messages import send_admin_message
from apps.relays import services as relay_services
from apps.relays.broadcasts import send_broadcast
from apps.rights.models import WhatsAppRemoval
from apps.signs import services as sign_services
from apps.staff.tests.helpers import make_application
from testkit.world import World, add_member, box, build_world

from .access_rules import API, PREFIXES, PUBLIC, STAFF, URLS, Rule

OUTSIDERS = ["anonymous", "admin_b", "coordinator_nl", "police_nl"]
# Columns that a refused request may touch without changing anything that matters.
VOLATILE = {("accounts", "user", "last_login"), ("accounts", "apitoken", "last_used_at")}


# --- the URL configuration and the OpenAPI document ---------------------------------------------


def url_patterns(patterns=None, prefix: str = "", namespace: str | None = None):
    """(key, route) of every URL pattern: the key is ``namespace:name``, or the route without a name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace
            yield from url_patterns(
                pattern.url_patterns, route, f"{namespace}:{inner}" if namespace and inner else inner or namespace
            )
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            yield name or route, route


def operations() -> list[str]:
    client = Client()
    document = client.get("/api/v1/openapi.json").json()
    return sorted(
        f"{method.upper()} {path}"
        for path, item in document["paths"].items()
        for method in item
        if method != "parameters"
    )


def _api_route(route: str) -> bool:
    # The API's own URL patterns are its operations: their rules are in ``API``.
    return route.startswith("api/v1/") and not route.startswith(("api/v1/openapi", "api/v1/docs"))


def rule_for(key: str, route: str) -> Rule | None:
    if key in URLS:
        return URLS[key]
    for prefix, prefixed in PREFIXES.items():
        if route.startswith(prefix):
            return prefixed
    return None


ALL_URLS = sorted(set(url_patterns()))
WEB = [(key, route) for key, route in ALL_URLS if not (_api_route(route) and key not in URLS)]


def test_every_url_has_an_access_rule():
    missing = [key for key, route in WEB if rule_for(key, route) is None]
    assert not missing, "URLs without an access rule in apps/web/tests/access_rules.py: " + ", ".join(missing)


@pytest.mark.django_db
def test_every_api_operation_has_an_access_rule():
    missing = [op for op in operations() if op not in API]
    assert not missing, "API operations without an access rule in apps/web/tests/access_rules.py: " + ", ".join(missing)


def test_every_rule_names_something_that_exists():
    keys = {key for key, _route in ALL_URLS}
    assert not [k for k in URLS if k not in keys], "rules for URLs that no longer exist"


# --- one world for the module ---------------------------------------------------------------------


def build_objects(world: World) -> SimpleNamespace:
    """Everything of group A in Testdorp that a URL can point at."""
    application = make_application(
        world.group_a, World.ADDRESS_A, full_name="Anna Noord", phone="0470 11 11 11", email="anna@example.org"
    )
    member = add_member(world.group_a, 1, full_name="Marc Noord")
    group_request = submit_group_request(
        municipality=world.testdorp,
        full_name="Rita Veld",
        email="rita@example.org",
        phone="+32470999999",
        postcode="3871",
        house_number="5",
        street="Veldweg",
        lat=50.70,
        lon=5.40,
        wants_to_be_admin=True,
        message="Wij willen een groep.",
    )
    group_registration = submit_registration(
        municipality=world.testdorp,
        group_name="Buurtpreventie Oost",
        approximate_size=40,
        running_since=dt.date(2020, 1, 1),
        geometry=box(5.33, 50.745, 5.34, 50.755),
        full_name="Greet Oost",
        email="greet@example.org",
        phone="+32470123456",
    ).registration
    incident = report(world)
    attachment = incident_services.add_attachment(
        actor=world.admin_a, incident=incident, upload=SimpleUploadedFile("IMG_0001.jpg", jpeg_with_gps())
    )
    relay = relay_services.send(actor=world.admin_a, incident=incident, scope="neighbours", urgency="red")
    broadcast = send_broadcast(
        actor=world.police, urgency="green", subject="Inbraken", text="Let op.", zone_id=world.zone.pk
    )
    job = ImportJob.objects.create(
        municipality=world.testdorp, kind=ImportJob.Kind.values[0], path="/nonexistent", original_name="areas.json"
    )
    word = incident_services.add_profiling_term(actor=world.coordinator, municipality=world.testdorp, term="woordje")
    message = OutgoingMessage.objects.filter(group_id=world.group_a.pk).order_by("pk").first()
    # A message of the coordinator to the admins of group A's sub-municipality only.
    north = SubMunicipality.objects.create(municipality=world.testdorp, name="Noord")
    Area.objects.filter(pk=world.group_a.area_id).update(sub_municipality=north)
    admin_message = send_admin_message(
        actor=world.coordinator,
        municipality=world.testdorp,
        urgency="green",
        subject="Overleg",
        text="Dinsdag om acht uur.",
        sub_municipality_ids=[north.pk],
    ).admin_message
    # An information evening to come, to which group A's admins and Testdorp's police are invited
    # and a resident answered (the answer's key went to them by e-mail) ...
    meeting = plan(world.testdorp, actor=world.coordinator)
    meeting_services.invite(actor=world.coordinator, meeting=meeting, roles=["police"], groups=[world.group_a])
    meeting_answer = meeting_services.answer_public(
        meeting=meeting, name="Bewoner Noord", email="bewoner@example.org", answer="yes", people=1
    )
    # ... and an admins' meeting of group A's admins that took place, with its minutes and their file.
    with time_machine.travel(timezone.now() - dt.timedelta(days=10)):
        held_meeting = plan(
            world.testdorp, actor=world.coordinator, kind=Meeting.Kind.ADMINS_MEETING, title="Overleg beheerders"
        )
        meeting_services.invite(actor=world.coordinator, meeting=held_meeting, groups=[world.group_a])
    meeting_services.save_minutes(
        actor=world.coordinator,
        meeting=held_meeting,
        text="Verslag van het overleg.",
        upload=SimpleUploadedFile("verslag.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf"),
    )
    # A street sign of group A, asked for, approved and placed with a photo.
    sign = sign_services.request_sign(
        actor=world.admin_a, group=world.group_a, lat=50.755, lon=5.31, road="Noordstraat"
    )
    sign_services.approve(actor=world.coordinator, sign=sign)
    sign = sign_services.record_placement(
        actor=world.coordinator,
        sign=sign,
        placed_on=timezone.localdate(),
        photo=SimpleUploadedFile("bord.jpg", jpeg_with_gps(), content_type="image/jpeg"),
    )
    # A member list of group A whose person was invited (their key went to them), and a second one
    # checked and waiting in the preview.
    invited = enrolment_services.start_import(world.group_a, upload(csv_bytes([person(1)])), actor=world.admin_a)
    enrolment_services.check_import(invited, invited.mapping, actor=world.admin_a)
    enrolment_services.invite(invited, actor=world.admin_a)
    enrolment_import = enrolment_services.start_import(
        world.group_a, upload(csv_bytes([person(2)])), actor=world.admin_a
    )
    enrolment_services.check_import(enrolment_import, enrolment_import.mapping, actor=world.admin_a)
    return SimpleNamespace(
        **vars(world),
        meeting=meeting,
        meeting_answer=meeting_answer.participant,
        held_meeting=held_meeting,
        sign=sign,
        enrolment=Enrolment.objects.get(source=invited),
        enrolment_import=enrolment_import,
        application=application,
        member=member,
        group_request=group_request,
        group_registration=group_registration,
        incident=incident,
        attachment=attachment,
        relay=relay,
        broadcast=broadcast,
        job=job,
        word=word,
        message=message,
        admin_message=admin_message,
        removal=WhatsAppRemoval.objects.create(group=world.group_a, phone=member.phone),
    )


@pytest.fixture(scope="module")
def objects(django_db_setup, django_db_blocker, tmp_path_factory):
    with (
        django_db_blocker.unblock(),
        override_settings(
            BUURTWACHT_ATTACHMENT_DIR=tmp_path_factory.mktemp("attachments"), VAR_DIR=tmp_path_factory.mktemp("var")
        ),
        transaction.atomic(),
    ):
        built = build_objects(build_world())
        yield built
        transaction.set_rollback(True)


def snapshot() -> dict:
    """Row count and a hash of every row of every table of the project's apps (and the second factors)."""
    state = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not model.__module__.startswith(("apps.", "django_otp.")) or meta.proxy or not meta.managed:
            continue
        columns = [
            f.attname for f in meta.concrete_fields if (meta.app_label, meta.model_name, f.attname) not in VOLATILE
        ]
        rows = list(model._base_manager.order_by("pk").values_list(*columns))
        state[meta.label] = (len(rows), hashlib.sha256(repr(rows).encode()).hexdigest())
    return state


def changed(before: dict, after: dict) -> list[str]:
    return [label for label in sorted(set(before) | set(after)) if before.get(label) != after.get(label)]


def refused_by(rule: Rule) -> list[str]:
    if PUBLIC in rule.who:
        return []
    if STAFF in rule.who:
        return ["anonymous"]
    return OUTSIDERS


def fill(route: str, kwargs: dict) -> str:
    """The path of a route with its arguments put in (named or not, path or regular expression)."""
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.lstrip("^").rstrip("$")


def _web_cases():
    for key, route in WEB:
        rule = rule_for(key, route)
        if rule is None:
            continue
        methods = (["get"] if rule.get else []) + (["post"] if rule.post is not None else [])
        for method in methods:
            if refused_by(rule):
                yield pytest.param(key, route, method, id=f"{key}-{method}")


LOGIN_PAGES = (reverse_lazy("accounts:login"), reverse_lazy("admin:login"))


def _is_login(location: str) -> bool:
    return location.split("?")[0] in {str(page) for page in LOGIN_PAGES}


def _is_refusal(response, rule: Rule) -> bool:
    if response.status_code in (403, 404, 410) or response.status_code in rule.also:
        return True
    return response.status_code in (301, 302) and _is_login(response["Location"])


def _request(client, method: str, path: str, data=None):
    """The answer, after at most two redirects that do not lead to a login page (the Django
    admin sends ``<object_id>/`` on to ``<object_id>/change/``, which refuses)."""
    response = client.get(path) if method == "get" else client.post(path, data)
    for _hop in range(2):
        if response.status_code not in (301, 302) or _is_login(response["Location"]):
            break
        response = client.get(response["Location"])
    return response


@pytest.mark.django_db
@pytest.mark.parametrize(("key", "route", "method"), list(_web_cases()))
def test_a_restricted_page_refuses_outsiders_and_changes_nothing(objects, key, route, method):
    # Each outsider in turn; the state after one is the state the next must leave unchanged.
    rule = rule_for(key, route)
    path = fill(route, rule.kwargs(objects))
    failures = []
    before = snapshot()
    for who in refused_by(rule):
        client = Client()
        if who != "anonymous":
            client.force_login(getattr(objects, who))
        response = _request(client, method, path, rule.post(objects) if method == "post" else None)
        after = snapshot()
        if not _is_refusal(response, rule):
            failures.append(f"{who} {method.upper()} {path} ({key}): {response.status_code}")
        if changed(before, after):
            failures.append(f"{who} {method.upper()} {path} ({key}) changed {changed(before, after)}")
        before = after
    assert not failures, "\n".join(failures)


def _api_cases():
    for op, rule in sorted(API.items()):
        if not rule.restricted:
            continue
        for who in refused_by(rule):
            yield pytest.param(op, who, id=f"{op}-{who}")


@pytest.mark.django_db
@pytest.mark.parametrize(("op", "who"), list(_api_cases()))
def test_a_restricted_api_operation_refuses_outsiders_and_changes_nothing(objects, op, who):
    rule = API[op]
    method, path = op.split(" ", 1)
    path = path.format(**rule.kwargs(objects))
    headers = {}
    if who != "anonymous":
        _token, key = ApiToken.issue(getattr(objects, who))
        headers = {"Authorization": f"Bearer {key}"}
    client = Client()
    client.raise_request_exception = False
    before = snapshot()
    if method == "GET":
        response = client.get(path, headers=headers)
    elif method == "POST" and any(hasattr(value, "read") for value in rule.post(objects).values()):
        response = client.post(path, rule.post(objects), headers=headers)  # multipart, with the file
    elif method == "POST":
        response = client.post(path, rule.post(objects), content_type="application/json", headers=headers)
    else:
        body = json.dumps(rule.post(objects) if rule.post else {})
        response = client.generic(method, path, body, content_type="application/json", headers=headers)
    expected = {401} if who == "anonymous" else {403, 404, *rule.also}
    assert response.status_code in expected, f"{who} {op}: {response.status_code} {response.content[:200]!r}"
    assert not changed(before, snapshot()), f"{who} {op} changed {changed(before, snapshot())}"
