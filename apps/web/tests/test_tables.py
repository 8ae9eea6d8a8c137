"""A table wider than a phone scrolls inside its own box; that box must be reachable with the
keyboard and named (axe-core: scrollable-region-focusable), and no table may widen the page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

TEMPLATES = Path(settings.BASE_DIR) / "templates"


def templates_with_tables() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*.html") if "<table" in p.read_text())


@pytest.mark.parametrize("path", templates_with_tables(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_every_table_sits_in_a_named_focusable_scroll_box(path):
    text = path.read_text()
    boxes = re.findall(r'<div class="table-scroll"([^>]*)>', text)
    assert len(boxes) == text.count("<table"), f"{path.name}: a table outside a .table-scroll box"
    for attributes in boxes:
        assert 'tabindex="0"' in attributes and 'role="region"' in attributes and "aria-label" in attributes, (
            f"{path.name}: the scroll box needs tabindex, role and a name"
        )
