"""A browser that opens the address of a form's action (a POST-only view) gets a page, never a
blank 405 (``apps/web/post_only.py``): the parent page, or a page of the site that says why.

Found by walking the admin's journey on a phone: a reject with no reason re-renders the page at
``/beheer/aanmeldingen/<pk>/weigeren/``; the language buttons, a reload, the history or the login
page's ``?next=`` then GET that address."""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.http import HttpResponse
from django.test import Client
from django.urls import URLResolver, get_resolver, path, resolve, reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views import View
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from apps.applications.models import Application
from apps.meetings import services as meeting_services
from apps.meetings.models import Participant
from apps.meetings.tests.helpers import plan
from apps.staff.tests.helpers import make_application
from apps.web.post_only import allowed_methods, answers_get, parent_page, parents
from testkit.world import PASSWORD, World, add_member

MIDDLEWARE = "apps.web.post_only.PostOnlyAddressMiddleware"
HEADING = "This page only opens through its form"
LOGOUT = "/account/uitloggen/"  # LogoutView answers only POST; /account/ is no page


def _page(response) -> str:
    return response.content.decode()


def _without_the_fix(settings):
    settings.MIDDLEWARE = [name for name in django_settings.MIDDLEWARE if name != MIDDLEWARE]


@pytest.fixture
def application(world: World) -> Application:
    return make_application(world.group_a, World.ADDRESS_A, full_name="Anna Noord", phone="0470 11 11 11")


def _reject_without_reason(client, application: Application) -> str:
    url = reverse("staff:application_reject", args=[application.pk])
    response = client.post(url, {"reason": ""})
    assert "Niet afgewezen: geef de aanvrager een reden." in _page(response)
    return url


# --- the journey of the defect ---------------------------------------------------------------------


def test_after_a_reject_without_reason_the_address_opens_the_application(client, world, application):
    client.force_login(world.admin_a)
    url = _reject_without_reason(client, application)
    response = client.get(url)  # reload, history, or the language buttons' redirect
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:application_detail", args=[application.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and "Anna Noord" in _page(page)
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED  # a GET decides nothing


def test_the_defect_as_it_was_without_the_middleware_a_blank_405(client, world, application, settings):
    # What the phone showed: proves the tests above test the middleware, not something else.
    _without_the_fix(settings)
    client.force_login(world.admin_a)
    url = _reject_without_reason(client, application)
    response = client.get(url)
    assert response.status_code == 405 and response.content == b""


def test_switching_the_language_on_the_refused_reject_lands_on_the_application_in_french(client, world, application):
    client.force_login(world.admin_a)
    url = _reject_without_reason(client, application)
    # The header's language buttons: set_language with next = request.get_full_path.
    response = client.post(reverse("set_language"), {"language": "fr", "next": url}, follow=True)
    assert response.status_code == 200
    assert [target for target, _status in response.redirect_chain] == [
        url,
        reverse("staff:application_detail", args=[application.pk]),
    ]
    page = _page(response)
    assert '<html lang="fr">' in page and response["Content-Language"] == "fr"
    assert "Anna Noord" in page
    with translation.override("fr"):
        assert gettext("Find your group") in page  # the header, in French
    with translation.override("nl"):
        assert gettext("Find your group") not in page


def test_after_a_wrong_meeting_answer_the_address_opens_the_meeting(client, world):
    meeting = plan(world.testdorp, kind="admins_meeting")
    meeting_services.invite(actor=world.coordinator, meeting=meeting, roles=["admins"])
    client.force_login(world.admin_a)
    url = reverse("staff:meeting_answer", args=[meeting.pk])
    assert url == f"/beheer/bijeenkomsten/{meeting.pk}/antwoord/"
    assert client.post(url, {"answer": "yes", "people": "50"}).status_code == 400
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == f"/beheer/bijeenkomsten/{meeting.pk}/"
    page = client.get(response["Location"])
    assert page.status_code == 200 and meeting.title in _page(page)
    assert Participant.objects.get(meeting=meeting, user=world.admin_a).answer == Participant.Answer.INVITED


def test_the_login_pages_next_leads_to_the_parent_page(client, world, application):
    url = reverse("staff:application_reject", args=[application.pk])
    response = client.get(url)  # login_required comes first: to the login page, as before
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
    response = client.post(
        reverse("accounts:login"), {"username": "admin_a", "password": PASSWORD, "next": url}, follow=True
    )
    assert response.status_code == 200
    detail = reverse("staff:application_detail", args=[application.pk])
    assert response.redirect_chain[-2:] == [(url, 302), (detail, 302)]
    assert "Anna Noord" in _page(response)


def test_an_anonymous_visitor_goes_to_the_parent_and_from_there_to_the_login(client, world):
    # require_POST before login_required: the view refuses GET before it asks for a login.
    member = add_member(world.group_a, 1, full_name="Marc Noord")
    url = reverse("staff:member_alerts_stop", args=[member.pk])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == "/beheer/"
    response = client.get(url, follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].startswith(reverse("accounts:login") + "?next=/beheer/")


def test_a_secret_link_page_of_the_public_site(client, world):
    # The resident's data page (the key is wrong here: the parent says so itself).
    url = reverse("public:rights_download", args=["not-a-key"])
    response = client.get(url)
    assert response.status_code == 302 and response["Location"] == reverse("public:rights_data", args=["not-a-key"])


# --- no parent page: a page of the site, status 405 ------------------------------------------------


@pytest.mark.django_db
def test_without_a_parent_page_a_translated_405_page_keeps_the_allow_header(client):
    response = client.get(LOGOUT)
    assert response.status_code == 405
    assert response["Allow"] == "POST, OPTIONS"
    page = _page(response)
    assert '<html lang="nl">' in page and 'class="site-header"' in page
    with translation.override("nl"):
        assert f"<h1>{gettext(HEADING)}</h1>" in page
        assert f'href="/">{gettext("To the home page")}</a>' in page
    assert "Naar de startpagina" in page
    assert reverse("staff:dashboard") not in page.split("<main", 1)[1]  # no desk for a visitor


@pytest.mark.django_db
def test_the_405_page_speaks_the_browsers_language(client):
    response = client.get(LOGOUT, HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 405 and response["Content-Language"] == "fr"
    page = _page(response)
    assert '<html lang="fr">' in page and "Vers la page d'accueil" in page
    with translation.override("fr"):
        assert f"<h1>{gettext(HEADING)}</h1>" in page


def test_the_405_page_shows_staff_the_way_to_the_desk(client, world):
    client.force_login(world.admin_a)
    response = client.get(LOGOUT)
    assert response.status_code == 405
    main = _page(response).split("<main", 1)[1]
    assert f'href="{reverse("staff:dashboard")}"' in main and "Terug naar de beheeromgeving" in main
    assert response["X-Frame-Options"] == "DENY" and "no-store" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_head_gets_the_same_answers_without_a_body(client, world, application):
    response = client.head(LOGOUT)
    assert response.status_code == 405 and response["Allow"] == "POST, OPTIONS" and response.content == b""
    client.force_login(world.admin_a)
    response = client.head(reverse("staff:application_reject", args=[application.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:application_detail", args=[application.pk])


# --- what is left as it is -------------------------------------------------------------------------


def test_posts_and_other_methods_are_never_redirected(client, world, application):
    client.force_login(world.admin_a)
    url = reverse("staff:application_reject", args=[application.pk])
    for method in ("PUT", "PATCH", "DELETE"):
        response = client.generic(method, url)
        assert response.status_code == 405 and response.content == b"", method
    response = client.options(url)
    assert response.status_code == 405
    # A POST refused by a GET-only page stays the view's 405.
    response = client.post(reverse("public:privacy"))
    assert response.status_code == 405 and response["Allow"] == "GET, HEAD" and response.content == b""
    # The refused reject itself is the form again, not a redirect.
    response = client.post(url, {"reason": ""})
    assert response.status_code != 302 and "Location" not in response
    application.refresh_from_db()
    assert application.status == Application.Status.CONFIRMED


def test_a_script_fetching_the_address_gets_the_views_405(client, world, application):
    client.force_login(world.admin_a)
    url = reverse("staff:application_reject", args=[application.pk])
    response = client.get(url, headers={"Sec-Fetch-Mode": "cors"})
    assert response.status_code == 405 and response.content == b""
    response = client.get(url, headers={"Sec-Fetch-Mode": "navigate"})
    assert response.status_code == 302


def test_a_head_refused_where_get_answers_is_left_alone(client, world):
    # require_http_methods(["GET", "POST"]): that page exists, only HEAD is refused.
    url = reverse("public:apply", args=[world.group_a.slug])
    response = client.head(url)
    assert response.status_code == 405 and response["Allow"] == "GET, POST"
    assert client.get(url).status_code == 200


def test_other_answers_are_not_touched(client, world):
    client.force_login(world.admin_a)
    assert client.get("/beheer/aanmeldingen/999999/").status_code == 404
    response = client.get("/beheer/bestaat-niet/weigeren/")
    assert response.status_code == 404  # an unknown address is no refused method


def _api_answers(client, url: str) -> list[tuple]:
    answers = []
    for method in ("GET", "HEAD"):
        response = client.generic(method, url, headers={"Sec-Fetch-Mode": "navigate"})
        answers.append((method, response.status_code, sorted(response.headers.items()), response.content))
    return answers


def test_the_apis_405_answers_stay_exactly_as_they_were(client, world, application, settings):
    # POST-only operations of the API, opened with GET: ninja's own 405, whatever the middleware.
    urls = ["/api/v1/broadcasts", f"/api/v1/applications/{application.pk}/reject", "/api/v1/incidents"]
    client.force_login(world.admin_a)
    with_fix = [_api_answers(client, url) for url in urls]
    _without_the_fix(settings)
    without_fix = [_api_answers(client, url) for url in urls]
    assert with_fix == without_fix
    for answers in with_fix:
        for method, status, headers, _body in answers:
            assert status == 405, method
            assert ("Allow", "POST") in headers and not any(name == "Location" for name, _value in headers)
    assert with_fix[0][0][3] == b"Method not allowed"


# --- every POST-only address of the site -----------------------------------------------------------


def _routes(patterns=None, prefix: str = ""):
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        else:
            yield route, pattern.callback


def _post_only_addresses() -> list[str]:
    """The path of every route whose view refuses GET, its arguments filled in (int: 999999)."""
    addresses = []
    for route, callback in _routes():
        if route.startswith("api/") or answers_get(callback) or "(?P<" in route or route.startswith("^"):
            continue
        address = "/" + re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "999999" if m.group(1) == "int" else "x", route)
        assert resolve(address).func is callback, address
        addresses.append(address)
    return addresses


POST_ONLY = _post_only_addresses()


def test_the_walk_finds_the_post_only_addresses_of_the_desk_and_the_site():
    assert len(POST_ONLY) >= 20
    for address in (
        "/beheer/aanmeldingen/999999/weigeren/",
        "/beheer/aanmeldingen/999999/goedkeuren/",
        "/beheer/bijeenkomsten/999999/antwoord/",
        "/beheer/leden/999999/berichten-stoppen/",
        "/beheer/meldingen/999999/terugkoppeling/",
        "/beheer/borden/999999/x/",
        "/mijn-gegevens/x/downloaden/",
        LOGOUT,
    ):
        assert address in POST_ONLY


def test_every_post_only_address_but_the_logout_has_a_parent_page_that_answers_get():
    for address in POST_ONLY:
        parent = parent_page(address)
        if address == LOGOUT:
            assert parent is None
            continue
        assert parent is not None and address.startswith(parent) and parent not in ("/", address), address
        assert answers_get(resolve(parent).func), address


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["anonymous", "admin_a"])
def test_no_post_only_address_answers_a_browser_with_a_blank_page(world, who):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")  # the page's heading as HEADING writes it
    if who != "anonymous":
        client.force_login(getattr(world, who))
    blank = []
    for address in POST_ONLY:
        response = client.get(address)
        if response.status_code == 405 and HEADING.encode() not in response.content:
            blank.append(address)
        if response.status_code in (301, 302) and not response["Location"].startswith("/account/inloggen/"):
            assert client.get(response["Location"]).status_code != 405, address
    assert not blank


# --- how a view's methods are read -----------------------------------------------------------------


def _plain(request):
    return HttpResponse("ok")


class _OnlyPost(View):
    def post(self, request):
        return HttpResponse("done")


class _Page(View):
    def get(self, request):
        return HttpResponse("page")


urlpatterns = [
    path("a/", require_POST(_plain)),
    path("a/b/", require_http_methods(["POST"])(_plain)),
    path("c/", _plain),
    path("c/d/", _OnlyPost.as_view()),
    path("e/", _Page.as_view()),
    path("e/f/", require_safe(_plain)),
]


def test_the_methods_are_read_through_the_decorators():
    assert allowed_methods(_plain) is None and answers_get(_plain)
    assert allowed_methods(require_POST(_plain)) == {"POST"}
    assert allowed_methods(require_GET(require_POST(_plain))) == frozenset()  # what both accept
    assert allowed_methods(_OnlyPost.as_view()) == {"POST", "OPTIONS"}
    assert allowed_methods(_Page.as_view()) == {"GET", "HEAD", "OPTIONS"}
    # The desk's actions, under login_required and never_cache.
    assert allowed_methods(resolve("/beheer/aanmeldingen/1/weigeren/").func) == {"POST"}
    assert answers_get(resolve("/beheer/aanmeldingen/1/").func)


def test_the_parents_are_nearest_first_and_never_the_home_page_nor_the_address_itself():
    assert list(parents("/beheer/aanmeldingen/4/weigeren/")) == [
        "/beheer/aanmeldingen/4/",
        "/beheer/aanmeldingen/",
        "/beheer/",
    ]
    assert list(parents("/beheer/bijeenkomsten/1/agenda.ics"))[0] == "/beheer/bijeenkomsten/1/"
    assert list(parents("/account/")) == [] and list(parents("/")) == []


def test_a_parent_that_refuses_get_is_passed_over():
    urlconf = __name__
    assert parent_page("/a/b/", urlconf) is None  # /a/ is POST-only too, / is never a parent
    assert parent_page("/a/b/x/", urlconf) is None
    assert parent_page("/c/d/", urlconf) == "/c/"
    assert parent_page("/c/d/x/", urlconf) == "/c/"  # /c/d/ refuses GET
    assert parent_page("/e/f/g/", urlconf) == "/e/f/"
    assert parent_page("/z/y/", urlconf) is None  # nothing resolves
