"""Two clocks kept in a staff member's session (docs/adr/0020):

- **last activity**: a session unused for ``BUURTWACHT_SESSION_IDLE_MINUTES`` ends at its next
  request (``IdleSessionMiddleware``), and the login page then says why. The time is written at
  most once a minute, so an active person's session row is saved once a minute, not on every
  request (``SESSION_SAVE_EVERY_REQUEST`` would write it on every page, image and poll); the
  session therefore ends between one minute before and the moment the setting says.
- **password entered**: when the person last typed their password, at login or on the
  confirmation page. ``recent_login_required`` (``apps.accounts.decorators``) asks for it again
  before exports, removals and role changes when it is older than ``BUURTWACHT_REAUTH_MINUTES``.

Both are set when the person logs in (the ``user_logged_in`` signal, which Django's test client's
``force_login`` sends too).
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout

LAST_ACTIVITY = "buurtwacht.last_activity"
PASSWORD_ENTERED = "buurtwacht.password_entered"  # noqa: S105 (a session key, not a password)
ENDED_IDLE = "buurtwacht.ended_idle"
# The last-activity time is written to the session at most this often (seconds).
TOUCH_EVERY = 60


def _now() -> int:
    return int(time.time())


def on_logged_in(sender, request=None, user=None, **kwargs) -> None:
    """Receiver of ``user_logged_in``: the login is activity and a password entered."""
    session = getattr(request, "session", None)
    if session is None:
        return
    now = _now()
    session[LAST_ACTIVITY] = now
    session[PASSWORD_ENTERED] = now
    session.pop(ENDED_IDLE, None)


def password_confirmed(request) -> None:
    """The signed-in person has just typed their password again."""
    request.session[PASSWORD_ENTERED] = _now()


def password_entered_recently(request) -> bool:
    """Whether the signed-in person typed their password within ``BUURTWACHT_REAUTH_MINUTES``
    (a time in the future, from a clock put back, does not count)."""
    entered = request.session.get(PASSWORD_ENTERED)
    if not isinstance(entered, int):
        return False
    age = _now() - entered
    return 0 <= age <= settings.BUURTWACHT_REAUTH_MINUTES * 60


def take_ended_idle(request) -> bool:
    """Whether the last session of this browser ended for being idle; asked once (by the login
    page, which says so)."""
    session = getattr(request, "session", None)
    return bool(session is not None and session.pop(ENDED_IDLE, False))


class IdleSessionMiddleware:
    """Ends a signed-in session unused for ``BUURTWACHT_SESSION_IDLE_MINUTES``.

    Placed after ``AuthenticationMiddleware``. A request without a session cookie (every
    resident) is passed on untouched, so the public pages do not read the session. The
    request of an idle session goes on as a visitor's: a desk page then sends to the login
    page, which says the session ended for inactivity.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if settings.SESSION_COOKIE_NAME in request.COOKIES and request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request) -> None:
        session = request.session
        now = _now()
        last = session.get(LAST_ACTIVITY)
        if isinstance(last, int) and now - last > settings.BUURTWACHT_SESSION_IDLE_MINUTES * 60:
            logout(request)
            request.session[ENDED_IDLE] = True
        elif not isinstance(last, int) or now - last >= TOUCH_EVERY or now < last:
            session[LAST_ACTIVITY] = now
