"""Applying to join a group through the web form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from apps.applications.models import Application
from apps.core.actors import SYSTEM
from apps.groups.models import Group
from apps.messaging.models import OutgoingMessage
from apps.municipalities.services import publish_house_rules
from testkit.world import World, add_member, application_data

from .helpers import apply_url, nothing_stored, says, submit_application


def test_form_is_prefilled_from_the_search_result(client, world: World):
    params = {"postcode": "3870", "house_number": "2", "addition": "A", "street": "Zuidstraat", "town": "Testdorp"}
    html = client.get(apply_url(world.group_b), params).content.decode()
    for name, value in params.items():
        assert re.search(rf'name="{name}" value="{value}"', html), name
    assert 'name="house_rules_version" value="1"' in html


def test_form_shows_the_current_house_rules_in_full(client, world: World):
    publish_house_rules(
        world.testdorp, title="Nieuwe regels", text="Alleen meldingen.\nAltijd eerst 101.", actor=SYSTEM
    )
    html = client.get(apply_url(world.group_a)).content.decode()
    assert "Nieuwe regels" in html and "Alleen meldingen.<br>Altijd eerst 101." in html
    assert "Eerst 101 bellen" not in html
    assert 'name="house_rules_version" value="2"' in html


def test_form_is_accessible(client, world: World):
    html = client.get(apply_url(world.group_a)).content.decode()
    for name in (
        "full_name",
        "street",
        "house_number",
        "addition",
        "postcode",
        "town",
        "birth_date",
        "phone",
        "email",
        "accept_house_rules",
        "remark",
    ):
        assert f'<label for="id_{name}">' in html, name
    assert re.search(r'<input type="date" name="birth_date"[^>]*autocomplete="bday"', html)
    assert re.search(r'name="house_number"[^>]*inputmode="numeric"', html)
    assert re.search(r'name="phone"[^>]*autocomplete="tel"', html)
    assert re.search(r'name="email"[^>]*autocomplete="email"', html)
    assert re.search(r'name="postcode"[^>]*autocomplete="postal-code"', html)
    assert re.search(r'name="full_name"[^>]*autocomplete="name"', html)
    # the trap field is out of the keyboard's and the screen reader's way
    assert re.search(r'<div class="trap" aria-hidden="true">', html)
    assert re.search(r'name="website"[^>]*tabindex="-1"', html)


def test_successful_application_redirects_and_says_check_your_email(client, world: World):
    response = submit_application(client, world.group_a)
    assert response.status_code == 302
    assert response["Location"] == reverse("public:application_sent")
    application = Application.objects.get()
    assert application.group == world.group_a and application.status == Application.Status.SUBMITTED
    assert application.phone == "+32470123456" and application.language == "nl"
    assert OutgoingMessage.objects.filter(topic="application.confirm", recipient="jan.peeters@example.org").exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert "jan.peeters@example.org" in html
    assert says(html, "Check your e-mail")
    assert re.search(r'href="/aanmelding/[A-Za-z0-9_-]{20,}/"', html)
    assert page["Referrer-Policy"] == "same-origin"
    # The status link is shown once; a reload (or the next user of a shared computer) does not see it.
    again = client.get(response["Location"]).content.decode()
    assert "/aanmelding/" not in again.replace("/aanmelding/verstuurd/", "")
    assert "jan.peeters@example.org" not in again


def test_application_with_addition_in_house_number(client, world: World):
    response = submit_application(client, world.group_b, {"street": "Zuidstraat", "house_number": "2a"})
    assert response.status_code == 302
    assert Application.objects.get().house_number == "2A"


def test_border_address_may_apply_to_either_group(client, world: World):
    border = {"street": "Grensweg", "house_number": "3"}
    assert submit_application(client, world.group_a, border).status_code == 302
    assert submit_application(client, world.group_b, border).status_code == 302
    assert set(Application.objects.values_list("group__slug", flat=True)) == {"testdorp-noord", "testdorp-zuid"}


def field_error(html: str, field: str) -> bool:
    """The field shows an error, tied to it, and the summary at the top links to it."""
    return (
        f'id="id_{field}_error"' in html
        and re.search(rf'aria-describedby="[^"]*id_{field}_error[^"]*"[^>]*id="id_{field}"', html) is not None
        and f'href="#id_{field}"' in html
    )


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        ({"full_name": "Jan"}, "full_name", "Enter your first name and last name."),
        ({"birth_date": ""}, "birth_date", "Enter your date of birth."),
        ({"birth_date": "31-02-1960"}, "birth_date", "Enter your date of birth as day-month-year, e.g. 31-12-1960."),
        ({"birth_date": "2015-01-01"}, "birth_date", None),
        ({"birth_date": "2999-01-01"}, "birth_date", "The date of birth lies in the future."),
        ({"phone": "011 12 34 56"}, "phone", "This is a landline number. WhatsApp needs a mobile number."),
        ({"phone": "12345"}, "phone", None),
        ({"phone": "+33 6 12 34 56 78"}, "phone", "Only Belgian and Dutch mobile numbers can join a group."),
        ({"email": "geen-adres"}, "email", None),
        ({"postcode": "38"}, "postcode", "Enter a postcode like 3870 (Belgium) or 6162 AB (the Netherlands)."),
        ({"postcode": "9999"}, "postcode", None),
        ({"house_number": "77"}, "house_number", None),
        ({"house_number": "x"}, "house_number", "Enter a house number like 12 or 12A."),
        ({"addition": "Q"}, "addition", None),
        ({"accept_house_rules": ""}, "accept_house_rules", "You can only join when you accept the house rules."),
        ({"street": ""}, "street", "Enter your street."),
        ({"town": ""}, "town", "Enter your town."),
        ({"full_name": ""}, "full_name", "Enter your first name and last name."),
        ({"phone": ""}, "phone", "Enter your mobile phone number."),
        ({"email": ""}, "email", "Enter your e-mail address."),
        ({"postcode": ""}, "postcode", "Enter your postcode."),
        ({"house_number": ""}, "house_number", "Enter your house number."),
    ],
)
def test_bad_input_is_shown_on_its_field_and_nothing_is_stored(client, world: World, overrides, field, message):
    with nothing_stored():
        response = submit_application(client, world.group_a, **overrides)
    assert response.status_code == 200
    html = response.content.decode()
    assert field_error(html, field), field
    assert 'class="error-summary" role="alert"' in html
    if message:
        assert says(html, message)
    # what the resident typed is kept
    assert 'value="Noordstraat"' in html or field == "street"


def test_address_of_another_group_links_to_that_group(client, world: World):
    with nothing_stored():
        response = submit_application(client, world.group_a, World.ADDRESS_B)
    html = response.content.decode()
    assert field_error(html, "postcode")
    assert "Testdorp Zuid" in html
    assert (
        apply_url(world.group_b) + "?postcode=3870&amp;house_number=2&amp;street=Zuidstraat&amp;town=Testdorp"
    ) in html


def test_address_without_group_links_to_start_a_group(client, world: World):
    with nothing_stored():
        response = submit_application(client, world.group_a, World.ADDRESS_NONE)
    html = response.content.decode()
    assert field_error(html, "postcode")
    assert says(html, "No group covers this address yet. You can ask to start one.")
    assert reverse("public:start_group") + "?postcode=3871&amp;house_number=5" in html


def test_second_application_with_the_same_phone_is_refused(client, world: World):
    submit_application(client, world.group_a)
    with nothing_stored():
        response = submit_application(client, world.group_a, email="ander@example.org")
    assert field_error(response.content.decode(), "phone")


def test_member_cannot_apply_again(client, world: World):
    add_member(world.group_a, 1, phone="+32470123456")
    with nothing_stored():
        response = submit_application(client, world.group_a)
    html = response.content.decode()
    assert field_error(html, "phone")
    assert says(html, "This phone number is already a member of this group.")


def test_rules_changed_while_filling_in_shows_the_new_rules_unticked(client, world: World):
    publish_house_rules(world.testdorp, title="Versie twee", text="Nieuwe tekst.", actor=SYSTEM)
    with nothing_stored():
        response = submit_application(client, world.group_a, house_rules_version="1")
    html = response.content.decode()
    assert field_error(html, "accept_house_rules")
    assert says(html, "The house rules were changed while you filled in the form. Read them again.")
    assert "Nieuwe tekst." in html
    assert 'name="house_rules_version" value="2"' in html
    assert not re.search(r'name="accept_house_rules"[^>]*checked', html)
    # Reading and accepting the new version then works.
    assert submit_application(client, world.group_a, house_rules_version="2").status_code == 302


def test_honeypot_stores_nothing_and_shows_a_generic_error(client, world: World):
    with nothing_stored():
        response = submit_application(client, world.group_a, website="http://spam.example")
    assert response.status_code == 200
    html = response.content.decode()
    assert says(html, "This form could not be sent. Please try again.")
    # no link to a field nobody can see, and the trap is empty for the next try
    assert 'href="#id_website"' not in html
    assert "spam.example" not in html


def test_closed_group_takes_no_applications(client, world: World):
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.CLOSED)
    html = client.get(apply_url(world.group_a)).content.decode()
    assert says(html, "This group no longer takes new members.")
    assert 'name="full_name"' not in html
    with nothing_stored():
        response = submit_application(client, world.group_a)
    assert response.status_code == 200
    assert says(response.content.decode(), "This group no longer takes new members.")


def test_forming_group_takes_applications(client, world: World):
    Group.objects.filter(pk=world.group_a.pk).update(status=Group.Status.FORMING)
    assert submit_application(client, world.group_a).status_code == 302


def test_no_application_without_published_house_rules(client, world: World):
    world.testdorp.house_rules.all().delete()
    html = client.get(apply_url(world.group_a)).content.decode()
    assert says(html, "The municipality has not published the house rules yet. You can apply as soon as it has.")
    with nothing_stored():
        submit_application(client, world.group_a)


def test_tampered_house_rules_version_is_refused(client, world: World):
    with nothing_stored():
        response = client.post(apply_url(world.group_a), application_data(house_rules_version="abc"))
    assert response.status_code == 200
    assert 'class="error-summary"' in response.content.decode()


def test_only_get_and_post(client, world: World):
    assert client.put(apply_url(world.group_a)).status_code == 405
