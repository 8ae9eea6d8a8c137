"""Existing WhatsApp groups brought in: the admin of a group the municipality does not know yet
registers it on the public site, and the municipality's coordinator takes it over.

``submit_registration`` (``PUBLIC``) stores what the registrant gave, with the area checked like
every area (``areas.geometry.parse_area_geometry``) and lying in their municipality, and sends
them a status link (only its SHA-256 is stored). The same form sent twice gives back the first
registration. ``overlaps`` names the existing groups the drawn area overlaps, with the overlap
in m² and in % of the drawn area, for the coordinator to see before deciding. The coordinator
may ``adjust_area`` (the same checks), ``accept`` (an ``Area`` through ``areas.services.save_area``,
an active ``Group`` through ``services.save_group``, an account for the registrant made for this
municipality and appointed its admin, and an e-mail with the link to choose a password) or
``decline`` with a reason the registrant reads in their own language. Each step is audited.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from shapely.geometry import box, shape
from shapely.ops import unary_union

from apps.accounts.services import set_password_url
from apps.addresses.models import Address
from apps.areas.geometry import AreaGeometry, geodesic_area_m2, parse_area_geometry
from apps.areas.models import Area
from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import PUBLIC, SYSTEM, account_of
from apps.messaging.services import queue_email
from apps.municipalities.permissions import municipalities_for, require_municipality

from .invitations import appoint_or_invite, invite_user
from .languages import language_of
from .models import Group, GroupAdmin, GroupRegistration
from .services import appoint_admin, save_group

# Around the known places of a municipality (its addresses and areas), in degrees (about 1 km):
# an area drawn a street beyond the last known address still belongs to it.
EXTENT_MARGIN_DEG = 0.01
# Around the boundaries of its sub-municipalities, when it has them (about 100 m).
BOUNDARY_MARGIN_DEG = 0.001
MIN_SIZE = 2
# Streets chosen without a map become the outline around their addresses, this far out (about 30 m).
STREET_BUFFER_DEG = 0.0003
MAX_STREETS = 40


def max_size() -> int:
    return settings.BUURTWACHT_MAX_GROUP_CAPACITY


def registrations_for(user) -> QuerySet:
    """The registrations a user may see and decide: those of the municipalities they coordinate
    (every one for operators); nobody else's."""
    return GroupRegistration.objects.filter(municipality__in=municipalities_for(user))


def find_registration(key: str) -> GroupRegistration | None:
    if not key or len(key) > 100:
        return None
    return (
        GroupRegistration.objects.select_related("municipality", "group")
        .filter(key_hash=GroupRegistration.hash_key(key))
        .first()
    )


def status_url(key: str) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("public:group_registration_status", args=[key])


# -- the area ---------------------------------------------------------------------------------


def municipality_extent(municipality):
    """Where the municipality lies, as far as Buurtwacht knows it: the union of its
    sub-municipalities' boundaries, else the box around its register addresses and its areas,
    with a margin. ``None`` when nothing is known (then only the country check applies)."""
    shapes = []
    for raw in municipality.sub_municipalities.exclude(geometry__isnull=True).values_list("geometry", flat=True):
        try:
            geom = shape(raw)
        except (ValueError, TypeError, AttributeError, KeyError, shapely.errors.GEOSException):
            continue
        if not geom.is_empty and geom.is_valid:
            shapes.append(geom)
    if shapes:
        return unary_union(shapes).buffer(BOUNDARY_MARGIN_DEG)
    boxes = []
    points = Address.objects.filter(municipality=municipality).aggregate(
        min_lon=Min("lon"), min_lat=Min("lat"), max_lon=Max("lon"), max_lat=Max("lat")
    )
    if points["min_lon"] is not None:
        boxes.append(box(points["min_lon"], points["min_lat"], points["max_lon"], points["max_lat"]))
    areas = Area.objects.filter(municipality=municipality).aggregate(
        min_lon=Min("min_lon"), min_lat=Min("min_lat"), max_lon=Max("max_lon"), max_lat=Max("max_lat")
    )
    if areas["min_lon"] is not None:
        boxes.append(box(areas["min_lon"], areas["min_lat"], areas["max_lon"], areas["max_lat"]))
    if not boxes:
        return None
    return box(*unary_union(boxes).bounds).buffer(EXTENT_MARGIN_DEG, join_style="mitre")


def check_area(municipality, geometry) -> AreaGeometry:
    """The drawn area, checked: a valid outline (no crossing lines, not too many points, in
    Belgium or the Netherlands) that lies in ``municipality``. ValidationError on ``geometry``."""
    try:
        parsed = parse_area_geometry(geometry)
    except ValidationError as exc:
        raise ValidationError({"geometry": exc.error_list}) from exc
    extent = municipality_extent(municipality)
    if extent is not None and not extent.contains(parsed.geometry):
        raise ValidationError(
            {
                "geometry": ValidationError(
                    _("The area lies (partly) outside %(municipality)s. Draw the area within the municipality."),
                    code="outside_municipality",
                    params={"municipality": municipality.name},
                )
            }
        )
    return parsed


def streets_of_postcode(municipality, postcode: str) -> list[str]:
    """The streets of the register with this postcode in ``municipality``, for choosing the area
    without a map."""
    return sorted(
        set(Address.objects.filter(municipality=municipality, postcode=postcode).values_list("street", flat=True))
    )


def area_from_streets(municipality, postcode: str, streets: list[str]) -> dict:
    """The outline around the register addresses of the chosen streets (of one postcode), as
    GeoJSON; ValidationError on ``streets`` when none of them is known."""
    chosen = sorted(set(streets))[:MAX_STREETS]
    points = list(
        Address.objects.filter(municipality=municipality, postcode=postcode, street__in=chosen).values_list(
            "lon", "lat"
        )
    )
    if not points:
        raise ValidationError(
            {"streets": _("Choose at least one street of postcode %(postcode)s.") % {"postcode": postcode}},
            code="required",
        )
    hull = shapely.MultiPoint(points).convex_hull.buffer(STREET_BUFFER_DEG)
    return shapely.geometry.mapping(shapely.normalize(hull))


# -- overlaps ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    group: Group
    area_m2: float
    percent: float  # of the registered area


def overlaps(registration: GroupRegistration, geometry: dict | None = None) -> list[Overlap]:
    """The groups (not closed) whose area overlaps the registered area, largest overlap first."""
    drawn = shape(geometry or registration.geometry)
    total = geodesic_area_m2(drawn) or 1.0
    min_lon, min_lat, max_lon, max_lat = drawn.bounds
    candidates = (
        Group.objects.exclude(status=Group.Status.CLOSED)
        .filter(
            area__min_lon__lte=max_lon,
            area__max_lon__gte=min_lon,
            area__min_lat__lte=max_lat,
            area__max_lat__gte=min_lat,
        )
        .select_related("area", "municipality")
    )
    found = []
    for group in candidates:
        try:
            common = drawn.intersection(shape(group.area.geometry))
        except (ValueError, TypeError, AttributeError, shapely.errors.GEOSException):
            continue
        if common.is_empty:
            continue
        m2 = geodesic_area_m2(common)
        if m2 < 1:
            continue  # a shared border, no overlap
        found.append(Overlap(group=group, area_m2=round(m2), percent=round(100 * m2 / total, 1)))
    found.sort(key=lambda o: (-o.area_m2, o.group.name))
    return found


# -- the registrant's side --------------------------------------------------------------------


def _fingerprint(municipality, group_name: str, email: str, geometry: dict) -> str:
    text = json.dumps(
        [municipality.pk, " ".join(group_name.casefold().split()), email.casefold(), geometry],
        sort_keys=True,
    )
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Submitted:
    registration: GroupRegistration
    created: bool  # False: the same form came again, the first registration is given back


def submit_registration(
    *,
    municipality,
    group_name: str,
    approximate_size: int,
    running_since,
    geometry,
    full_name: str,
    email: str,
    phone: str,
    streets: list[str] | None = None,
) -> Submitted:
    """Store a registration (actor ``PUBLIC``) and send the registrant their status link, and the
    coordinators a notice. The values come from ``RegistrationForm``; the area is checked here."""
    if not MIN_SIZE <= approximate_size <= max_size():
        raise ValidationError(
            {
                "approximate_size": _("Enter a number of members between %(min)d and %(max)d.")
                % {"min": MIN_SIZE, "max": max_size()}
            }
        )
    parsed = check_area(municipality, geometry)
    group_name = " ".join(group_name.split())
    email = email.strip()
    geojson = json.loads(json.dumps(parsed.geojson))
    fingerprint = _fingerprint(municipality, group_name, email, geojson)
    existing = GroupRegistration.objects.filter(fingerprint=fingerprint, status=GroupRegistration.Status.OPEN).first()
    if existing is not None:
        return Submitted(existing, created=False)
    key = secrets.token_urlsafe(32)
    rules = municipality.current_house_rules
    language = (translation.get_language() or municipality.language or "nl")[:5]
    try:
        with transaction.atomic():
            registration = GroupRegistration.objects.create(
                municipality=municipality,
                group_name=group_name,
                approximate_size=approximate_size,
                running_since=running_since,
                geometry=geojson,
                area_m2=round(parsed.area_m2),
                streets=sorted(set(streets or [])),
                full_name=" ".join(full_name.split()),
                email=email,
                phone=phone,
                language=language,
                house_rules_accepted_at=timezone.now(),
                house_rules_version=rules.version if rules else None,
                key_hash=GroupRegistration.hash_key(key),
                fingerprint=fingerprint,
            )
            record(
                PUBLIC,
                AuditEvent.Action.GROUP_REGISTRATION_SUBMITTED,
                registration,
                municipality_id=municipality.pk,
                area_m2=round(parsed.area_m2),
                approximate_size=approximate_size,
            )
            _tell_coordinators(registration)
            queue_email(
                to=registration.email,
                subject=_("We received the registration of %(group)s") % {"group": registration.group_name},
                body=_(
                    "Dear %(name)s,\n\nThank you for registering your WhatsApp group %(group)s with the "
                    "municipality of %(municipality)s. The municipality checks the area and answers you "
                    "by e-mail.\n\nFollow your registration here:\n%(url)s"
                )
                % {
                    "name": registration.full_name,
                    "group": registration.group_name,
                    "municipality": municipality.name,
                    "url": status_url(key),
                },
                topic="group_registration.received",
                dedupe_key=f"group_registration:{registration.pk}:received",
                municipality_id=municipality.pk,
                language=language,
            )
    except IntegrityError:
        # The same form, sent at the same moment by a second tap: the first one counts.
        existing = GroupRegistration.objects.filter(
            fingerprint=fingerprint, status=GroupRegistration.Status.OPEN
        ).first()
        if existing is None:
            raise
        return Submitted(existing, created=False)
    return Submitted(registration, created=True)


def _tell_coordinators(registration: GroupRegistration) -> None:
    municipality = registration.municipality
    url = settings.BUURTWACHT_SITE_URL + reverse("staff:group_registration_detail", args=[registration.pk])
    for coordinator in municipality.coordinators.select_related("user").order_by("pk"):
        user = coordinator.user
        if not (user.is_active and user.email):
            continue
        with translation.override(language_of(user)):
            queue_email(
                to=user.email,
                subject=_("An existing group was registered: %(group)s") % {"group": registration.group_name},
                body=_(
                    "The admin of the WhatsApp group %(group)s registered it with %(municipality)s. "
                    "See its area and the groups it overlaps, then accept or decline it:\n%(url)s"
                )
                % {"group": registration.group_name, "municipality": municipality.name, "url": url},
                topic="group_registration.new",
                dedupe_key=f"group_registration:{registration.pk}:coordinator:{user.pk}",
                municipality_id=municipality.pk,
            )


# -- the coordinator's side -------------------------------------------------------------------


def _lock_open(actor, registration: GroupRegistration) -> GroupRegistration:
    require_municipality(actor, registration.municipality)
    locked = GroupRegistration.objects.select_for_update().select_related("municipality").get(pk=registration.pk)
    if locked.status != GroupRegistration.Status.OPEN:
        raise ValidationError(already_decided(locked), code="already_decided")
    return locked


def already_decided(registration: GroupRegistration) -> str:
    if registration.status == GroupRegistration.Status.ACCEPTED:
        return _("This registration was already accepted.")
    return _("This registration was already declined.")


@transaction.atomic
def adjust_area(*, actor, registration: GroupRegistration, geometry) -> GroupRegistration:
    """The coordinator corrects the drawn area before deciding (the same checks)."""
    locked = _lock_open(actor, registration)
    parsed = check_area(locked.municipality, geometry)
    before = round(locked.area_m2)
    locked.geometry = json.loads(json.dumps(parsed.geojson))
    locked.area_m2 = round(parsed.area_m2)
    locked.save(update_fields=["geometry", "area_m2"])
    record(
        actor,
        AuditEvent.Action.GROUP_REGISTRATION_AREA_ADJUSTED,
        locked,
        municipality_id=locked.municipality_id,
        area_m2_before=before,
        area_m2=locked.area_m2,
    )
    return locked


def _capacity(registration: GroupRegistration) -> int:
    return min(max(settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY, registration.approximate_size), max_size())


@transaction.atomic
def accept(*, actor, registration: GroupRegistration) -> GroupRegistration:
    """Take the group over: its area, the group (active: on the public map at once), and its admin.

    A registrant without an account gets one, made for this municipality by this acceptance, and
    is appointed admin at once; they choose their password through the link in the e-mail. A
    registrant who already has an account is appointed when it is one of the municipality's
    (``permissions.accounts_of``), and otherwise invited (``invitations.appoint_or_invite``)."""
    locked = _lock_open(actor, registration)
    municipality = locked.municipality
    User = get_user_model()
    user = User.objects.filter(email__iexact=locked.email).order_by("pk").first()
    new_account = user is None
    if user is not None and not user.is_active:
        raise ValidationError(
            _(
                "A switched-off account uses the registrant's e-mail address. "
                "Ask the operators of Buurtwacht to switch it on again."
            ),
            code="exists_inactive",
        )
    area = save_area(actor=actor, municipality=municipality, name=locked.group_name, geometry=locked.geometry)
    group = save_group(
        actor=actor,
        municipality=municipality,
        area=area,
        name=locked.group_name,
        status=Group.Status.ACTIVE,
        capacity=_capacity(locked),
    )
    invited = False
    if new_account:
        user = invite_user(actor, municipality, locked.full_name, locked.email, locked.phone)
        # Made by this acceptance for this municipality: the municipality's own account, so it is
        # appointed at once (appoint_admin asks that of accounts that existed before).
        appoint_admin(actor=SYSTEM, group=group, user=user, role=GroupAdmin.Role.ADMIN)
    else:
        invited = not isinstance(
            appoint_or_invite(actor=actor, group=group, user=user, role=GroupAdmin.Role.ADMIN), GroupAdmin
        )
    locked.status = GroupRegistration.Status.ACCEPTED
    locked.decided_by = account_of(actor)
    locked.decided_at = timezone.now()
    locked.group = group
    locked.admin_user = user
    locked.save(update_fields=["status", "decided_by", "decided_at", "group", "admin_user"])
    record(
        actor,
        AuditEvent.Action.GROUP_REGISTRATION_ACCEPTED,
        locked,
        municipality_id=municipality.pk,
        group_id=group.pk,
        area_id=area.pk,
        user_id=user.pk,
        new_account=new_account,
        invited=invited,
        overlaps=[o.group.pk for o in overlaps(locked)],
    )
    _tell_accepted(locked, group, user, new_account=new_account, invited=invited)
    return locked


def _tell_accepted(registration, group, user, *, new_account: bool, invited: bool) -> None:
    values = {
        "name": registration.full_name,
        "group": group.name,
        "municipality": registration.municipality.name,
        "desk": settings.BUURTWACHT_SITE_URL + reverse("staff:group_detail", args=[group.pk]),
    }
    with translation.override(registration.language or registration.municipality.language):
        body = (
            _(
                "Dear %(name)s,\n\nThe municipality of %(municipality)s accepted the registration of "
                "%(group)s. The group is now on the public map, and residents can apply to join it."
            )
            % values
        )
        if new_account:
            body += (
                "\n\n"
                + _("You are its admin. Choose the password of your account (user name %(username)s) here:")
                % {"username": user.get_username()}
                + "\n"
                + set_password_url(user)
            )
            body += "\n\n" + _("Then you find your group on the desk:") + "\n" + values["desk"]
        elif invited:
            body += "\n\n" + _("You receive a separate e-mail with the invitation to become its admin.")
        else:
            body += "\n\n" + _("You are its admin. Your group on the desk:") + "\n" + values["desk"]
        queue_email(
            to=registration.email,
            subject=_("%(group)s was accepted") % values,
            body=body,
            topic="group_registration.accepted",
            dedupe_key=f"group_registration:{registration.pk}:accepted",
            group_id=group.pk,
            municipality_id=registration.municipality_id,
        )


@transaction.atomic
def decline(*, actor, registration: GroupRegistration, reason: str) -> GroupRegistration:
    """Decline with a reason; the registrant reads it in their language."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Tell the registrant why the registration is declined.")}, code="required")
    locked = _lock_open(actor, registration)
    locked.status = GroupRegistration.Status.DECLINED
    locked.decided_by = account_of(actor)
    locked.decided_at = timezone.now()
    locked.decision_reason = reason[:2000]
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    record(actor, AuditEvent.Action.GROUP_REGISTRATION_DECLINED, locked, municipality_id=locked.municipality_id)
    with translation.override(locked.language or locked.municipality.language):
        queue_email(
            to=locked.email,
            subject=_("Your registration of %(group)s") % {"group": locked.group_name},
            body=_(
                "Dear %(name)s,\n\nThe municipality of %(municipality)s does not take over the group "
                "%(group)s. The reason it gives:\n\n%(reason)s"
            )
            % {
                "name": locked.full_name,
                "municipality": locked.municipality.name,
                "group": locked.group_name,
                "reason": locked.decision_reason,
            },
            topic="group_registration.declined",
            dedupe_key=f"group_registration:{locked.pk}:declined",
            municipality_id=locked.municipality_id,
        )
    return locked
