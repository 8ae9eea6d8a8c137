"""The admins' network: the directory of a municipality's admins and co-admins, and the two
choices behind it (what an admin shares, whether a municipality shows its admins to its
neighbours). One write path each, audited.

Who sees the directory of a municipality M (``network_municipalities``):
- the admins and co-admins of M's groups, M's coordinators and the police of a zone that holds M;
- the same people of a municipality next to M (an area of one lies within the neighbour distance
  of an area of the other, also across the national border), when M shares with its neighbours.

What they see of an admin (``directory``): the name, the group(s) and their role, always; the
e-mail address and the mobile number as the admin chose to share them. M's own coordinators
and the police of its zone see the contact details anyway: they reach the admins with alerts
already (the police overview, the relay pages), and the directory shows them no more than that.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.areas.models import AreaNeighbour
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import is_operator, is_person, require_actor
from apps.groups.models import Group, GroupAdmin
from apps.municipalities.models import Municipality
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids, require_municipality

from .models import ContactSharing, NetworkSettings


def own_municipality_ids(user) -> set[int]:
    """The municipalities whose network ``user`` belongs to by a role of their own."""
    if not is_person(user):
        return set()
    admin_of = GroupAdmin.objects.filter(user=user).values_list("group__municipality_id", flat=True)
    return {*admin_of, *coordinated_municipality_ids(user), *police_municipality_ids(user)}


def neighbouring_municipality_ids(municipality_ids: set[int]) -> set[int]:
    """Municipalities with an area next to an area of these (stored neighbours, both ways)."""
    if not municipality_ids:
        return set()
    rows = AreaNeighbour.objects.filter(area__municipality_id__in=municipality_ids).values_list(
        "neighbour__municipality_id", flat=True
    )
    return set(rows) - set(municipality_ids)


def network_municipalities(user) -> list[Municipality]:
    """The municipalities whose directory ``user`` may see: their own, then the neighbours that
    share with them. Operators see every municipality's."""
    if is_operator(user):
        return list(Municipality.objects.order_by("name"))
    own = own_municipality_ids(user)
    sharing = set(
        NetworkSettings.objects.filter(
            municipality_id__in=neighbouring_municipality_ids(own), share_with_neighbours=True
        ).values_list("municipality_id", flat=True)
    )
    found = {m.pk: m for m in Municipality.objects.filter(pk__in=own | sharing)}
    return sorted(found.values(), key=lambda m: (m.pk not in own, m.name))


def sees_all_contacts(user, municipality: Municipality) -> bool:
    """M's coordinators and its zone's police (and operators): they reach its admins anyway."""
    return (
        is_operator(user)
        or municipality.pk in coordinated_municipality_ids(user)
        or municipality.pk in police_municipality_ids(user)
    )


@dataclass
class Entry:
    name: str
    groups: list[tuple[str, str]] = field(default_factory=list)  # (group name, role label)
    sub_municipalities: list[str] = field(default_factory=list)
    email: str = ""
    phone: str = ""
    is_you: bool = False


@dataclass
class Directory:
    municipality: Municipality
    entries: list[Entry]
    own: bool  # the viewer's own municipality (not a sharing neighbour)
    admins_group_link: str = ""


def directory(user, municipality: Municipality, *, sub_municipality_id: int | None = None) -> Directory:
    """The admins and co-admins of ``municipality``'s active groups as ``user`` may see them;
    PermissionDenied when the municipality is not in their network."""
    require_actor(user)
    allowed = {m.pk for m in network_municipalities(user)}
    if municipality.pk not in allowed:
        raise PermissionDenied
    full = sees_all_contacts(user, municipality)
    roles = (
        GroupAdmin.objects.filter(
            group__municipality=municipality, group__status=Group.Status.ACTIVE, user__is_active=True
        )
        .select_related("user", "group", "group__area__sub_municipality")
        .order_by("user__last_name", "user__first_name", "user__username", "group__name")
    )
    if sub_municipality_id is not None:
        roles = roles.filter(group__area__sub_municipality_id=sub_municipality_id)
    sharing = {s.user_id: s for s in ContactSharing.objects.filter(user_id__in=[r.user_id for r in roles])}
    entries: dict[int, Entry] = {}
    for role in roles:
        person = role.user
        entry = entries.get(person.pk)
        if entry is None:
            chosen = sharing.get(person.pk)
            entry = entries[person.pk] = Entry(
                name=person.display_name,
                email=person.email if full or (chosen and chosen.show_email) else "",
                phone=person.phone if full or (chosen and chosen.show_phone) else "",
                is_you=person.pk == user.pk,
            )
        entry.groups.append((role.group.name, role.get_role_display()))
        sub = role.group.area.sub_municipality if role.group.area_id else None
        if sub is not None and sub.name not in entry.sub_municipalities:
            entry.sub_municipalities.append(sub.name)
    settings_row = NetworkSettings.objects.filter(municipality=municipality).first()
    own = municipality.pk in own_municipality_ids(user) or is_operator(user)
    link = settings_row.admins_group_link if settings_row and own else ""
    return Directory(municipality=municipality, entries=list(entries.values()), own=own, admins_group_link=link)


def contact_sharing_of(user) -> ContactSharing:
    return ContactSharing.objects.filter(user=user).first() or ContactSharing(user=user)


@transaction.atomic
def set_contact_sharing(*, actor, show_email: bool, show_phone: bool) -> ContactSharing:
    """An admin chooses what the network's other admins see of their contact details: only for
    themselves."""
    require_actor(actor)
    if not is_person(actor) or not GroupAdmin.objects.filter(user=actor).exists():
        raise PermissionDenied
    sharing, _created = ContactSharing.objects.update_or_create(
        user=actor, defaults={"show_email": show_email, "show_phone": show_phone, "updated_at": timezone.now()}
    )
    record(actor, AuditEvent.Action.NETWORK_CONTACTS_CHANGED, actor, show_email=show_email, show_phone=show_phone)
    return sharing


@transaction.atomic
def set_network_settings(
    *, actor, municipality: Municipality, share_with_neighbours: bool, admins_group_link: str
) -> NetworkSettings:
    """A coordinator of the municipality decides whether its admins are shown to the neighbouring
    municipalities' networks, and which WhatsApp group of admins the directory links to."""
    from apps.groups.services import clean_invite_link

    require_municipality(actor, municipality)
    try:
        link = clean_invite_link(admins_group_link)
    except ValidationError as exc:
        raise ValidationError(
            {
                "admins_group_link": _(
                    "Enter the WhatsApp group's invite link as WhatsApp gives it, like "
                    "https://chat.whatsapp.com/AbCdEf123456."
                )
            },
            code="invalid_invite_link",
        ) from exc
    row, _created = NetworkSettings.objects.update_or_create(
        municipality=municipality,
        defaults={
            "share_with_neighbours": share_with_neighbours,
            "admins_group_link": link,
            "updated_at": timezone.now(),
        },
    )
    record(
        actor,
        AuditEvent.Action.NETWORK_SETTINGS_CHANGED,
        municipality,
        share_with_neighbours=share_with_neighbours,
        admins_group_link=bool(link),
    )
    return row


__all__ = [
    "Directory",
    "Entry",
    "contact_sharing_of",
    "directory",
    "network_municipalities",
    "set_contact_sharing",
    "set_network_settings",
]
