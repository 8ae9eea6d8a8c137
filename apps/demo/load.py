"""Writes the generated demo world into the database, and takes it out again.

Areas go through ``save_area``, house rules through ``publish_house_rules``, groups and their
admins through the group services, applications and the request to start a group through
their services too, so the demo holds exactly what the application would have stored, audit
trail and queued e-mails included. Addresses, members and signs are bulk-created.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone, translation
from shapely.geometry import mapping

from apps.accounts.models import User
from apps.accounts.second_factor import add_demo_authenticator
from apps.addresses.models import Address
from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.areas import index
from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.groups.services import appoint_admin, save_group, submit_group_request
from apps.meetings import services as meetings
from apps.meetings.models import Meeting
from apps.members.alerts import ALERTS_CONSENT, ALERTS_CONSENT_VERSION
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.municipalities.models import (
    Coordinator,
    HouseRulesVersion,
    Municipality,
    PoliceOfficer,
    PoliceZone,
    SubMunicipality,
)
from apps.municipalities.services import publish_house_rules
from apps.signs.models import StreetSign

from . import rules
from .generate import DEFAULT_SEED, build
from .logins import DEMO_PASSWORD, LOGINS
from .plan import MUNICIPALITY_SLUGS
from .world import DemoMunicipality, DemoWorld

USERNAMES = tuple(login.username for login in LOGINS)


class DemoError(Exception):
    """The demo cannot be loaded into this database; the message says why."""


def present() -> bool:
    """Whether any part of the demo (its municipalities or its logins) is in the database."""
    return (
        Municipality.objects.filter(slug__in=MUNICIPALITY_SLUGS).exists()
        or User.objects.filter(username__in=USERNAMES).exists()
    )


@transaction.atomic
def reset() -> None:
    """Remove the demo municipalities with everything in them, the demo police zone and the demo
    logins. Other municipalities are not touched. The audit trail is append-only and keeps the
    demo's events."""
    ids = list(Municipality.objects.filter(slug__in=MUNICIPALITY_SLUGS).values_list("pk", flat=True))
    # Children first: groups, areas and house rules are protected while something points at them.
    Application.objects.filter(group__municipality_id__in=ids).delete()
    Member.objects.filter(group__municipality_id__in=ids).delete()
    StreetSign.objects.filter(municipality_id__in=ids).delete()
    Group.objects.filter(municipality_id__in=ids).delete()
    Area.objects.filter(municipality_id__in=ids).delete()
    Address.objects.filter(municipality_id__in=ids).delete()
    OutgoingMessage.objects.filter(municipality_id__in=ids).delete()
    PoliceZone.objects.filter(name__in=_zone_names()).delete()
    Municipality.objects.filter(pk__in=ids).delete()
    User.objects.filter(username__in=USERNAMES).delete()
    transaction.on_commit(index.invalidate)


def _zone_names() -> list[str]:
    return [login.scope for login in LOGINS if login.role == "police"]


@transaction.atomic
def load(seed: int = DEFAULT_SEED) -> DemoWorld:
    """Generate the world for ``seed`` and store it, all in one transaction."""
    if present():
        raise DemoError("The demo is already loaded (Heerlo, Maasveld or a demo login exists).")
    world = build(seed)
    problems = _conflicts(world)
    if problems:
        raise DemoError("The demo would clash with data in this database: " + "; ".join(problems) + ".")
    users = _users(world)
    for municipality in world.municipalities:
        _municipality(municipality, users)
    zone = PoliceZone.objects.create(name=world.police_zone, country="BE", email="pz.kanton.heerlo@example.org")
    zone.municipalities.add(Municipality.objects.get(slug="heerlo"))
    for login in LOGINS:
        if login.role == "police":
            PoliceOfficer.objects.create(user=users[login.username], zone=zone)
    for municipality in world.municipalities:
        _pending(municipality)
    _meetings(Municipality.objects.get(slug="heerlo"))
    return world


def _conflicts(world: DemoWorld) -> list[str]:
    slugs = [g.slug for m in world.municipalities for g in m.groups]
    postcodes = sorted({h.postcode for m in world.municipalities for h in m.houses})
    problems = []
    taken = sorted(Group.objects.filter(slug__in=slugs).values_list("slug", flat=True))
    if taken:
        problems.append("group slugs " + ", ".join(taken) + " are taken")
    used = sorted(set(Address.objects.filter(postcode__in=postcodes).values_list("postcode", flat=True)))
    if used:
        problems.append("the address register already has postcodes " + ", ".join(used))
    if PoliceZone.objects.filter(name=world.police_zone).exists():
        problems.append(f"police zone {world.police_zone} exists")
    return problems


def _users(world: DemoWorld) -> dict[str, User]:
    # Hashed once: every demo login has the same published password, and hashing it fifteen
    # times would cost seconds on a slow laptop.
    password = make_password(DEMO_PASSWORD)
    admins = {g.slug: g for m in world.municipalities for g in m.groups}
    coordinators = {m.slug: m.coordinator for m in world.municipalities}
    users = {}
    for login in LOGINS:
        user = User(username=login.username, email=f"{login.username}@example.org", password=password)
        person = None
        if login.role == "superuser":
            user.is_staff = user.is_superuser = True
        elif login.role == "coordinator":
            person = coordinators[login.scope]
        elif login.role == "police":
            person = world.police
        else:
            # Admins are residents of their area and members of their group: the first member
            # is the admin, the second the co-admin.
            person = admins[login.scope].members[0 if login.role == "admin" else 1].person
        if person is not None:
            user.first_name, user.last_name, user.phone = person.first_name, person.last_name, person.phone
        user.save()
        if login.second_factor:
            add_demo_authenticator(user)
        users[login.username] = user
    return users


def _municipality(demo: DemoMunicipality, users: dict[str, User]) -> Municipality:
    coordinator = next(users[x.username] for x in LOGINS if x.role == "coordinator" and x.scope == demo.slug)
    municipality = Municipality.objects.create(
        name=demo.name,
        slug=demo.slug,
        code=demo.code,
        country=demo.country,
        language="nl",
        contact_email=demo.contact_email,
    )
    Coordinator.objects.create(user=coordinator, municipality=municipality)
    subs = {
        sub.name: SubMunicipality.objects.create(
            municipality=municipality, name=sub.name, code=sub.code, geometry=_geojson(sub.polygon)
        )
        for sub in demo.subs
    }
    house_rules = publish_house_rules(
        municipality, title=rules.title(demo.name), text=rules.text(municipality), actor=coordinator
    )
    # The demo shows a network that has run for years: its members accepted these rules long
    # before today, so the rules carry the date they were first published in the story.
    HouseRulesVersion.objects.filter(pk=house_rules.pk).update(published_at=demo.rules_published_at)
    Address.objects.bulk_create(
        [
            Address(
                country=demo.country,
                postcode=h.postcode,
                house_number=h.number,
                addition=h.addition,
                street=h.street,
                town=h.town,
                lon=h.lon,
                lat=h.lat,
                municipality=municipality,
            )
            for h in demo.houses
        ],
        batch_size=1000,
    )
    members = []
    groups = {}
    with translation.override(municipality.language):
        consent = str(ALERTS_CONSENT)
    for plan in demo.groups:
        area = save_area(
            municipality=municipality,
            name=plan.area_name,
            geometry=_geojson(plan.geometry),
            sub_municipality=subs[plan.sub_names[0]] if len(plan.sub_names) == 1 else None,
            actor=coordinator,
        )
        group = save_group(
            actor=coordinator,
            municipality=municipality,
            area=area,
            name=plan.name,
            status=Group.Status.ACTIVE,
            capacity=Group._meta.get_field("capacity").default,
            invite_link=plan.invite_link,
            public_description=plan.description,
        )
        if group.slug != plan.slug:
            raise DemoError(f"Group {plan.name} got slug {group.slug}, expected {plan.slug}.")
        for login in LOGINS:
            if login.scope == plan.slug:
                role = GroupAdmin.Role.ADMIN if login.role == "admin" else GroupAdmin.Role.CO_ADMIN
                # The demo's admins hold no role yet: the data load appoints them, as a command would.
                appoint_admin(actor=SYSTEM, group=group, user=users[login.username], role=role)
        # The services stamp "now"; the story's groups started years ago.
        Group.objects.filter(pk=group.pk).update(created_at=plan.created_at)
        GroupAdmin.objects.filter(group=group).update(appointed_at=plan.created_at)
        groups[plan.slug] = group
        members += [
            Member(
                group=group,
                full_name=m.person.full_name,
                street=m.house.street,
                house_number=m.house.house_number,
                postcode=m.house.postcode,
                town=m.house.town,
                # Checked 18 or older when they joined; the date of birth is not kept.
                age_checked_on=timezone.localtime(m.joined_at).date(),
                phone=m.person.phone,
                email=m.person.email,
                house_rules_version=house_rules,
                house_rules_accepted_at=m.joined_at,
                joined_at=m.joined_at,
                # They ticked the box on the application form when they joined.
                alerts_opt_in_at=m.joined_at if wants_alerts(m.person.phone) else None,
                alerts_consent_text=consent if wants_alerts(m.person.phone) else "",
                # The demo's numbers count as confirmed, so its alerts go out by SMS and WhatsApp.
                phone_confirmed_at=m.joined_at,
            )
            for m in plan.members
        ]
    Member.objects.bulk_create(members, batch_size=500)
    _record_consents([m for m in members if m.alerts_opt_in_at is not None])
    StreetSign.objects.bulk_create(
        [
            StreetSign(
                municipality=municipality,
                group=groups[s.group_slug],
                road=s.road,
                lon=s.lon,
                lat=s.lat,
                placed_on=s.placed_on,
                state=StreetSign.State.PLACED if s.placed_on else StreetSign.State.APPROVED,
            )
            for s in demo.signs
        ]
    )
    return municipality


# About a third of the members also asked for police and municipality alerts.
ALERTS_SHARE = 0.35


def wants_alerts(phone: str) -> bool:
    """Decided from the phone number, not by the generator's random stream, so the rest of the
    world stays exactly what the seed made it."""
    return int.from_bytes(hashlib.sha256(phone.encode()).digest()[:4], "big") < ALERTS_SHARE * 2**32


def _record_consents(members: list[Member]) -> None:
    """The audit events the approvals would have written for the consents (bulk-created
    members bypass the services)."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                created_at=m.alerts_opt_in_at,
                action=AuditEvent.Action.MEMBER_ALERTS_OPTED_IN,
                target_type=Member._meta.label_lower,
                target_id=str(m.pk),
                municipality_id=m.group.municipality_id,
                group_id=m.group_id,
                data={
                    "via": "application",
                    "consented_at": m.alerts_opt_in_at.isoformat(),
                    "wording": ALERTS_CONSENT_VERSION,
                },
            )
            for m in members
        ],
        batch_size=500,
    )


def _pending(demo: DemoMunicipality) -> None:
    """Applications and requests that wait for someone, made the way residents make them: the
    form, then the service. They are dated today (unlike the rest of the story) because the
    expiry job would otherwise close them at once."""
    municipality = Municipality.objects.get(slug=demo.slug)
    version = municipality.current_house_rules.version
    for pending in demo.applications:
        person, house = pending.person, pending.house
        form = ApplicationForm(
            {
                "full_name": person.full_name,
                "street": house.street,
                "house_number": str(house.number),
                "addition": house.addition,
                "postcode": house.postcode,
                "town": house.town,
                "birth_date": person.birth_date.isoformat(),
                "phone": person.phone,
                "email": person.email,
                "accept_house_rules": "on",
                "house_rules_version": str(version),
                "remark": pending.remark,
                "website": "",
            },
            country=demo.country,
        )
        if not form.is_valid():
            raise DemoError(f"Demo application of {person.full_name} is not valid: {form.errors.as_text()}")
        group = Group.objects.get(slug=pending.group_slug)
        submitted = applications.submit(group, form.cleaned_data, language="nl")
        if pending.confirmed:
            applications.confirm(applications.confirmation_token(submitted.application))
    for request in demo.start_requests:
        person, house = request.person, request.house
        submit_group_request(
            municipality=municipality,
            full_name=person.full_name,
            email=person.email,
            phone=person.phone,
            postcode=house.postcode,
            house_number=house.house_number,
            street=house.street,
            lat=house.lat,
            lon=house.lon,
            wants_to_be_admin=True,
            message=request.message,
        )


def _meetings(municipality: Municipality) -> None:
    """A coming information evening, open to residents, and last autumn's admins' meeting with its
    attendance and minutes; planned, invited and answered through the meetings' services. The
    past meeting is planned ahead as any meeting is, then dated back (as the groups are)."""
    today = timezone.localdate()

    def at(day, hour: int, minute: int = 0):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    evening_day = today + dt.timedelta(days=21)
    evening = meetings.save_meeting(
        actor=SYSTEM,
        municipality=municipality,
        data={
            "kind": Meeting.Kind.INFORMATION_EVENING,
            "title": "Infoavond WhatsApp-buurtpreventie",
            "place": "Gemeentehuis Heerlo, raadzaal, Markt 1",
            "lat": None,
            "lon": None,
            "starts_at": at(evening_day, 19, 30),
            "ends_at": at(evening_day, 21, 30),
            "description": (
                "Hoe werkt WhatsApp-buurtpreventie? De gemeente, de wijkagent en de beheerders leggen het uit "
                "en beantwoorden uw vragen."
            ),
            "capacity": 60,
        },
    )
    meetings.invite(actor=SYSTEM, meeting=evening, roles=["admins", "police"])
    soon = today + dt.timedelta(days=2)
    past = meetings.save_meeting(
        actor=SYSTEM,
        municipality=municipality,
        data={
            "kind": Meeting.Kind.ADMINS_MEETING,
            "title": "Overleg van de beheerders",
            "place": "Gemeentehuis Heerlo, vergaderzaal 2",
            "lat": None,
            "lon": None,
            "starts_at": at(soon, 20),
            "ends_at": at(soon, 21, 30),
            "description": "Afspraken over het doorgeven van meldingen tussen de groepen.",
            "capacity": None,
        },
    )
    meetings.invite(actor=SYSTEM, meeting=past, roles=["admins", "coordinators", "police"])
    for participant in past.participants.select_related("user").order_by("pk"):
        meetings.change_answer(actor=participant.user, participant=participant, answer="yes", people=1)
    held = today - dt.timedelta(days=60)
    Meeting.objects.filter(pk=past.pk).update(starts_at=at(held, 20), ends_at=at(held, 21, 30))
    past.refresh_from_db()
    meetings.record_attendance(
        actor=SYSTEM, meeting=past, count=None, present=list(past.participants.values_list("pk", flat=True))
    )
    meetings.save_minutes(
        actor=SYSTEM,
        meeting=past,
        text=(
            "Aanwezig: de beheerders, de coördinator en de wijkagent.\n"
            "1. Meldingen die ook de buurgroepen aangaan, worden doorgegeven via Buurtwacht.\n"
            "2. De beheerders houden een eigen overkoepelende appgroep.\n"
            "3. Volgend overleg in het voorjaar; de uitnodiging volgt via Buurtwacht."
        ),
    )


def _geojson(polygon) -> dict:
    # Through JSON so the stored value has lists, as it reads back from the database.
    return json.loads(json.dumps(mapping(polygon)))
