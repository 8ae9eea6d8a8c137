"""Worker names and heartbeats: which worker is alive, and how the queue looks (for /healthz)."""

from __future__ import annotations

import os
import socket
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from .models import OutgoingMessage, WorkerHeartbeat


def worker_name(kind: str) -> str:
    return f"{kind}@{socket.gethostname()}:{os.getpid()}"


def beat(name: str, kind: str, processed: int = 0) -> None:
    now = timezone.now()
    updated = WorkerHeartbeat.objects.filter(name=name).update(
        last_seen=now, processed=F("processed") + processed, kind=kind
    )
    if not updated:
        WorkerHeartbeat.objects.get_or_create(
            name=name, defaults={"kind": kind, "last_seen": now, "processed": processed}
        )


def worker_status(now=None) -> dict:
    now = now or timezone.now()
    latest = WorkerHeartbeat.objects.order_by("-last_seen").first()
    stale_after = timedelta(seconds=settings.BUURTWACHT_WORKER_STALE_AFTER)
    queued = OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED).count()
    oldest_due = (
        OutgoingMessage.objects.filter(status=OutgoingMessage.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    ok = latest is not None and now - latest.last_seen <= stale_after
    return {
        "ok": ok,
        "last_heartbeat": latest.last_seen.isoformat() if latest else None,
        "worker": latest.name if latest else None,
        "queued": queued,
        "oldest_due_seconds": int((now - oldest_due).total_seconds()) if oldest_due else 0,
    }
