"""The admins' network: who sees which municipality's admins, and which of their contact details;
the admin's and the coordinator's choices; every other role refused with nothing changed."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from apps.areas.services import save_area
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.groups.services import appoint_admin, save_group
from apps.municipalities.models import Municipality
from apps.network import services
from apps.network.models import ContactSharing, NetworkSettings
from testkit.world import World, box, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def neighbour(world: World):
    """Buurdorp, whose area touches Testdorp Noord on its east side, with one admin."""
    buurdorp = Municipality.objects.create(name="Buurdorp", slug="buurdorp", country="BE", code="73998")
    area = save_area(actor=SYSTEM, municipality=buurdorp, name="West", geometry=box(5.32, 50.75, 5.34, 50.76))
    group = save_group(
        actor=SYSTEM, municipality=buurdorp, area=area, name="Buurdorp West", status=Group.Status.ACTIVE, capacity=250
    )
    admin = make_user("admin_buur", phone="+32470000009")
    appoint_admin(actor=SYSTEM, group=group, user=admin)
    return buurdorp, admin


def names(directory) -> set[str]:
    return {e.name for e in directory.entries}


def entry(directory, name):
    return next(e for e in directory.entries if e.name == name)


def test_an_admin_sees_the_admins_of_their_municipality_without_contacts_they_did_not_share(world):
    found = services.directory(world.admin_b, world.testdorp)
    assert names(found) == {"Admin_A", "Admin_B", "Co_Admin_A"}
    assert [g for g, _role in entry(found, "Admin_A").groups] == ["Testdorp Noord"]
    assert (entry(found, "Admin_A").email, entry(found, "Admin_A").phone) == ("", "")
    assert entry(found, "Admin_B").is_you


def test_what_an_admin_shares_is_what_the_other_admins_see(world):
    services.set_contact_sharing(actor=world.admin_a, show_email=False, show_phone=True)
    seen = entry(services.directory(world.admin_b, world.testdorp), "Admin_A")
    assert (seen.email, seen.phone) == ("", "+32470000001")
    event = AuditEvent.objects.get(action=AuditEvent.Action.NETWORK_CONTACTS_CHANGED)
    assert (event.data["show_email"], event.data["show_phone"], event.actor_id) == (False, True, world.admin_a.pk)


@pytest.mark.parametrize("viewer", ["coordinator", "police"])
def test_the_coordinator_and_the_zones_police_see_the_contacts_anyway(world, viewer):
    seen = entry(services.directory(getattr(world, viewer), world.testdorp), "Admin_A")
    assert (seen.email, seen.phone) == ("admin_a@example.org", "+32470000001")


@pytest.mark.parametrize("viewer", ["coordinator_nl", "police_nl", "nobody"])
def test_other_municipalities_and_people_without_a_role_are_refused(world, viewer):
    with pytest.raises(PermissionDenied):
        services.directory(getattr(world, viewer), world.testdorp)


def test_a_neighbour_is_in_the_network_only_when_it_shares(world, neighbour):
    buurdorp, admin_buur = neighbour
    assert [m.name for m in services.network_municipalities(world.admin_a)] == ["Testdorp"]
    with pytest.raises(PermissionDenied):
        services.directory(world.admin_a, buurdorp)
    services.set_network_settings(actor=SYSTEM, municipality=buurdorp, share_with_neighbours=True, admins_group_link="")
    assert [m.name for m in services.network_municipalities(world.admin_a)] == ["Testdorp", "Buurdorp"]
    found = services.directory(world.admin_a, buurdorp)
    assert names(found) == {"Admin_Buur"} and not found.own
    # The neighbouring municipality's coordinator sees only what the admin shared, not everything.
    seen = entry(services.directory(world.coordinator, buurdorp), "Admin_Buur")
    assert (seen.email, seen.phone) == ("", "")
    # Grensstad is not next to Buurdorp: still refused.
    with pytest.raises(PermissionDenied):
        services.directory(world.coordinator_nl, buurdorp)


def test_the_admins_whatsapp_group_is_shown_to_the_own_municipality_only(world, neighbour):
    buurdorp, _admin = neighbour
    services.set_network_settings(
        actor=SYSTEM,
        municipality=buurdorp,
        share_with_neighbours=True,
        admins_group_link="https://chat.whatsapp.com/BuurAdmins1?mode=ac",
    )
    assert services.directory(_admin, buurdorp).admins_group_link == "https://chat.whatsapp.com/BuurAdmins1"
    assert services.directory(world.admin_a, buurdorp).admins_group_link == ""


def test_a_bad_link_is_refused_and_nothing_changes(world):
    for link in ("https://example.org/group", "javascript:alert(1)", "chat.whatsapp.com/"):
        with pytest.raises(ValidationError) as refused:
            services.set_network_settings(
                actor=world.coordinator, municipality=world.testdorp, share_with_neighbours=True, admins_group_link=link
            )
        assert "admins_group_link" in refused.value.error_dict
    assert not NetworkSettings.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditEvent.Action.NETWORK_SETTINGS_CHANGED).exists()


@pytest.mark.parametrize("actor", ["admin_a", "coordinator_nl", "police", "nobody"])
def test_only_the_municipalitys_coordinator_changes_its_network(world, actor):
    with pytest.raises(PermissionDenied):
        services.set_network_settings(
            actor=getattr(world, actor), municipality=world.testdorp, share_with_neighbours=True, admins_group_link=""
        )
    assert not NetworkSettings.objects.exists()


@pytest.mark.parametrize("actor", ["coordinator", "police", "nobody"])
def test_only_admins_choose_what_they_share(world, actor):
    with pytest.raises(PermissionDenied):
        services.set_contact_sharing(actor=getattr(world, actor), show_email=True, show_phone=True)
    assert not ContactSharing.objects.exists()


def test_filter_by_sub_municipality(world):
    from apps.municipalities.models import SubMunicipality

    north = SubMunicipality.objects.create(municipality=world.testdorp, name="Noordkant")
    world.group_a.area.sub_municipality = north
    world.group_a.area.save(update_fields=["sub_municipality"])
    found = services.directory(world.coordinator, world.testdorp, sub_municipality_id=north.pk)
    assert names(found) == {"Admin_A", "Co_Admin_A"}
    assert entry(found, "Admin_A").sub_municipalities == ["Noordkant"]


# The pages.


def test_the_pages_refuse_and_change_nothing(client, world):
    client.force_login(world.nobody)
    assert client.get(reverse("staff:network_directory")).status_code == 403
    assert client.post(reverse("staff:network_contacts"), {"show_email": "on"}).status_code == 403
    client.force_login(world.admin_a)
    response = client.post(reverse("staff:network_settings", args=[world.testdorp.pk]), {"share_with_neighbours": "on"})
    assert response.status_code == 403
    client.force_login(world.coordinator_nl)
    assert client.get(reverse("staff:network_directory"), {"gemeente": world.testdorp.pk}).status_code == 404
    response = client.post(reverse("staff:network_settings", args=[world.testdorp.pk]), {"share_with_neighbours": "on"})
    assert response.status_code == 403
    assert not NetworkSettings.objects.exists() and not ContactSharing.objects.exists()


def test_an_admin_chooses_on_the_page_and_another_admin_sees_it(client, world):
    client.force_login(world.admin_a)
    response = client.post(reverse("staff:network_contacts"), {"show_email": "on"})
    assert response.status_code == 302
    client.force_login(world.admin_b)
    page = client.get(reverse("staff:network_directory")).content.decode()
    assert "admin_a@example.org" in page and "+32470000001" not in page and "470 00 00 01" not in page


def test_the_coordinator_saves_the_settings_and_a_bad_link_keeps_the_form(client, world):
    client.force_login(world.coordinator)
    url = reverse("staff:network_settings", args=[world.testdorp.pk])
    response = client.post(url, {"share_with_neighbours": "on", "admins_group_link": "https://example.org/x"})
    assert response.status_code == 400 and not NetworkSettings.objects.exists()
    assert 'value="https://example.org/x"' in response.content.decode()
    response = client.post(
        url, {"share_with_neighbours": "on", "admins_group_link": "https://chat.whatsapp.com/Abc123"}
    )
    assert response.status_code == 302
    row = NetworkSettings.objects.get()
    assert row.share_with_neighbours and row.admins_group_link == "https://chat.whatsapp.com/Abc123"


def test_admins_of_groups_not_active_are_left_out(world):
    world.group_b.status = Group.Status.CLOSED if hasattr(Group.Status, "CLOSED") else Group.Status.FORMING
    world.group_b.save(update_fields=["status"])
    assert "Admin_B" not in names(services.directory(world.admin_a, world.testdorp))
    assert GroupAdmin.objects.filter(user=world.admin_b).exists()
