"""``recent_login_required``: the password again before an export, an erasure or a role change.

A person whose password was last entered longer ago than ``BUURTWACHT_REAUTH_MINUTES`` (at login
or on the confirmation page) is sent to ``accounts:confirm_password`` instead of the view:

- a GET (an export) comes back to the same address once the password is confirmed, and runs;
- a POST (a removal, an appointment) is **not** carried out: after the password the person is
  back on the page they started from (the address the form was on), with a note that nothing
  was changed yet, and does it again. A POST is never replayed behind their back.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .sessions import password_entered_recently

SAFE_METHODS = ("GET", "HEAD")


def start_page(request) -> str:
    """Where a refused POST was sent from: the referring page of this site (path and query), else
    the desk."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parts = urlsplit(referer)
        if parts.path.startswith("/"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def confirm_password_url(request) -> str:
    if request.method in SAFE_METHODS:
        query = {"next": request.get_full_path(), "back": start_page(request)}
    else:
        query = {"next": start_page(request), "redo": "1"}
    return reverse("accounts:confirm_password") + "?" + urlencode(query)


def recent_login_required(view=None, *, methods: tuple[str, ...] | list[str] | None = None):
    """Ask for the password first when it was entered too long ago.

    ``@recent_login_required`` guards every request to the view; ``@recent_login_required(
    methods=["POST"])`` only those methods (a page that shows on GET and acts on POST). Put it
    below ``login_required`` (``staff_view``) and the method checks; on its own it sends a
    visitor to the login page."""

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if methods is not None and request.method not in methods:
                return view_func(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if password_entered_recently(request):
                return view_func(request, *args, **kwargs)
            return redirect(confirm_password_url(request))

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
