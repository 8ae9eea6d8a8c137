"""No two views share a URL: a second pattern with the same route would never be reached (the
first in the list answers), which is how a page silently disappears."""

from __future__ import annotations

import re
from collections import defaultdict

from django.urls import URLPattern, URLResolver, get_resolver


def _routes(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _routes(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.lookup_str


# On purpose: the plain view answers ``GET /api/v1/lookup`` before the API's operation, which
# stays only to describe it in the OpenAPI document (docs/adr/0009-lookup-as-a-plain-view.md).
INTENDED = {"api/v1/lookup"}


def test_every_route_leads_to_one_view():
    views = defaultdict(set)
    for route, view in _routes(get_resolver()):
        # <int:pk> and <int:group_pk> match the same paths.
        views[re.sub(r"<(\w+):\w+>", r"<\1>", re.sub(r"<(\w+)>", r"<str>", route))].add(view)
    clashes = {route: sorted(found) for route, found in views.items() if len(found) > 1 and route not in INTENDED}
    assert not clashes
