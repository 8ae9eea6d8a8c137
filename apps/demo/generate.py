"""Deterministic generator of the demo world (boundaries, streets, address register, people,
open requests); :mod:`apps.demo.load` writes it to the database.

One ``random.Random(seed)`` makes every choice and every date counts from ``REFERENCE_DATE``, so
a seed always gives the same world. The places are invented: Heerlo is shaped like Heers in the
seed article, Maasveld is a small Dutch neighbour drawn against Heerlo's eastern edge.

What the world holds is fixed in :mod:`.plan`; boundaries, streets and houses are drawn in
:mod:`.drawing`, the residents made up in :mod:`.people`; this module puts them together.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import string

import shapely
from shapely.geometry import Polygon, box
from shapely.ops import polylabel

from .drawing import GRID, draw_outline, entry_target, fill_be, fill_nl, lonlat, tessellate, to_metres, union
from .logins import LOGINS
from .people import People, invite, moment
from .plan import (
    DEFAULT_SEED,
    ENTRY_ROADS,
    HEERLO_BOX,
    HEERLO_GROUPS,
    HEERLO_SUBS,
    MAASVELD_BOX,
    MAASVELD_GROUPS,
    MAASVELD_SPLIT_LAT,
    MAASVELD_WIJKEN,
    PENDING,
    POLICE_ZONE,
    REFERENCE_DATE,
    REMARKS,
    UNCOVERED,
)
from .world import DemoGroup, DemoMunicipality, DemoWorld, Membership, PendingApplication, Sign, StartRequest, Sub


def _groups(rng, people: People, country: str, plans, cells_by_key, subs_by_key, rules_day) -> list[DemoGroup]:
    """Groups with their members. The first member of each group is its admin, the second the
    co-admin where there is one: admins live in their area like everyone else."""
    groups = []
    for plan in plans:
        subs = [subs_by_key[k] for k in plan.cells]
        created = moment(rng, rules_day + dt.timedelta(days=rng.randint(7, 300)))
        houses = [h for sub in subs for h in sub.houses]
        sub_names = tuple(sub.name for sub in subs)
        group = DemoGroup(
            name=plan.name,
            slug=plan.slug,
            area_name=" en ".join(sub_names),
            sub_names=sub_names,
            geometry=union([cells_by_key[k] for k in plan.cells]),
            created_at=created,
            invite_link=invite(rng),
            description=(
                f"WhatsApp-buurtpreventie voor de inwoners van {' en '.join(sub_names)}. "
                "Alleen meldingen over veiligheid, geen chat. Eerst de politie bellen, dan de groep verwittigen."
            ),
        )
        span = (REFERENCE_DATE - created.date()).days
        for i, house in enumerate(rng.sample(houses, plan.members)):
            joined = created if i == 0 else moment(rng, created.date() + dt.timedelta(days=rng.randint(1, span - 1)))
            group.members.append(Membership(people.person(country), house, joined))
        group.members.sort(key=lambda m: m.joined_at)
        groups.append(group)
    return groups


def _pending(rng, people: People, municipality: DemoMunicipality) -> None:
    used = {m.house for g in municipality.groups for m in g.members}
    for group in municipality.groups:
        confirmed, submitted = PENDING.get(group.slug, (0, 0))
        subs = [s for s in municipality.subs if s.name in group.sub_names]
        free = [h for s in subs for h in s.houses if h not in used]
        for i, house in enumerate(rng.sample(free, confirmed + submitted)):
            person = people.person(municipality.country)
            municipality.applications.append(
                PendingApplication(group.slug, person, house, confirmed=i < confirmed, remark=rng.choice(REMARKS))
            )


# ---------------------------------------------------------------------------------------
# The two municipalities.


def _heerlo(rng, people: People) -> tuple[DemoMunicipality, Polygon]:
    outline = draw_outline(rng, HEERLO_BOX)
    pairs = [p.cells for p in HEERLO_GROUPS if len(p.cells) == 2]
    cells = tessellate(rng, outline, 4, 3, pairs)
    outline_m = to_metres(outline)
    municipal_centre = outline_m.centroid
    subs_by_key = {}
    signs_at: dict = {}
    for n, (key, (name, postcode)) in enumerate(sorted(HEERLO_SUBS.items(), key=lambda kv: (kv[0][1], kv[0][0]))):
        cell = cells[key]
        sub = Sub(name=name, code=f"73990{string.ascii_uppercase[n]}", polygon=cell)
        cell_m = to_metres(cell)
        centre = polylabel(cell_m, tolerance=5.0)
        entry = None
        if key in ENTRY_ROADS:
            outward = math.atan2(centre.y - municipal_centre.y, centre.x - municipal_centre.x)
            others = to_metres(union([c for k, c in cells.items() if k != key]))
            target = entry_target(cell_m, centre, outward, outline_m, others)
            if target is None:
                raise RuntimeError(f"No entry road found for {name}; try another seed.")
            entry = (ENTRY_ROADS[key], target)
            # The sign stands at the roadside 30 m inside the border, facing those who arrive.
            angle = math.atan2(centre.y - target.y, centre.x - target.x)
            signs_at[key] = (
                ENTRY_ROADS[key],
                lonlat(target.x + 30 * math.cos(angle), target.y + 30 * math.sin(angle)),
            )
        fill_be(rng, sub, cell_m, centre, postcode, entry)
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
        rules_published_at=moment(rng, rules_day),
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


def _maasveld(rng, people: People, heerlo_outline: Polygon) -> DemoMunicipality:
    region = shapely.difference(draw_outline(rng, MAASVELD_BOX, vertices=28), heerlo_outline, grid_size=GRID)
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
        cell_m = to_metres(cell)
        fill_nl(rng, sub, cell_m, polylabel(cell_m, tolerance=5.0), digits, "Maasveld")
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
        rules_published_at=moment(rng, rules_day),
    )
    _pending(rng, people, municipality)
    return municipality


def build(seed: int = DEFAULT_SEED) -> DemoWorld:
    rng = random.Random(seed)
    people = People(rng)
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
