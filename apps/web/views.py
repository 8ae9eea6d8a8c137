"""Health endpoint and the embedded-mode mailbox."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from apps.messaging.models import OutgoingMessage
from apps.messaging.services import worker_status


@never_cache
def healthz(request):
    """200 when the database answers and a worker beat recently; 503 otherwise."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"ok": True}
    except Exception as exc:  # any database failure makes the service unhealthy
        database = {"ok": False, "error": type(exc).__name__}
    worker = worker_status() if database["ok"] else {"ok": False}
    ok = database["ok"] and worker["ok"]
    return JsonResponse(
        {
            "status": "ok" if ok else "unhealthy",
            "database": database,
            "worker": worker,
            "mode": settings.BUURTWACHT_WORKER,
        },
        status=200 if ok else 503,
    )


def _mailbox_enabled():
    if not settings.BUURTWACHT_DEV_MAILBOX:
        raise Http404


@never_cache
def mailbox(request):
    """The e-mails the system sent, readable on a laptop without a mail server (embedded mode only)."""
    _mailbox_enabled()
    messages = OutgoingMessage.objects.filter(channel=OutgoingMessage.Channel.EMAIL).order_by("-created_at", "-id")[
        :200
    ]
    return render(request, "web/mailbox.html", {"mail": messages})


@never_cache
def mailbox_message(request, pk: int):
    _mailbox_enabled()
    message = get_object_or_404(OutgoingMessage, pk=pk, channel=OutgoingMessage.Channel.EMAIL)
    return render(request, "web/mailbox_message.html", {"message": message})


def csrf_failure(request, reason: str = ""):
    """A form sent from a page that was open too long (or with cookies off): say so plainly."""
    return render(request, "web/csrf_failure.html", status=403)
