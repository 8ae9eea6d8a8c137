"""Importing an existing group's members: upload, columns, checks, preview, invitations, the
person's link, the reminder and the drop, and who may do what."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse
from django.utils import timezone

from apps.audit.models import AuditEvent
from apps.core.actors import PUBLIC
from apps.enrolments import services
from apps.enrolments.checks import guess_mapping
from apps.enrolments.models import ColumnMapping, Enrolment, EnrolmentImport
from apps.members import confirmation
from apps.members.models import Member
from apps.messaging.models import OutgoingMessage
from testkit.world import add_member

from .helpers import HEADER_NL, csv_bytes, person, phone, upload, xlsx_bytes


@pytest.fixture(autouse=True)
def _english(settings, tmp_path):
    settings.LANGUAGE_CODE = "en"
    settings.VAR_DIR = tmp_path
    settings.SMS_CM_PRODUCT_TOKEN = "test-token"  # text messages for those without e-mail


def _upload_dir() -> Path:
    return Path(settings.VAR_DIR) / services.UPLOAD_DIR


def _state() -> dict:
    """What an import may change, to prove a refused step changed nothing."""
    return {
        "imports": list(EnrolmentImport.objects.order_by("pk").values_list("pk", "status", "mapping")),
        "enrolments": list(Enrolment.objects.order_by("pk").values_list("pk", "status", "full_name")),
        "members": Member.objects.count(),
        "messages": OutgoingMessage.objects.count(),
        "mappings": ColumnMapping.objects.count(),
        "files": sorted(p.name for p in _upload_dir().glob("*")) if _upload_dir().exists() else [],
        "audit": AuditEvent.objects.exclude(action=AuditEvent.Action.ENROLMENTS_VIEWED).count(),
    }


def _post_file(client, group, data: bytes, name="leden.csv"):
    return client.post(reverse("staff:enrolment_upload", args=[group.pk]), {"file": upload(data, name)})


def _map(client, imp, **mapping):
    return client.post(reverse("staff:enrolment_mapping", args=[imp.pk]), {k: str(v) for k, v in mapping.items()})


FULL = {"full_name": 0, "street": 1, "house_number": 2, "postcode": 3, "town": 4, "phone": 5, "email": 6}


# --- columns ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        (HEADER_NL, FULL),
        (
            ["Téléphone portable", "Nom", "Rue", "N°", "Code postal", "Localité", "Courriel"],
            {"phone": 0, "full_name": 1, "street": 2, "house_number": 3, "postcode": 4, "town": 5, "email": 6},
        ),
        (
            ["E-mail address", "Mobile", "Full name", "House number", "Postal code", "City", "Street"],
            {"email": 0, "phone": 1, "full_name": 2, "house_number": 3, "postcode": 4, "town": 5, "street": 6},
        ),
    ],
)
def test_columns_are_guessed_from_header_words(headers, expected):
    assert guess_mapping(headers) == expected


def test_the_groups_last_mapping_is_offered_for_the_next_file():
    assert guess_mapping(["Kolom A", "Wie", "Nummer"], {"full_name": "wie", "phone": "Kolom A"}) == {
        "phone": 0,
        "full_name": 1,
        "house_number": 2,
    }


# --- the whole path on the desk ------------------------------------------------------------------------


def test_upload_map_preview_and_invite(client, world):
    other = add_member(world.group_b, 7, full_name="Geheime Buur", phone="+32471000099", street="Zuidstraat")
    add_member(world.group_a, 8, full_name="Al Lid", phone="+32471000098")
    rows = [
        person(1),
        person(2, email=""),  # no e-mail: by text message
        person(3, phone="011 22 33 44"),  # a landline
        person(4, street="Zuidstraat", number="2"),  # group B's area
        person(5, phone=phone(1)),  # the same number as line 2
        person(6, phone="+32 471 00 00 99"),  # a member of another group
        person(7, phone="0471/000098"),  # already a member here
        person(8, number="999"),  # not in the address register
        person(9, name=""),
        person(10, email="not-an-address"),
        person(11, phone="0031 6 12345678"),  # a Dutch mobile, international form
    ]
    client.force_login(world.admin_a)
    response = _post_file(client, world.group_a, csv_bytes(rows, bom=True))
    imp = EnrolmentImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("staff:enrolment_mapping", args=[imp.pk])
    assert imp.kind == "csv" and imp.row_count == 11 and imp.headers[0] == "Naam"
    page = client.get(response["Location"]).content.decode()
    assert "11 rows under the header" in page
    assert re.search(r'<option value="5" selected>GSM', page)  # guessed

    response = _map(client, imp, **FULL)
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "3 people can be invited" in page
    reasons = dict(re.findall(r"<tr><td>(\d+)</td><td>([^<]+)</td></tr>", page))
    assert reasons == {
        "4": "the phone number is not a Belgian or Dutch mobile number",
        "5": "the address is outside the group&#x27;s area",
        "6": "the same phone number is on line 2",
        "7": "this number belongs to a member of another group",
        "8": "already a member of this group",
        "9": "the address is not in the address register",
        "10": "no name",
        "11": "the e-mail address is not valid",
    }
    # The other group's member is flagged without a word about them.
    assert other.full_name not in page and other.street not in page
    assert Enrolment.objects.count() == 0 and OutgoingMessage.objects.filter(topic__startswith="enrolment").count() == 0
    assert ColumnMapping.objects.get(group=world.group_a).columns["phone"] == "GSM"

    response = client.post(reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "invite"})
    assert response.status_code == 302
    enrolments = list(Enrolment.objects.order_by("line"))
    assert [(e.line, e.phone, e.status) for e in enrolments] == [
        (2, "+32471000001", "invited"),
        (3, "+32471000002", "invited"),
        (12, "+31612345678", "invited"),
    ]
    messages = OutgoingMessage.objects.filter(topic="enrolment.invite")
    assert sorted(messages.values_list("channel", flat=True)) == ["email", "email", "sms"]
    imp.refresh_from_db()
    assert imp.status == "invited" and imp.path == "" and not any(_upload_dir().iterdir())
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENROLMENT_INVITED, actor=world.admin_a).count() == 1
    # The key is not stored: only its hash.
    mail = messages.get(recipient="persoon1@example.org")
    key = re.search(r"/lid-worden/([^/]+)/", mail.body).group(1)
    assert enrolments[0].key_hash == Enrolment.hash_key(key) and key not in enrolments[0].key_hash

    # Inviting twice does nothing more.
    client.post(reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "invite"})
    assert Enrolment.objects.count() == 3 and messages.count() == 3

    page = client.get(reverse("staff:enrolment_upload", args=[world.group_a.pk])).content.decode()
    assert "Persoon 1" in page and "invited: <strong>3</strong>" in page


def test_windows_1252_csv_with_a_bom_and_commas(client, world):
    rows = [person(1, name="Élodie Sœur"), person(2, name='"Dupont, Jean"')]
    data = csv_bytes(rows, sep=",", encoding="cp1252", bom=True)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    imp = services.start_import(world.group_a, upload(data), actor=world.admin_a)
    assert imp.headers == HEADER_NL and imp.row_count == 2
    services.check_import(imp, FULL, actor=world.admin_a)
    assert services.invite(imp, actor=world.admin_a) == 2
    assert sorted(Enrolment.objects.values_list("full_name", flat=True)) == ["Dupont, Jean", "Élodie Sœur"]


def test_xlsx_formulas_and_merged_cells_are_flagged(world):
    def build(sheet):
        sheet["F3"] = '=CONCATENATE("0471","000002")'
        sheet.merge_cells("A4:B4")

    # Row 5 holds numbers as Excel keeps them: a phone without its leading 0, a numeric postcode.
    rows = [
        person(1),
        person(2),
        person(3),
        ["Vier", "Noordstraat", 1, 3870, "Testdorp", 471000004, "vier@example.org"],
    ]
    imp = services.start_import(world.group_a, upload(xlsx_bytes(rows, build=build), "leden.xlsx"), actor=world.admin_a)
    assert imp.kind == "xlsx" and imp.row_count == 4
    services.check_import(imp, FULL, actor=world.admin_a)
    imp.refresh_from_db()
    bad = {b["line"]: [r[0] for r in b["reasons"]] for b in imp.summary["bad"]}
    # The formula is not run: its row has no phone then, and says why.
    assert bad == {3: ["formula", "no_phone"], 4: ["merged"]}
    assert imp.summary["good"] == 2
    services.invite(imp, actor=world.admin_a)
    assert sorted(Enrolment.objects.values_list("phone", "postcode")) == [
        ("+32471000001", "3870"),
        ("+32471000004", "3870"),
    ]


def test_a_50_mb_file_is_refused_before_it_is_read(world, tmp_path):
    big = TemporaryUploadedFile("leden.csv", "text/csv", 0, "utf-8")
    big.write(csv_bytes([person(1)]))
    big.truncate(50 * 1024 * 1024)
    big.size = 50 * 1024 * 1024
    big.seek(0)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        services.start_import(world.group_a, big, actor=world.admin_a)
    assert "larger than 10 MB" in caught.value.message_dict["file"][0]
    assert _state() == before


def test_100000_rows_are_refused(client, world):
    data = csv_bytes([person(n) for n in range(1, 100_001)])
    client.force_login(world.admin_a)
    before = _state()
    response = _post_file(client, world.group_a, data)
    assert response.status_code == 400
    assert "more than 10000 rows" in response.content.decode()
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "leden.csv", "file is empty"),
        (b"Naam;GSM\r\n", "leden.csv", "no people under it"),
        (b"\x00\x01\x02binary", "leden.csv", "Upload a CSV file or an Excel workbook"),
        (b"PK\x03\x04broken zip", "leden.xlsx", "cannot be opened"),
        (b"\xd0\xcf\x11\xe0old excel", "leden.xls", "save it as .xlsx or as CSV"),
    ],
)
def test_bad_files_are_refused_with_a_message(client, world, data, name, message):
    client.force_login(world.admin_a)
    before = _state()
    response = client.post(reverse("staff:enrolment_upload", args=[world.group_a.pk]), {"file": upload(data, name)})
    assert response.status_code == 400
    assert message in response.content.decode().replace("&#x27;", "'")
    assert _state() == before


def test_a_wrong_mapping_is_refused(client, world):
    client.force_login(world.admin_a)
    _post_file(
        client, world.group_a, csv_bytes([person(1)], header=["Naam", "Straat", "Nr", "Postcode", "Plaats", "X", "Y"])
    )
    imp = EnrolmentImport.objects.get()
    assert "phone" not in imp.mapping
    before = _state()
    no_phone = {k: v for k, v in FULL.items() if k != "phone"}
    response = _map(client, imp, **no_phone)
    assert response.status_code == 400
    assert "Choose the column that holds this" in response.content.decode()
    response = _map(client, imp, **{**FULL, "email": 0})
    assert response.status_code == 400 and "already chosen for “Name”" in response.content.decode()
    response = _map(client, imp, **{**FULL, "phone": 42})
    assert response.status_code == 400
    assert _state() == before
    # Inviting before the preview is refused too.
    with pytest.raises(ValidationError):
        services.invite(imp, actor=world.admin_a)
    assert _state() == before


def test_without_text_messages_a_person_without_e_mail_is_left_out(settings, world):
    settings.SMS_CM_PRODUCT_TOKEN = ""
    imp = services.start_import(world.group_a, upload(csv_bytes([person(1), person(2, email="")])), actor=world.admin_a)
    services.check_import(imp, FULL, actor=world.admin_a)
    imp.refresh_from_db()
    assert imp.summary["good"] == 1 and imp.summary["bad"] == [{"line": 3, "reasons": [["unreachable", {}]]}]


def test_cancel_removes_the_file_and_invites_nobody(client, world):
    client.force_login(world.admin_a)
    _post_file(client, world.group_a, csv_bytes([person(1)]))
    imp = EnrolmentImport.objects.get()
    _map(client, imp, **FULL)
    client.post(reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "cancel"})
    imp.refresh_from_db()
    assert imp.status == "cancelled" and not any(_upload_dir().iterdir())
    assert Enrolment.objects.count() == 0
    client.post(reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "invite"})
    assert Enrolment.objects.count() == 0


# --- who may -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["admin_b", "coordinator_nl", "police", "nobody", "anonymous"])
def test_others_are_refused_and_nothing_changes(client, world, who):
    imp = services.start_import(world.group_a, upload(csv_bytes([person(1)])), actor=world.admin_a)
    if who != "anonymous":
        client.force_login(getattr(world, who))
    before = _state()
    urls = [
        ("post", reverse("staff:enrolment_upload", args=[world.group_a.pk]), {"file": upload(csv_bytes([person(2)]))}),
        ("get", reverse("staff:enrolment_upload", args=[world.group_a.pk]), {}),
        ("post", reverse("staff:enrolment_mapping", args=[imp.pk]), {k: str(v) for k, v in FULL.items()}),
        ("get", reverse("staff:enrolment_preview", args=[imp.pk]), {}),
        ("post", reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "invite"}),
        ("post", reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "cancel"}),
    ]
    for method, url, data in urls:
        response = getattr(client, method)(url, data)
        assert response.status_code in (302, 404), (url, response.status_code)
        if response.status_code == 302:
            assert "/account/inloggen/" in response["Location"]
    assert _state() == before
    actor = None if who == "anonymous" else getattr(world, who)
    for call in (
        lambda: services.start_import(world.group_a, upload(csv_bytes([person(2)])), actor=actor),
        lambda: services.check_import(imp, FULL, actor=actor),
        lambda: services.invite(imp, actor=actor),
        lambda: services.cancel_import(imp, actor=actor),
    ):
        with pytest.raises((PermissionDenied, ValueError, TypeError)):
            call()
    assert _state() == before


def test_the_municipalitys_coordinator_may_import(client, world):
    client.force_login(world.coordinator)
    _post_file(client, world.group_a, csv_bytes([person(1)]))
    imp = EnrolmentImport.objects.get()
    _map(client, imp, **FULL)
    client.post(reverse("staff:enrolment_preview", args=[imp.pk]), {"action": "invite"})
    assert Enrolment.objects.filter(group=world.group_a).count() == 1


# --- the person's link -----------------------------------------------------------------------------------


def _invited(world, rows=None) -> dict[str, str]:
    """Invite ``rows`` into group A; the personal key of each, by phone."""
    imp = services.start_import(world.group_a, upload(csv_bytes(rows or [person(1)])), actor=world.admin_a)
    services.check_import(imp, FULL, actor=world.admin_a)
    services.invite(imp, actor=world.admin_a)
    keys = {}
    for message in OutgoingMessage.objects.filter(topic="enrolment.invite"):
        e = Enrolment.objects.get(pk=int(message.dedupe_key.split(":")[1]))
        keys[e.phone] = re.search(r"/lid-worden/([^/\s]+)/", message.body).group(1)
    return keys


def _link(key: str) -> str:
    return reverse("public:enrolment", args=[key])


def test_confirming_makes_a_member_once(client, world):
    key = _invited(world)["+32471000001"]
    page = client.get(_link(key))
    assert page.status_code == 200 and "Persoon 1" in page.content.decode()
    assert page["Referrer-Policy"] == "same-origin"
    before = _state()
    response = client.post(_link(key), {"action": "confirm", "house_rules_version": "1"})
    assert response.status_code == 400
    text = response.content.decode()
    assert "18 or older" in text and "accept the house rules" in text
    assert _state() == before

    response = client.post(
        _link(key), {"action": "confirm", "house_rules_version": "1", "adult": "on", "accept_house_rules": "on"}
    )
    assert response.status_code == 200 and "you are a member" in response.content.decode()
    member = Member.objects.get(phone="+32471000001")
    assert (member.group, member.full_name, member.age_checked_on) == (world.group_a, "Persoon 1", timezone.localdate())
    assert member.house_rules_version == world.testdorp.current_house_rules and member.alerts_opt_in_at is None
    enrolment = Enrolment.objects.get()
    assert (enrolment.status, enrolment.member, enrolment.full_name, enrolment.phone, enrolment.key_hash) == (
        "confirmed",
        member,
        "",
        "",
        None,
    )
    event = AuditEvent.objects.get(action=AuditEvent.Action.ENROLMENT_CONFIRMED)
    assert event.actor is None and event.data["member_id"] == member.pk
    assert OutgoingMessage.objects.filter(topic="enrolment.welcome", recipient="persoon1@example.org").exists()

    # Used twice: a clear page, nothing changes.
    before = _state()
    for method in ("get", "post"):
        response = getattr(client, method)(_link(key), {"action": "confirm", "adult": "on"})
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    assert _state() == before


def test_a_forged_link_changes_nothing(client, world):
    _invited(world)
    before = _state()
    for key in ("forged", "x" * 43, "a" * 500):
        response = client.post(_link(key), {"action": "decline"})
        assert response.status_code == 404 and "This link does not work" in response.content.decode()
    assert _state() == before


def test_confirming_with_alerts_records_the_consent(client, world):
    key = _invited(world)["+32471000001"]
    client.post(
        _link(key),
        {
            "action": "confirm",
            "house_rules_version": "1",
            "adult": "on",
            "accept_house_rules": "on",
            "alerts_opt_in": "on",
        },
    )
    member = Member.objects.get()
    assert member.receives_alerts
    assert AuditEvent.objects.filter(action=AuditEvent.Action.MEMBER_ALERTS_OPTED_IN, actor=None).count() == 1


def test_confirming_with_alerts_asks_to_confirm_the_phone_before_any_sms_alert(client, world, settings):
    settings.SMS_CM_PRODUCT_TOKEN = "00000000-0000-0000-0000-000000000000"
    key = _invited(world)["+32471000001"]
    client.post(
        _link(key),
        {
            "action": "confirm",
            "house_rules_version": "1",
            "adult": "on",
            "accept_house_rules": "on",
            "alerts_opt_in": "on",
        },
    )
    member = Member.objects.get()
    assert member.phone_confirmed_at is None
    code = OutgoingMessage.objects.get(topic=confirmation.CODE_TOPIC)
    assert code.channel == "sms" and code.recipient == member.phone


def test_old_house_rules_or_a_full_group_are_refused(client, world):
    key = _invited(world)["+32471000001"]
    add_member(world.group_a, 20)
    add_member(world.group_a, 21)
    world.group_a.capacity = 2
    world.group_a.save(update_fields=["capacity"])
    before = _state()
    data = {"action": "confirm", "house_rules_version": "0", "adult": "on", "accept_house_rules": "on"}
    assert client.post(_link(key), data).status_code == 400
    response = client.post(_link(key), {**data, "house_rules_version": "1"})
    assert response.status_code == 409 and "The group is full" in response.content.decode()
    assert _state() == before


def test_declining_erases_the_person(client, world):
    keys = _invited(world, [person(1), person(2)])
    response = client.post(_link(keys["+32471000001"]), {"action": "decline"})
    assert response.status_code == 200 and "Your details were erased" in response.content.decode()
    declined = Enrolment.objects.get(line=2)
    assert declined.status == "declined"
    assert [getattr(declined, f) for f in ("full_name", "street", "phone", "email", "key_hash")] == [
        "",
        "",
        "",
        "",
        None,
    ]
    assert Member.objects.count() == 0
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENROLMENT_DECLINED).count() == 1
    assert Enrolment.objects.get(line=3).full_name == "Persoon 2"


# --- the background job -----------------------------------------------------------------------------------


def test_reminder_after_a_week_and_drop_after_thirty_days(client, world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        keys = _invited(world, [person(1), person(2), person(3, email="")])
    with time_machine.travel(start + dt.timedelta(days=6), tick=False):
        assert services.remind_and_drop() == {"dropped": 0, "reminded": 0, "cancelled": 0}
    with time_machine.travel(start + dt.timedelta(days=8), tick=False):
        assert services.remind_and_drop() == {"dropped": 0, "reminded": 3, "cancelled": 0}
        assert services.remind_and_drop()["reminded"] == 0  # once
        reminders = OutgoingMessage.objects.filter(topic="enrolment.reminder")
        assert sorted(reminders.values_list("channel", flat=True)) == ["email", "email", "sms"]
        # Both the first link and the reminder's work; person 2 confirms with the first one.
        new_key = re.search(r"/lid-worden/([^/\s]+)/", reminders.get(recipient="persoon1@example.org").body).group(1)
        assert new_key != keys["+32471000001"] and client.get(_link(new_key)).status_code == 200
        client.post(
            _link(keys["+32471000002"]),
            {"action": "confirm", "house_rules_version": "1", "adult": "on", "accept_house_rules": "on"},
        )
    with time_machine.travel(start + dt.timedelta(days=31), tick=False):
        assert services.remind_and_drop() == {"dropped": 2, "reminded": 0, "cancelled": 0}
    statuses = dict(Enrolment.objects.values_list("line", "status"))
    assert statuses == {2: "dropped", 3: "confirmed", 4: "dropped"}
    assert not Enrolment.objects.exclude(full_name="").exists()
    assert not Enrolment.objects.exclude(phone="").exists()
    assert Member.objects.get().phone == "+32471000002"
    assert AuditEvent.objects.filter(action=AuditEvent.Action.ENROLMENT_DROPPED, actor=None).count() == 2
    assert client.get(_link(keys["+32471000001"])).status_code == 404


def test_unfinished_imports_are_removed_after_a_day(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        imp = services.start_import(world.group_a, upload(csv_bytes([person(1)])), actor=world.admin_a)
    with time_machine.travel(start + dt.timedelta(hours=25), tick=False):
        assert services.remind_and_drop()["cancelled"] == 1
    imp.refresh_from_db()
    assert imp.status == "cancelled" and not Path(imp.path or "/nonexistent").exists()
    assert not any(_upload_dir().iterdir())


def test_the_job_is_registered_with_the_worker():
    from apps.messaging.hooks import background_jobs

    assert "enrolment-reminders" in [j.name for j in background_jobs(slow=False)]


# --- a large file ---------------------------------------------------------------------------------------


def test_five_thousand_rows_are_checked_and_invited(world):
    rows = [person(n, email="" if n % 10 == 0 else f"p{n}@example.org") for n in range(1, 5001)]
    rows[99][5] = "0471 000001"  # a duplicate of line 2
    imp = services.start_import(world.group_a, upload(csv_bytes(rows)), actor=world.admin_a)
    assert imp.row_count == 5000
    services.check_import(imp, FULL, actor=world.admin_a)
    imp.refresh_from_db()
    assert imp.summary["good"] == 4999 and len(imp.summary["bad"]) == 1
    assert len(imp.summary["sample"]) == services.PREVIEW_SAMPLE
    assert services.invite(imp, actor=world.admin_a) == 4999
    assert Enrolment.objects.filter(status="invited").count() == 4999
    invitations = OutgoingMessage.objects.filter(topic="enrolment.invite")
    assert invitations.filter(channel="email").count() == 4500
    assert invitations.exclude(channel="email").count() == 499
    assert not Enrolment.objects.filter(key_hash__isnull=True).exists()
    assert PUBLIC is not None


def test_an_xlsx_that_unpacks_too_far_is_refused(world, monkeypatch):
    from apps.enrolments import readers

    monkeypatch.setattr(readers, "MAX_UNPACKED", 2000)
    before = _state()
    with pytest.raises(ValidationError) as caught:
        services.start_import(world.group_a, upload(xlsx_bytes([person(1)]), "leden.xlsx"), actor=world.admin_a)
    assert "unpacks to more than" in caught.value.message_dict["file"][0]
    assert _state() == before


def test_a_csv_cell_that_a_spreadsheet_would_run_is_flagged(world):
    rows = [person(1), person(2, name='=HYPERLINK("http://example.org")')]
    imp = services.start_import(world.group_a, upload(csv_bytes(rows)), actor=world.admin_a)
    services.check_import(imp, FULL, actor=world.admin_a)
    imp.refresh_from_db()
    assert imp.summary["good"] == 1 and imp.summary["bad"] == [{"line": 3, "reasons": [["formula", {}]]}]


def test_a_file_with_nobody_to_invite_says_so_in_words(client, world):
    rows = [person(1, phone="011 22 33 44"), person(2, number="999")]
    client.force_login(world.admin_a)
    _post_file(client, world.group_a, csv_bytes(rows, bom=True))
    response = _map(client, EnrolmentImport.objects.get(), **FULL)
    page = client.get(response["Location"]).content.decode()
    assert "Nobody in the file can be invited." in page and "0 people" not in page
