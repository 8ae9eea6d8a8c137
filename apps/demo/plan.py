"""What the demo world holds: its two municipalities, their sub-municipalities and postcodes,
the groups drawn over them, the street signs' roads and the open requests. The generator
(:mod:`apps.demo.generate`) draws the rest from the seed."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.utils.text import slugify

DEFAULT_SEED = 2018
# The slugs of the two municipalities, by which the demo is found again in a database.
MUNICIPALITY_SLUGS = ("heerlo", "maasveld")
REFERENCE_DATE = dt.date(2026, 6, 1)
TIMEZONE = ZoneInfo("Europe/Brussels")

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

REMARKS = (
    "",
    "We wonen hier sinds kort en willen graag meedoen.",
    "Mijn buurman is al lid.",
    "",
    "Ik ben overdag meestal thuis.",
)
