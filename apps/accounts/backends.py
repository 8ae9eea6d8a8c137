"""The authentication backend that refuses locked logins (django-axes), first in
``AUTHENTICATION_BACKENDS``; Django's ``ModelBackend`` after it checks the password."""

from __future__ import annotations

from axes.backends import AxesStandaloneBackend


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, for the logins of a web request.

    Axes refuses ``authenticate()`` calls without a request. Those come only from code run on
    the server (a shell, a management command, a test), which a guesser cannot reach and which
    has no connection to count per; they are passed on to the next backend unchecked.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)
