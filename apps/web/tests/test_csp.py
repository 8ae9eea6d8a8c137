"""The Content-Security-Policy: its directives, the tile server allowed for images, and templates
without inline script, event handler attributes or style attributes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from apps.web.csp import directives, tile_source


@pytest.mark.parametrize(
    ("tile_url", "source"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.openstreetmap.fr/osmfr/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.fr"),
        (
            "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/standaard/EPSG:3857/{z}/{x}/{y}.png",
            "https://service.pdok.nl",
        ),
        ("http://tiles.internal:8080/{z}/{x}/{y}.png", "http://tiles.internal:8080"),
        ("", None),
    ],
)
def test_the_tile_server_is_allowed_for_images(tile_url, source):
    assert tile_source(tile_url) == source
    images = directives(tile_url)["img-src"]
    assert images[:2] == ["'self'", "data:"]
    assert images[2:] == ([source] if source else [])


def test_the_policy_is_strict():
    policy = directives("https://tile.openstreetmap.org/{z}/{x}/{y}.png")
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


@pytest.mark.django_db
def test_pages_are_sent_with_the_policy(client):
    response = client.get(reverse("public:home"))
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "object-src 'none'" in policy and "frame-ancestors 'none'" in policy


TEMPLATE_DIRS = [Path(settings.BASE_DIR) / "templates", *Path(settings.BASE_DIR, "apps").glob("*/templates")]
SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>", re.S | re.I)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*?\son[a-z]+\s*=", re.I | re.S)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*?\sstyle\s*=", re.I | re.S)
STYLE_ELEMENT = re.compile(r"<style\b", re.I)
JAVASCRIPT_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.I)


def _templates():
    for directory in TEMPLATE_DIRS:
        yield from sorted(directory.rglob("*.html"))


def inline_code(text: str) -> list[str]:
    """What a strict policy blocks in a template: a script element with code (a data block such as
    ``json_script``'s ``application/json`` is not code), an ``on...=`` attribute, a ``style``
    attribute or element, a ``javascript:`` URL."""
    found = []
    for attributes, body in SCRIPT.findall(text):
        if "src=" in attributes:
            if body.strip():
                found.append("script with src and code")
        elif "application/json" not in attributes and body.strip():
            found.append("inline script")
    for pattern, what in (
        (EVENT_HANDLER, "event handler attribute"),
        (STYLE_ATTRIBUTE, "style attribute"),
        (STYLE_ELEMENT, "style element"),
        (JAVASCRIPT_URL, "javascript: URL"),
    ):
        if pattern.search(text):
            found.append(what)
    return found


def test_the_finder_sees_what_a_strict_policy_blocks():
    assert inline_code("<script>alert(1)</script>") == ["inline script"]
    assert inline_code('<button type="button" onclick="go()">') == ["event handler attribute"]
    assert inline_code('<span\n  class="x" style="width: 5%">') == ["style attribute"]
    assert inline_code("<style>p { color: red }</style>") == ["style element"]
    assert inline_code('<a href="javascript:void(0)">') == ["javascript: URL"]
    assert inline_code("<script src=\"{% static 'js/a.js' %}\" defer></script>") == []
    assert inline_code('<script id="map-data" type="application/json">{"a": 1}</script>') == []
    assert inline_code('<p data-onion="x">{{ value|json_script:"data" }}</p>') == []


def test_no_template_holds_inline_code():
    offenders = {}
    for template in _templates():
        found = inline_code(template.read_text(encoding="utf-8"))
        if found:
            offenders[str(template.relative_to(settings.BASE_DIR))] = found
    assert not offenders, offenders
    assert len(list(_templates())) > 50  # the walk found the templates
