"""Fixtures of the staff desk tests: applications, members, messages and requests in every
group of the test world."""

from __future__ import annotations

import pytest

from apps.groups.models import Group, GroupAdmin
from apps.groups.services import submit_group_request
from apps.messaging.models import OutgoingMessage
from testkit.world import World, add_member, make_user

from .helpers import Desk, fail, make_application


@pytest.fixture(autouse=True)
def _english(settings):
    """The assertions read the English texts; pages default to Dutch once its .po file exists."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def desk(world: World) -> Desk:
    app_a = make_application(
        world.group_a, World.ADDRESS_A, full_name="Anna Noord", phone="0470 11 11 11", email="anna@example.org"
    )
    app_b = make_application(
        world.group_b, World.ADDRESS_B, full_name="Bert Zuid", phone="0470 22 22 22", email="bert@example.org"
    )
    app_nl = make_application(
        world.group_nl, World.ADDRESS_NL, full_name="Noor Grens", phone="06 12345678", email="noor@example.org"
    )
    member_a = add_member(world.group_a, 1, full_name="Marc Noord")
    member_b = add_member(world.group_b, 2, full_name="Mia Zuid", street="Zuidstraat")
    member_nl = add_member(world.group_nl, 3, full_name="Niels Grens", street="Markt", postcode="6211 AB")
    request_testdorp = submit_group_request(
        municipality=world.testdorp,
        full_name="Rita Veld",
        email="rita@example.org",
        phone="+32470999999",
        postcode="3871",
        house_number="5",
        street="Veldweg",
        lat=50.70,
        lon=5.40,
        wants_to_be_admin=True,
        message="Wij willen een groep.",
    )
    request_nl = submit_group_request(
        municipality=world.grensstad,
        full_name="Ruud Grens",
        email="ruud@example.org",
        phone="",
        postcode="6211 AB",
        house_number="10",
    )

    # The world's Dutch group has no admin; give it one so removing an admin can be tried there.
    admin_nl = make_user("admin_nl", phone="+31612345670")
    GroupAdmin.objects.create(group=world.group_nl, user=admin_nl)
    Group.objects.filter(pk=world.group_nl.pk).update(invite_link="https://chat.whatsapp.com/INVITEgrens")
    world.group_nl.refresh_from_db()

    def first_message(application):
        return fail(OutgoingMessage.objects.filter(group_id=application.group_id).order_by("pk").first())

    return Desk(
        app_a=app_a,
        app_b=app_b,
        app_nl=app_nl,
        member_a=member_a,
        member_b=member_b,
        member_nl=member_nl,
        message_a=first_message(app_a),
        message_b=first_message(app_b),
        message_nl=first_message(app_nl),
        request_testdorp=request_testdorp,
        request_nl=request_nl,
        admin_nl=admin_nl,
    )
