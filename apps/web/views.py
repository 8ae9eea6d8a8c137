"""Health endpoint and the embedded-mode mailbox."""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.cache import never_cache

from apps.messaging.models import OutgoingMessage
from apps.messaging.services import worker_status

# Redis must answer /healthz's ping within this (seconds, connecting and answering each).
REDIS_TIMEOUT = 1.0


@never_cache
def healthz(request):
    """200 when the database answers, a worker is alive and (when ``REDIS_URL`` is set) Redis
    answers; 503 otherwise, with what failed.

    How /healthz learns at once that the worker is gone: every worker beats from its main thread
    each round (a second), and is known to be gone when its heartbeat is marked stopped, or is
    older than BUURTWACHT_WORKER_STALE_AFTER. Marking is what makes it immediate: the worker marks
    itself on a clean stop, and ``manage.py serve``, whose child the embedded worker is, waits on
    that child and marks it the moment it exits, however it died (``kill -9`` included), before it
    starts it again. Both reach this check through the database, so it holds for any number of web
    processes. The stale window is only for a worker nobody supervises (``make worker``, a Celery
    worker): a shorter one would take a worker blocked on the database for a while for dead.

    Redis: a PING on a fresh connection with REDIS_TIMEOUT to connect and to answer and no
    retries, so a Redis that hangs costs this check a bounded time instead of hanging it."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        database = {"ok": True}
    except Exception as exc:  # any database failure makes the service unhealthy
        database = {"ok": False, "error": type(exc).__name__}
    worker = worker_status() if database["ok"] else {"ok": False}
    body = {"database": database, "worker": worker}
    if settings.REDIS_URL:
        body["redis"] = _redis_status(settings.REDIS_URL)
    ok = all(part["ok"] for part in body.values())
    return JsonResponse(
        {"status": "ok" if ok else "unhealthy", **body, "mode": settings.BUURTWACHT_WORKER},
        status=200 if ok else 503,
    )


def _redis_status(url: str) -> dict:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    client = None
    try:
        client = redis.Redis.from_url(
            url,
            socket_connect_timeout=REDIS_TIMEOUT,
            socket_timeout=REDIS_TIMEOUT,
            retry=Retry(NoBackoff(), 0),
            retry_on_error=[],
        )
        client.ping()
        return {"ok": True}
    except Exception as exc:  # down, refusing, hanging, wrong password: unhealthy all the same
        return {"ok": False, "error": type(exc).__name__}
    finally:
        if client is not None:
            client.close()


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
