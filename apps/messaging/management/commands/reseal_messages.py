"""Encrypt the texts of outgoing messages again with the newest key (ADR 0022): after a new key was
put first in BUURTWACHT_MESSAGE_KEYS, so the old one can be dropped."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from apps.messaging.models import OutgoingMessage
from apps.messaging.sealing import UNREADABLE


class Command(BaseCommand):
    help = "Encrypt the texts of outgoing messages again with the newest of BUURTWACHT_MESSAGE_KEYS."

    def handle(self, *args, **options):
        done = unreadable = 0
        pks = list(OutgoingMessage.objects.order_by("pk").values_list("pk", flat=True))
        for pk in pks:
            with transaction.atomic():
                # Locked while read and written again, so a send that removes its links meanwhile
                # waits: the fields decrypt with any key and encrypt with the newest.
                message = OutgoingMessage.objects.select_for_update().filter(pk=pk).first()
                if message is None:
                    continue
                if UNREADABLE in (message.body, message.short_body, *(message.template_params or [])):
                    unreadable += 1
                    continue
                done += OutgoingMessage.objects.filter(pk=pk).update(
                    body=message.body, short_body=message.short_body, template_params=message.template_params
                )
        self.stdout.write(f"{done} messages sealed with the newest key; {unreadable} unreadable with the keys given.")
