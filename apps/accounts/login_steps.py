"""A login in two steps (docs/adr/0028): the password, then a code of the second factor (or, for
an account that must have one and has none yet, setting it up).

Between the steps nobody is logged in: the session holds only whose password was right, for
``PENDING_MINUTES``. Django's ``login()`` comes after the second step, so nothing that needs a
login (the desk, /django-admin/, the account pages) opens before it. Code that logs a person in
without the login page (the test client's ``force_login`` and ``login``, a shell) logs them in
fully: that is not a way in from the web.

Wrong codes count towards the same lock as wrong passwords (django-axes: the
``user_login_failed`` signal with the user name), and django-otp throttles each device on top.
"""

from __future__ import annotations

import time

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model, login
from django.contrib.auth.signals import user_login_failed
from django_otp import login as otp_login

PENDING = "buurtwacht.pending_login"
PENDING_MINUTES = 10


def start(request, user, next_url: str) -> None:
    """The password of ``user`` was right: remember it for the second step."""
    request.session.cycle_key()
    request.session[PENDING] = {
        "user": user.pk,
        "backend": getattr(user, "backend", "django.contrib.auth.backends.ModelBackend"),
        "at": int(time.time()),
        "next": next_url,
    }


def pending(request) -> tuple[object, dict] | tuple[None, None]:
    """The user whose password was right in this session, and the step's data; ``(None, None)``
    when there is none or it is older than ``PENDING_MINUTES``."""
    data = request.session.get(PENDING)
    if not isinstance(data, dict):
        return None, None
    age = int(time.time()) - int(data.get("at", 0))
    if not 0 <= age <= PENDING_MINUTES * 60:
        request.session.pop(PENDING, None)
        return None, None
    user = get_user_model()._default_manager.filter(pk=data.get("user"), is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return None, None
    return user, data


def forget(request) -> None:
    request.session.pop(PENDING, None)


def credentials_of(user) -> dict:
    return {"username": user.get_username()}


def is_locked(request, user) -> bool:
    """Whether logging in as ``user`` from this connection is paused (wrong passwords and codes)."""
    return AxesProxyHandler.is_locked(request, credentials_of(user))


def count_wrong_code(request, user) -> None:
    """A wrong code counts like a wrong password towards the lock of the login."""
    user_login_failed.send(sender=__name__, credentials=credentials_of(user), request=request)


def complete(request, user, data: dict, device) -> None:
    """The second step succeeded: log in, as verified with ``device``."""
    forget(request)
    login(request, user, backend=data.get("backend"))
    otp_login(request, device)
