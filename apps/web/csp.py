"""The Content-Security-Policy of every page (sent by django-csp's middleware, ADR 0021).

Read by the settings, so nothing here imports Django models.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SELF = "'self'"
NONE = "'none'"


def tile_source(tile_url: str) -> str | None:
    """The source expression that allows the map's background tiles: the tile server's scheme and
    host, ``{s}`` (Leaflet's subdomains) read as any subdomain; ``None`` without a tile server."""
    if not tile_url:
        return None
    parts = urlsplit(tile_url.replace("{s}", "tile-subdomain-placeholder"))
    host = (parts.hostname or "").replace("tile-subdomain-placeholder", "*")
    if not host or "{" in host or "}" in host:
        return None
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def directives(tile_url: str) -> dict[str, list[str]]:
    """No inline script or style, no plug-ins, no framing, no <base>; images from the site, data:
    URIs (the map's icons) and the tile server; forms post to the site only."""
    images = [SELF, "data:"]
    tiles = tile_source(tile_url)
    if tiles:
        images.append(tiles)
    return {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": images,
        "media-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
