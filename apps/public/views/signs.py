"""The code on a street sign: ``/b/<token>/`` counts the scan for that sign and day and goes on
to the page of the group the sign announces. Nothing about the person is read or kept: no IP,
no cookie. An unknown code is a 404 and is counted nowhere."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import redirect
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from apps.signs.services import count_scan


@never_cache
@require_http_methods(["GET"])
def sign_scan(request, token: str):
    sign = count_scan(token)
    if sign is None:
        raise Http404
    if sign.group_id is None:
        return redirect("public:home")
    return redirect("public:group_detail", slug=sign.group.slug)
