"""A full group says so on the apply page before anything is typed, offers the waiting list and
the groups next to it, and the status page tells the applicant their place on the list."""

from __future__ import annotations

import re

from django.urls import reverse

from apps.applications import services
from apps.applications.models import Application
from apps.areas import neighbours
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member

from .helpers import apply_url, latest_status_key, nothing_stored, says, submit_application


def fill(group, capacity: int = 2) -> None:
    group.capacity = capacity
    group.save()
    for n in range(1, capacity + 1):
        add_member(group, 200 + n)


def test_the_page_of_a_group_with_places_has_no_waiting_list(client, world: World):
    html = client.get(apply_url(world.group_a)).content.decode()
    assert 'name="full_name"' in html
    assert 'name="waiting_list"' not in html and 'id="group-full"' not in html
    assert 'name="offers_to_help"' in html


def test_a_full_group_says_so_before_anything_is_typed_and_names_its_neighbours(client, world: World):
    neighbours.recompute()
    fill(world.group_a)
    html = client.get(apply_url(world.group_a)).content.decode()
    assert 'id="group-full"' in html
    assert says(html, "This group is full: all %(capacity)s places are taken.", capacity=2)
    # the group next door, with its page, and the box to join the waiting list
    assert f'href="{reverse("public:group_detail", args=[world.group_b.slug])}"' in html
    assert world.group_nl.name not in html
    assert 'name="waiting_list"' in html
    # ... the notice comes before the form
    assert html.index('id="group-full"') < html.index('name="full_name"')


def test_applying_to_a_full_group_without_the_waiting_list_stores_nothing(client, world: World):
    fill(world.group_a)
    with nothing_stored():
        response = submit_application(client, world.group_a)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'href="#id_waiting_list"' in html
    assert re.search(r'class="field has-error[^"]*"[^>]*>\s*<ul class="errorlist', html)


def test_joining_the_waiting_list_through_the_page(client, world: World):
    fill(world.group_a)
    response = submit_application(client, world.group_a, waiting_list="on", offers_to_help="on")
    assert response.status_code == 302
    application = Application.objects.get()
    assert application.offers_to_help is True
    key = latest_status_key(client)
    services.confirm(services.confirmation_token(application))
    application.refresh_from_db()
    assert application.status == Application.Status.WAITING
    html = client.get(reverse("public:application_status", args=[key])).content.decode()
    assert says(
        html,
        "The group is full. You are number %(position)s on its waiting list. As soon as a place becomes free, "
        "your application goes to the admin and you receive an e-mail.",
        position=1,
    )
    # the applicant may still withdraw
    assert reverse("public:application_withdraw", args=[key]) in html
    assert OutgoingMessage.objects.filter(topic="application.waiting").count() == 1


def test_the_confirmation_page_says_waiting_list(client, world: World):
    fill(world.group_a)
    submit_application(client, world.group_a, waiting_list="on")
    token = services.confirmation_token(Application.objects.get())
    html = client.post(reverse("public:application_confirm", args=[token])).content.decode()
    assert says(html, "Thank you, you are on the waiting list")
