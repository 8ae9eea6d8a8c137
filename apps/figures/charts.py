"""Charts drawn on the server as inline SVG: no script, no style attribute (the CSP allows
neither), only SVG presentation attributes and the classes of ``static/css/figures.css``.
A chart is a picture of the table printed beside it; the template hides it from screen readers.

A suppressed cell ("< 5") is drawn as a short hatched stub and labelled as it is in the table."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.utils.formats import number_format

from .suppression import THRESHOLD, is_suppressed

WIDTH = 340  # the viewBox: at a phone's 360 px one unit is about one pixel
LABEL_WIDTH = 130
BAR_HEIGHT = 18
GAP = 6
COLUMN_AREA = 150


@dataclass(frozen=True)
class Bar:
    label: str
    text: str
    x: float
    y: float
    width: float
    height: float
    suppressed: bool
    label_x: float = 0
    label_y: float = 0
    text_x: float = 0
    text_y: float = 0


@dataclass(frozen=True)
class Chart:
    kind: str  # "bars" (horizontal, one row per label) or "columns" (one per month)
    width: int
    height: int
    bars: list[Bar]
    empty: bool
    baseline_y: float = 0


def _text(value) -> str:
    if value is None:
        return "–"
    if is_suppressed(value):
        return str(value)
    return number_format(value, force_grouping=True)


def _numeric(value) -> float:
    if value is None:
        return 0.0
    if is_suppressed(value):
        return THRESHOLD / 2
    return float(value)


def bars(rows: list[tuple[str, object]]) -> Chart:
    """Horizontal bars, a label on the left of each; for categories, groups, sub-municipalities."""
    top = max((_numeric(v) for _label, v in rows), default=0) or 1
    room = WIDTH - LABEL_WIDTH - 40
    result = []
    for i, (label, value) in enumerate(rows):
        y = i * (BAR_HEIGHT + GAP)
        width = max(room * _numeric(value) / top, 1 if _numeric(value) else 0)
        result.append(
            Bar(
                label=label if len(label) <= 18 else label[:17] + "…",
                text=_text(value),
                x=LABEL_WIDTH,
                y=y,
                width=round(width, 1),
                height=BAR_HEIGHT,
                suppressed=is_suppressed(value),
                label_x=LABEL_WIDTH - 4,
                label_y=y + BAR_HEIGHT - 5,
                text_x=round(LABEL_WIDTH + width + 4, 1),
                text_y=y + BAR_HEIGHT - 5,
            )
        )
    height = max(len(rows) * (BAR_HEIGHT + GAP), BAR_HEIGHT)
    return Chart("bars", WIDTH, height, result, empty=not any(_numeric(v) for _l, v in rows))


def columns(rows: list[tuple[str, object]]) -> Chart:
    """One column per month, its value above it and the month (MM) below; for time series."""
    top = max((_numeric(v) for _label, v in rows), default=0) or 1
    n = max(len(rows), 1)
    step = WIDTH / n
    width = max(step * 0.7, 1)
    result = []
    for i, (label, value) in enumerate(rows):
        h = COLUMN_AREA * _numeric(value) / top
        x = i * step + (step - width) / 2
        y = 20 + COLUMN_AREA - h
        # Up to 13 months: each month's number and value. Longer: every few months as YY-MM.
        short = n <= 13
        show_label = short or i % math.ceil(n / 6) == 0
        result.append(
            Bar(
                label=(label[5:] if short else label[2:]) if show_label else "",
                text=_text(value) if short else "",
                x=round(x, 1),
                y=round(y, 1),
                width=round(width, 1),
                height=round(h, 1),
                suppressed=is_suppressed(value),
                label_x=round(x + width / 2, 1),
                label_y=20 + COLUMN_AREA + 14,
                text_x=round(x + width / 2, 1),
                text_y=round(y - 4, 1),
            )
        )
    return Chart(
        "columns",
        WIDTH,
        20 + COLUMN_AREA + 20,
        result,
        empty=not any(_numeric(v) for _l, v in rows),
        baseline_y=20 + COLUMN_AREA,
    )
