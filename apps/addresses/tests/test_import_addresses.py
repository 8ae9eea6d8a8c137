"""Importing the address register from CSV: upserts, refused rows with line numbers, CRS."""

from __future__ import annotations

import csv

import pytest
from django.core.management import CommandError, call_command

from apps.addresses.importer import ImportRefused, import_addresses
from apps.addresses.models import Address
from apps.addresses.services import find_address

HEADER = "postcode,house_number,addition,street,town,lat,lon\n"


def write(tmp_path, text, name="adressen.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.django_db
def test_load_then_second_import_changes_nothing(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n"
        + "3870,2,a,Kerkstraat,Heers,50.7532,5.3013\n"
        + "6162 ab,12,,Markt,Geleen,50.9712,5.8418\n"
        + "6162AB,14-B,,Markt,Geleen,50.9713,5.8419\n",
    )
    first = import_addresses(path, batch_size=2)
    assert (first.lines, first.inserted, first.updated, first.unchanged, first.rejected) == (4, 4, 0, 0, 0)
    snapshot = list(Address.objects.order_by("pk").values())
    second = import_addresses(path)
    assert (second.inserted, second.updated, second.unchanged) == (0, 0, 4)
    assert list(Address.objects.order_by("pk").values()) == snapshot
    assert find_address("6162 AB", "14", "B").country == "NL"
    assert find_address("3870", "2A").street == "Kerkstraat"


@pytest.mark.django_db
def test_a_moved_point_is_updated_in_place(tmp_path):
    import_addresses(write(tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n"))
    pk = Address.objects.get().pk
    result = import_addresses(write(tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7540,5.3020\n", "b.csv"))
    assert (result.inserted, result.updated) == (0, 1)
    address = Address.objects.get()
    assert address.pk == pk and address.lat == pytest.approx(50.754)


@pytest.mark.django_db
def test_bad_rows_are_reported_with_line_numbers_and_good_ones_loaded(tmp_path):
    report = tmp_path / "report.csv"
    path = write(
        tmp_path,
        HEADER
        + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n"  # 2 good
        + "38,1,,Kerkstraat,Heers,50.7531,5.3012\n"  # 3 postcode
        + "3870,abc,,Kerkstraat,Heers,50.7531,5.3012\n"  # 4 number
        + "3870,3,,,Heers,50.7531,5.3012\n"  # 5 street
        + "3870,4,,Kerkstraat,Heers,abc,5.3\n"  # 6 not a number
        + "3870,5,,Kerkstraat,Heers,5.3012,50.7531\n"  # 7 swapped
        + "3870,6,,Kerkstraat,Heers,40.4168,-3.7038\n"  # 8 Madrid: outside
        + "3870,7,,Kerkstraat\n"  # 9 short
        + "\n"  # an empty line is skipped silently
        + "6162 SS,1,,Markt,Geleen,50.97,5.84\n"  # 11 never-issued Dutch letters
        + "3870,8,,Kerkstraat,Heers,nan,5.3\n"  # 12 nan
        + "3870,9,,Kerkstraat,Heers,50.7531,5.3012\n",  # 13 good
    )
    result = import_addresses(path, report_path=report)
    assert result.inserted == 2 and result.rejected == 9
    lines = {int(r["line"]): r for r in rows(report)}
    assert sorted(lines) == [3, 4, 5, 6, 7, 8, 9, 11, 12]
    assert lines[3]["column"] == "postcode"
    assert lines[4]["column"] == "house_number"
    assert lines[5]["column"] == "street"
    assert "swapped" in lines[7]["reason"]
    assert "outside Belgium and the Netherlands" in lines[8]["reason"]
    assert "fewer columns" in lines[9]["reason"]
    assert "not a Dutch postcode" in lines[11]["reason"]


@pytest.mark.django_db
def test_duplicate_rows_load_once_and_are_reported(tmp_path):
    report = tmp_path / "report.csv"
    path = write(
        tmp_path,
        HEADER
        + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n"
        + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n"
        + "3870, 1 ,,Kerkstraat ,Heers,50.7535,5.3015\n",
    )
    result = import_addresses(path, report_path=report)
    assert result.duplicates == 2 and result.rejected == 0 and result.inserted == 1
    assert Address.objects.get().lat == pytest.approx(50.7535)  # the last row wins
    assert [int(r["line"]) for r in rows(report)] == [2, 3]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("postcode,number,street,town,lat,lon\n3870,1,Kerkstraat,Heers,50.7,5.3\n", "missing: house_number, addition"),
        (HEADER, "no addresses"),
        ("postcode,house_number,addition,street,town,x,y\n3870,1,,K,H,1,2\n", "--crs"),
    ],
)
def test_wrong_files_are_refused_whole(tmp_path, text, fragment):
    with pytest.raises(ImportRefused) as excinfo:
        import_addresses(write(tmp_path, text))
    assert fragment in " ".join(excinfo.value.messages)
    assert not Address.objects.exists()


@pytest.mark.django_db
def test_projected_coordinates_with_crs_and_semicolons(tmp_path):
    # Lambert 72 of a point in Heers, and RD New of Maastricht's Markt; one outside in RD.
    path = write(
        tmp_path,
        "postcode;house_number;addition;street;town;x;y\n"
        "3870;1;;Kerkstraat;Heers;220000;163000\n"
        "3870;2;;Kerkstraat;Heers;-9000000;163000\n",
    )
    result = import_addresses(path, crs=31370)
    assert result.inserted == 1 and result.rejected == 1
    address = Address.objects.get()
    assert 5.2 < address.lon < 5.4 and 50.7 < address.lat < 50.8
    with pytest.raises(ImportRefused):
        import_addresses(path, crs=2154)  # a French system is not one Buurtwacht reads


@pytest.mark.django_db
def test_command(tmp_path, capsys):
    path = write(tmp_path, HEADER + "3870,1,,Kerkstraat,Heers,50.7531,5.3012\n38,1,,K,H,50.7,5.3\n")
    report = tmp_path / "r.csv"
    call_command("import_addresses", str(path), "--report", str(report))
    out = capsys.readouterr().out
    assert "1 new" in out and "1 refused" in out and str(report) in out
    with pytest.raises(CommandError, match="no municipality"):
        call_command("import_addresses", str(path), "--municipality", "Nergens")
    with pytest.raises(CommandError, match="no file"):
        call_command("import_addresses", str(tmp_path / "none.csv"))


def test_municipality_is_kept_when_a_later_file_names_none(world, tmp_path):
    path = write(tmp_path, HEADER + "3870,1,,Noordstraat,Testdorp,50.7555,5.3101\n")
    import_addresses(path)
    assert Address.objects.get(street="Noordstraat").municipality == world.testdorp


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_a_second_thread_writes(tmp_path, monkeypatch):
    lines = "".join(f"3870,{n},,Kerkstraat,Heers,50.75{n:02d},5.30{n:02d}\n" for n in range(1, 51))
    path = write(tmp_path, HEADER + lines)
    result = import_addresses(path, batch_size=7)
    assert (result.inserted, result.updated, result.unchanged) == (50, 0, 0)
    assert import_addresses(path, batch_size=7).unchanged == 50
    assert Address.objects.count() == 50

    from apps.addresses import importer

    def broken(self, rows, mark=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer._Writer, "write", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        import_addresses(path, batch_size=7)
