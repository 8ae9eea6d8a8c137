"""Who did it: a person's account, the system itself, or a resident without an account.

Every service that writes takes ``actor`` as a required argument. A web view or API endpoint
passes the request's user; a management command, a data load or the worker passes ``SYSTEM``;
a public form or a secret link passes ``PUBLIC``. ``None`` is never an actor: a service
handed ``None`` refuses, so a forgotten argument cannot silently skip a permission check.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext


class _NamedActor:
    """An actor that is no account: it has no pk and is never authenticated."""

    is_authenticated = False
    is_active = True
    is_superuser = False
    pk = None


class SystemActor(_NamedActor):
    """The installation itself: commands, imports, the demo load, the worker."""

    def __repr__(self) -> str:
        return "SYSTEM"

    def get_username(self) -> str:
        return "system"

    @property
    def display_name(self) -> str:
        return gettext("Buurtwacht")


SYSTEM = SystemActor()


class PublicActor(_NamedActor):
    """Someone who did not sign in: a resident using a public form or the secret link of an
    e-mail or alert (apply, confirm, withdraw, stop alerts), or an admin acknowledging a relay
    through its link. Passes no ``require_*``."""

    def __repr__(self) -> str:
        return "PUBLIC"

    def get_username(self) -> str:
        return "public"

    @property
    def display_name(self) -> str:
        return gettext("Someone without an account")


PUBLIC = PublicActor()


def is_system(actor) -> bool:
    return actor is SYSTEM


def is_person(actor) -> bool:
    """A signed-in, active account (the only other kind of actor there is)."""
    return bool(actor is not None and actor is not SYSTEM and actor.is_authenticated and actor.is_active)


def is_operator(actor) -> bool:
    """An operator of the installation (a superuser): everything, everywhere."""
    return is_person(actor) and bool(actor.is_superuser)


def require_actor(actor) -> None:
    """Refuse ``None``: a service must be told who acts, the system included."""
    if actor is None:
        raise PermissionDenied("no actor given")


def account_of(actor):
    """The account to store as "done by" (``None`` for the system)."""
    return actor if is_person(actor) else None
