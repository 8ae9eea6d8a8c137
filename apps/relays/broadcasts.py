"""Broadcasts: the police or a coordinator tells every admin of a municipality, a police zone
or a drawn area. Red goes now on each admin's preferred channel (WhatsApp, SMS), even at night;
green goes by e-mail and waits for the end of each admin's quiet hours (the Belgian BIN practice).

Who may: a coordinator for their municipality; a police officer for their zone and its
municipalities; in a drawn area, only the groups within the sender's reach are included.
Group admins send no broadcasts. Members are not reached yet: they have no opt-in to record.
"""

from __future__ import annotations

import shapely
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from shapely.geometry import shape

from apps.accounts.permissions import coordinated_municipality_ids, police_municipality_ids
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.groups.models import Group, GroupAdmin
from apps.messaging.models import OutgoingMessage
from apps.messaging.services import Content, queue_for_user
from apps.municipalities.models import Municipality, PoliceZone

from .models import Broadcast, BroadcastRecipient

MAX_TEXT = 2000


def reach_municipality_ids(user) -> set[int] | None:
    """Municipalities the user may broadcast to; None means all (superuser)."""
    if user.is_superuser:
        return None
    return set(coordinated_municipality_ids(user)) | set(police_municipality_ids(user))


def _zones_for(user) -> QuerySet:
    if user.is_superuser:
        return PoliceZone.objects.all()
    return PoliceZone.objects.filter(officers__user=user)


def _groups(user, *, municipality_id=None, zone_id=None, geometry=None) -> tuple[str, dict, QuerySet]:
    reach = reach_municipality_ids(user)
    groups = Group.objects.exclude(status=Group.Status.CLOSED)
    chosen = [x is not None for x in (municipality_id, zone_id, geometry)]
    if sum(chosen) != 1:
        raise ValidationError(_("Choose exactly one of: a municipality, a police zone or a drawn area."))
    if municipality_id is not None:
        municipality = Municipality.objects.filter(pk=municipality_id).first()
        if municipality is None or (reach is not None and municipality.pk not in reach):
            raise ValidationError({"municipality_id": [_("Choose a municipality you coordinate or police.")]})
        return Broadcast.Scope.MUNICIPALITY, {"municipality": municipality}, groups.filter(municipality=municipality)
    if zone_id is not None:
        zone = _zones_for(user).filter(pk=zone_id).first()
        if zone is None:
            raise ValidationError({"zone_id": [_("Choose your own police zone.")]})
        return Broadcast.Scope.ZONE, {"zone": zone}, groups.filter(municipality__police_zones=zone)
    try:
        drawn = shape(geometry)
    except Exception:  # shapely raises several types for malformed GeoJSON
        raise ValidationError({"area": [_("Draw the area as a GeoJSON Polygon.")]}) from None
    if drawn.geom_type not in ("Polygon", "MultiPolygon") or drawn.is_empty or not drawn.is_valid:
        raise ValidationError({"area": [_("Draw the area as a GeoJSON Polygon.")]})
    if reach is not None:
        groups = groups.filter(municipality_id__in=reach)
    minx, miny, maxx, maxy = drawn.bounds
    candidates = groups.filter(
        area__min_lon__lte=maxx, area__max_lon__gte=minx, area__min_lat__lte=maxy, area__max_lat__gte=miny
    ).select_related("area")
    shapely.prepare(drawn)
    ids = [g.pk for g in candidates if drawn.intersects(shape(g.area.geometry))]
    return Broadcast.Scope.AREA, {"geometry": geometry}, Group.objects.filter(pk__in=ids)


def send_broadcast(
    *,
    actor,
    urgency: str,
    subject: str,
    text: str,
    municipality_id: int | None = None,
    zone_id: int | None = None,
    geometry: dict | None = None,
) -> Broadcast:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied
    if not (actor.is_superuser or coordinated_municipality_ids(actor) or police_municipality_ids(actor)):
        raise PermissionDenied
    errors = {}
    if urgency not in OutgoingMessage.Urgency.values:
        errors["urgency"] = [_("Choose red (urgent) or green (informational).")]
    subject = " ".join((subject or "").split())
    text = (text or "").strip()
    if not subject:
        errors["subject"] = [_("This field is required.")]
    if not text:
        errors["text"] = [_("This field is required.")]
    elif len(text) > MAX_TEXT:
        errors["text"] = [_("Keep the text under %(n)s characters.") % {"n": MAX_TEXT}]
    if errors:
        raise ValidationError(errors)
    scope, fields, groups = _groups(actor, municipality_id=municipality_id, zone_id=zone_id, geometry=geometry)
    admins = (
        GroupAdmin.objects.filter(group__in=groups, user__is_active=True)
        .select_related("user", "group")
        .order_by("user_id", "group_id")
    )
    by_user = {}
    for role in admins:
        by_user.setdefault(role.user_id, role)
    if not by_user:
        raise ValidationError(_("No group admins in this scope."))
    with transaction.atomic():
        broadcast = Broadcast.objects.create(
            scope=scope, urgency=urgency, subject=subject[:200], text=text, created_by=actor, **fields
        )
        sender = actor.display_name
        content = Content(
            subject=subject[:200],
            body=f"{text}\n\n— {sender}",
            sms=f"{subject}: {text}"[:600],
            template="buurtwacht_broadcast",
            template_params=(" ".join(sender.split()), " ".join(subject.split()), " ".join(text.split())[:900]),
        )
        for user_id, role in by_user.items():
            message = queue_for_user(
                role.user,
                content,
                urgency=urgency,
                topic=f"broadcast.{urgency}",
                dedupe_key=f"broadcast:{broadcast.pk}:user:{user_id}",
                group_id=role.group_id,
                municipality_id=role.group.municipality_id,
            )
            BroadcastRecipient.objects.create(
                broadcast=broadcast,
                user=role.user,
                name=role.user.display_name[:160],
                channel=message.channel if message else "",
                message=message,
            )
        record(
            actor,
            AuditEvent.Action.BROADCAST_SENT,
            broadcast,
            municipality_id=fields["municipality"].pk if "municipality" in fields else None,
            scope=scope,
            urgency=urgency,
            recipients=len(by_user),
        )
    return broadcast
