"""URLs for a benchmark run: the project's own, plus a minimal JSON view that shows what Django's
request handling alone (the same middleware, no database) costs on the machine."""

from django.http import JsonResponse
from django.urls import include, path


def ping(request):
    return JsonResponse({"ok": True})


urlpatterns = [
    path("__bench__/ping", ping),
    path("", include("buurtwacht.urls")),
]
