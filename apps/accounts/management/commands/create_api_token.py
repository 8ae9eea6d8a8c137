"""Issue a personal API token for a staff user and print it, once."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from apps.accounts.models import ApiToken, User
from apps.audit.models import AuditEvent
from apps.audit.services import record
from apps.core.actors import SYSTEM


class Command(BaseCommand):
    help = "Create an API token for USERNAME and print it. Only its hash is stored: it cannot be shown again."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for, e.g. the program that uses it.")

    def handle(self, *args, username: str, name: str = "", **options) -> None:
        user = User.objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user with username {username!r}.")
        if not user.is_active:
            raise CommandError(f"User {username!r} is deactivated; the API would refuse its tokens.")
        name = name.strip()
        if len(name) > ApiToken._meta.get_field("name").max_length:
            raise CommandError("The token's name is too long (100 characters at most).")
        with transaction.atomic():
            token, key = ApiToken.issue(user, name=name)
            record(SYSTEM, AuditEvent.Action.API_TOKEN_CREATED, token, user_id=user.pk, via="command")
        # The key alone on stdout, so scripts can capture it; the explanation goes to stderr.
        self.stdout.write(key)
        self.stderr.write(f"Token {token.prefix}… for {user.username} created. Store it now: it is not shown again.")
