"""The address of a form's action, opened in the browser: a page, never a blank 405.

The desk's and the site's actions (approve, reject, answer, stop the alerts…) are POST-only views
(``require_POST``, ``require_http_methods(["POST"])``, a class-based view with only ``post``): they
answer a GET with 405 and an empty body. A browser still GETs such an address when the page a form
re-rendered there is reloaded, opened from the history, or left through the language buttons
(``set_language`` sends back to ``request.get_full_path``), and after the login page's ``?next=``.

``PostOnlyAddressMiddleware`` turns only that 405 into something a person can use:

- a redirect to the nearest parent address whose view answers GET, in the URL configuration itself
  (``/beheer/aanmeldingen/4/weigeren/`` → ``/beheer/aanmeldingen/4/``). The language stays: it is
  kept in the language cookie (or the browser's), which the redirect keeps, and a language prefix,
  were there one, is the first segment of every parent. The home page is no parent: from a deep
  address it would drop the person somewhere unrelated without a word;
- without such a parent, the site's page ``405.html`` (status 405, ``Allow`` kept) saying that the
  address only works through its form, with the way to the desk and the home page.

Nothing else changes: a POST (or PUT, DELETE…) is never redirected, any other status is passed on
as it is, the API under ``/api/`` keeps its own 405 answers, and a ``fetch`` or XMLHttpRequest
(``Sec-Fetch-Mode`` other than ``navigate``) gets the view's 405 too. No loop: every redirect goes
to a strictly shorter path, to a view whose declared methods include GET.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import Resolver404, get_script_prefix, resolve
from django.utils.cache import add_never_cache_headers

# The API answers its callers itself, 405 included (apps/api).
API_PREFIX = "/api/"
# What a browser uses to open an address (HEAD for its checks of a link).
NAVIGATION = ("GET", "HEAD")
TEMPLATE = "405.html"


def allowed_methods(view: Callable) -> frozenset[str] | None:
    """The HTTP methods a view declares it accepts; None when nothing restricts them.

    Read along the decorators (``functools.wraps`` leaves each wrapped function in ``__wrapped__``):
    Django's ``require_http_methods`` and its shortcuts keep their list in the closure variable
    ``request_method_list``; ``as_view()`` keeps the class in ``view_class``. With several
    restrictions, what all of them accept."""
    allowed: frozenset[str] | None = None
    seen: set[int] = set()
    layer = view
    while layer is not None and id(layer) not in seen:
        seen.add(id(layer))
        methods = _declared_methods(layer)
        if methods is not None:
            allowed = methods if allowed is None else allowed & methods
        layer = getattr(layer, "__wrapped__", None)
    return allowed


def _declared_methods(func: Callable) -> frozenset[str] | None:
    view_class = getattr(func, "view_class", None)
    if view_class is not None:
        # View.dispatch: a method named in http_method_names with a handler; HEAD falls back to get.
        names = {name for name in view_class.http_method_names if hasattr(view_class, name)}
        if "get" in names and "head" in view_class.http_method_names:
            names.add("head")
        return frozenset(name.upper() for name in names)
    code = getattr(func, "__code__", None)
    closure = getattr(func, "__closure__", None)
    if code is None or not closure or "request_method_list" not in code.co_freevars:
        return None
    try:
        methods = closure[code.co_freevars.index("request_method_list")].cell_contents
    except ValueError:  # an empty cell
        return None
    if isinstance(methods, str) or not all(isinstance(method, str) for method in methods):
        return None
    return frozenset(method.upper() for method in methods)


def answers_get(view: Callable) -> bool:
    allowed = allowed_methods(view)
    return allowed is None or "GET" in allowed


def parents(path_info: str) -> Iterator[str]:
    """The parent addresses of a path, nearest first, without the home page:
    ``/a/b/c/`` → ``/a/b/``, ``/a/``; ``/a/b/file.ics`` → ``/a/``."""
    segments = [segment for segment in path_info.split("/") if segment]
    for end in range(len(segments) - 1, 0, -1):
        yield "/" + "/".join(segments[:end]) + "/"


def parent_page(path_info: str, urlconf=None) -> str | None:
    """The nearest parent address (a path, as ``request.path_info``) whose view answers GET."""
    for parent in parents(path_info):
        try:
            match = resolve(parent, urlconf)
        except Resolver404:
            continue
        if answers_get(match.func):
            return parent
    return None


def _allow(response: HttpResponse) -> set[str]:
    return {method.strip().upper() for method in response.get("Allow", "").split(",") if method.strip()}


def is_refused_navigation(request: HttpRequest, response: HttpResponse) -> bool:
    """A browser opened, with GET or HEAD, an address whose view answers only other methods."""
    return (
        response.status_code == 405
        and request.method in NAVIGATION
        and getattr(request, "resolver_match", None) is not None  # the view's answer, not a middleware's
        and not request.path_info.startswith(API_PREFIX)
        and request.headers.get("Sec-Fetch-Mode", "navigate") == "navigate"
        and "GET" not in _allow(response)  # a HEAD refused where GET works: that page exists
    )


class PostOnlyAddressMiddleware:
    """After ``LocaleMiddleware`` (the page is in the person's language) and inside the middleware
    that add headers to every answer (``XFrameOptionsMiddleware``…), so the new answer gets them."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_refused_navigation(request, response):
            return response
        parent = parent_page(request.path_info, getattr(request, "urlconf", None))
        if parent is not None:
            answer = HttpResponseRedirect(get_script_prefix().rstrip("/") + parent)
        else:
            answer = render(request, TEMPLATE, status=405)
            if response.has_header("Allow"):
                answer["Allow"] = response["Allow"]
        add_never_cache_headers(answer)
        return answer
