"""``GET /api/v1/lookup``, the most frequent request, answered before ninja's URL patterns.

The operation itself (``lookup.answer``) is what the OpenAPI document describes; this plain view
skips ninja's per-request work and hands refused input to the API's own error handlers
(docs/adr/0009-lookup-as-a-plain-view.md). It sits apart from ``lookup`` because it needs the
API instance, which imports ``lookup`` for its router.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed

from .api import api
from .lookup import answer


def view(request: HttpRequest) -> HttpResponse:
    """``GET /api/v1/lookup`` without ninja's per-request work, answering as the operation would."""
    # As ninja: only GET (HEAD too is refused), and no CSRF check (see ``csrf_exempt`` below).
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    try:
        return answer(request)
    except Exception as exc:
        # The API's handlers: translated 400s for refused input; anything else is raised again.
        return api.on_exception(request, exc)


# What ninja marks every view of the API with (``django.views.decorators.csrf.csrf_exempt``
# would wrap the view in one more call).
view.csrf_exempt = True  # type: ignore[attr-defined]
