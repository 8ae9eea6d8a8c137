"""Sub-municipalities come in with their boundaries from the same files as areas, and coverage per
sub-municipality is computed from that geometry: the seed's "11 of our 12 sub-municipalities"
from Heers' real file (../shared/data/geo, present in CI; the tests on it skip and say so where
it is missing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command
from shapely.geometry import shape

from apps.areas.importer import AreaImportRefused
from apps.areas.models import ImportJob
from apps.areas.services import save_area
from apps.areas.sub_municipalities import import_sub_municipalities, run_sub_municipality_import
from apps.audit.models import AuditEvent
from apps.core.actors import SYSTEM
from apps.coverage.sub_municipalities import covered_count
from apps.groups.models import Group
from apps.municipalities.models import Coordinator, Municipality, SubMunicipality
from testkit.world import box, make_user

GEO = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "geo"
pytestmark = pytest.mark.django_db


def real(name: str) -> Path:
    path = GEO / name
    if not path.is_file():
        pytest.skip(f"boundary file {path} is not there (it is in CI); skipped")
    return path


@pytest.fixture
def heers():
    return Municipality.objects.create(name="Heers", slug="heers", country="BE", code="73022")


def feature(name, geometry, **properties):
    return {"type": "Feature", "properties": {"name": name, **properties}, "geometry": geometry}


def write(tmp_path, features, name="deelgemeenten.geojson"):
    path = tmp_path / name
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def test_heers_twelve_sub_municipalities_from_its_real_file_in_lambert_72(heers):
    result = import_sub_municipalities(
        real("be_deelgemeenten_heers_epsg31370.geojson"), municipality=heers, actor=SYSTEM
    )
    assert result.epsg == 31370 and result.count("created") == 12
    subs = {s.name: s for s in SubMunicipality.objects.filter(municipality=heers)}
    assert len(subs) == 12 and all(s.geometry for s in subs.values())
    assert subs["Heers"].code == "73022A"
    # Stored in WGS84: every boundary lies around Heers (50.75 N, 5.30 E).
    for sub in subs.values():
        centre = shape(sub.geometry).centroid
        assert 50.6 < centre.y < 50.9 and 5.1 < centre.x < 5.5, sub.name
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SUB_MUNICIPALITY_SAVED).count() == 12


def test_the_coverage_figure_comes_from_the_imported_geometry(heers):
    import_sub_municipalities(real("be_deelgemeenten_heers_epsg31370.geojson"), municipality=heers, actor=SYSTEM)
    subs = list(SubMunicipality.objects.filter(municipality=heers).order_by("name"))
    assert (covered_count(heers).covered, covered_count(heers).total) == (0, 12)
    # An active group whose area is the inside of one sub-municipality covers that one only.
    inside = shape(subs[0].geometry).buffer(-0.002)
    area = save_area(
        municipality=heers, name="Wijk", geometry=json.loads(json.dumps(inside.__geo_interface__)), actor=SYSTEM
    )
    Group.objects.create(municipality=heers, area=area, name="Wijk", slug="wijk", status=Group.Status.ACTIVE)
    assert (covered_count(heers).covered, covered_count(heers).total) == (1, 12)


def test_a_province_file_gives_only_the_municipalitys_own(heers):
    result = import_sub_municipalities(real("be_deelgemeenten.geojson"), municipality=heers, actor=SYSTEM)
    assert result.count("created") == 12 and result.skipped > 100
    assert SubMunicipality.objects.count() == 12
    assert set(SubMunicipality.objects.values_list("municipality__slug", flat=True)) == {"heers"}


def test_the_same_file_again_changes_nothing(heers, tmp_path):
    path = write(
        tmp_path,
        [feature("Batsheers", box(5.30, 50.75, 5.31, 50.76)), feature("Gutschoven", box(5.31, 50.75, 5.32, 50.76))],
    )
    import_sub_municipalities(path, municipality=heers, actor=SYSTEM)
    events = AuditEvent.objects.count()
    again = import_sub_municipalities(path, municipality=heers, actor=SYSTEM)
    assert again.count("unchanged") == 2 and AuditEvent.objects.count() == events


def test_a_bad_feature_refuses_the_whole_file_and_names_it(heers, tmp_path):
    SubMunicipality.objects.create(municipality=heers, name="Batsheers", geometry=box(5.30, 50.75, 5.31, 50.76))
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[5.30, 50.75], [5.31, 50.76], [5.31, 50.75], [5.30, 50.76], [5.30, 50.75]]],
    }
    path = write(
        tmp_path,
        [
            feature("Batsheers", box(5.30, 50.75, 5.32, 50.77)),
            feature("Klein-Gelmen", bowtie),
            feature("", box(5.3, 50.7, 5.31, 50.71)),
        ],
    )
    before = list(SubMunicipality.objects.values_list("name", "geometry"))
    with pytest.raises(AreaImportRefused) as refused:
        import_sub_municipalities(path, municipality=heers, actor=SYSTEM)
    assert [f.number for f in refused.value.result.refused] == [2, 3]
    assert "not valid" in refused.value.result.refused[0].reason
    assert list(SubMunicipality.objects.values_list("name", "geometry")) == before


def test_a_file_of_other_municipalities_only_is_refused(heers, tmp_path):
    path = write(
        tmp_path, [feature("Rijkel", box(5.3, 50.7, 5.31, 50.71), parent_code="73066", parent_name="Borgloon")]
    )
    with pytest.raises(AreaImportRefused, match="none is Heers"):
        import_sub_municipalities(path, municipality=heers, actor=SYSTEM)
    assert not SubMunicipality.objects.exists()


def test_sub_municipalities_not_in_the_file_are_kept_and_named(heers, tmp_path):
    SubMunicipality.objects.create(municipality=heers, name="Mettekoven")
    result = import_sub_municipalities(
        write(tmp_path, [feature("Opheers", box(5.3, 50.7, 5.31, 50.71))]), municipality=heers, actor=SYSTEM
    )
    assert result.not_in_file == ["Mettekoven"] and SubMunicipality.objects.count() == 2


def test_only_the_municipalitys_coordinator_may_import(heers, tmp_path):
    other = Municipality.objects.create(name="Borgloon", slug="borgloon", country="BE", code="73066")
    outsider = make_user("coord_borgloon")
    Coordinator.objects.create(user=outsider, municipality=other)
    own = make_user("coord_heers")
    Coordinator.objects.create(user=own, municipality=heers)
    path = write(tmp_path, [feature("Opheers", box(5.3, 50.7, 5.31, 50.71))])
    for user in (outsider, make_user("nobody")):
        with pytest.raises(PermissionDenied):
            import_sub_municipalities(path, municipality=heers, actor=user)
    assert not SubMunicipality.objects.exists()
    assert import_sub_municipalities(path, municipality=heers, actor=own).count("created") == 1


def test_the_command(heers, tmp_path, capsys):
    path = write(tmp_path, [feature("Opheers", box(5.3, 50.7, 5.31, 50.71))])
    call_command("import_sub_municipalities", str(path), "--municipality", "73022", "--dry-run")
    assert not SubMunicipality.objects.exists() and "dry run" in capsys.readouterr().out
    call_command("import_sub_municipalities", str(path), "--municipality", "Heers")
    assert "1 new" in capsys.readouterr().out and SubMunicipality.objects.get().name == "Opheers"
    with pytest.raises(CommandError, match="no municipality"):
        call_command("import_sub_municipalities", str(path), "--municipality", "Nergens")


def test_the_upload_job_runs_the_import(heers, tmp_path):
    coordinator = make_user("coord_heers")
    Coordinator.objects.create(user=coordinator, municipality=heers)
    path = write(tmp_path, [feature("Opheers", box(5.3, 50.7, 5.31, 50.71))])
    job = ImportJob.objects.create(
        municipality=heers,
        kind=ImportJob.Kind.SUB_MUNICIPALITIES,
        path=str(path),
        original_name="deelgemeenten.geojson",
        created_by=coordinator,
        status=ImportJob.Status.RUNNING,
    )
    summary, details = run_sub_municipality_import(job, lambda percent: None)
    assert summary.startswith("1 new") and details == []
    assert SubMunicipality.objects.get().name == "Opheers"
