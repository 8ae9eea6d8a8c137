"""The public forms are limited per IP address; past the limit nothing is stored."""

from __future__ import annotations

from django.urls import reverse

from apps.applications.models import Application
from apps.groups.models import GroupRequest
from testkit.world import World, application_data

from .helpers import apply_url, nothing_stored, says

START = reverse("public:start_group")


def test_eleventh_application_post_is_refused_with_429(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "10/h"
    for _ in range(10):
        response = client.post(apply_url(world.group_a), application_data(full_name="X"))
        assert response.status_code == 200
    with nothing_stored():
        response = client.post(apply_url(world.group_a), application_data())
    assert response.status_code == 429
    assert says(response.content.decode(), "This form was sent too many times from your connection. Nothing was saved.")
    assert not Application.objects.exists()


def test_limit_counts_per_ip_address(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "1/h"
    client.post(apply_url(world.group_a), application_data(full_name="X"), REMOTE_ADDR="192.0.2.1")
    assert client.post(apply_url(world.group_a), application_data(), REMOTE_ADDR="192.0.2.1").status_code == 429
    assert client.post(apply_url(world.group_a), application_data(), REMOTE_ADDR="192.0.2.2").status_code == 302


def test_reading_the_form_is_not_limited(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "2/h"
    for _ in range(5):
        assert client.get(apply_url(world.group_a)).status_code == 200
    assert client.post(apply_url(world.group_a), application_data()).status_code == 302


def test_start_group_form_is_limited_too(client, world: World, settings):
    settings.BUURTWACHT_APPLICATION_RATE = "3/h"
    data = {
        "full_name": "Els",
        "email": "els@example.org",
        "phone": "0470 99 88 77",
        "postcode": "3871",
        "house_number": "5",
    }
    for _ in range(3):
        assert client.post(START, data).status_code == 200
    with nothing_stored():
        response = client.post(START, {**data, "full_name": "Els Jacobs"})
    assert response.status_code == 429
    assert not GroupRequest.objects.exists()
