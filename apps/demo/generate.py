"""Deterministic generator of the demo world (boundaries, streets, address register, people,
open requests); :mod:`apps.demo.load` writes it to the database.

One ``random.Random(seed)`` makes every choice and every date counts from ``REFERENCE_DATE``, so
a seed always gives the same world. The places are invented: Heerlo is shaped like Heers in the
seed article, Maasveld is a small Dutch neighbour drawn against Heerlo's eastern edge.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string
import unicodedata
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import shapely
from django.core.exceptions import ValidationError
from django.utils.text import slugify
from shapely.geometry import LineString, MultiPoint, Point, Polygon, box
from shapely.ops import polylabel

from apps.core.phones import normalize_mobile

from . import names
from .logins import LOGINS

DEFAULT_SEED = 2018
REFERENCE_DATE = dt.date(2026, 6, 1)
TIMEZONE = ZoneInfo("Europe/Brussels")

# Geometry is made in metres on a local plane and stored in WGS84 snapped to a 1e-6 degree
# grid (about 10 cm): neighbouring cells then share their borders exactly, and the union of
# two of them is one clean polygon.
GRID = 1e-6
_ORIGIN = (5.2, 50.7)
_M_PER_DEG_LAT = 110_540.0
_M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(50.76))
# Houses keep this distance (metres) from every border, so no address lies on the edge
# between two areas and every lookup has one answer.
BORDER_MARGIN = 40.0

HEERLO_BOX = (5.20, 50.72, 5.35, 50.80)
# The west of this box lies inside Heerlo: subtracting Heerlo leaves Maasveld with Heerlo's
# eastern outline as its western border, the national border.
MAASVELD_BOX = (5.30, 50.732, 5.45, 50.788)
MAASVELD_SPLIT_LAT = 50.76

# The 4 x 3 grid of Heerlo's sub-municipalities, (column, row) from the south-west corner.
HEERLO_SUBS: dict[tuple[int, int], tuple[str, str]] = {
    (0, 0): ("Rommelingen-Donk", "3871"),
    (1, 0): ("Wolderkoven", "3872"),
    (2, 0): ("Bastelingen", "3873"),
    (3, 0): ("Groot-Vennemaal", "3874"),
    (0, 1): ("Horsendaal", "3875"),
    (1, 1): ("Heerlo", "3876"),
    (2, 1): ("Merkel-Bovenhoek", "3877"),
    (3, 1): ("Klein-Vennemaal", "3878"),
    (0, 2): ("Opheerlo", "3879"),
    (1, 2): ("Schelvoort", "3880"),
    (2, 2): ("Duifkerke", "3881"),
    (3, 2): ("Gelmerode", "3882"),
}
UNCOVERED = (0, 0)

# Where the nine street signs stand: the road leaving each covered sub-municipality on the
# municipal border (the two in the middle of the grid have no border).
ENTRY_ROADS: dict[tuple[int, int], str] = {
    (1, 0): "Luikersteenweg",
    (2, 0): "Romeinse Kassei",
    (3, 0): "Tongersesteenweg",
    (0, 1): "Oude Heirbaan",
    (3, 1): "Maasveldersteenweg",
    (0, 2): "Hasseltsesteenweg",
    (1, 2): "Kortenbosweg",
    (2, 2): "Galgenweg",
    (3, 2): "Bilzersteenweg",
}


@dataclass(frozen=True)
class GroupPlan:
    name: str
    cells: tuple
    members: int

    @property
    def slug(self) -> str:
        return slugify(self.name)


# Eight groups over eleven sub-municipalities: three of them span two neighbouring ones.
HEERLO_GROUPS = (
    GroupPlan("Merkel-Bovenhoek", ((2, 1),), 85),
    GroupPlan("Heerlo-Centrum", ((1, 1),), 52),
    GroupPlan("Vennemaal", ((3, 0), (3, 1)), 41),
    GroupPlan("Horsendaal en Opheerlo", ((0, 1), (0, 2)), 38),
    GroupPlan("Wolderkoven en Bastelingen", ((1, 0), (2, 0)), 36),
    GroupPlan("Schelvoort", ((1, 2),), 30),
    GroupPlan("Duifkerke", ((2, 2),), 26),
    GroupPlan("Gelmerode", ((3, 2),), 22),
)
MAASVELD_WIJKEN = (("Oud-Maasveld", "6231", "north"), ("Kaldenveld", "6232", "south"))
MAASVELD_GROUPS = (GroupPlan("Oud-Maasveld", ("Oud-Maasveld",), 14), GroupPlan("Kaldenveld", ("Kaldenveld",), 9))

# Open applications per group: (confirmed, only submitted).
PENDING = {"merkel-bovenhoek": (2, 1), "heerlo-centrum": (1, 1), "oud-maasveld": (1, 0)}
POLICE_ZONE = "PZ Kanton Heerlo"

_REMARKS = (
    "",
    "We wonen hier sinds kort en willen graag meedoen.",
    "Mijn buurman is al lid.",
    "",
    "Ik ben overdag meestal thuis.",
)


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    birth_date: dt.date
    phone: str
    email: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


@dataclass(frozen=True)
class House:
    street: str
    number: int
    addition: str
    postcode: str
    town: str
    lon: float
    lat: float

    @property
    def house_number(self) -> str:
        return f"{self.number}{self.addition}"


@dataclass
class Sub:
    name: str
    code: str
    polygon: Polygon
    houses: list[House] = field(default_factory=list)


@dataclass(frozen=True)
class Membership:
    person: Person
    house: House
    joined_at: dt.datetime


@dataclass
class DemoGroup:
    name: str
    slug: str
    area_name: str
    sub_names: tuple[str, ...]
    geometry: Polygon
    created_at: dt.datetime
    invite_link: str
    description: str
    members: list[Membership] = field(default_factory=list)


@dataclass(frozen=True)
class Sign:
    road: str
    lon: float
    lat: float
    group_slug: str
    placed_on: dt.date


@dataclass(frozen=True)
class PendingApplication:
    group_slug: str
    person: Person
    house: House
    confirmed: bool
    remark: str


@dataclass(frozen=True)
class StartRequest:
    person: Person
    house: House
    message: str


@dataclass
class DemoMunicipality:
    name: str
    slug: str
    code: str
    country: str
    outline: Polygon
    subs: list[Sub]
    groups: list[DemoGroup]
    coordinator: Person
    rules_published_at: dt.datetime
    signs: list[Sign] = field(default_factory=list)
    applications: list[PendingApplication] = field(default_factory=list)
    start_requests: list[StartRequest] = field(default_factory=list)

    @property
    def houses(self) -> list[House]:
        return [h for sub in self.subs for h in sub.houses]

    @property
    def contact_email(self) -> str:
        return f"buurtpreventie.{self.slug}@example.org"


@dataclass
class DemoWorld:
    seed: int
    municipalities: list[DemoMunicipality]
    police_zone: str
    police: Person

    def municipality(self, slug: str) -> DemoMunicipality:
        return next(m for m in self.municipalities if m.slug == slug)


# ---------------------------------------------------------------------------------------
# Coordinates: metres on a local plane <-> WGS84.


def _to_metres(geom):
    return shapely.transform(geom, lambda c: (c - _ORIGIN) * (_M_PER_DEG_LON, _M_PER_DEG_LAT), include_z=False)


def _lonlat(x: float, y: float) -> tuple[float, float]:
    return round(x / _M_PER_DEG_LON + _ORIGIN[0], 6), round(y / _M_PER_DEG_LAT + _ORIGIN[1], 6)


# ---------------------------------------------------------------------------------------
# Boundaries.


def _outline(rng: random.Random, bounds: tuple[float, float, float, float], vertices: int = 40) -> Polygon:
    """A rounded, slightly ragged outline inside ``bounds`` (degrees)."""
    min_lon, min_lat, max_lon, max_lat = bounds
    cx, cy = (min_lon + max_lon) / 2, (min_lat + max_lat) / 2
    rx, ry = (max_lon - min_lon) / 2, (max_lat - min_lat) / 2
    points = []
    for i in range(vertices):
        t = 2 * math.pi * i / vertices
        c, s = math.cos(t), math.sin(t)
        # A superellipse fills the box better than an ellipse, so the corner cells keep a fair size.
        r = (abs(c) ** 4 + abs(s) ** 4) ** -0.25 * rng.uniform(0.9, 1.0)
        points.append((cx + rx * r * c, cy + ry * r * s))
    return shapely.set_precision(Polygon(points), GRID)


def _tessellate(rng: random.Random, outline: Polygon, cols: int, rows: int, pairs) -> dict:
    """Voronoi cells of a jittered grid, clipped to ``outline``: {(column, row): Polygon}.

    Draws again until every cell is one polygon and every pair in ``pairs`` shares a border,
    so that a group spanning two cells gets one connected area.
    """
    min_lon, min_lat, max_lon, max_lat = outline.bounds
    w, h = (max_lon - min_lon) / cols, (max_lat - min_lat) / rows
    envelope = box(*outline.buffer(0.1).bounds)
    for _attempt in range(100):
        sites = {
            (c, r): Point(
                min_lon + (c + 0.5 + rng.uniform(-0.2, 0.2)) * w, min_lat + (r + 0.5 + rng.uniform(-0.2, 0.2)) * h
            )
            for r in range(rows)
            for c in range(cols)
        }
        if not all(outline.contains(p) for p in sites.values()):
            continue
        regions = list(shapely.voronoi_polygons(MultiPoint(list(sites.values())), extend_to=envelope).geoms)
        cells = {}
        for key, site in sites.items():
            region = next(g for g in regions if g.contains(site))
            cells[key] = shapely.intersection(shapely.set_precision(region, GRID), outline, grid_size=GRID)
        if not all(isinstance(cell, Polygon) and cell.is_valid for cell in cells.values()):
            continue
        if all(isinstance(_union([cells[a], cells[b]]), Polygon) for a, b in pairs):
            return cells
    raise RuntimeError("Could not draw the demo sub-municipalities; try another seed.")


def _union(polygons) -> Polygon:
    return shapely.union_all(polygons, grid_size=GRID)


# ---------------------------------------------------------------------------------------
# Streets and houses, in metres.


def _clip_from(line: LineString, inner) -> LineString | None:
    """The part of ``line`` inside ``inner`` that starts nearest to the line's start."""
    clipped = line.intersection(inner)
    parts = [g for g in getattr(clipped, "geoms", [clipped]) if isinstance(g, LineString) and not g.is_empty]
    if not parts:
        return None
    start = Point(line.coords[0])
    return min(parts, key=lambda g: g.distance(start))


def _ray(origin: Point, angle: float, start: float, length: float) -> LineString:
    dx, dy = math.cos(angle), math.sin(angle)
    return LineString(
        [
            (origin.x + dx * start, origin.y + dy * start),
            (origin.x + dx * (start + length), origin.y + dy * (start + length)),
        ]
    )


def _entry_target(cell: Polygon, centre: Point, outward: float, outline: Polygon, neighbours) -> Point | None:
    """The point on the municipal border where the cell's entry road leaves, roughly in the
    ``outward`` direction and well away from the neighbouring cells."""
    border = shapely.segmentize(outline.exterior, 25.0)
    candidates = []
    for x, y in border.coords[:-1]:
        p = Point(x, y)
        if cell.distance(p) > 0.5 or neighbours.distance(p) < 250:
            continue
        angle = math.atan2(y - centre.y, x - centre.x)
        off = abs((angle - outward + math.pi) % (2 * math.pi) - math.pi)
        candidates.append((off, x, y))
    for _off, x, y in sorted(candidates):
        road = LineString([(centre.x, centre.y), (x, y)])
        if cell.buffer(0.5).covers(road):
            return Point(x, y)
    return None


@dataclass
class _Street:
    name: str
    line: LineString


def _streets(rng, cell: Polygon, centre: Point, pool: list[str], entry: tuple[str, Point] | None) -> list[_Street]:
    inner = cell.buffer(-BORDER_MARGIN)
    streets = []
    taken = []
    if entry is not None:
        road_name, target = entry
        angle = math.atan2(target.y - centre.y, target.x - centre.x)
        line = _clip_from(_ray(centre, angle, 60, centre.distance(target)), inner)
        if line is not None:
            streets.append(_Street(road_name, line))
            taken.append(angle)
    base = rng.uniform(0, 2 * math.pi)
    count = rng.randint(4, 6)
    names = iter(rng.sample(pool, count + 2))
    for i in range(count):
        angle = base + i * 2 * math.pi / count + rng.uniform(-0.25, 0.25)
        # Leave room around the entry road: two streets on top of each other look wrong on the map.
        if any(abs((angle - a + math.pi) % (2 * math.pi) - math.pi) < 0.5 for a in taken):
            continue
        line = _clip_from(_ray(centre, angle, 60, rng.uniform(450, 1100)), inner)
        if line is not None and line.length > 150:
            streets.append(_Street(next(names), line))
            taken.append(angle)
    # A street across one of the radial ones, as villages grow along a second road.
    if streets:
        spine = streets[rng.randrange(len(streets))].line
        mid = spine.interpolate(rng.uniform(0.4, 0.7), normalized=True)
        (x0, y0), (x1, y1) = spine.coords[0], spine.coords[-1]
        angle = math.atan2(y1 - y0, x1 - x0) + math.pi / 2
        half = rng.uniform(200, 400)
        cross = _ray(Point(mid.x - math.cos(angle) * half, mid.y - math.sin(angle) * half), angle, 0, 2 * half)
        line = _clip_from(cross, inner)
        if line is not None and line.length > 150:
            streets.append(_Street(next(names), line))
    return streets


def _houses(rng, street: _Street, inner, first_number: int) -> list[tuple[int, str, float, float]]:
    """Houses on both sides of ``street``: odd numbers left, even right, from ``first_number``
    (odd). Returns (number, addition, x, y) in metres; plots may stay empty."""
    line = street.line
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    length = math.hypot(x1 - x0, y1 - y0)
    ux, uy = (x1 - x0) / length, (y1 - y0) / length
    spacing = rng.uniform(20, 32)
    houses = []
    for i in range(int(length // spacing) + 1):
        d = min(length, i * spacing + rng.uniform(-0.2, 0.2) * spacing)
        px, py = x0 + ux * d, y0 + uy * d
        for side, number in ((1, first_number + 2 * i), (-1, first_number + 2 * i + 1)):
            if rng.random() < 0.2:  # a field, a barn, a gap between farms
                continue
            setback = side * rng.uniform(10, 20)
            hx, hy = px - uy * setback, py + ux * setback
            if not inner.contains(Point(hx, hy)):
                continue
            houses.append((number, "", hx, hy))
            # A few houses are split into an upstairs and a downstairs flat.
            if rng.random() < 0.05:
                houses.append((number, "A", hx + 3, hy))
                if rng.random() < 0.3:
                    houses.append((number, "B", hx + 6, hy))
    return houses


def _letter_pairs():
    for a in string.ascii_uppercase:
        for b in string.ascii_uppercase:
            if a + b not in ("SA", "SD", "SS"):  # never issued in the Netherlands
                yield a + b


def _fill_be(rng, sub: Sub, cell_m: Polygon, centre: Point, postcode: str, entry) -> None:
    """Belgian register: one postcode per sub-municipality. The register's key is postcode +
    house number, so each street continues the numbering where the previous one ended."""
    inner = cell_m.buffer(-BORDER_MARGIN)
    next_number = 1
    for street in _streets(rng, cell_m, centre, list(names.STREETS_BE), entry):
        numbers = _houses(rng, street, inner, next_number)
        for number, addition, x, y in numbers:
            lon, lat = _lonlat(x, y)
            sub.houses.append(House(street.name, number, addition, postcode, sub.name, lon, lat))
        highest = max((n for n, _a, _x, _y in numbers), default=next_number)
        next_number = highest + 1 if highest % 2 == 0 else highest + 2


def _fill_nl(rng, sub: Sub, cell_m: Polygon, centre: Point, digits: str, town: str) -> None:
    """Dutch register: house numbers 1..N per street, a new postcode (letter pair) every
    stretch of about a dozen houses along a street, as PostNL assigns them."""
    inner = cell_m.buffer(-BORDER_MARGIN)
    pairs = _letter_pairs()
    for street in _streets(rng, cell_m, centre, list(names.STREETS_NL), None):
        postcode, in_stretch, stretch = "", 0, 0
        for number, addition, x, y in _houses(rng, street, inner, 1):
            # A flat (12A) keeps the postcode of its house.
            if not postcode or (in_stretch >= stretch and not addition):
                postcode, in_stretch, stretch = f"{digits} {next(pairs)}", 0, rng.randint(10, 16)
            in_stretch += 1
            lon, lat = _lonlat(x, y)
            sub.houses.append(House(street.name, number, addition, postcode, town, lon, lat))


# ---------------------------------------------------------------------------------------
# People.


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if ch.isascii() and ch.isalnum()).lower()


class _People:
    """Invented residents with phone numbers and e-mail addresses unique across the world."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.phones: set[str] = set()
        self.emails: set[str] = set()

    def person(self, country: str) -> Person:
        rng = self.rng
        first = rng.choice(names.FIRST_NAMES_BE if country == "BE" else names.FIRST_NAMES_NL)
        last = rng.choice(names.LAST_NAMES_BE if country == "BE" else names.LAST_NAMES_NL)
        # Adults of every age, the way neighbourhood-watch groups are: few under 25, many over 50.
        age_days = int(rng.triangular(19 * 365.25 + 10, 88 * 365.25, 58 * 365.25))
        birth = REFERENCE_DATE - dt.timedelta(days=age_days)
        return Person(first, last, birth, self._phone(country), self._email(first, last))

    def _phone(self, country: str) -> str:
        while True:
            if country == "BE":
                raw = f"+3247{self.rng.randint(0, 9)}{self.rng.randint(0, 999_999):06d}"
            else:
                raw = f"+316{self.rng.randint(10_000_000, 59_999_999)}"
            try:
                phone = normalize_mobile(raw, country)
            except ValidationError:
                continue
            if phone not in self.phones:
                self.phones.add(phone)
                return phone

    def _email(self, first: str, last: str) -> str:
        base = f"{_ascii(first)}.{_ascii(last)}"
        email, n = f"{base}@example.org", 2
        while email in self.emails:
            email, n = f"{base}{n}@example.org", n + 1
        self.emails.add(email)
        return email


def _moment(rng, day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(7, 21), rng.randint(0, 59)), tzinfo=TIMEZONE)


def _invite(rng) -> str:
    # Marked DEMO so nobody mistakes it for a real group's link.
    return "https://chat.whatsapp.com/DEMO" + "".join(
        rng.choice(string.ascii_letters + string.digits) for _ in range(18)
    )


def _groups(rng, people: _People, country: str, plans, cells_by_key, subs_by_key, rules_day) -> list[DemoGroup]:
    """Groups with their members. The first member of each group is its admin, the second the
    co-admin where there is one: admins live in their area like everyone else."""
    groups = []
    for plan in plans:
        subs = [subs_by_key[k] for k in plan.cells]
        created = _moment(rng, rules_day + dt.timedelta(days=rng.randint(7, 300)))
        houses = [h for sub in subs for h in sub.houses]
        sub_names = tuple(sub.name for sub in subs)
        group = DemoGroup(
            name=plan.name,
            slug=plan.slug,
            area_name=" en ".join(sub_names),
            sub_names=sub_names,
            geometry=_union([cells_by_key[k] for k in plan.cells]),
            created_at=created,
            invite_link=_invite(rng),
            description=(
                f"WhatsApp-buurtpreventie voor de inwoners van {' en '.join(sub_names)}. "
                "Alleen meldingen over veiligheid, geen chat. Eerst de politie bellen, dan de groep verwittigen."
            ),
        )
        span = (REFERENCE_DATE - created.date()).days
        for i, house in enumerate(rng.sample(houses, plan.members)):
            joined = created if i == 0 else _moment(rng, created.date() + dt.timedelta(days=rng.randint(1, span - 1)))
            group.members.append(Membership(people.person(country), house, joined))
        group.members.sort(key=lambda m: m.joined_at)
        groups.append(group)
    return groups


def _pending(rng, people: _People, municipality: DemoMunicipality) -> None:
    used = {m.house for g in municipality.groups for m in g.members}
    for group in municipality.groups:
        confirmed, submitted = PENDING.get(group.slug, (0, 0))
        subs = [s for s in municipality.subs if s.name in group.sub_names]
        free = [h for s in subs for h in s.houses if h not in used]
        for i, house in enumerate(rng.sample(free, confirmed + submitted)):
            person = people.person(municipality.country)
            municipality.applications.append(
                PendingApplication(group.slug, person, house, confirmed=i < confirmed, remark=rng.choice(_REMARKS))
            )


# ---------------------------------------------------------------------------------------
# The two municipalities.


def _heerlo(rng, people: _People) -> tuple[DemoMunicipality, Polygon]:
    outline = _outline(rng, HEERLO_BOX)
    pairs = [p.cells for p in HEERLO_GROUPS if len(p.cells) == 2]
    cells = _tessellate(rng, outline, 4, 3, pairs)
    outline_m = _to_metres(outline)
    municipal_centre = outline_m.centroid
    subs_by_key = {}
    signs_at: dict = {}
    for n, (key, (name, postcode)) in enumerate(sorted(HEERLO_SUBS.items(), key=lambda kv: (kv[0][1], kv[0][0]))):
        cell = cells[key]
        sub = Sub(name=name, code=f"73990{string.ascii_uppercase[n]}", polygon=cell)
        cell_m = _to_metres(cell)
        centre = polylabel(cell_m, tolerance=5.0)
        entry = None
        if key in ENTRY_ROADS:
            outward = math.atan2(centre.y - municipal_centre.y, centre.x - municipal_centre.x)
            others = _to_metres(_union([c for k, c in cells.items() if k != key]))
            target = _entry_target(cell_m, centre, outward, outline_m, others)
            if target is None:
                raise RuntimeError(f"No entry road found for {name}; try another seed.")
            entry = (ENTRY_ROADS[key], target)
            # The sign stands at the roadside 30 m inside the border, facing those who arrive.
            angle = math.atan2(centre.y - target.y, centre.x - target.x)
            signs_at[key] = (
                ENTRY_ROADS[key],
                _lonlat(target.x + 30 * math.cos(angle), target.y + 30 * math.sin(angle)),
            )
        _fill_be(rng, sub, cell_m, centre, postcode, entry)
        subs_by_key[key] = sub
    rules_day = REFERENCE_DATE - dt.timedelta(days=1300)
    municipality = DemoMunicipality(
        name="Heerlo",
        slug="heerlo",
        code="73990",
        country="BE",
        outline=outline,
        subs=[subs_by_key[k] for k in sorted(subs_by_key, key=lambda k: (k[1], k[0]))],
        groups=_groups(rng, people, "BE", HEERLO_GROUPS, cells, subs_by_key, rules_day),
        coordinator=people.person("BE"),
        rules_published_at=_moment(rng, rules_day),
    )
    slug_by_key = {k: p.slug for p in HEERLO_GROUPS for k in p.cells}
    placed = REFERENCE_DATE - dt.timedelta(days=40)
    for key in sorted(signs_at, key=lambda k: (k[1], k[0])):
        road, (lon, lat) = signs_at[key]
        municipality.signs.append(Sign(road, lon, lat, slug_by_key[key], placed))
    _pending(rng, people, municipality)
    uncovered = subs_by_key[UNCOVERED]
    municipality.start_requests.append(
        StartRequest(
            people.person("BE"),
            rng.choice(uncovered.houses),
            f"In {uncovered.name} is er nog geen WhatsApp-groep. Een tiental buren wil meedoen; "
            "ik wil de groep graag beheren.",
        )
    )
    return municipality, outline


def _maasveld(rng, people: _People, heerlo_outline: Polygon) -> DemoMunicipality:
    region = shapely.difference(_outline(rng, MAASVELD_BOX, vertices=28), heerlo_outline, grid_size=GRID)
    if not isinstance(region, Polygon):
        region = max(region.geoms, key=lambda g: g.area)
    min_lon, min_lat, max_lon, max_lat = region.bounds
    halves = {
        "north": box(min_lon - 1, MAASVELD_SPLIT_LAT, max_lon + 1, max_lat + 1),
        "south": box(min_lon - 1, min_lat - 1, max_lon + 1, MAASVELD_SPLIT_LAT),
    }
    subs_by_key, cells = {}, {}
    for n, (name, digits, half) in enumerate(MAASVELD_WIJKEN):
        cell = shapely.intersection(region, halves[half], grid_size=GRID)
        sub = Sub(name=name, code=f"WK9971{n:02d}", polygon=cell)
        cell_m = _to_metres(cell)
        _fill_nl(rng, sub, cell_m, polylabel(cell_m, tolerance=5.0), digits, "Maasveld")
        subs_by_key[name] = sub
        cells[name] = cell
    rules_day = REFERENCE_DATE - dt.timedelta(days=900)
    municipality = DemoMunicipality(
        name="Maasveld",
        slug="maasveld",
        code="GM9971",
        country="NL",
        outline=region,
        subs=list(subs_by_key.values()),
        groups=_groups(rng, people, "NL", MAASVELD_GROUPS, cells, subs_by_key, rules_day),
        coordinator=people.person("NL"),
        rules_published_at=_moment(rng, rules_day),
    )
    _pending(rng, people, municipality)
    return municipality


def build(seed: int = DEFAULT_SEED) -> DemoWorld:
    rng = random.Random(seed)
    people = _People(rng)
    heerlo, outline = _heerlo(rng, people)
    maasveld = _maasveld(rng, people, outline)
    world = DemoWorld(seed=seed, municipalities=[heerlo, maasveld], police_zone=POLICE_ZONE, police=people.person("BE"))
    _check_logins(world)
    return world


def _check_logins(world: DemoWorld) -> None:
    """logins.py is written by hand; it must name exactly the groups and places built here."""
    groups = {g.slug for m in world.municipalities for g in m.groups}
    scopes = {
        "admin": groups,
        "co-admin": groups,
        "coordinator": {m.slug for m in world.municipalities},
        "police": {world.police_zone},
        "superuser": {""},
    }
    for login in LOGINS:
        if login.scope not in scopes[login.role]:
            raise RuntimeError(f"Demo login {login.username} points at unknown {login.role} scope {login.scope!r}.")
    admined = {x.scope for x in LOGINS if x.role == "admin"}
    if admined != groups:
        raise RuntimeError(f"Every demo group needs exactly one admin login; missing: {sorted(groups - admined)}")
