"""Helpers of the relay and broadcast tests, shared with the tests of the pages: a group across
the border, members who asked for alerts, a broadcast to them and the stop link it carries."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from apps.areas import neighbours
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.groups.models import Group, GroupAdmin
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from apps.relays.broadcasts import send_broadcast
from apps.relays.models import Broadcast
from testkit.world import World, add_member, box, make_user

NIGHT = dt.datetime(2026, 11, 21, 23, 30)
BOTH = Broadcast.Audience.ADMINS_AND_MEMBERS


def border_group(world: World) -> Group:
    """A Dutch group right next to Testdorp Noord (east of longitude 5.32), with an admin."""
    area = save_area(
        actor=SYSTEM, municipality=world.grensstad, name="Grensstrook", geometry=box(5.32, 50.75, 5.34, 50.76)
    )
    group = Group.objects.create(
        municipality=world.grensstad, area=area, name="Grensstrook", slug="grensstrook", status=Group.Status.ACTIVE
    )
    GroupAdmin.objects.create(group=group, user=make_user("admin_nl", phone="+31612345678"))
    world.zone.email = "wijkteam@pz-test.example"
    world.zone.save()
    neighbours.recompute()
    return group


def opted_in(group, n: int, **extra) -> Member:
    # Their numbers are confirmed (``apps.members.confirmation``), so alerts may reach their phones.
    extra.setdefault("phone_confirmed_at", timezone.now())
    return add_member(group, n, alerts_opt_in_at=timezone.now(), alerts_consent_text="Ja.", **extra)


def send(world: World, urgency="red", audience=BOTH, actor=None, text="Sluit ramen en deuren.", **scope) -> Broadcast:
    """A broadcast; the same one again within a minute is not sent twice: give another ``text``."""
    scope = scope or {"zone_id": world.zone.pk}
    return send_broadcast(
        actor=actor or world.police, urgency=urgency, subject="Inbraken", text=text,
        audience=audience, **scope,
    )  # fmt: skip


def member_messages(broadcast: Broadcast) -> list[OutgoingMessage]:
    return list(OutgoingMessage.objects.filter(dedupe_key__startswith=f"broadcast:{broadcast.pk}:member:"))


def stop_key(message: OutgoingMessage) -> str:
    text = message.body if message.channel != "whatsapp" else message.template_params[-1]
    return re.search(r"/berichten-stoppen/([^/\s]+)/", text).group(1)
