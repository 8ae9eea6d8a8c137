"""The street-sign pages of the desk and the sign's code: who sees what, who may change what
(others are refused with nothing changed), bad input, the printables and the scan counter."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from apps.groups.models import Group
from apps.signs import services
from apps.signs.models import SignScan, StreetSign
from testkit.world import World

from .helpers import IN_A, IN_GRENSSTAD, pdf_text, snapshot

State = StreetSign.State


@pytest.fixture(autouse=True)
def _photo_dir(settings, tmp_path):
    settings.BUURTWACHT_ATTACHMENT_DIR = tmp_path / "files"


@pytest.fixture
def sign(world: World) -> StreetSign:
    return services.request_sign(actor=world.admin_a, group=world.group_a, road="Steenweg", **IN_A)


def request_data(world: World, **overrides) -> dict:
    data = {"group": world.group_a.pk, "road": "Kiezelweg", "lat": "50.7552", "lon": "5.3101", "note": ""}
    data.update(overrides)
    return data


def test_an_admin_asks_for_a_sign_with_the_typed_coordinates(client, world: World):
    client.force_login(world.admin_a)
    page = client.get(reverse("staff:sign_request"))
    assert page.status_code == 200
    assert list(page.context["form"].fields["group"].queryset) == [world.group_a]
    response = client.post(reverse("staff:sign_request"), request_data(world))
    sign = StreetSign.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("staff:sign_detail", args=[sign.pk])
    assert (sign.road, sign.state, sign.group) == ("Kiezelweg", State.REQUESTED, world.group_a)
    # The same form sent again (a double tap) makes no second sign.
    again = client.post(reverse("staff:sign_request"), request_data(world))
    assert again["Location"] == response["Location"]
    assert StreetSign.objects.count() == 1


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({**IN_GRENSSTAD}, "lat", "This spot lies outside Testdorp."),
        ({"lat": "", "lon": ""}, "lat", "Tap the spot on the map or type its latitude."),
        ({"lat": "vijftig"}, "lat", "Enter the latitude as a number between -90 and 90, such as 50.7512."),
        ({"lat": "95"}, "lat", "Enter the latitude as a number between -90 and 90, such as 50.7512."),
        ({"road": "   "}, "road", "This field is required."),
        ({"group": "999999"}, "group", "Choose one of your own groups."),
    ],
    ids=["outside", "no-spot", "not-a-number", "off-the-globe", "no-road", "unknown-group"],
)
def test_bad_input_is_told_and_nothing_changes(client, world: World, overrides, field, message):
    client.force_login(world.admin_a)
    before = snapshot()
    with translation.override("en"):
        response = client.post(
            reverse("staff:sign_request"), request_data(world, **overrides), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert any(message in e for e in errors[field]), errors
    assert snapshot() == before


def test_an_admin_cannot_ask_for_another_groups_sign(client, world: World):
    client.force_login(world.admin_b)
    before = snapshot()
    response = client.post(reverse("staff:sign_request"), request_data(world))
    assert response.status_code == 200
    assert "group" in response.context["form"].errors
    assert snapshot() == before


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police_nl", "nobody"])
def test_others_do_not_see_the_sign(client, world: World, sign, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("staff:sign_detail", args=[sign.pk])).status_code == 404
    listing = client.get(reverse("staff:sign_list"))
    assert sign not in list(listing.context["page"].object_list)


@pytest.mark.parametrize("who", ["admin_a", "co_admin_a", "coordinator", "police", "superuser"])
def test_those_concerned_see_the_sign(client, world: World, sign, who):
    client.force_login(getattr(world, who))
    assert client.get(reverse("staff:sign_detail", args=[sign.pk])).status_code == 200
    assert sign in list(client.get(reverse("staff:sign_list")).context["page"].object_list)


@pytest.mark.parametrize(
    "who, status",
    [("admin_a", 403), ("admin_b", 404), ("coordinator_nl", 404), ("police", 403), ("police_nl", 404)],
)
@pytest.mark.parametrize("step", ["approve", "decline", "place", "damaged", "removed"])
def test_only_the_coordinator_takes_a_step(client, world: World, sign, who, status, step):
    client.force_login(getattr(world, who))
    before = snapshot()
    data = {"reason": "nee", "placed_on": "2026-01-05"}
    response = client.post(reverse("staff:sign_step", args=[sign.pk, step]), data)
    assert response.status_code == status
    assert snapshot() == before


def test_anonymous_is_sent_to_the_login_and_nothing_changes(client, world: World, sign):
    before = snapshot()
    for url in (
        reverse("staff:sign_list"),
        reverse("staff:sign_detail", args=[sign.pk]),
        reverse("staff:sign_request"),
        reverse("staff:group_printables", args=[world.group_a.pk]),
    ):
        assert client.get(url).status_code == 302
    response = client.post(reverse("staff:sign_step", args=[sign.pk, "approve"]))
    assert response.status_code == 302 and "/account/" in response["Location"]
    assert snapshot() == before


def test_the_coordinator_approves_and_records_the_placement_with_a_photo(client, world: World, sign):
    from apps.incidents.tests.helpers import jpeg_with_gps

    client.force_login(world.coordinator)
    assert client.post(reverse("staff:sign_step", args=[sign.pk, "approve"])).status_code == 302
    # The same button twice: refused with a message, nothing changes.
    before = snapshot()
    twice = client.post(reverse("staff:sign_step", args=[sign.pk, "approve"]), follow=True)
    assert "This step is not possible" in twice.content.decode() or "goedgekeurd" in twice.content.decode()
    assert snapshot() == before
    from django.core.files.uploadedfile import SimpleUploadedFile

    photo = SimpleUploadedFile("bord.jpg", jpeg_with_gps(), content_type="image/jpeg")
    today = timezone.localdate().isoformat()
    response = client.post(reverse("staff:sign_step", args=[sign.pk, "place"]), {"placed_on": today, "photo": photo})
    assert response.status_code == 302
    sign.refresh_from_db()
    assert (sign.state, sign.placed_on.isoformat()) == (State.PLACED, today)
    served = client.get(reverse("staff:sign_photo", args=[sign.pk]))
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in b"".join(served.streaming_content)
    # Another group's admin cannot fetch it.
    client.force_login(world.admin_b)
    assert client.get(reverse("staff:sign_photo", args=[sign.pk])).status_code == 404


def test_a_bad_placement_is_told_and_nothing_changes(client, world: World, sign):
    from django.core.files.uploadedfile import SimpleUploadedFile

    services.approve(actor=world.coordinator, sign=sign)
    client.force_login(world.coordinator)
    before = snapshot()
    with translation.override("en"):
        not_image = SimpleUploadedFile("bord.jpg", b"GIF89a" + bytes(100))
        response = client.post(
            reverse("staff:sign_step", args=[sign.pk, "place"]),
            {"placed_on": timezone.localdate().isoformat(), "photo": not_image},
            HTTP_ACCEPT_LANGUAGE="en",
        )
        assert response.status_code == 400
        assert "Only photos (JPEG, PNG, WebP) can be added to a sign." in response.content.decode()
        response = client.post(
            reverse("staff:sign_step", args=[sign.pk, "place"]), {"placed_on": "2999-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
        )
        assert response.status_code == 400
        assert "The placement date cannot be in the future." in response.content.decode()
        response = client.post(reverse("staff:sign_step", args=[sign.pk, "decline"]), {"reason": ""})
        assert response.status_code == 400
    assert snapshot() == before


def test_the_list_highlights_signs_of_groups_that_stopped(client, world: World, sign):
    services.approve(actor=world.coordinator, sign=sign)
    other = services.request_sign(actor=world.admin_b, group=world.group_b, road="Zuidweg", lat=50.745, lon=5.31)
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    client.force_login(world.coordinator)
    response = client.get(reverse("staff:sign_list"))
    assert response.context["stopped_count"] == 1
    kinds = {f["properties"]["url"]: f["properties"]["kind"] for f in response.context["map_data"]["features"]}
    assert kinds[reverse("staff:sign_detail", args=[sign.pk])] == "sign-stopped"
    assert kinds[reverse("staff:sign_detail", args=[other.pk])] == "sign"
    stopped = client.get(reverse("staff:sign_list") + "?stopped=1")
    assert list(stopped.context["page"].object_list) == [sign]


def test_admins_and_coordinators_download_the_poster_and_flyer(client, world: World, sign):
    for who in (world.admin_a, world.coordinator):
        client.force_login(who)
        page = client.get(reverse("staff:group_printables", args=[world.group_a.pk]))
        assert page.status_code == 200 and "<svg" in page.content.decode()
        response = client.get(
            reverse("staff:group_printables", args=[world.group_a.pk]), {"format": "flyer", "language": "fr"}
        )
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="testdorp-noord-flyer-fr.pdf"'
        text = pdf_text(response.content)
        assert "Testdorp Noord" in text and "testserver/groepen/testdorp-noord/aanmelden/" in text
    # A requested sign has no code to print yet; an approved one has.
    services.approve(actor=world.coordinator, sign=sign)
    response = client.get(
        reverse("staff:group_printables", args=[world.group_a.pk]),
        {"format": "poster", "language": "nl", "sign": sign.pk},
    )
    assert f"testserver/b/{sign.token}/" in pdf_text(response.content)


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police", "nobody"])
def test_others_cannot_download_a_groups_printables(client, world: World, who):
    client.force_login(getattr(world, who))
    url = reverse("staff:group_printables", args=[world.group_a.pk])
    assert client.get(url, {"format": "poster", "language": "nl"}).status_code == 404


def test_a_bad_printable_choice_is_told(client, world: World, sign):
    other = services.request_sign(actor=world.admin_b, group=world.group_b, road="Zuidweg", lat=50.745, lon=5.31)
    services.approve(actor=world.coordinator, sign=other)
    client.force_login(world.admin_a)
    url = reverse("staff:group_printables", args=[world.group_a.pk])
    with translation.override("en"):
        for query, message in (
            ({"format": "banner", "language": "nl"}, "Choose the poster or the flyer."),
            ({"format": "poster", "language": "de"}, "Choose Dutch, French or English."),
            ({"format": "poster", "language": "nl", "sign": other.pk}, "Choose one of the group&#x27;s signs."),
        ):
            response = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
            assert response.status_code == 400 and response["Content-Type"].startswith("text/html")
            assert message in response.content.decode()


def test_a_scan_is_counted_and_goes_to_the_groups_page_without_a_cookie(client, world: World, sign):
    response = client.get(f"/b/{sign.token}/")
    assert response.status_code == 302
    assert response["Location"] == reverse("public:group_detail", args=[world.group_a.slug])
    assert not response.cookies
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    client.get(f"/b/{sign.token}/")
    assert SignScan.objects.get(sign=sign).count == 2


def test_an_unknown_code_is_a_404_and_counted_nowhere(client, world: World, sign):
    before = snapshot()
    assert client.get("/b/notatoken123/").status_code == 404
    assert client.get(f"/b/{sign.token}x/").status_code == 404
    assert client.post(f"/b/{sign.token}/").status_code in (403, 405)
    assert snapshot() == before


@pytest.mark.parametrize("who", ["police", "police_nl", "nobody"])
def test_those_without_a_group_cannot_ask_for_a_sign(client, world: World, who):
    client.force_login(getattr(world, who))
    before = snapshot()
    assert client.get(reverse("staff:sign_request")).status_code == 404
    assert client.post(reverse("staff:sign_request"), request_data(world)).status_code == 404
    assert snapshot() == before


def test_an_unknown_step_is_a_404_and_changes_nothing(client, world: World, sign):
    client.force_login(world.coordinator)
    before = snapshot()
    assert client.post(reverse("staff:sign_step", args=[sign.pk, "explode"])).status_code == 404
    assert snapshot() == before
