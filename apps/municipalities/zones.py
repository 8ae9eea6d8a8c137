"""Police zones: their one write path.

An operator of the installation creates a zone and changes anything of it: its name (unique),
country, e-mail address and the municipalities it holds. A coordinator changes only whether
the municipalities they coordinate belong to a zone (linking their municipality to its police
zone, or taking it out); anything else of the zone stays the operator's. Every change is audited.

Rules a request can break (each a ValidationError on its field, nothing changed): an empty or
taken name, a country other than BE or NL, an invalid e-mail address, an unknown municipality, a
municipality of another country than the zone.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import is_operator, is_person, require_actor

from .models import Country, Municipality, PoliceZone
from .permissions import coordinated_municipality_ids

NAME_MAX_LENGTH = PoliceZone._meta.get_field("name").max_length
EMAIL_MAX_LENGTH = PoliceZone._meta.get_field("email").max_length


def zones_for(user):
    """The zones a user may read: operators, coordinators and police officers see every zone
    (its name, country, e-mail address and municipalities are the police's public face)."""
    if is_operator(user):
        return PoliceZone.objects.all()
    if is_person(user) and (user.coordinator_roles.exists() or user.police_roles.exists()):
        return PoliceZone.objects.all()
    return PoliceZone.objects.none()


def may_change_links(user) -> bool:
    return is_operator(user) or bool(coordinated_municipality_ids(user))


def _clean(zone: PoliceZone | None, name, country, email, municipality_ids) -> tuple[dict, list | None]:
    errors: dict[str, list] = {}
    changes: dict = {}
    if name is not None:
        name = " ".join(name.split())
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > NAME_MAX_LENGTH:
            errors["name"] = [_("Keep the name under %(n)s characters.") % {"n": NAME_MAX_LENGTH}]
        elif PoliceZone.objects.filter(name__iexact=name).exclude(pk=zone.pk if zone else None).exists():
            errors["name"] = [_("A police zone with this name already exists.")]
        else:
            changes["name"] = name
    if country is not None:
        if country not in Country.values:
            errors["country"] = [_("Select a valid choice. That choice is not one of the available choices.")]
        else:
            changes["country"] = country
    if email is not None:
        email = email.strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                errors["email"] = [_("Enter a valid email address.")]
            if len(email) > EMAIL_MAX_LENGTH:
                errors["email"] = [_("Keep the e-mail address under %(n)s characters.") % {"n": EMAIL_MAX_LENGTH}]
        changes["email"] = email
    municipalities = None
    if municipality_ids is not None:
        ids = sorted(set(municipality_ids))
        municipalities = list(Municipality.objects.filter(pk__in=ids))
        if len(municipalities) != len(ids):
            errors["municipality_ids"] = [_("One of these municipalities does not exist.")]
        else:
            zone_country = changes.get("country") or (zone.country if zone else None)
            if zone_country and any(m.country != zone_country for m in municipalities):
                errors["municipality_ids"] = [_("A police zone holds only municipalities of its own country.")]
    if errors:
        raise ValidationError(errors)
    return changes, municipalities


@transaction.atomic
def save_zone(
    *,
    actor,
    zone: PoliceZone | None = None,
    name: str | None = None,
    country: str | None = None,
    email: str | None = None,
    municipality_ids: list[int] | None = None,
) -> PoliceZone:
    """Create (``zone`` None: operators only; name and country required) or change a zone.
    ``None`` leaves a field as it is. A coordinator may only change which of their own
    municipalities the zone holds (PermissionDenied for anything else)."""
    require_actor(actor)
    operator = is_operator(actor)
    if not operator:
        coordinated = set(coordinated_municipality_ids(actor))
        if zone is None or not coordinated or any(v is not None for v in (name, country, email)):
            raise PermissionDenied
    if zone is None:
        errors = {}
        if name is None:
            errors["name"] = [_("This field is required.")]
        if country is None:
            errors["country"] = [_("This field is required.")]
        if errors:
            raise ValidationError(errors)
    else:
        zone = PoliceZone.objects.select_for_update().get(pk=zone.pk)
    changes, municipalities = _clean(zone, name, country, email, municipality_ids)
    creating = zone is None
    if (
        not creating
        and "country" in changes
        and municipality_ids is None
        and zone.municipalities.exclude(country=changes["country"]).exists()
    ):
        raise ValidationError({"country": [_("A police zone holds only municipalities of its own country.")]})
    before = set() if creating else set(zone.municipalities.values_list("pk", flat=True))
    if municipalities is not None and not operator:
        after = {m.pk for m in municipalities}
        # A coordinator adds or takes out only the municipalities they coordinate.
        if not (before ^ after) <= coordinated:
            raise PermissionDenied
    zone = zone or PoliceZone()
    for field, value in changes.items():
        setattr(zone, field, value)
    zone.save()
    if municipalities is not None:
        zone.municipalities.set(municipalities)
    after = set(zone.municipalities.values_list("pk", flat=True))
    record(
        actor,
        AuditEvent.Action.POLICE_ZONE_SAVED,
        zone,
        created=creating,
        fields=sorted(changes),
        municipalities_added=sorted(after - before),
        municipalities_removed=sorted(before - after),
    )
    return zone
