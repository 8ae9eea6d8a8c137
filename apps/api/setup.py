"""A municipality's set-up over the private API: its groups, their admins and its police
zones, so it can bring them from its own systems. The same services as the desk
(``groups.services.save_group``, ``groups.invitations.appoint_or_invite`` / ``invite_admin``,
``groups.services.remove_admin``, ``municipalities.zones.save_zone``), the same rules, the same
audit trail; the token acts as its user, with that user's roles.

Creates that a client may send twice (a retry after a timeout) take an ``Idempotency-Key``
header: the same key from the same account within 24 hours answers what the first request made
(``Idempotent-Replayed: true``), another body with it is refused with 422. Without the header the
same request of the same account within a minute answers what it made, as broadcasts do (ADR 0025).
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Annotated, Literal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Header, Router, Schema

from apps.accounts.services import EMAIL_MAX_LENGTH, NAME_MAX_LENGTH
from apps.areas.models import Area
from apps.groups import invitations
from apps.groups.models import AdminInvitation, Group, GroupAdmin
from apps.groups.permissions import managed_groups
from apps.groups.services import remove_admin, save_group
from apps.municipalities.models import Municipality, PoliceZone
from apps.municipalities.permissions import municipalities_for
from apps.municipalities.zones import may_change_links, save_zone, zones_for

from .broadcasts import KEY_HEADER, MAX_KEY, _key
from .groups import group_url
from .groups import router as groups_router
from .models import ApiRequest
from .schemas import MAX_INT, DetailOut, ErrorOut

router = Router(tags=["set-up"])

KEY_WINDOW = timedelta(hours=24)
REPEAT_WINDOW = timedelta(seconds=60)
MAX_CAPACITY = settings.BUURTWACHT_MAX_GROUP_CAPACITY
GroupStatus = Literal[tuple(Group.Status.values)]  # type: ignore[valid-type]
Role = Literal[tuple(GroupAdmin.Role.values)]  # type: ignore[valid-type]
# An id as the database keeps it: larger numbers name nothing, and are refused as such.
Id = Annotated[int, Field(ge=1, le=MAX_INT)]
KEY_DESCRIPTION = (
    "A key of your own for this request (a UUID is a good one), at most 255 visible ASCII characters. "
    "The same key within 24 hours answers what the first request made; another body with it is refused with 422."
)


# --- schemas -------------------------------------------------------------------------------------


class GroupSetupIn(Schema):
    municipality_id: Id | None = Field(
        None, description="The municipality you coordinate; may be left out when you coordinate exactly one."
    )
    area_id: Id = Field(description="An area of that municipality (`GET /api/v1/areas`).")
    name: str = Field(min_length=1, max_length=160)
    status: GroupStatus = "forming"  # type: ignore[valid-type]
    capacity: int = Field(settings.BUURTWACHT_DEFAULT_GROUP_CAPACITY, ge=2, le=MAX_CAPACITY)
    public_description: str = Field("", max_length=2000)
    invite_link: str = Field(
        "", max_length=200, description="The WhatsApp invite link, like https://chat.whatsapp.com/AbCdEf123456."
    )


class GroupSetupPatch(Schema):
    area_id: Id | None = None
    name: str | None = Field(None, min_length=1, max_length=160)
    status: GroupStatus | None = None  # type: ignore[valid-type]
    capacity: int | None = Field(None, ge=2, le=MAX_CAPACITY)
    public_description: str | None = Field(None, max_length=2000)
    invite_link: str | None = Field(None, max_length=200)


class GroupSetupOut(Schema):
    id: int
    name: str
    slug: str
    status: str
    capacity: int
    municipality_id: int
    area_id: int
    public_description: str
    invite_link: str
    url: str


class GroupAdminIn(Schema):
    user_id: Id | None = Field(None, description="An existing account. Give `user_id` or `email`.")
    email: str | None = Field(
        None,
        max_length=EMAIL_MAX_LENGTH,
        description="The e-mail address of an existing account, or of a person to invite (then also "
        "`full_name` and `phone`).",
    )
    full_name: str | None = Field(None, max_length=NAME_MAX_LENGTH)
    phone: str | None = Field(None, max_length=30)
    role: Role = "admin"  # type: ignore[valid-type]


class GroupAdminOut(Schema):
    user_id: int
    name: str
    role: str


class AdminInvitationOut(Schema):
    id: int
    user_id: int
    name: str
    role: str
    expires_at: str


class GroupAdminResultOut(Schema):
    result: Literal["appointed", "invited"] = Field(
        description="`appointed`: an account of the group's municipality, admin at once. `invited`: anyone "
        "else gets an invitation by e-mail and becomes admin only after accepting."
    )
    admin: GroupAdminOut | None = None
    invitation: AdminInvitationOut | None = None


class GroupAdminListOut(Schema):
    admins: list[GroupAdminOut]
    invitations: list[AdminInvitationOut]


class PoliceZoneIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    country: Literal["BE", "NL"]
    email: str = Field("", max_length=254)
    municipality_ids: list[Id] = Field(default_factory=list, max_length=1000)


class PoliceZonePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    country: Literal["BE", "NL"] | None = None
    email: str | None = Field(None, max_length=254)
    municipality_ids: list[Id] | None = Field(
        None,
        max_length=1000,
        description="The zone's municipalities, all of them. A coordinator may add or take out only the "
        "municipalities they coordinate, and change nothing else of the zone.",
    )


class PoliceZoneOut(Schema):
    id: int
    name: str
    country: str
    email: str
    municipality_ids: list[int]


# --- sent once -----------------------------------------------------------------------------------


class KeyReused(Exception):
    pass


def _fingerprint(operation: str, data: dict) -> str:
    return hashlib.sha256(json.dumps([operation, data], sort_keys=True, default=str).encode()).hexdigest()


def _earlier(user, operation: str, key: str, fingerprint: str) -> ApiRequest | None:
    """What the same request already made (and still exists), or None; KeyReused for a key of
    another request."""
    now = timezone.now()
    mine = ApiRequest.objects.filter(user=user, operation=operation).order_by("-created_at", "-id")
    if key:
        earlier = mine.filter(key=key, created_at__range=(now - KEY_WINDOW, now + KEY_WINDOW)).first()
        if earlier is not None and earlier.request_hash != fingerprint:
            raise KeyReused
        return earlier
    return mine.filter(
        key="", request_hash=fingerprint, created_at__range=(now - REPEAT_WINDOW, now + REPEAT_WINDOW)
    ).first()


def _once(request, response, operation: str, header: str | None, data: dict, create, replay):
    """Run ``create()`` once per request (see the module's docstring). ``create`` returns
    (status, body, result to remember); ``replay(result)`` answers the current state of what it
    made, or None when that is gone (then the request runs again)."""
    key = _key(header)
    if key is None:
        message = _("Send an Idempotency-Key of 1 to %(n)s visible characters without spaces, such as a UUID.")
        return 400, {"errors": {KEY_HEADER: [message % {"n": MAX_KEY}]}}
    user = request.auth
    fingerprint = _fingerprint(operation, data)
    with transaction.atomic():
        # The user's row is the lock: two identical requests at once make one thing.
        list(get_user_model().objects.select_for_update().filter(pk=user.pk).values_list("pk", flat=True))
        try:
            earlier = _earlier(user, operation, key, fingerprint)
        except KeyReused:
            message = _("This key was already used for another request. Use a new key for a new request.")
            return 422, {"errors": {KEY_HEADER: [message]}}
        if earlier is not None:
            answer = replay(earlier.result)
            if answer is not None:
                response["Idempotent-Replayed"] = "true"
                return answer
            earlier.delete()
        status, body, result = create()
        ApiRequest.objects.create(user=user, operation=operation, key=key, request_hash=fingerprint, result=result)
    return status, body


def _renamed(exc: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's errors under the API's field names (``area`` → ``area_id``)."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError({names.get(field, field): errors for field, errors in exc.error_dict.items()})


# --- groups --------------------------------------------------------------------------------------


def group_out(group: Group) -> dict:
    return {
        "id": group.pk,
        "name": group.name,
        "slug": group.slug,
        "status": group.status,
        "capacity": group.capacity,
        "municipality_id": group.municipality_id,
        "area_id": group.area_id,
        "public_description": group.public_description,
        "invite_link": group.invite_link,
        "url": group_url(group.slug),
    }


def _coordinated_group(user, group_id: int) -> Group:
    """A group of a municipality the user coordinates; 404 when they may not see it, 403 when they
    see it (its admin) but do not coordinate it."""
    group = get_object_or_404(managed_groups(user).select_related("municipality", "area"), pk=group_id)
    if not municipalities_for(user).filter(pk=group.municipality_id).exists():
        raise PermissionDenied
    return group


def _area(area_id: int) -> Area:
    area = Area.objects.filter(pk=area_id).first()
    if area is None:
        raise ValidationError({"area_id": [_("There is no area with this id.")]})
    return area


def _save(user, payload: dict, group: Group | None = None) -> Group:
    try:
        with transaction.atomic():
            return save_group(actor=user, group=group, **payload)
    except ValidationError as exc:
        raise _renamed(exc, {"area": "area_id"}) from exc


# On the groups router: the same path as its public GET /groups, one URL for both methods.
@groups_router.post(
    "/groups",
    response={201: GroupSetupOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut, 422: ErrorOut},
    summary="Create a group of a municipality you coordinate",
    description="For the municipality's coordinators (and operators). The area must be one of the "
    "municipality's areas; capacity from 2 to the installation's maximum. Send an `Idempotency-Key` header "
    "to retry safely.",
)
def create_group(
    request: HttpRequest,
    response: HttpResponse,
    payload: GroupSetupIn,
    idempotency_key: str | None = Header(None, alias=KEY_HEADER, description=KEY_DESCRIPTION),
):
    user = request.auth
    coordinated = municipalities_for(user)
    if not coordinated.exists():
        raise PermissionDenied
    if payload.municipality_id is None:
        if coordinated.count() != 1:
            raise ValidationError({"municipality_id": [_("Give the municipality: you coordinate several.")]})
        municipality = coordinated.get()
    else:
        municipality = Municipality.objects.filter(pk=payload.municipality_id).first()
        if municipality is None:
            raise ValidationError({"municipality_id": [_("There is no municipality with this id.")]})
    data = payload.dict()
    data["municipality_id"] = municipality.pk

    def create():
        group = _save(
            user,
            {
                "municipality": municipality,
                "area": _area(payload.area_id),
                "name": payload.name,
                "status": payload.status,
                "capacity": payload.capacity,
                "invite_link": payload.invite_link,
                "public_description": payload.public_description,
            },
        )
        return 201, group_out(group), {"group_id": group.pk}

    def replay(result):
        group = Group.objects.filter(pk=result.get("group_id")).first()
        return (201, group_out(group)) if group is not None else None

    return _once(request, response, "groups.create", idempotency_key, data, create, replay)


@router.patch(
    "/groups/{group_id}",
    response={200: GroupSetupOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
    summary="Change a group of a municipality you coordinate",
    description="Only the fields sent change. A capacity below the group's current number of members is refused.",
)
def update_group(request: HttpRequest, group_id: int, payload: GroupSetupPatch):
    user = request.auth
    group = _coordinated_group(user, group_id)
    sent = payload.dict(exclude_unset=True)
    for name in sent:
        if sent[name] is None:
            raise ValidationError({name: [_("This field cannot be null.")]})
    saved = _save(
        user,
        {
            "municipality": group.municipality,
            "area": _area(sent["area_id"]) if "area_id" in sent else group.area,
            "name": sent.get("name", group.name),
            "status": sent.get("status", group.status),
            "capacity": sent.get("capacity", group.capacity),
            "invite_link": sent.get("invite_link", group.invite_link),
            "public_description": sent.get("public_description", group.public_description),
        },
        group=group,
    )
    return 200, group_out(saved)


# --- admins --------------------------------------------------------------------------------------


def _admin_out(role: GroupAdmin) -> dict:
    return {"user_id": role.user_id, "name": role.user.display_name, "role": role.role}


def _invitation_out(invitation: AdminInvitation) -> dict:
    return {
        "id": invitation.pk,
        "user_id": invitation.user_id,
        "name": invitation.user.display_name,
        "role": invitation.role,
        "expires_at": invitation.expires_at.isoformat(),
    }


@router.get(
    "/groups/{group_id}/admins",
    response={200: GroupAdminListOut, 401: DetailOut, 404: DetailOut},
    summary="The admins of a group you manage, and the invitations that wait",
)
def list_admins(request: HttpRequest, group_id: int):
    group = get_object_or_404(managed_groups(request.auth), pk=group_id)
    roles = GroupAdmin.objects.filter(group=group).select_related("user").order_by("role", "user__last_name", "pk")
    waiting = AdminInvitation.objects.pending().filter(group=group).select_related("user").order_by("created_at")
    return 200, {
        "admins": [_admin_out(r) for r in roles],
        "invitations": [_invitation_out(i) for i in waiting if not i.is_expired],
    }


def _find_user(payload: GroupAdminIn):
    users = get_user_model().objects.filter(is_active=True)
    if payload.user_id is not None:
        user = users.filter(pk=payload.user_id).first()
        if user is None:
            raise ValidationError({"user_id": [_("There is no active account with this id.")]})
        return user
    found = list(users.filter(email__iexact=payload.email.strip())[:2])
    if len(found) > 1:
        raise ValidationError({"email": [_("Several accounts use this e-mail address. Send the user_id instead.")]})
    return found[0] if found else None


@router.post(
    "/groups/{group_id}/admins",
    response={
        201: GroupAdminResultOut,
        202: GroupAdminResultOut,
        400: ErrorOut,
        401: DetailOut,
        403: DetailOut,
        404: DetailOut,
    },
    summary="Appoint or invite an admin of a group you coordinate",
    description="An account of the group's municipality (its coordinators and the admins of its groups) is "
    "appointed at once (201, `appointed`). Anyone else (a police officer, someone of another municipality, an "
    "account without a role) is invited by e-mail and becomes admin only after accepting (202, `invited`). "
    "A person without an account: give `email`, `full_name` and `phone` (a mobile number); they are invited. "
    "Send an `Idempotency-Key` header to retry safely.",
)
def add_admin(
    request: HttpRequest,
    response: HttpResponse,
    group_id: int,
    payload: GroupAdminIn,
    idempotency_key: str | None = Header(None, alias=KEY_HEADER, description=KEY_DESCRIPTION),
):
    actor = request.auth
    group = _coordinated_group(actor, group_id)
    if (payload.user_id is None) == (payload.email is None):
        raise ValidationError({"__all__": [_("Give either user_id or email.")]})
    data = {"group_id": group.pk, **payload.dict()}

    def answer(result: dict):
        if result.get("invitation_id"):
            invitation = AdminInvitation.objects.filter(pk=result["invitation_id"]).select_related("user").first()
            if invitation is None:
                return None
            return 202, {"result": "invited", "invitation": _invitation_out(invitation)}
        role = GroupAdmin.objects.filter(group=group, user_id=result.get("user_id")).select_related("user").first()
        if role is None:
            return None
        return 201, {"result": "appointed", "admin": _admin_out(role)}

    def create():
        user = _find_user(payload)
        try:
            with transaction.atomic():
                if user is None:
                    done = invitations.invite_admin(
                        actor=actor,
                        group=group,
                        full_name=payload.full_name or "",
                        email=payload.email or "",
                        phone=payload.phone or "",
                        role=payload.role,
                    )
                else:
                    done = invitations.appoint_or_invite(actor=actor, group=group, user=user, role=payload.role)
        except ValidationError as exc:
            raise _renamed(exc, {"user": "user_id" if payload.user_id is not None else "email"}) from exc
        invited = isinstance(done, AdminInvitation)
        result = {"invitation_id": done.pk} if invited else {"user_id": done.user_id}
        status, body = answer(result)
        return status, body, result

    return _once(request, response, "groups.admins.create", idempotency_key, data, create, answer)


@router.delete(
    "/groups/{group_id}/admins/{user_id}",
    response={204: None, 401: DetailOut, 403: DetailOut, 404: DetailOut},
    summary="Take away an admin's role in a group you coordinate",
)
def delete_admin(request: HttpRequest, group_id: int, user_id: int):
    actor = request.auth
    group = _coordinated_group(actor, group_id)
    role = GroupAdmin.objects.filter(group=group, user_id=user_id).select_related("user").first()
    if role is None:
        raise Http404
    remove_admin(actor=actor, group=group, user=role.user)
    return 204, None


# --- police zones --------------------------------------------------------------------------------


def zone_out(zone: PoliceZone) -> dict:
    return {
        "id": zone.pk,
        "name": zone.name,
        "country": zone.country,
        "email": zone.email,
        "municipality_ids": sorted(zone.municipalities.values_list("pk", flat=True)),
    }


@router.get(
    "/police-zones",
    response={200: list[PoliceZoneOut], 401: DetailOut, 403: DetailOut},
    summary="Police zones and their municipalities",
    description="For coordinators, police officers and operators.",
)
def list_zones(request: HttpRequest):
    user = request.auth
    zones = zones_for(user)
    if not (user.is_superuser or zones.exists() or may_change_links(user)):
        raise PermissionDenied
    return 200, [zone_out(z) for z in zones.prefetch_related("municipalities").order_by("name")]


@router.post(
    "/police-zones",
    response={201: PoliceZoneOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut, 422: ErrorOut},
    summary="Create a police zone (operators)",
    description="The name is unique; the municipalities must be of the zone's country. "
    "Send an `Idempotency-Key` header to retry safely.",
)
def create_zone(
    request: HttpRequest,
    response: HttpResponse,
    payload: PoliceZoneIn,
    idempotency_key: str | None = Header(None, alias=KEY_HEADER, description=KEY_DESCRIPTION),
):
    user = request.auth
    if not user.is_superuser:
        raise PermissionDenied

    def create():
        zone = save_zone(
            actor=user,
            name=payload.name,
            country=payload.country,
            email=payload.email,
            municipality_ids=payload.municipality_ids,
        )
        return 201, zone_out(zone), {"zone_id": zone.pk}

    def replay(result):
        zone = PoliceZone.objects.filter(pk=result.get("zone_id")).first()
        return (201, zone_out(zone)) if zone is not None else None

    return _once(request, response, "police_zones.create", idempotency_key, payload.dict(), create, replay)


@router.patch(
    "/police-zones/{zone_id}",
    response={200: PoliceZoneOut, 400: ErrorOut, 401: DetailOut, 403: DetailOut, 404: DetailOut},
    summary="Change a police zone",
    description="Operators change anything. A coordinator sends only `municipality_ids`, and may add or take "
    "out only the municipalities they coordinate.",
)
def update_zone(request: HttpRequest, zone_id: int, payload: PoliceZonePatch):
    user = request.auth
    zone = get_object_or_404(zones_for(user), pk=zone_id)
    sent = payload.dict(exclude_unset=True)
    for name in sent:
        if sent[name] is None:
            raise ValidationError({name: [_("This field cannot be null.")]})
    zone = save_zone(actor=user, zone=zone, **sent)
    return 200, zone_out(zone)
