"""The real web process (``manage.py serve``, waitress) with the documented production settings,
reached as the TLS proxy reaches it and as someone who bypasses the proxy would.

The proxy is 127.0.0.1 (BUURTWACHT_TRUSTED_PROXY of docs/deployment.md); another peer is
127.0.0.2, also this machine's loopback.
"""

from __future__ import annotations

import http.client
import re
import socket
import sqlite3
import subprocess
import sys
import time
from http.cookies import SimpleCookie

import pytest
from django.conf import settings

from apps.web.tests.production import manage, production_environment

HOST = "buurtwacht.example.be"
PROXY = "127.0.0.1"
OTHER_PEER = "127.0.0.2"
USERNAME = "proxy-tester"
PASSWORD = "Zeven-Lange-Woorden-7"  # noqa: S105
RESIDENT = "203.0.113.7"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((PROXY, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site served by ``manage.py serve --no-worker`` in production mode, on a SQLite file."""
    tmp_path = tmp_path_factory.mktemp("production")
    env = production_environment(tmp_path, REDIS_URL="", BUURTWACHT_WORKER="embedded")
    for step in (
        ("migrate", "--noinput", "-v0"),
        ("collectstatic", "--noinput", "-v0"),
        (
            "shell",
            "-c",
            "from apps.accounts.models import User; "
            f"User.objects.create_user({USERNAME!r}, 'proxy@example.be', {PASSWORD!r})",
        ),
    ):
        done = manage(env, *step)
        assert done.returncode == 0, done.stderr[-3000:]
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 (this interpreter, this project's manage.py)
        [sys.executable, "manage.py", "serve", "--no-worker", "--host", PROXY, "--port", str(port)],
        env=env,
        cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection((PROXY, port), timeout=1).close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError("serve did not start:\n" + (process.stdout.read() or "")) from None
                time.sleep(0.2)
        yield {"port": port, "database": tmp_path / "site.sqlite3"}
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def request(site, method, path, *, peer=PROXY, headers=None, body=None):
    connection = http.client.HTTPConnection(PROXY, site["port"], timeout=30, source_address=(peer, 0))
    try:
        connection.request(method, path, body=body, headers={"Host": HOST, **(headers or {})})
        response = connection.getresponse()
        response.text = response.read().decode("utf-8", "replace")
        return response
    finally:
        connection.close()


def via_proxy(client_address=RESIDENT):
    """The headers the proxy of docs/deployment.md adds to a request it received over HTTPS."""
    return {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_address}


def cookies_of(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.msg.get_all("Set-Cookie") or []:
        jar.load(header)
    return jar


def test_a_login_through_the_proxy_over_https_succeeds_with_hsts_and_secure_cookies(site):
    page = request(site, "GET", "/account/inloggen/", headers=via_proxy())
    assert page.status == 200, page.text[:500]
    assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    csrf_cookie = cookies_of(page)["csrftoken"]
    assert csrf_cookie["secure"] and csrf_cookie["samesite"] == "Lax"
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)

    sent = request(
        site,
        "POST",
        "/account/inloggen/",
        headers={
            **via_proxy(),
            "Origin": f"https://{HOST}",
            "Referer": f"https://{HOST}/account/inloggen/",
            "Cookie": f"csrftoken={csrf_cookie.value}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=f"csrfmiddlewaretoken={token}&username={USERNAME}&password={PASSWORD}",
    )
    assert sent.status == 302, sent.text[:1000]  # logged in (or on to a second step), not refused
    assert not sent.getheader("Location").startswith("http://")
    session = cookies_of(sent)["sessionid"]
    assert session["secure"] and session["httponly"]
    assert sent.getheader("Strict-Transport-Security")


def test_the_resident_address_from_the_proxy_is_the_connection_address(site):
    """A wrong password through the proxy is counted against the resident's address, not the proxy's."""
    page = request(site, "GET", "/account/inloggen/", headers=via_proxy("198.51.100.23"))
    csrf = cookies_of(page)["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    sent = request(
        site,
        "POST",
        "/account/inloggen/",
        headers={
            **via_proxy("198.51.100.23"),
            "Origin": f"https://{HOST}",
            "Cookie": f"csrftoken={csrf}",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        body=f"csrfmiddlewaretoken={token}&username={USERNAME}&password=wrong-password-here",
    )
    assert sent.status == 200
    with sqlite3.connect(site["database"]) as database:
        addresses = {row[0] for row in database.execute("SELECT ip_address FROM axes_accessattempt")}
    assert addresses == {"198.51.100.23"}


def test_plain_http_from_the_proxy_is_sent_to_https_without_hsts(site):
    response = request(site, "GET", "/account/inloggen/")
    assert response.status == 301
    assert response.getheader("Location") == f"https://{HOST}/account/inloggen/"
    assert response.getheader("Strict-Transport-Security") is None


def test_a_forged_https_header_from_another_peer_is_ignored(site):
    headers = via_proxy()
    response = request(site, "GET", "/account/inloggen/", peer=OTHER_PEER, headers=headers)
    assert response.status == 301  # seen as plain HTTP: sent to HTTPS
    assert response.getheader("Location") == f"https://{HOST}/account/inloggen/"
    assert response.getheader("Strict-Transport-Security") is None
    assert "Set-Cookie" not in response.msg

    form = request(
        site,
        "POST",
        "/account/inloggen/",
        peer=OTHER_PEER,
        headers={**headers, "Origin": f"https://{HOST}", "Content-Type": "application/x-www-form-urlencoded"},
        body=f"username={USERNAME}&password={PASSWORD}",
    )
    assert form.status == 301 and "sessionid" not in cookies_of(form)


def test_health_answers_over_plain_http_and_the_mailbox_does_not_exist(site):
    health = request(site, "GET", "/healthz")
    assert health.status in (200, 503) and '"database": {"ok": true}' in health.text
    assert request(site, "GET", "/dev/mailbox/", headers=via_proxy()).status == 404


def test_every_page_carries_the_content_security_policy(site):
    page = request(site, "GET", "/", headers=via_proxy())
    assert page.status == 200
    policy = page.getheader("Content-Security-Policy")
    for directive in ("script-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in policy
    assert "unsafe-inline" not in policy
