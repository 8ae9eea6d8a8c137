"""Who may alert whom, about which places (ADR 0027).

Places: an incident lies where its sender looks after.

- a group admin (or co-admin): in their own groups' areas, or at most the municipality's
  ``incident_tolerance_m`` metres outside one of them;
- a coordinator: in the areas (and sub-municipality boundaries) of the municipality they
  coordinate, or at most its tolerance outside them, or at an address the register gives to
  that municipality;
- the police: the same for the municipalities of their zone;
- an operator and ``SYSTEM``: anywhere.

Someone holding several roles may do what any of them allows. Distances are metres in
ETRS89-LAEA (EPSG:3035, ``apps.areas.neighbours.to_metres``), the projection the areas'
neighbours are measured in, on both sides of the border.

Recipients: a relay reaches the groups of the areas the sender looks after (as above, without the
tolerance) and of the areas stored as their neighbours (``AreaNeighbour``), within at most the
radius of the sender's role (``BUURTWACHT_RELAY_RADIUS_*_M``). Red (urgent) goes out at once only
from those who may approve it (``may_decide``): the coordinators of the incident's municipality,
the police of its zone and operators; anyone else's red relay waits for their approval.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import shapely
from django.conf import settings
from django.utils.translation import gettext as _
from shapely.geometry import Point, shape

from apps.areas.models import Area, AreaNeighbour
from apps.areas.neighbours import to_metres
from apps.core.actors import is_operator, is_person, is_system
from apps.groups.models import Group
from apps.municipalities.models import Municipality, PoliceZone, SubMunicipality
from apps.municipalities.permissions import coordinated_municipality_ids, police_municipality_ids

# A degree of latitude is at least 110.5 km; boxes are widened generously, then measured exactly.
_METRES_PER_DEGREE = 110_000
_SAFETY = 1.5


@dataclass(frozen=True)
class Reach:
    """What a user looks after. ``everywhere``: an operator or the system."""

    everywhere: bool
    own_area_ids: frozenset[int]
    municipality_ids: frozenset[int]
    is_admin: bool
    is_coordinator: bool
    is_police: bool

    @property
    def radius_m(self) -> int:
        """The largest radius the user may relay within: the widest of their roles."""
        if self.everywhere:
            return 25_000
        caps = [0]
        if self.is_admin:
            caps.append(settings.BUURTWACHT_RELAY_RADIUS_ADMIN_M)
        if self.is_coordinator:
            caps.append(settings.BUURTWACHT_RELAY_RADIUS_COORDINATOR_M)
        if self.is_police:
            caps.append(settings.BUURTWACHT_RELAY_RADIUS_POLICE_M)
        return max(caps)


def reach_of(user) -> Reach:
    if is_system(user) or is_operator(user):
        return Reach(True, frozenset(), frozenset(), False, False, False)
    if not is_person(user):
        return Reach(False, frozenset(), frozenset(), False, False, False)
    own = frozenset(
        Group.objects.filter(admin_roles__user=user)
        .exclude(status=Group.Status.CLOSED)
        .values_list("area_id", flat=True)
    )
    coordinated = set(coordinated_municipality_ids(user))
    policed = set(police_municipality_ids(user))
    return Reach(
        everywhere=False,
        own_area_ids=own,
        municipality_ids=frozenset(coordinated | policed),
        is_admin=bool(own),
        is_coordinator=bool(coordinated),
        is_police=bool(policed),
    )


def _box(lon: float, lat: float, metres: float) -> dict:
    dlat = _SAFETY * metres / _METRES_PER_DEGREE
    dlon = dlat / max(math.cos(math.radians(min(89.0, abs(lat) + dlat))), 0.01)
    return {"lon": (lon - dlon, lon + dlon), "lat": (lat - dlat, lat + dlat)}


def _nearest(reach: Reach, lon: float, lat: float) -> tuple[float, int] | None:
    """(distance in metres, tolerance in metres) of the place the user looks after that is
    nearest to the point relative to its tolerance; None when they look after no place."""
    widest = max(Municipality.objects.values_list("incident_tolerance_m", flat=True), default=0)
    box = _box(lon, lat, widest)
    near = {
        "min_lon__lte": box["lon"][1],
        "max_lon__gte": box["lon"][0],
        "min_lat__lte": box["lat"][1],
        "max_lat__gte": box["lat"][0],
    }
    rows = list(
        Area.objects.filter(id__in=reach.own_area_ids)
        .filter(**near)
        .values_list("geometry", "municipality__incident_tolerance_m")
    )
    if reach.municipality_ids:
        rows += Area.objects.filter(municipality_id__in=reach.municipality_ids, **near).values_list(
            "geometry", "municipality__incident_tolerance_m"
        )
        rows += [
            (geometry, tolerance)
            for geometry, tolerance in SubMunicipality.objects.filter(
                municipality_id__in=reach.municipality_ids, geometry__isnull=False
            ).values_list("geometry", "municipality__incident_tolerance_m")
            if geometry
        ]
    looked_after = reach.own_area_ids or reach.municipality_ids
    if not rows:
        return (float("inf"), 0) if looked_after else None
    point = to_metres(Point(lon, lat))
    best = None
    for geometry, tolerance in rows:
        distance = float(shapely.distance(point, to_metres(shape(geometry))))
        if best is None or distance - tolerance < best[0] - best[1]:
            best = (distance, tolerance)
    return best


def place_refusal(user, *, lat: float, lon: float, address=None) -> str | None:
    """Why ``user`` may not record an incident at this point, or None when they may. ``address``
    is the register's address the point came from, when one was typed."""
    reach = reach_of(user)
    if reach.everywhere:
        return None
    if address is not None and address.municipality_id in reach.municipality_ids:
        return None
    nearest = _nearest(reach, lon, lat)
    if nearest is None:
        return _("You look after no area, so you cannot record incidents.")
    distance, tolerance = nearest
    if distance <= tolerance:
        return None
    if distance == float("inf"):
        return _(
            "This place lies far from the areas you look after. You can record incidents in those areas or at "
            "most a short distance outside them; tell the police or the admins of that area instead."
        )
    return _(
        "This place lies %(distance)s m from the nearest area you look after. You can record incidents in those "
        "areas or at most %(tolerance)s m outside them; tell the police or the admins of that area instead."
    ) % {"distance": f"{round(distance):d}", "tolerance": tolerance}


def relay_area_ids(user, known: Reach | None = None) -> set[int] | None:
    """The areas whose groups a relay of ``user`` may reach (None: every area): the areas they
    look after and the areas stored as neighbours of those. ``known``: ``reach_of(user)``, when
    the caller has just read it."""
    reach = known if known is not None else reach_of(user)
    if reach.everywhere:
        return None
    base = set(reach.own_area_ids)
    if reach.municipality_ids:
        base |= set(Area.objects.filter(municipality_id__in=reach.municipality_ids).values_list("id", flat=True))
    if not base:
        return set()
    neighbours = set(AreaNeighbour.objects.filter(area_id__in=base).values_list("neighbour_id", flat=True))
    return base | neighbours


def may_decide(user, municipality_id: int) -> bool:
    """Whether ``user`` sends red relays about incidents of this municipality at once and decides
    on the red relays others ask for there: its coordinators, the police of its zone, operators."""
    if is_system(user) or is_operator(user):
        return True
    if not is_person(user):
        return False
    return municipality_id in coordinated_municipality_ids(user) or municipality_id in police_municipality_ids(user)


def deciders_municipality_ids(user) -> set[int] | None:
    """The municipalities whose red relays ``user`` decides on (None: all)."""
    if is_system(user) or is_operator(user):
        return None
    if not is_person(user):
        return set()
    return set(coordinated_municipality_ids(user)) | set(police_municipality_ids(user))


def sender_of(user, incident) -> dict:
    """Who a relay about ``incident`` comes from, as Buurtwacht knows them: the role and the
    organisation, never a free display name alone. Kept with the relay; its words are chosen in
    the recipient's language by ``sender_label``."""
    if is_system(user) or is_operator(user):
        return {"role": "operator"}
    zone = PoliceZone.objects.filter(officers__user=user, municipalities=incident.municipality_id).first()
    if zone is not None:
        return {"role": "police", "zone": zone.name}
    if incident.municipality_id in coordinated_municipality_ids(user):
        return {"role": "coordinator", "municipality": incident.municipality.name}
    groups = Group.objects.filter(admin_roles__user=user).select_related("municipality").order_by("name")
    group = (
        groups.filter(pk=incident.group_id).first()
        or groups.filter(area_id=incident.area_id).first()
        or groups.filter(municipality_id=incident.municipality_id).first()
        or groups.first()
    )
    if group is not None:
        return {"role": "admin", "group": group.name, "municipality": group.municipality.name}
    zone = PoliceZone.objects.filter(officers__user=user).first()
    if zone is not None:
        return {"role": "police", "zone": zone.name}
    municipality = Municipality.objects.filter(coordinators__user=user).first()
    if municipality is not None:
        return {"role": "coordinator", "municipality": municipality.name}
    return {"role": "operator"}


def sender_label(sender: dict) -> str:
    """The sender in the active language: "Admin of group X, municipality Y", "Police zone Z"."""
    role = (sender or {}).get("role")
    if role == "admin":
        return _("Admin of group %(group)s, municipality %(municipality)s") % {
            "group": sender.get("group", ""),
            "municipality": sender.get("municipality", ""),
        }
    if role == "coordinator":
        return _("Coordinator of the municipality of %(municipality)s") % {
            "municipality": sender.get("municipality", "")
        }
    if role == "police":
        return _("Police zone %(zone)s") % {"zone": sender.get("zone", "")}
    return _("Buurtwacht operator")
