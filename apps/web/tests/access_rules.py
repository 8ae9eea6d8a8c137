"""Who may use each URL and each API operation: one rule per URL name and per OpenAPI operation.

``test_access_rules.py`` walks every URL pattern (``django.urls.get_resolver``) and every operation
of ``/api/v1/openapi.json``; one without a rule here fails that test, naming it. For each
restricted one it calls it as a visitor without an account and as the people of the neighbouring
world who have no right to its object (the admin of group B, Grensstad's coordinator, Grensstad's
police), and asserts they are refused (a redirect to the login page, 403 or 404; 401 from the API
without a token) with nothing changed in any table.

Adding a view: one entry, three lines at most::

    "staff:meeting_detail": rule(
        COORDINATOR, kwargs=lambda o: {"pk": o.meeting.pk}, post=lambda o: {"title": "Infoavond"}
    ),

- the key: the URL name with its namespace (``namespace:name``); for a pattern without a name, its
  route (``"django-admin/..."``), or a prefix of routes in ``PREFIXES``; for the API,
  ``"METHOD /api/v1/path/{param}"`` exactly as the OpenAPI document writes it;
- ``who``: one or more of ``PUBLIC`` (anyone), ``STAFF`` (any account; the page shows only what the
  account's roles reach), ``GROUP_ADMIN`` (admins of the object's group), ``COORDINATOR`` (of the
  object's municipality), ``POLICE`` (of the object's zone), ``SUPERUSER``, ``SECRET_LINK`` (the key
  in the URL is what grants: the test builds a wrong one);
- ``kwargs``: the URL's arguments (the API's path parameters) from ``Objects``: everything of
  group A in Testdorp (``testkit.world``) plus the objects built by ``build_objects``;
- ``get=False`` for a view that answers only POST; ``post``: a plausible, valid body (form fields,
  or the API's JSON), sent when given, so a missing check would show up as a change.

Objects belong to group A of Testdorp; every rule that is not ``PUBLIC`` or ``STAFF`` must refuse
the outsiders ``admin_b``, ``coordinator_nl``, ``police_nl`` and the anonymous visitor.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUBLIC = "public"
STAFF = "staff"
GROUP_ADMIN = "group_admin"
COORDINATOR = "coordinator"
POLICE = "police"
SUPERUSER = "superuser"
SECRET_LINK = "secret_link"

WRONG_KEY = "wrong-key-0000000000000000000000000000000"


@dataclass(frozen=True)
class Rule:
    who: frozenset[str]
    kwargs: Callable[[Any], dict] = field(default=lambda o: {})
    get: bool = True
    post: Callable[[Any], dict] | None = None
    # Statuses that also count as a refusal here, besides 403, 404, 410 and a redirect to a login
    # page (401 from the API): 400 where a form refuses a choice outside the user's reach, 200
    # where a page says that a link is not valid. Nothing may change either way.
    also: frozenset[int] = frozenset()

    @property
    def restricted(self) -> bool:
        return PUBLIC not in self.who


def rule(*who: str, kwargs=None, get: bool = True, post=None, also=()) -> Rule:
    return Rule(frozenset(who), kwargs or (lambda o: {}), get, post, frozenset(also))


# Who may see an incident, a relay and what is attached: its group's admins, the coordinators of
# its municipality, the police of its zone (and superusers, as everywhere).
INCIDENT = (GROUP_ADMIN, COORDINATOR, POLICE)


def _pk(name: str):
    return lambda o: {"pk": getattr(o, name).pk}


def _key(o) -> dict:
    return {"key": WRONG_KEY}


def _token(o) -> dict:
    return {"token": WRONG_KEY}


def _group_form(o) -> dict:
    return {
        "name": "Overgenomen",
        "status": "active",
        "capacity": "300",
        "invite_link": "https://chat.whatsapp.com/X",
        "public_description": "",
        "area_source": "existing",
        "existing_area": str(o.group_a.area_id),
    }


def _member_list():
    from apps.enrolments.tests.helpers import csv_bytes, person, upload

    return upload(csv_bytes([person(3)]))


def _mapping(o) -> dict:
    return {field: str(column) for field, column in o.enrolment_import.mapping.items()}


def _incident_form(o) -> dict:
    when = (dt.datetime.now() - dt.timedelta(minutes=10)).strftime("%Y-%m-%d %H:%M")
    return {
        "category": "suspicious_person",
        "occurred_at": when,
        "police_called": "on",
        "group": str(o.group_a.pk),
        "lat": "50.755",
        "lon": "5.31",
        "text": "Man belt overal aan.",
    }


def _meeting_form(o) -> dict:
    start = (dt.datetime.now() + dt.timedelta(days=14)).replace(hour=19, minute=30)
    return {
        "kind": "information_evening",
        "title": "Infoavond",
        "place": "Gemeentehuis, Markt 1",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "40",
    }


def _public_meeting(o) -> dict:
    return {"slug": o.testdorp.slug, "pk": o.meeting.pk}


def _public_answer(o) -> dict:
    return {"name": "Jan Noord", "email": "jan@example.org", "answer": "yes", "people": "1"}


def _damaged(o) -> dict:
    return {"damaged-note": "Scheefgereden."}


def _figures(o) -> dict:
    return {"kind": "gemeente", "pk": o.testdorp.pk}


# Who sees a meeting: the coordinators of its municipality (who organise it) and the people it
# invites; the meeting of the test world invites group A's admins and Testdorp's police, the
# meeting that took place group A's admins.
MEETING = (COORDINATOR, GROUP_ADMIN, POLICE)
HELD_MEETING = (COORDINATOR, GROUP_ADMIN)
# A group's signs: its admins, the municipality's coordinators and the zone's police see them.
SIGN = (GROUP_ADMIN, COORDINATOR, POLICE)
# A group's member import: its admins and the municipality's coordinators, not the police.
ENROLMENT = (GROUP_ADMIN, COORDINATOR)

URLS: dict[str, Rule] = {
    # The residents' site and the secret links.
    "public:home": rule(PUBLIC),
    "public:search": rule(PUBLIC),
    "public:map_layer": rule(PUBLIC),
    "public:municipality": rule(PUBLIC, kwargs=lambda o: {"slug": o.group_a.municipality.slug}),
    "public:municipality_layer": rule(PUBLIC, kwargs=lambda o: {"slug": o.group_a.municipality.slug}),
    "public:group_detail": rule(PUBLIC, kwargs=lambda o: {"slug": o.group_a.slug}),
    "public:apply": rule(PUBLIC, kwargs=lambda o: {"slug": o.group_a.slug}),
    "public:application_sent": rule(PUBLIC),
    "public:application_confirm": rule(SECRET_LINK, kwargs=_token, post=lambda o: {}, also={200, 400}),
    "public:application_status": rule(SECRET_LINK, kwargs=_key),
    "public:application_withdraw": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"confirm": "yes"}),
    "public:alerts_stop": rule(SECRET_LINK, kwargs=_key, post=lambda o: {}),
    "public:house_rules_accept": rule(SECRET_LINK, kwargs=_token, post=lambda o: {}),
    "public:start_group": rule(PUBLIC),
    "public:start_group_sent": rule(PUBLIC),
    "public:register_group": rule(PUBLIC),
    "public:register_group_sent": rule(PUBLIC),
    "public:group_registration_status": rule(SECRET_LINK, kwargs=_key),
    "public:privacy": rule(PUBLIC),
    "public:rights_request": rule(PUBLIC),
    "public:rights_sent": rule(PUBLIC),
    "public:rights_data": rule(SECRET_LINK, kwargs=_key),
    "public:rights_download": rule(SECRET_LINK, kwargs=_key, get=False, post=lambda o: {"format": "json"}),
    "public:rights_leave": rule(
        SECRET_LINK, kwargs=lambda o: {"key": WRONG_KEY, "member_id": o.member.pk}, post=lambda o: {}
    ),
    "public:rights_erase": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"confirm": "yes"}),
    "public:phone_confirm": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"code": "123456"}),
    "public:privacy_municipality": rule(PUBLIC, kwargs=lambda o: {"slug": o.testdorp.slug}),
    "relay_acknowledge": rule(SECRET_LINK, kwargs=_key, post=lambda o: {}),
    "public:enrolment": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"action": "decline"}),
    "public:municipality_meetings": rule(PUBLIC, kwargs=lambda o: {"slug": o.testdorp.slug}),
    "public:meeting_detail": rule(PUBLIC, kwargs=_public_meeting, post=_public_answer),
    "public:meeting_ics": rule(PUBLIC, kwargs=_public_meeting),
    "public:meeting_answer": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"answer": "no", "people": "1"}),
    "public:meeting_resident_feed": rule(SECRET_LINK, kwargs=_key),
    "public:meeting_feed": rule(SECRET_LINK, kwargs=_key),
    # The code on a street sign: anyone scanning it is counted and sent on to the group's page.
    "sign_scan": rule(PUBLIC, kwargs=lambda o: {"token": o.sign.token}),
    "relay_attachment": rule(SECRET_LINK, kwargs=lambda o: {"key": WRONG_KEY, "pk": o.attachment.pk}),
    # Incidents on the desk.
    "incidents:list": rule(STAFF),
    "incidents:create": rule(STAFF, post=_incident_form),
    "incidents:delivery_preference": rule(STAFF),
    "incidents:detail": rule(*INCIDENT, kwargs=_pk("incident")),
    "incidents:feedback": rule(
        POLICE, kwargs=_pk("incident"), get=False, post=lambda o: {"feedback": "Gecontroleerd.", "close": "on"}
    ),
    "incidents:attachment_upload": rule(*INCIDENT, kwargs=_pk("incident"), get=False, post=lambda o: {}),
    "incidents:attachment_file": rule(*INCIDENT, kwargs=_pk("attachment")),
    # The coordinators' own municipalities' words; anyone else gets 403.
    "incidents:profiling_words": rule(STAFF, post=lambda o: {"municipality": str(o.testdorp.pk), "term": "woord"}),
    "incidents:profiling_word_remove": rule(COORDINATOR, kwargs=_pk("word"), get=False, post=lambda o: {}),
    # Relays and broadcasts.
    "relays:preview": rule(*INCIDENT, kwargs=_pk("incident")),
    "relays:send": rule(
        *INCIDENT, kwargs=_pk("incident"), get=False, post=lambda o: {"scope": "radius", "radius_m": "2000"}
    ),
    "relays:detail": rule(*INCIDENT, kwargs=_pk("relay")),
    "relays:decide": rule(COORDINATOR, POLICE, kwargs=_pk("relay"), get=False, post=lambda o: {"decision": "refuse"}),
    "relays:waiting": rule(STAFF),
    "relays:broadcast": rule(
        STAFF,
        post=lambda o: {"urgency": "green", "subject": "Let op", "text": "Inbraken.", "scope": "municipality"}
        | {"municipality": str(o.testdorp.pk), "audience": "admins", "send": "1"},
    ),
    "relays:broadcast_detail": rule(COORDINATOR, POLICE, kwargs=_pk("broadcast")),
    # The desk: groups, members, applications, messages.
    "staff:dashboard": rule(STAFF),
    "staff:group_detail": rule(
        GROUP_ADMIN, COORDINATOR, kwargs=_pk("group_a"), post=lambda o: {"action": "show_invite"}
    ),
    "staff:member_list": rule(GROUP_ADMIN, COORDINATOR, kwargs=_pk("group_a")),
    "staff:member_export": rule(GROUP_ADMIN, COORDINATOR, kwargs=_pk("group_a")),
    "staff:member_remove": rule(GROUP_ADMIN, kwargs=_pk("member"), get=False, post=lambda o: {"reason": "Spam."}),
    "staff:member_alerts_stop": rule(GROUP_ADMIN, kwargs=_pk("member"), get=False, post=lambda o: {}),
    "staff:whatsapp_removal_done": rule(GROUP_ADMIN, kwargs=_pk("removal"), get=False, post=lambda o: {}),
    "staff:member_alerts_start": rule(GROUP_ADMIN, kwargs=_pk("member"), get=False, post=lambda o: {}),
    "staff:application_list": rule(STAFF),
    "staff:application_detail": rule(GROUP_ADMIN, COORDINATOR, kwargs=_pk("application")),
    "staff:application_approve": rule(GROUP_ADMIN, kwargs=_pk("application"), get=False, post=lambda o: {}),
    "staff:application_reject": rule(
        GROUP_ADMIN, kwargs=_pk("application"), get=False, post=lambda o: {"reason": "Woont niet in de buurt."}
    ),
    "staff:message_list": rule(STAFF),
    "staff:message_retry": rule(GROUP_ADMIN, COORDINATOR, kwargs=_pk("message"), get=False, post=lambda o: {}),
    # The municipality's pages.
    "staff:municipality_detail": rule(COORDINATOR, kwargs=_pk("testdorp"), post=lambda o: {"tolerance_m": "900"}),
    "staff:group_create": rule(COORDINATOR, kwargs=_pk("testdorp"), post=_group_form),
    "staff:group_edit": rule(COORDINATOR, kwargs=_pk("group_a"), post=_group_form),
    "staff:group_admins": rule(
        COORDINATOR, kwargs=_pk("group_a"), post=lambda o: {"action": "appoint", "user": "police", "role": "admin"}
    ),
    "staff:admin_invitation": rule(SECRET_LINK, kwargs=_key, post=lambda o: {"action": "decline"}),
    "staff:house_rules_publish": rule(
        COORDINATOR, kwargs=_pk("testdorp"), post=lambda o: {"title": "Nieuwe regels", "text": "Alles mag."}
    ),
    "staff:retention_settings": rule(COORDINATOR, kwargs=_pk("testdorp"), post=lambda o: {"applications_days": "1"}),
    "staff:group_request_list": rule(STAFF),
    "staff:group_request_detail": rule(
        COORDINATOR, kwargs=_pk("group_request"), post=lambda o: {"decision": "decline", "note": "Nee."}
    ),
    "staff:group_registration_list": rule(STAFF),
    "staff:group_registration_detail": rule(
        COORDINATOR, kwargs=_pk("group_registration"), post=lambda o: {"decision": "decline", "reason": "Nee."}
    ),
    "staff:police_overview": rule(STAFF),
    "staff:network_directory": rule(STAFF),
    "staff:network_contacts": rule(STAFF),
    "staff:network_settings": rule(COORDINATOR, kwargs=_pk("testdorp"), get=False, post=lambda o: {"enabled": ""}),
    "staff:network_messages": rule(STAFF),
    # The form is the user's own municipality's (any coordinator); another's, chosen by id, answers 404.
    "staff:network_message_create": rule(
        STAFF,
        post=lambda o: {"gemeente": str(o.testdorp.pk), "urgency": "green", "subject": "Overleg", "text": "Dinsdag."},
    ),
    "staff:network_message_detail": rule(COORDINATOR, GROUP_ADMIN, kwargs=_pk("admin_message")),
    "public:network_message_acknowledge": rule(SECRET_LINK, kwargs=_key, post=lambda o: {}),
    "staff:coverage": rule(COORDINATOR, POLICE, kwargs=_pk("testdorp")),
    "staff:coverage_layer": rule(COORDINATOR, POLICE, kwargs=_pk("testdorp")),
    "staff:coverage_export": rule(COORDINATOR, POLICE, kwargs=_pk("testdorp")),
    "staff:national_coverage": rule(STAFF),
    "staff:national_coverage_layer": rule(STAFF),
    "staff:import_upload": rule(COORDINATOR, kwargs=_pk("testdorp"), post=lambda o: {"kind": "areas"}),
    "staff:import_job": rule(COORDINATOR, kwargs=_pk("job")),
    "staff:import_job_status": rule(COORDINATOR, kwargs=_pk("job")),
    "staff:import_job_cancel": rule(COORDINATOR, kwargs=_pk("job"), get=False, post=lambda o: {}),
    # Meetings. Planning one: the form is for the user's own municipalities (403 without any);
    # another's, chosen by id, answers 404.
    "staff:meeting_list": rule(STAFF),
    "staff:meeting_create": rule(STAFF, post=lambda o: _meeting_form(o) | {"gemeente": str(o.testdorp.pk)}),
    "staff:meeting_feed_create": rule(STAFF, get=False, post=lambda o: {}),
    "staff:meeting_detail": rule(*MEETING, kwargs=_pk("meeting")),
    "staff:meeting_ics": rule(*MEETING, kwargs=_pk("meeting")),
    "staff:meeting_edit": rule(COORDINATOR, kwargs=_pk("meeting"), post=_meeting_form),
    "staff:meeting_invite": rule(COORDINATOR, kwargs=_pk("meeting"), get=False, post=lambda o: {"roles": "admins"}),
    "staff:meeting_cancel": rule(COORDINATOR, kwargs=_pk("meeting"), get=False, post=lambda o: {"reason": "Zaal."}),
    # Only the invited answer, each for themselves.
    "staff:meeting_answer": rule(
        GROUP_ADMIN, POLICE, kwargs=_pk("meeting"), get=False, post=lambda o: {"answer": "no", "people": "1"}
    ),
    "staff:meeting_attendance": rule(
        COORDINATOR, kwargs=_pk("held_meeting"), get=False, post=lambda o: {"attendance_count": "12"}
    ),
    "staff:meeting_minutes": rule(COORDINATOR, kwargs=_pk("held_meeting"), get=False, post=lambda o: {"minutes": "."}),
    "staff:meeting_minutes_file": rule(*HELD_MEETING, kwargs=_pk("held_meeting")),
    # Street signs. Asking for one: for the groups the user runs or coordinates (404 without any).
    "staff:sign_list": rule(STAFF),
    "staff:sign_request": rule(
        STAFF, post=lambda o: {"group": str(o.group_a.pk), "road": "Kerkstraat", "lat": "50.756", "lon": "5.311"}
    ),
    "staff:sign_detail": rule(*SIGN, kwargs=_pk("sign")),
    "staff:sign_photo": rule(*SIGN, kwargs=_pk("sign")),
    "staff:sign_step": rule(
        COORDINATOR, kwargs=lambda o: {"pk": o.sign.pk, "step": "damaged"}, get=False, post=_damaged
    ),
    "staff:group_printables": rule(GROUP_ADMIN, COORDINATOR, kwargs=_pk("group_a")),
    # Bringing an existing group's members in.
    "staff:enrolment_upload": rule(*ENROLMENT, kwargs=_pk("group_a"), post=lambda o: {"file": _member_list()}),
    "staff:enrolment_mapping": rule(*ENROLMENT, kwargs=_pk("enrolment_import"), post=_mapping),
    "staff:enrolment_preview": rule(*ENROLMENT, kwargs=_pk("enrolment_import"), post=lambda o: {"action": "invite"}),
    # The figures: a municipality's for its coordinators and its zone's police; the desk's link
    # leads each to their own.
    "staff:figures_home": rule(STAFF),
    "staff:figures_dashboard": rule(COORDINATOR, POLICE, kwargs=_figures),
    "staff:figures_csv": rule(COORDINATOR, POLICE, kwargs=_figures),
    "staff:figures_xlsx": rule(COORDINATOR, POLICE, kwargs=_figures),
    "staff:figures_report": rule(COORDINATOR, POLICE, kwargs=_figures),
    "staff:figures_pdf": rule(COORDINATOR, POLICE, kwargs=_figures),
    # Accounts.
    "accounts:login": rule(PUBLIC),
    "accounts:login_code": rule(PUBLIC),
    "accounts:second_factor": rule(STAFF),
    "accounts:second_factor_setup": rule(STAFF),
    "accounts:recovery_codes": rule(STAFF),
    "accounts:logout": rule(PUBLIC, get=False),
    "accounts:password_reset": rule(PUBLIC),
    "accounts:password_reset_done": rule(PUBLIC),
    "accounts:password_reset_complete": rule(PUBLIC),
    "accounts:message_language": rule(STAFF, post=lambda o: {"language": "fr"}),
    "accounts:confirm_password": rule(STAFF),
    # Django's own view: a wrong token shows a page saying the link is not valid.
    "accounts:password_reset_confirm": rule(
        SECRET_LINK, kwargs=lambda o: {"uidb64": "MQ", "token": "wrong-token"}, also={200}
    ),
    # The site itself.
    "healthz": rule(PUBLIC),
    "set_language": rule(PUBLIC, get=False),
    "javascript-catalog": rule(PUBLIC),
    # The embedded demo's mailbox: mounted only with BUURTWACHT_DEV_MAILBOX, which a production
    # start refuses (apps/web/checks.py).
    "mailbox": rule(PUBLIC),
    "mailbox_message": rule(PUBLIC, kwargs=_pk("message")),
    # The API's own pages (its operations are in API below).
    "api_lookup": rule(PUBLIC),
    "api-v1:openapi-json": rule(PUBLIC),
    "api-v1:openapi-view": rule(PUBLIC),
    "api-v1:api-root": rule(PUBLIC),
}


def _admin_kwargs(o) -> dict:
    """Any argument of a Django admin URL: an existing object of the model where one exists."""
    return {
        "object_id": "1",
        "content_type_id": "1",
        "id": "1",
        "pk": 1,
        "app_label": "audit",
        "url": "nothing-here/",
    }


# Rules for every URL whose route starts so (the Django admin: staff accounts with the rights).
PREFIXES: dict[str, Rule] = {
    "django-admin/": rule(SUPERUSER, kwargs=_admin_kwargs),
}


def _photo(o) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from apps.incidents.tests.helpers import jpeg_with_gps

    return {"file": SimpleUploadedFile("IMG_0002.jpg", jpeg_with_gps(), content_type="image/jpeg")}


def _incident_json(o) -> dict:
    return {
        "category": "suspicious_person",
        "occurred_at": (dt.datetime.now(dt.UTC) - dt.timedelta(minutes=10)).isoformat(),
        "police_called": True,
        "group_id": o.group_a.pk,
        "lat": 50.755,
        "lon": 5.31,
        "text": "Man belt overal aan.",
    }


API: dict[str, Rule] = {
    "GET /api/v1/groups": rule(PUBLIC),
    "GET /api/v1/lookup": rule(PUBLIC),
    "POST /api/v1/applications": rule(PUBLIC),
    "GET /api/v1/areas.geojson": rule(PUBLIC),
    "GET /api/v1/opendata/groups.json": rule(PUBLIC),
    "GET /api/v1/groups/{group_id}/members": rule(
        GROUP_ADMIN, COORDINATOR, kwargs=lambda o: {"group_id": o.group_a.pk}
    ),
    "GET /api/v1/applications": rule(STAFF),
    "GET /api/v1/applications/{application_id}": rule(
        GROUP_ADMIN, COORDINATOR, kwargs=lambda o: {"application_id": o.application.pk}
    ),
    "POST /api/v1/applications/{application_id}/approve": rule(
        GROUP_ADMIN, kwargs=lambda o: {"application_id": o.application.pk}, get=False, post=lambda o: {}
    ),
    "POST /api/v1/applications/{application_id}/reject": rule(
        GROUP_ADMIN, kwargs=lambda o: {"application_id": o.application.pk}, get=False, post=lambda o: {"reason": "Nee."}
    ),
    "POST /api/v1/incidents": rule(STAFF, get=False, post=_incident_json),
    "GET /api/v1/incidents/{incident_id}": rule(*INCIDENT, kwargs=lambda o: {"incident_id": o.incident.pk}),
    "POST /api/v1/incidents/{incident_id}/attachments": rule(
        *INCIDENT, kwargs=lambda o: {"incident_id": o.incident.pk}, get=False, post=_photo
    ),
    "POST /api/v1/incidents/{incident_id}/relays": rule(
        *INCIDENT, kwargs=lambda o: {"incident_id": o.incident.pk}, get=False, post=lambda o: {"radius_m": 2000}
    ),
    "POST /api/v1/relays/{relay_id}/decision": rule(
        COORDINATOR, POLICE, kwargs=lambda o: {"relay_id": o.relay.pk}, get=False, post=lambda o: {"decision": "refuse"}
    ),
    "GET /api/v1/relays/{relay_id}": rule(*INCIDENT, kwargs=lambda o: {"relay_id": o.relay.pk}),
    "GET /api/v1/municipalities/{municipality_id}/figures": rule(
        COORDINATOR, POLICE, kwargs=lambda o: {"municipality_id": o.testdorp.pk}
    ),
    "GET /api/v1/police-zones/{zone_id}/figures": rule(POLICE, kwargs=lambda o: {"zone_id": o.zone.pk}),
    "POST /api/v1/groups": rule(
        COORDINATOR,
        get=False,
        post=lambda o: {"municipality_id": o.testdorp.pk, "area_id": o.group_a.area_id, "name": "Nieuw"},
    ),
    "PATCH /api/v1/groups/{group_id}": rule(
        COORDINATOR, kwargs=lambda o: {"group_id": o.group_a.pk}, get=False, post=lambda o: {"capacity": 300}
    ),
    "GET /api/v1/groups/{group_id}/admins": rule(GROUP_ADMIN, COORDINATOR, kwargs=lambda o: {"group_id": o.group_a.pk}),
    "POST /api/v1/groups/{group_id}/admins": rule(
        COORDINATOR,
        kwargs=lambda o: {"group_id": o.group_a.pk},
        get=False,
        post=lambda o: {"user_id": o.admin_b.pk, "role": "co_admin"},
    ),
    "DELETE /api/v1/groups/{group_id}/admins/{user_id}": rule(
        COORDINATOR, kwargs=lambda o: {"group_id": o.group_a.pk, "user_id": o.co_admin_a.pk}, get=False
    ),
    "GET /api/v1/police-zones": rule(STAFF),
    "POST /api/v1/police-zones": rule(
        SUPERUSER, get=False, post=lambda o: {"name": "PZ Nieuw", "country": "BE", "municipality_ids": []}
    ),
    "PATCH /api/v1/police-zones/{zone_id}": rule(
        COORDINATOR, kwargs=lambda o: {"zone_id": o.zone.pk}, get=False, post=lambda o: {"municipality_ids": []}
    ),
    "POST /api/v1/broadcasts": rule(
        COORDINATOR,
        POLICE,
        get=False,
        post=lambda o: {"urgency": "green", "subject": "Let op", "text": "Inbraken.", "municipality_id": o.testdorp.pk},
        also={400},  # "choose a municipality you coordinate or police"
    ),
}
