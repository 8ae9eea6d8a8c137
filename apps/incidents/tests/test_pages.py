"""The desk's incident pages: the place typed as an address, the "which street?" choice, the
reminder about words for origin, and the relay step shown right after the incident is saved."""

from __future__ import annotations

import html

from django.urls import reverse
from django.utils import timezone

from apps.addresses.models import Address
from apps.areas import neighbours
from apps.incidents.models import Incident
from apps.relays.models import Relay
from testkit.world import World

from .helpers import report


def form_data(world: World, **overrides) -> dict:
    data = {
        "police_called": "on",
        "category": "suspicious_person",
        "occurred_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "group": world.group_a.pk,
        "street": "Noordstraat",
        "house_number": "1",
        "postcode": "3870",
        "lat": "",
        "lon": "",
        "text": "Man belt overal aan en kijkt door de ramen.",
        "person_clothing": "grijze jas",
    }
    data.update(overrides)
    return data


def test_the_form_offers_the_map_and_the_admins_own_group(client, world: World):
    client.force_login(world.admin_a)
    page = client.get(reverse("incidents:create")).content.decode()
    assert "js/incident-place.js" in page and "data-incident-place" in page
    assert f'<option value="{world.group_a.pk}" selected>' in page
    assert 'type="hidden" name="lat"' in page and "Testdorp Noord" in page  # the group's area on the map
    assert 'name="street"' in page and 'name="house_number"' in page


def test_an_address_typed_on_the_desk_leads_to_the_relay_step_with_its_recipients(client, world: World):
    neighbours.recompute()
    client.force_login(world.admin_a)
    response = client.post(reverse("incidents:create"), form_data(world))
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert incident.area == world.group_a.area
    page = html.unescape(client.get(response["Location"]).content.decode())
    assert world.admin_b.display_name in page and "PZ Testzone" in page and "Testdorp Zuid" in page
    assert reverse("relays:preview", args=[incident.pk]) + "?scope=neighbours" in page
    assert not Relay.objects.exists()  # shown, not sent


def test_an_incident_outside_every_area_offers_a_radius(client, world: World):
    # Outside every area, at an address the register gives to the officer's municipality.
    incident = report(
        world,
        actor=world.police,
        lat=None,
        lon=None,
        address="",
        street="Veldweg",
        house_number="5",
        postcode="3871",
        municipality=world.testdorp.pk,
    )
    assert incident.area is None
    client.force_login(world.police)
    page = html.unescape(client.get(reverse("incidents:detail", args=[incident.pk])).content.decode())
    assert reverse("relays:preview", args=[incident.pk]) + "?scope=radius&radius_m=3000" in page


def test_a_closed_incident_shows_no_relay_step(client, world: World):
    incident = report(world)
    Incident.objects.filter(pk=incident.pk).update(status=Incident.Status.CLOSED)
    client.force_login(world.admin_a)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "data-relay-step" not in page


def test_an_unknown_address_is_refused_on_the_page_and_nothing_is_stored(client, world: World):
    client.force_login(world.admin_a)
    response = client.post(
        reverse("incidents:create"), form_data(world, street="Meidoornstraat", house_number="5", postcode="")
    )
    assert response.status_code == 200 and "We do not find Meidoornstraat 5" in html.unescape(response.content.decode())
    assert not Incident.objects.exists()


def test_which_street_is_one_tap(client, world: World):
    Address.objects.create(
        country="BE",
        postcode="3870",
        house_number=1,
        street="Kerkstraat",
        town="Testdorp",
        lon=5.305,
        lat=50.757,
        municipality=world.testdorp,
    )
    client.force_login(world.admin_a)
    response = client.post(reverse("incidents:create"), form_data(world, street=""))
    page = response.content.decode()
    assert response.status_code == 200 and 'name="street" value="Kerkstraat"' in page
    assert not Incident.objects.exists()
    # The tapped button sends its street after the (empty) street field.
    data = form_data(world, street="")
    body = "&".join(f"{k}={v}" for k, v in data.items()) + "&street=Kerkstraat"
    response = client.post(reverse("incidents:create"), body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 302 and Incident.objects.get().lat == 50.757


def test_words_for_origin_are_pointed_out_then_kept_when_confirmed(client, world: World):
    client.force_login(world.admin_a)
    url = reverse("incidents:create")
    data = form_data(world, text="Marokkaanse man belde aan.")
    first = client.post(url, data)
    page = first.content.decode()
    assert first.status_code == 200 and 'name="profiling_confirmed"' in page and "Marokkaanse" in page
    assert not Incident.objects.exists()
    second = client.post(url, {**data, "profiling_confirmed": "on"})
    incident = Incident.objects.get()
    assert second.status_code == 302 and incident.profiling_words == ["Marokkaanse"]
    detail = client.get(second["Location"]).content.decode()
    assert "Marokkaanse" in detail and world.admin_a.display_name in detail


def test_the_confirmation_box_is_not_shown_before_any_word_is_found(client, world: World):
    client.force_login(world.admin_a)
    assert 'name="profiling_confirmed"' not in client.get(reverse("incidents:create")).content.decode()


def test_a_vehicle_known_only_by_its_plate_reads_as_the_plate(client, world: World):
    incident = report(world, vehicle_colour="", vehicle_make="", vehicle_type="")
    client.force_login(world.admin_a)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    described = page.split('<span class="plate">')[0].rsplit("<dd>", 1)[1]
    assert "—" not in described and described.strip() == ""
    described = report(world)
    page = client.get(reverse("incidents:detail", args=[described.pk])).content.decode()
    assert 'bestelwagen — <span class="plate">1-ABC-123</span>' in page
