"""Bearer-token authentication for the private endpoints.

A token is found by the SHA-256 of what the client sends, the only form in which it is
stored. Revoked tokens and tokens of deactivated users authenticate nobody.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja.security import HttpBearer

from apps.accounts.models import ApiToken, User


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        token = token.strip()
        if not token:
            return None
        found = ApiToken.objects.active().select_related("user").filter(key_hash=ApiToken.hash_key(token)).first()
        if found is None or not found.user.is_active:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        # The permission querysets and the audit trail read the user from the request.
        request.user = found.user
        return found.user
