"""URLs for a benchmark run: the project's own, plus a minimal JSON view that shows what Django's
request handling alone (the same middleware, no database) costs on the machine.

The minimal view comes first and the project's patterns follow it at the same level (not under an
``include``), so every project URL resolves as it does in production plus one failed pattern."""

from django.http import JsonResponse
from django.urls import path

from buurtwacht.urls import urlpatterns as project_urlpatterns


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("__bench__/ping", ping),
    *project_urlpatterns,
]
