"""Stored values read as words of the page's language, never as the code the database holds:
"e-mail", "verstuurd", "envoyé", not "email", "sent", "queued".

The world gets data in every status and on every channel (applications, messages, incidents,
relays, broadcasts, imports, group requests, groups, members who left), made through the
services; then, in Dutch and in French, the desk is walked by its links as each role (admin,
coordinator, police), and the applicant's status page is opened for an application in every
status, as is the page a relay's recipient opens. The visible text of each page's ``<main>``
(tags, scripts and attributes stripped) must not hold a choice value of the project's models
as a whole word (a hyphen or an underscore joins words).

What is no proof of a raw value is left out, per language: a value that reads the same as its
label ("sms" is "SMS"), a label that holds a value as a word of its own ("PDOK Locatieserver
(NL)", French "zone de police": the labels are taken out of the text first), and a few values
that are ordinary words of the language (ORDINARY_WORDS). The comparison ignores case, so
``|capfirst`` or ``|upper`` on a raw value ("Queued", "FR") is caught too.

The pages are read with Django's test client: what matters is the HTML the server writes.
"""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.apps import apps as django_apps
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override
from PIL import Image

from apps.accounts.models import User
from apps.applications import services as applications
from apps.applications.forms import ApplicationForm
from apps.applications.models import Application
from apps.areas.models import ImportJob
from apps.groups.models import Group, GroupRequest
from apps.groups.services import decide_group_request, submit_group_request
from apps.incidents import services as incidents
from apps.incidents.models import Incident, IncidentAttachment
from apps.incidents.tests.helpers import report
from apps.members.models import Member
from apps.messaging.models import DeliveryPreference, OutgoingMessage
from apps.relays import services as relays
from apps.relays.broadcasts import send_broadcast
from apps.relays.models import Broadcast
from apps.relays.tests.helpers import border_group, opted_in
from testkit.world import World, add_member, application_data

LANGUAGES = ("nl", "fr")
ROLES = ("admin_a", "coordinator", "police")

# Not a field's choices, but stored and shown all the same: the delivery of a relay's recipient
# who has no channel (relays.services.status_rows).
EXTRA_CHOICES = [("relay delivery", "no_channel", "no channel")]

# Values that are also ordinary words of the language, which its sentences use ("en" is Dutch
# for "and" and French for "in"; "zone" as in "Groepen in uw zone", "la zone du groupe").
ORDINARY_WORDS = {"nl": {"en", "zone"}, "fr": {"en", "zone"}}


def choices() -> list[tuple[str, str, object]]:
    """(model.field, value, label) of every choice of the project's models."""
    found = []
    for model in django_apps.get_models():
        if not model.__module__.startswith("apps."):
            continue
        for field in model._meta.get_fields():
            for value, label in getattr(field, "flatchoices", None) or ():
                if isinstance(value, str) and value:
                    found.append((f"{model.__name__}.{field.name}", value, label))
    return found + EXTRA_CHOICES


def labels_in(language: str) -> list[tuple[str, str, str]]:
    """(model.field, value, label in ``language``) of every choice."""
    with override(language):
        return [(where, value, str(label)) for where, value, label in choices()]


def raw_values_for(language: str) -> dict[str, str]:
    """The values that must not appear in a page in ``language``, each with where it comes from."""
    found: dict[str, str] = {}
    for where, value, label in labels_in(language):
        value = value.lower()
        if value == label.lower() or value in ORDINARY_WORDS[language]:
            continue  # shown raw or as its label, the page reads the same
        found[value] = f"{found[value]}, {where}" if value in found and where not in found[value] else where
    return found


def without_labels(text: str, language: str) -> str:
    """The text with every choice label in ``language`` taken out, longest first."""
    for label in sorted({label for _where, _value, label in labels_in(language)}, key=len, reverse=True):
        text = re.sub(rf"(?<![\w-]){re.escape(label)}(?![\w-])", " ", text, flags=re.IGNORECASE)
    return text


class _MainText(HTMLParser):
    """The text a person sees in ``<main>`` (text nodes, without scripts, styles and templates),
    and the links of the whole page."""

    SKIP = {"script", "style", "template"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.skipping = 0
        self.parts: list[str] = []
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.in_main += 1
        elif tag in self.SKIP:
            self.skipping += 1
        elif tag == "a" and dict(attrs).get("href"):
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag == "main":
            self.in_main -= 1
        elif tag in self.SKIP:
            self.skipping -= 1

    def handle_data(self, data):
        if self.in_main and not self.skipping:
            self.parts.append(data)


def read(html: str) -> tuple[str, list[str]]:
    """The visible text of the page's ``<main>``, and the page's links."""
    parser = _MainText()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split()), parser.links


def raw_in(text: str, language: str) -> list[tuple[str, str]]:
    """Each raw value the text holds as a whole word: (value, where it comes from and the text
    around it)."""
    lowered = without_labels(text, language).lower()
    # An e-mail address is someone's data, not a value: "police@pz-…" is no raw "police".
    lowered = re.sub(r"\S+@\S+", " ", lowered)
    hits = []
    for value, where in sorted(raw_values_for(language).items()):
        match = re.search(rf"(?<![\w-]){re.escape(value)}(?![\w-])", lowered)
        if match:
            context = lowered[max(match.start() - 40, 0) : match.end() + 40]
            hits.append((value, f"{value!r} ({where}) in …{context}…"))
    return hits


# ---------------------------------------------------------------------------------------------
# The world, with something in every status and on every channel


def _apply(group: Group, n: int) -> applications.Submitted:
    data = application_data(full_name=f"Aanvrager {n}", phone=f"0470 55 00 {n:02d}", email=f"aanvrager{n}@example.org")
    form = ApplicationForm(data, country=group.municipality.country)
    assert form.is_valid(), form.errors
    return applications.submit(group, form.cleaned_data)


def _photo() -> SimpleUploadedFile:
    data = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(data, format="JPEG")
    return SimpleUploadedFile("IMG_0001.jpg", data.getvalue())


def fill_every_status(world: World, settings, attachment_dir) -> dict[str, str]:
    """Data in every status and on every channel, made through the services; what no service
    reaches in a test (a group's status, waiting, expired, a message's delivery, a video without
    ffmpeg) is set afterwards. Returns the status-page key of an application in each status. ``settings`` is
    pytest-django's fixture: WhatsApp and SMS are switched on."""
    settings.WHATSAPP_PHONE_NUMBER_ID, settings.WHATSAPP_TOKEN = "123", "token"
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    settings.BUURTWACHT_ATTACHMENT_DIR = attachment_dir
    group_a = world.group_a
    # The world names its users after their role ("Police"): a name, not a stored value.
    User.objects.filter(pk__in=[world.police.pk, world.police_nl.pk]).update(first_name="Pieter")

    # Applications, one per status; all sent first, as one on the waiting list fills the group.
    submitted = {status: _apply(group_a, n) for n, status in enumerate(Application.Status.values, start=1)}
    for status, sent in submitted.items():
        application = sent.application
        if status != "submitted":
            application = applications.confirm(applications.confirmation_token(application))
        if status == "approved":
            applications.approve(application, actor=world.admin_a)
        elif status == "rejected":
            applications.reject(application, actor=world.admin_a, reason="Woont buiten de wijk.")
        elif status == "withdrawn":
            applications.withdraw(application)
    for status in ("waiting", "expired"):
        Application.objects.filter(pk=submitted[status].application.pk).update(status=status)

    # Groups forming and closed beside the active ones; one across the border, whose admin has
    # no WhatsApp agreement (reached by SMS).
    Group.objects.filter(pk=world.group_b.pk).update(status=Group.Status.FORMING)
    Group.objects.filter(pk=world.group_nl.pk).update(status=Group.Status.CLOSED)
    border_group(world)

    # Members who left in every way, and members who asked for alerts (by WhatsApp, by e-mail).
    for n, reason in enumerate(Member.LeaveReason.values, start=40):
        add_member(group_a, n, left_at=timezone.now(), leave_reason=reason)
    opted_in(group_a, 50)
    opted_in(group_a, 51)
    opted_in(group_a, 52, phone="")

    # Admins on each channel: WhatsApp (agreed to it), SMS, e-mail (no phone); the police by e-mail.
    DeliveryPreference.objects.create(user=world.admin_b, whatsapp_opt_in=True)
    User.objects.filter(pk=world.co_admin_a.pk).update(phone="")
    world.zone.email = "wijkteam@pz-test.example"
    world.zone.save()

    # Incidents in every category, the last one closed, attachments of every kind on the first,
    # relays of the first five in both scopes.
    found = [report(world, category=category) for category in Incident.Category.values]
    Incident.objects.filter(pk=found[-1].pk).update(status=Incident.Status.CLOSED)
    incidents.add_attachment(actor=world.admin_a, incident=found[0], upload=_photo())
    for kind in ("video", "audio"):
        attachment = IncidentAttachment(incident=found[0], kind=kind, content_type=f"{kind}/mp4", size=3, sha256="0")
        attachment.file.save(f"sample.{kind}", ContentFile(b"..."))
    for n, incident in enumerate(found[:5]):
        scope = {"scope": "neighbours"} if n % 2 else {"scope": "radius", "radius_m": 2000}
        # Red at once: the coordinator's; an admin's red waits for approval (the sixth).
        relays.send(actor=world.coordinator, incident=incident, **scope)
    relays.send(actor=world.admin_a, incident=found[5], scope="neighbours", urgency="red")

    # Broadcasts: the police's red one to admins and members, the coordinator's green one.
    send_broadcast(
        actor=world.police, urgency="red", subject="Inbraken", text="Sluit ramen en deuren.",
        zone_id=world.zone.pk, audience=Broadcast.Audience.ADMINS_AND_MEMBERS,
    )  # fmt: skip
    send_broadcast(
        actor=world.coordinator, urgency="green", subject="Info-avond", text="Dinsdag om 20 uur.",
        municipality_id=world.testdorp.pk,
    )  # fmt: skip

    # Requests to start a group: open, approved, declined.
    for n, status in enumerate(GroupRequest.Status.values):
        request = submit_group_request(
            municipality=world.testdorp, full_name=f"Aanvrager groep {n}", email=f"groep{n}@example.org",
            phone="", postcode="3871", house_number=str(5 + n),
        )  # fmt: skip
        if status != GroupRequest.Status.OPEN:
            decide_group_request(actor=world.coordinator, request=request, approve=status == "approved")

    # Imports of every kind in every status (the worker is not running).
    for kind in ImportJob.Kind.values:
        for status in ImportJob.Status.values:
            ImportJob.objects.create(
                municipality=world.testdorp, kind=kind, path="/nonexistent", original_name=f"{kind}-{status}.csv",
                status=status, created_by=world.coordinator,
            )  # fmt: skip

    # Messages on every channel in every delivery status.
    statuses = OutgoingMessage.Status.values
    for channel in OutgoingMessage.Channel.values:
        messages = list(OutgoingMessage.objects.filter(channel=channel).order_by("pk")[: len(statuses)])
        assert len(messages) == len(statuses), f"too few {channel} messages to give each status"
        for message, status in zip(messages, statuses, strict=True):
            OutgoingMessage.objects.filter(pk=message.pk).update(
                status=status,
                attempts=0 if status == "queued" else 1,
                sent_at=timezone.now() if status == "sent" else None,
                last_error="mailbox unavailable" if status == "failed" else "",
            )
    return {status: sent.access_key for status, sent in submitted.items()}


@pytest.fixture
def busy_world(world: World, settings, tmp_path) -> tuple[World, dict[str, str]]:
    # People's names, as pages show them: the test world's "Police" would read as a stored value.
    for user, (first, last) in ((world.police, ("Inge", "Peeters")), (world.coordinator, ("Carla", "Janssens"))):
        user.first_name, user.last_name = first, last
        user.save(update_fields=["first_name", "last_name"])
    return world, fill_every_status(world, settings, tmp_path)


# ---------------------------------------------------------------------------------------------
# Walking the pages


def _desk_link(base: str, href: str) -> str | None:
    """The desk page a link leads to (path and query), or None for anything else (another site,
    a residents' page, a file)."""
    url = urlsplit(urljoin(base, href))
    desk = url.path.startswith("/beheer/") or url.path == reverse("accounts:message_language")
    if url.netloc not in ("", "testserver") or not desk or url.path.endswith((".csv", ".json")):
        return None
    return url.path + (f"?{url.query}" if url.query else "")


def walk_the_desk(client, start: list[str], limit: int = 200) -> dict[str, str]:
    """Every desk page reachable by links from ``start`` (GET only: nothing changes), as path →
    visible text; a page that is no HTML page (a file, a redirect) has no text."""
    seen: dict[str, str] = {}
    queue = list(start)
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen:
            continue
        response = client.get(path)
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            seen[path] = ""
            continue
        seen[path], links = read(response.content.decode())
        queue += [p for p in (_desk_link(path, href) for href in links) if p and p not in seen]
    return seen


def pages_no_link_leads_to(role: str) -> list[str]:
    """Each status filter of the lists, and the relay preview in both scopes."""
    pages = [f"{reverse('staff:application_list')}?status={s}" for s in Application.Status.values]
    pages += [f"{reverse('staff:message_list')}?status={s}" for s in OutgoingMessage.Status.values]
    if role == "coordinator":
        pages += [f"{reverse('staff:group_request_list')}?status={s}" for s in GroupRequest.Status.values]
    first = Incident.objects.order_by("pk").first()
    preview = reverse("relays:preview", args=[first.pk])
    return [*pages, f"{preview}?scope=radius&radius_m=2000", f"{preview}?scope=neighbours"]


def sent_broadcast_page(client, world: World) -> str:
    """The page a sender sees after sending a broadcast: each recipient's channel and delivery."""
    data = {"urgency": "red", "audience": "admins_and_members", "zone": world.zone.pk, "subject": "Let op"}
    response = client.post(reverse("relays:broadcast"), {**data, "text": "Inbraken.", "send": "1"})
    assert response.status_code == 200 and 'id="sent"' in response.content.decode()
    return read(response.content.decode())[0]


def in_language(client, language: str) -> None:
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = language


def assert_no_raw_values(pages: dict[str, str], language: str) -> None:
    found = [f"{path}: {hit}" for path, text in pages.items() for value, hit in raw_in(text, language)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("role", ROLES)
def test_the_desk_shows_no_raw_values(client, busy_world, role, language):
    world, _keys = busy_world
    client.force_login(getattr(world, role))
    in_language(client, language)
    assert f'<html lang="{language}">' in client.get(reverse("staff:dashboard")).content.decode()
    pages = walk_the_desk(client, [reverse("staff:dashboard"), *pages_no_link_leads_to(role)])
    shown = {path: text for path, text in pages.items() if text}
    assert len(shown) >= 30, sorted(pages)  # the walk went through the desk, not only the overview
    if role == "police":
        shown[reverse("relays:broadcast")] = sent_broadcast_page(client, world)
    assert_no_raw_values(shown, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_status_page_shows_no_raw_values(client, busy_world, language):
    _world, keys = busy_world
    in_language(client, language)
    pages = {}
    for key in keys.values():
        response = client.get(reverse("public:application_status", args=[key]))
        assert response.status_code == 200 and f'<html lang="{language}">' in response.content.decode()
        pages[response.wsgi_request.path] = read(response.content.decode())[0]
    assert len(pages) == len(Application.Status.values)
    assert_no_raw_values(pages, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_relayed_incident_page_shows_no_raw_values(client, busy_world, language):
    """The page the police and the admins open from a relay: the plate's country by its name."""
    in_language(client, language)
    links = {
        re.search(r"/doorgegeven/[^/\s]+/", m.body).group(0)
        for m in OutgoingMessage.objects.filter(topic="relay", channel="email")
    }
    assert links
    pages = {}
    for path in links:
        response = client.get(path)
        assert response.status_code == 200 and f'<html lang="{language}">' in response.content.decode()
        pages[path] = read(response.content.decode())[0]
    assert_no_raw_values(pages, language)
