"""scripts/check_pins.py: which pins are behind the newest patch of their line (fixed data, no network)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from django.conf import settings
from packaging.version import Version

_spec = importlib.util.spec_from_file_location("check_pins", Path(settings.BASE_DIR) / "scripts" / "check_pins.py")
check_pins = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("check_pins", check_pins)  # its dataclass looks its module up there
_spec.loader.exec_module(check_pins)

DJANGO = ["6.0.1", "6.0", "6.0rc1", "5.2.19", "5.2.18", "5.2.9", "5.2.8", "5.2", "5.1.15", "5.2.20a1"]


def test_a_pin_behind_its_line_is_flagged_with_the_newest_patch():
    verdict = check_pins.judge("Django", "5.2.8", DJANGO)
    assert verdict.behind and verdict.newest_patch == Version("5.2.19")
    assert verdict.newest == Version("6.0.1") and verdict.newer_line


def test_the_newest_patch_of_its_line_is_not_flagged_but_a_newer_line_is_named():
    verdict = check_pins.judge("Django", "5.2.19", DJANGO)
    assert not verdict.behind and verdict.newer_line
    assert check_pins.report([verdict]) == ["info    Django==5.2.19: newest of its line; 6.0.1 is out"]


def test_pre_releases_and_other_lines_do_not_count():
    assert not check_pins.judge("Django", "5.2.19", ["5.2.20a1", "5.2.20rc1", "5.2.20.dev1", "nonsense"]).behind
    assert not check_pins.judge("celery", "5.5.3", ["5.6.3", "5.5.3", "5.5.2", "4.4.7"]).behind
    assert check_pins.judge("celery", "5.5.2", ["5.6.3", "5.5.3"]).newest_patch == Version("5.5.3")


def test_two_part_and_zero_major_versions():
    assert check_pins.line(Version("2.17")) == (2, 17)
    assert check_pins.line(Version("4")) == (4, 0)
    assert check_pins.judge("import-linter", "2.17", ["2.17", "2.16"]).behind is False
    assert check_pins.judge("django-leaflet", "0.31.0", ["0.34.0", "0.31.1"]).newest_patch == Version("0.31.1")
    assert check_pins.judge("django-csp", "4.0", ["4.0.1", "4.1"]).newest_patch == Version("4.0.1")


def test_a_pin_newer_than_the_index_is_not_behind():
    verdict = check_pins.judge("pillow", "13.0.0", ["12.3.0"])
    assert not verdict.behind and not verdict.newer_line


def test_the_report_and_the_pins(tmp_path):
    verdict = check_pins.judge("Django", "5.2.8", DJANGO)
    assert check_pins.report([verdict]) == ["BEHIND  Django==5.2.8: 5.2.19 is the newest of 5.2"]
    requirements = tmp_path / "base.txt"
    requirements.write_text(
        "# comment\n-r other.txt\nDjango==5.2.19\npsycopg[binary]==3.2.13  # driver\n"
        "loose>=1\nx==1.0; python_version<'4'\n"
    )
    assert check_pins.pins([requirements]) == [("Django", "5.2.19"), ("psycopg", "3.2.13"), ("x", "1.0")]


def test_the_index_answer_is_read():
    answer = "Django (5.2.19)\nAvailable versions: 5.2.19, 5.2.18, 5.2.8\n  INSTALLED: 5.2.19\n  LATEST:    6.0.1\n"
    assert check_pins.parse_index_answer(answer) == ["5.2.19", "5.2.18", "5.2.8"]
    assert check_pins.parse_index_answer("ERROR: No matching distribution found for nothing") == []


def test_every_pin_of_the_requirements_is_read():
    names = {name for name, _ in check_pins.pins()}
    assert {"Django", "django-csp", "waitress", "pytest", "ruff"} <= names
