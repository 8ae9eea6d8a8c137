"""Dates on the pages read as Dutch and French write them: "7 dec 2026", "7 déc. 2026", not the
English-style "7 Dec 2026" that the format character ``M`` gives in every language."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import translation

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# A ``date`` filter's format, and in it an unescaped M.
DATE_FORMAT = re.compile(r'\|date:"([^"]*)"')


def _unescaped_m(fmt: str) -> bool:
    return bool(re.search(r"(?<!\\)M", fmt))


def test_no_template_writes_a_month_as_M():
    offending = [
        f"{path.relative_to(TEMPLATES)}: {fmt}"
        for path in TEMPLATES.rglob("*.html")
        for fmt in DATE_FORMAT.findall(path.read_text(encoding="utf-8"))
        if _unescaped_m(fmt)
    ]
    assert not offending, offending


@pytest.mark.parametrize(("language", "shown"), [("nl", "7 dec 2026, 06:11"), ("fr", "7 déc. 2026, 06:11")])
def test_the_short_month_is_the_languages_own(language, shown):
    moment = dt.datetime(2026, 12, 7, 6, 11)
    with translation.override(language):
        assert Template('{{ when|date:"j N Y, H:i" }}').render(Context({"when": moment})) == shown
