"""The one write path of street signs: asking for one, the coordinator's decision, placement,
damage and removal, and the count of a sign's scans. Each change is locked, checked against
the allowed steps, audited, and told to the admin who asked for the sign (in their language)."""

from __future__ import annotations

import datetime as dt
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import account_of, is_person
from apps.groups.languages import language_of
from apps.groups.models import Group
from apps.messaging.services import queue_email

from .models import SignScan, StreetSign
from .permissions import require_decide, require_request
from .photos import check_photo
from .places import in_municipality

State = StreetSign.State

# Which step may follow which. Placing again after damage is a repair.
STEPS: dict[str, set[str]] = {
    State.REQUESTED: {State.APPROVED, State.DECLINED},
    State.APPROVED: {State.PLACED, State.DECLINED},
    State.PLACED: {State.DAMAGED, State.REMOVED},
    State.DAMAGED: {State.PLACED, State.REMOVED},
    State.DECLINED: set(),
    State.REMOVED: set(),
}

# The same request sent twice (a double tap, a form sent again) within this time gives back the
# sign of the first.
REPEAT_WINDOW = timedelta(minutes=10)


def _desk_url(sign: StreetSign) -> str:
    return settings.BUURTWACHT_SITE_URL + reverse("staff:sign_detail", args=[sign.pk])


@transaction.atomic
def request_sign(*, actor, group: Group, lat: float, lon: float, road: str, note: str = "") -> StreetSign:
    """An admin (or coordinator) asks for a sign announcing ``group`` at a point of its
    municipality. The same request again shortly after gives back the first sign (its
    ``repeated`` attribute is then True)."""
    require_request(actor, group)
    group = Group.objects.select_for_update().select_related("municipality").get(pk=group.pk)
    if group.status == Group.Status.CLOSED:
        raise ValidationError({"group": [_("This group has stopped; it cannot get a new sign.")]})
    road = " ".join((road or "").split())
    if not road:
        raise ValidationError({"road": [_("Name the road where the sign should stand.")]})
    lat, lon = float(lat), float(lon)
    if not in_municipality(group.municipality, lon=lon, lat=lat):
        raise ValidationError(
            {
                "lat": [
                    _(
                        "This spot lies outside %(municipality)s. A sign can only stand in the municipality "
                        "of the group it announces; move the pin."
                    )
                    % {"municipality": group.municipality.name}
                ]
            }
        )
    requester = account_of(actor)
    earlier = (
        StreetSign.objects.filter(
            group=group,
            requested_by=requester,
            state=State.REQUESTED,
            road=road,
            requested_at__gte=timezone.now() - REPEAT_WINDOW,
            lat__range=(lat - 1e-6, lat + 1e-6),
            lon__range=(lon - 1e-6, lon + 1e-6),
        )
        .order_by("pk")
        .first()
    )
    if earlier is not None:
        earlier.repeated = True
        return earlier
    sign = StreetSign.objects.create(
        municipality=group.municipality,
        group=group,
        road=road,
        lat=lat,
        lon=lon,
        note=(note or "").strip(),
        state=State.REQUESTED,
        requested_by=requester,
    )
    record(actor, AuditEvent.Action.SIGN_REQUESTED, sign, road=road)
    _tell_coordinators(sign, actor)
    sign.repeated = False
    return sign


def _tell_coordinators(sign: StreetSign, actor) -> None:
    for coordinator in sign.municipality.coordinators.select_related("user").order_by("pk"):
        user = coordinator.user
        if not (user.is_active and user.email) or (is_person(actor) and user.pk == actor.pk):
            continue
        with translation.override(language_of(user)):
            values = {"group": sign.group.name, "road": sign.road}
            queue_email(
                to=user.email,
                subject=_("%(group)s asks for a street sign") % values,
                body=_("The admins of %(group)s ask for a street sign at %(road)s. Approve or decline it:") % values
                + "\n"
                + _desk_url(sign),
                topic="sign.requested",
                dedupe_key=f"sign:{sign.pk}:requested:coordinator:{user.pk}",
                group_id=sign.group_id,
                municipality_id=sign.municipality_id,
            )


def _step(actor, sign: StreetSign, target: str) -> StreetSign:
    """The sign, locked, after checking the actor may decide and the step is allowed from its
    current state."""
    require_decide(actor, sign)
    locked = StreetSign.objects.select_for_update().get(pk=sign.pk)
    if target not in STEPS[locked.state]:
        raise ValidationError(
            _("This step is not possible: the sign is “%(state)s” now.") % {"state": locked.get_state_display()}
        )
    locked.state = target
    locked.changed_at = timezone.now()
    return locked


def _tell_requester(sign: StreetSign, actor, target: str) -> None:
    user = sign.requested_by
    if user is None or not (user.is_active and user.email) or (is_person(actor) and user.pk == actor.pk):
        return
    group_name = sign.group.name if sign.group_id else ""
    with translation.override(language_of(user)):
        values = {"road": sign.road, "group": group_name}
        subjects = {
            State.APPROVED: _("Street sign at %(road)s approved"),
            State.DECLINED: _("Street sign at %(road)s declined"),
            State.PLACED: _("Street sign at %(road)s placed"),
            State.DAMAGED: _("Street sign at %(road)s damaged"),
            State.REMOVED: _("Street sign at %(road)s removed"),
        }
        bodies = {
            State.APPROVED: _("The municipality approved the street sign for %(group)s at %(road)s."),
            State.DECLINED: _("The municipality declined the street sign for %(group)s at %(road)s."),
            State.PLACED: _("The street sign for %(group)s at %(road)s has been placed."),
            State.DAMAGED: _("The street sign for %(group)s at %(road)s is damaged; the municipality knows."),
            State.REMOVED: _("The street sign for %(group)s at %(road)s has been removed."),
        }
        body = bodies[target] % values
        if target == State.DECLINED and sign.decline_reason:
            body += "\n\n" + _("Reason: %(reason)s") % {"reason": sign.decline_reason}
        elif target == State.PLACED and sign.placed_on:
            body += "\n\n" + _("Placed on %(date)s.") % {"date": sign.placed_on.isoformat()}
        elif sign.note and target in (State.DAMAGED, State.REMOVED):
            body += "\n\n" + sign.note
        body += "\n\n" + _desk_url(sign)
        queue_email(
            to=user.email,
            subject=subjects[target] % values,
            body=body,
            topic=f"sign.{target}",
            dedupe_key=f"sign:{sign.pk}:{target}:{sign.changed_at.timestamp():.6f}:to:{user.pk}",
            group_id=sign.group_id,
            municipality_id=sign.municipality_id,
        )


@transaction.atomic
def approve(*, actor, sign: StreetSign) -> StreetSign:
    sign = _step(actor, sign, State.APPROVED)
    sign.decided_by = account_of(actor)
    sign.decided_at = sign.changed_at
    sign.save()
    record(actor, AuditEvent.Action.SIGN_APPROVED, sign)
    _tell_requester(sign, actor, State.APPROVED)
    return sign


@transaction.atomic
def decline(*, actor, sign: StreetSign, reason: str) -> StreetSign:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Say why the sign is declined; the admin who asked reads it.")]})
    sign = _step(actor, sign, State.DECLINED)
    sign.decided_by = account_of(actor)
    sign.decided_at = sign.changed_at
    sign.decline_reason = reason[:500]
    sign.save()
    record(actor, AuditEvent.Action.SIGN_DECLINED, sign)
    _tell_requester(sign, actor, State.DECLINED)
    return sign


def record_placement(*, actor, sign: StreetSign, placed_on: dt.date, photo=None) -> StreetSign:
    """The sign stands (again, after damage): the day and, when there is one, a photo. The photo
    is checked and cleaned before anything is written; a refusal changes nothing."""
    require_decide(actor, sign)
    if placed_on > timezone.localdate():
        raise ValidationError({"placed_on": [_("The placement date cannot be in the future.")]})
    checked = check_photo(photo) if photo else None
    written = None
    try:
        with transaction.atomic():
            sign = _step(actor, sign, State.PLACED)
            sign.placed_on = placed_on
            old = sign.photo.name if sign.photo else ""
            if checked is not None:
                sign.photo.save(f"{secrets.token_hex(16)}.{checked.ext}", ContentFile(checked.data), save=False)
                written = sign.photo.name
                sign.photo_type = checked.content_type
            sign.save()
            record(
                actor, AuditEvent.Action.SIGN_PLACED, sign, placed_on=placed_on.isoformat(), photo=checked is not None
            )
            _tell_requester(sign, actor, State.PLACED)
            if written and old:
                storage = sign.photo.storage
                transaction.on_commit(lambda: storage.delete(old))
    except Exception:
        if written:
            sign.photo.storage.delete(written)
        raise
    return sign


@transaction.atomic
def mark_damaged(*, actor, sign: StreetSign, note: str = "") -> StreetSign:
    sign = _step(actor, sign, State.DAMAGED)
    sign.note = (note or "").strip()[:500] or sign.note
    sign.save()
    record(actor, AuditEvent.Action.SIGN_DAMAGED, sign)
    _tell_requester(sign, actor, State.DAMAGED)
    return sign


@transaction.atomic
def mark_removed(*, actor, sign: StreetSign, note: str = "") -> StreetSign:
    sign = _step(actor, sign, State.REMOVED)
    sign.note = (note or "").strip()[:500] or sign.note
    sign.save()
    record(actor, AuditEvent.Action.SIGN_REMOVED, sign)
    _tell_requester(sign, actor, State.REMOVED)
    return sign


def count_scan(token: str) -> StreetSign | None:
    """Count one scan of the sign with ``token`` today; None (and nothing counted) for an
    unknown token. Nothing about the person scanning is read or kept."""
    sign = StreetSign.objects.select_related("group").filter(token=token).first()
    if sign is None:
        return None
    today = timezone.localdate()
    with transaction.atomic():
        if not SignScan.objects.filter(sign=sign, day=today).update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    SignScan.objects.create(sign=sign, day=today, count=1)
            except IntegrityError:
                SignScan.objects.filter(sign=sign, day=today).update(count=F("count") + 1)
    return sign
