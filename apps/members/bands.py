"""Member counts as they are published: in bands, never exactly. A small group's exact count,
followed over time, tells who joined or left; the open data and the privacy page use these."""

from __future__ import annotations

# (lowest count, label); the label is what the open data says, the same in every language.
MEMBER_BANDS = [(0, "fewer than 10"), (10, "10-24"), (25, "25-49"), (50, "50-99"), (100, "100 or more")]


def member_band(count: int) -> str:
    """The band a group's member count falls in."""
    label = MEMBER_BANDS[0][1]
    for lowest, name in MEMBER_BANDS:
        if count >= lowest:
            label = name
    return label


def band_labels() -> list[str]:
    return [name for _lowest, name in MEMBER_BANDS]
