"""What the street-sign tests share: a snapshot of everything a sign step could change, spots
inside and outside Testdorp, and PDF text."""

from __future__ import annotations

import contextlib
import re
import zlib

from apps.audit.models import AuditEvent
from apps.messaging.models import OutgoingMessage
from apps.signs.models import SignScan, StreetSign

# In group A's area (Testdorp), in group B's area, in Grensstad (NL), and in no municipality.
IN_A = {"lat": 50.7551, "lon": 5.3012}
IN_B = {"lat": 50.7431, "lon": 5.3155}
IN_GRENSSTAD = {"lat": 50.85, "lon": 5.69}
NOWHERE = {"lat": 50.60, "lon": 5.10}


def snapshot() -> tuple:
    """Every sign with its state and what was written because of one."""
    return (
        sorted(
            StreetSign.objects.values_list("pk", "state", "placed_on", "photo", "decline_reason", "note", "group_id")
        ),
        AuditEvent.objects.count(),
        OutgoingMessage.objects.count(),
        sorted(SignScan.objects.values_list("sign_id", "day", "count")),
    )


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF's content streams (fpdf2 compresses them with zlib)."""
    shown = []
    for match in re.finditer(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        body = match.group(1)
        with contextlib.suppress(zlib.error):
            body = zlib.decompress(body)
        for text in re.findall(rb"\(((?:\\.|[^\\)])*)\)\s*Tj", body):
            shown.append(re.sub(rb"\\(.)", rb"\1", text).decode("latin-1"))
    return "\n".join(shown)
