"""An import or an edit of areas killed right after its commit: the areas it committed must not be
left without their neighbours (relays from them would reach no one), and importing the same file
again must repair neighbours that an earlier, interrupted run left stale. ADR 0019.

The kill is simulated at the one place it matters: right after the first COMMIT of the database
connection returned, the process "dies" (an exception nothing catches, and the work it had
scheduled for after the commit is lost with it, as in a killed process)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from shapely.geometry import shape

from apps.areas import neighbours
from apps.areas.importer import import_areas
from apps.areas.models import Area, AreaNeighbour
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.municipalities.models import Municipality
from testkit.world import box


class Killed(BaseException):  # noqa: N818 (what happened, not an error class)
    """The process ended here: nothing after this point of it runs."""


def kill_after_first_commit(monkeypatch) -> None:
    connection.ensure_connection()
    commit = connection._commit

    def commit_then_die():
        commit()
        monkeypatch.setattr(connection, "_commit", commit)
        connection.run_on_commit = []  # what was to run after the commit dies with the process
        raise Killed

    monkeypatch.setattr(connection, "_commit", commit_then_die)


def grid_file(tmp_path, cols: int = 4, rows: int = 3):
    """A 4 by 3 grid of touching areas of about 700 by 550 m, and a last one 300 m east of it."""
    features = [
        {
            "type": "Feature",
            "properties": {"name": f"Wijk {i}-{j}"},
            "geometry": box(5.30 + 0.01 * i, 50.75 + 0.005 * j, 5.31 + 0.01 * i, 50.755 + 0.005 * j),
        }
        for i in range(cols)
        for j in range(rows)
    ]
    east = 5.30 + 0.01 * cols + 0.0043  # ~300 m at 50.75° N
    features.append(
        {"type": "Feature", "properties": {"name": "Over de beek"}, "geometry": box(east, 50.75, east + 0.01, 50.76)}
    )
    path = tmp_path / "wijken.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    return path


def stored() -> set[tuple[int, int]]:
    return set(AreaNeighbour.objects.values_list("area_id", "neighbour_id"))


def computed() -> set[tuple[int, int]]:
    """The neighbour pairs of every area as they should be, computed afresh (nothing written)."""
    from django.conf import settings

    rows = list(Area.objects.order_by("pk").values_list("pk", "geometry"))
    pairs = neighbours.compute_pairs(
        [r[0] for r in rows], [shape(r[1]) for r in rows], settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M
    )
    return {(a, b) for a, b, _d in pairs} | {(b, a) for a, b, _d in pairs}


def state() -> str:
    return f"{Area.objects.count()} areas, {len(stored())} neighbour rows stored, {len(computed())} computed"


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_right_after_its_commit_leaves_no_area_without_neighbours(tmp_path, monkeypatch):
    path = grid_file(tmp_path)
    kill_after_first_commit(monkeypatch)
    with pytest.raises(Killed):
        import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    # Whatever the kill left committed holds its neighbours: the areas with them, or nothing.
    assert Area.objects.count() in (0, 13), state()
    assert stored() == computed(), "after the kill: " + state()

    again = import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    assert again.count("created") + again.count("unchanged") == 13
    assert len(computed()) > 13 * 2  # the grid's areas have 2 to 8 neighbours each
    assert stored() == computed(), "after a rerun: " + state()


@pytest.mark.django_db
def test_importing_the_same_file_again_repairs_neighbours_an_interrupted_run_left(
    tmp_path, django_capture_on_commit_callbacks
):
    path = grid_file(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    expected = computed()
    assert stored() == expected
    # What an import killed before this fix left: its areas committed, their neighbours not.
    AreaNeighbour.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        again = import_areas(path, municipality="Heers", actor=SYSTEM)
    assert again.count("unchanged") == 13
    assert stored() == expected, state()
    assert again.neighbours_repaired == 13  # every area's neighbours were stale
    # A pair that should not be there, and one distance off, are repaired too.
    areas = list(Area.objects.order_by("pk"))
    far = AreaNeighbour.objects.create(area=areas[0], neighbour=areas[-1], distance_m=1.0)
    AreaNeighbour.objects.filter(area=areas[1]).exclude(pk=far.pk).update(distance_m=9999)
    rows_before = {r.pk for r in AreaNeighbour.objects.filter(area=areas[5])}
    third = import_areas(path, municipality="Heers", actor=SYSTEM)
    assert stored() == expected and third.neighbours_repaired >= 2
    assert not AreaNeighbour.objects.filter(distance_m=9999).exists()
    assert {r.pk for r in AreaNeighbour.objects.filter(area=areas[5])} == rows_before  # what was right stays
    # And a file that changes nothing and finds nothing stale writes nothing.
    assert import_areas(path, municipality="Heers", actor=SYSTEM).neighbours_repaired == 0


@pytest.mark.django_db(transaction=True)
def test_an_area_saved_and_killed_right_after_its_commit_has_its_neighbours(monkeypatch):
    heers = Municipality.objects.create(name="Heers", slug="heers", country="BE")
    west = save_area(actor=SYSTEM, municipality=heers, name="West", geometry=box(5.30, 50.75, 5.31, 50.76))
    kill_after_first_commit(monkeypatch)
    with pytest.raises(Killed):
        save_area(actor=SYSTEM, municipality=heers, name="Oost", geometry=box(5.31, 50.75, 5.32, 50.76))
    east = Area.objects.get(name="Oost")  # committed
    assert stored() == computed() == {(west.pk, east.pk), (east.pk, west.pk)}, state()


@pytest.mark.django_db
def test_repair_neighbours_finds_and_repairs_stale_neighbours(tmp_path, django_capture_on_commit_callbacks):
    path = grid_file(tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        import_areas(path, municipality="Heers", country="BE", actor=SYSTEM)
    expected = computed()
    out = _command("repair_neighbours")
    assert "up to date" in out and stored() == expected
    # Wijk 0-0 loses its rows both ways: it and its 3 neighbours are stale.
    AreaNeighbour.objects.filter(Q(area__name="Wijk 0-0") | Q(neighbour__name="Wijk 0-0")).delete()
    out = _command("repair_neighbours", "--dry-run")
    assert "4 areas" in out and "6 rows to add" in out and "Nothing was written" in out, out
    assert stored() != expected
    out = _command("repair_neighbours")
    assert stored() == expected
    assert "4 areas" in out and "6 rows added, 0 removed" in out, out


def _command(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_neighbours_of_one_area_are_found_across_the_whole_distance(settings):
    """Only the areas near a changed one are read; "near" must still cover the whole distance,
    also a large one and across the border."""
    heers = Municipality.objects.create(name="Heers", slug="heers", country="BE")
    maas = Municipality.objects.create(name="Maas", slug="maas", country="NL")
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 5000
    a = save_area(actor=SYSTEM, municipality=heers, name="A", geometry=box(5.30, 50.75, 5.31, 50.76))
    # 4.9 km east (0.0695° of longitude at 50.75° N) and 4.9 km north (0.044° of latitude).
    east = save_area(actor=SYSTEM, municipality=maas, name="Oost", geometry=box(5.3795, 50.75, 5.39, 50.76))
    north = save_area(actor=SYSTEM, municipality=maas, name="Noord", geometry=box(5.30, 50.804, 5.31, 50.81))
    far = save_area(actor=SYSTEM, municipality=maas, name="Ver", geometry=box(5.40, 50.75, 5.41, 50.76))
    assert set(neighbours.neighbour_ids(a.pk)) == {east.pk, north.pk}
    assert far.pk not in neighbours.neighbour_ids(a.pk)
    assert stored() == computed()
