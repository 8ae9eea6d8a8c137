"""The public forms are limited per IP address; past the limit nothing is stored."""

from __future__ import annotations

import re

from django.urls import reverse

from apps.applications.models import Application
from apps.groups.models import GroupRequest
from testkit.world import World, application_data

from .helpers import apply_url, nothing_stored, says
from .test_start_group import request_data

START = reverse("public:start_group")


def neighbour(n: int) -> dict:
    """A different resident of the same street each time: their own phone and e-mail."""
    return application_data(full_name=f"Buur {n}", phone=f"0470 55 00 {n:02d}", email=f"buur{n}@example.org")


def test_an_information_evening_on_one_wifi_is_not_refused(client, world: World, settings):
    """Typing errors of honest people do not use up the connection's sends."""
    settings.BUURTWACHT_APPLICATION_RATE = "3/h"
    for n in range(12):
        assert client.post(apply_url(world.group_a), {**neighbour(n), "birth_date": "not a date"}).status_code == 200
    for n in range(3):
        assert client.post(apply_url(world.group_a), neighbour(n)).status_code == 302
    assert Application.objects.count() == 3


def test_past_the_accepted_limit_the_form_comes_back_as_typed_and_says_when(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    for n in range(2):
        assert client.post(apply_url(world.group_a), neighbour(n)).status_code == 302
    with nothing_stored():
        response = client.post(apply_url(world.group_a), neighbour(7))
    assert response.status_code == 429
    html = response.content.decode()
    assert says(html, "This form was sent too many times from your connection. Nothing was saved.")
    retry = re.search(r'id="form-limited".*?(\d\d:\d\d)', html, re.S)
    assert retry and says(html, "What you typed is kept below. You can send it again from %(time)s.", time=retry[1])
    assert 'value="Buur 7"' in html and 'value="buur7@example.org"' in html  # nothing typed is lost
    assert Application.objects.count() == 2


def test_a_script_trying_addresses_hits_the_loose_limit_on_refused_sends(client, world: World, settings):
    settings.BUURTWACHT_FORM_ERROR_RATE = "5/h"
    for n in range(5):
        client.post(apply_url(world.group_a), {**neighbour(n), "house_number": str(900 + n)})
    with nothing_stored():
        response = client.post(apply_url(world.group_a), neighbour(1))
    assert response.status_code == 429
    assert not Application.objects.exists()


def test_one_phone_number_is_limited_across_connections(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_PHONE_RATE = "1/d"
    assert client.post(apply_url(world.group_a), neighbour(1), REMOTE_ADDR="192.0.2.1").status_code == 302
    Application.objects.update(status=Application.Status.WITHDRAWN)
    with nothing_stored():
        response = client.post(apply_url(world.group_a), neighbour(1), REMOTE_ADDR="192.0.2.2")
    assert response.status_code == 429
    assert client.post(apply_url(world.group_a), neighbour(2), REMOTE_ADDR="192.0.2.2").status_code == 302


def test_limit_counts_per_ip_address(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "1/h"
    client.post(apply_url(world.group_a), neighbour(1), REMOTE_ADDR="192.0.2.1")
    assert client.post(apply_url(world.group_a), neighbour(2), REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.post(apply_url(world.group_a), neighbour(3), REMOTE_ADDR="192.0.2.2").status_code == 302


def test_reading_the_form_is_not_limited(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    for _ in range(5):
        assert client.get(apply_url(world.group_a)).status_code == 200
    assert client.post(apply_url(world.group_a), application_data()).status_code == 302


def test_start_group_form_is_limited_too(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    for n in range(2):
        response = client.post(START, request_data(email=f"els{n}@example.org", phone=f"0470 99 88 7{n}"))
        assert response.status_code == 302
    with nothing_stored():
        response = client.post(START, request_data(full_name="Els Peeters", phone="0470 11 22 33"))
    assert response.status_code == 429
    assert 'value="Els Peeters"' in response.content.decode()
    assert GroupRequest.objects.count() == 2
