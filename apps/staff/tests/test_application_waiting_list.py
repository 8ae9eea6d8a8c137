"""The waiting list of a full group on the desk: in order, only for those who manage the group;
an application on it cannot be approved past the others; the offer to help is shown."""

from __future__ import annotations

from django.urls import reverse

from apps.applications.models import Application
from apps.members.models import Member
from testkit.world import World, add_member

from .helpers import make_application, snapshot


def fill(group, capacity: int = 3) -> None:
    group.capacity = capacity
    group.save()
    current = Member.objects.current().filter(group=group).count()
    for n in range(current, capacity):
        add_member(group, 300 + n)


def waiting_people(world: World) -> tuple[Application, Application]:
    fill(world.group_a, capacity=Member.objects.current().filter(group=world.group_a).count() + 1)
    # the desk fixture's confirmed application already holds the last place
    first = make_application(
        world.group_a, World.ADDRESS_A, phone="0470 81 81 81", full_name="Eerste Wachter", waiting_list="on"
    )
    second = make_application(
        world.group_a, World.ADDRESS_A, phone="0470 82 82 82", full_name="Tweede Wachter", waiting_list="on"
    )
    assert first.status == second.status == Application.Status.WAITING
    return first, second


def test_the_admin_sees_the_waiting_list_in_order(client, world, desk):
    waiting_people(world)
    client.force_login(world.admin_a)
    html = client.get(reverse("staff:application_list")).content.decode()
    assert 'id="waiting-lists"' in html
    section = html[html.index('id="waiting-lists"') :]
    assert section.index("Eerste Wachter") < section.index("Tweede Wachter")
    # the waiting list is not mixed into the list of applications to decide on
    main = html[: html.index('id="waiting-lists"')] + html[html.index("</section>", html.index('id="waiting-lists"')) :]
    assert "Eerste Wachter" not in main
    # filtered on the status, the waiting ones are listed, oldest first
    html = client.get(reverse("staff:application_list"), {"status": "waiting"}).content.decode()
    assert html.index("Eerste Wachter") < html.index("Tweede Wachter")


def test_others_do_not_see_the_waiting_list(client, world, desk):
    waiting_people(world)
    for who in ("admin_b", "coordinator_nl", "police", "nobody"):
        client.force_login(getattr(world, who))
        response = client.get(reverse("staff:application_list"))
        assert "Eerste Wachter" not in response.content.decode(), who


def test_an_application_on_the_waiting_list_cannot_be_approved(client, world, desk):
    first, _second = waiting_people(world)
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:application_detail", args=[first.pk])).content.decode()
    assert "number 1 on the waiting list" in page
    before = snapshot(ignore_views=True)
    client.post(reverse("staff:application_approve", args=[first.pk]))
    assert snapshot(ignore_views=True) == before
    assert Application.objects.get(pk=first.pk).status == Application.Status.WAITING


def test_the_offer_to_help_as_admin_is_shown(client, world, desk):
    app = make_application(world.group_b, World.ADDRESS_B, phone="0470 83 83 83", offers_to_help="on")
    client.force_login(world.admin_b)
    html = client.get(reverse("staff:application_detail", args=[app.pk])).content.decode()
    assert "Would like to help as an admin" in html
    assert app.offers_to_help is True
