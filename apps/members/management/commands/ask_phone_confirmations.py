"""Ask every member who receives alerts and has not confirmed their phone number to confirm it
(a code by SMS, a link by e-mail): run once after the upgrade that added the confirmation, since
existing members start unconfirmed (ADR 0029)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from apps.core.actors import SYSTEM
from apps.members.confirmation import ask_to_confirm
from apps.members.models import Member
from apps.messaging.services import channel_available


class Command(BaseCommand):
    help = "Send a phone confirmation code to every member who receives alerts and has not confirmed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Only count who would be asked.")

    def handle(self, *args, dry_run: bool = False, **options):
        if not channel_available("sms"):
            raise CommandError("SMS is not configured (SMS_CM_PRODUCT_TOKEN): no code can be sent.")
        members = (
            Member.objects.receiving_alerts()
            .filter(phone_confirmed_at__isnull=True, phone_confirmation__isnull=True)
            .exclude(phone="")
            .select_related("group", "group__municipality")
            .order_by("pk")
        )
        if dry_run:
            self.stdout.write(f"{members.count()} members would be asked to confirm their number.")
            return
        asked = sum(ask_to_confirm(member, actor=SYSTEM) is not None for member in members.iterator())
        self.stdout.write(f"{asked} members were asked to confirm their number.")
