"""The national coverage counted ahead per municipality and hexagon: the same figures as counting
every address, stale after any change of areas, groups or addresses and counted again (at once
for a small register, in the background for a large one), the layer at every zoom, and bad
requests refused without changing anything."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.addresses.importer import import_addresses
from apps.addresses.models import Address
from apps.areas.services import save_area
from apps.core.actors import SYSTEM
from apps.coverage import aggregates, hexbins, national, tasks
from apps.coverage.models import CoverageCell, CoverageState
from apps.coverage.services import coverage_for
from apps.groups.models import Group
from apps.municipalities.models import Municipality
from testkit.world import PASSWORD, add_member, box


@pytest.fixture(autouse=True)
def english(client):
    """The messages below are read in English (the desk's first language is Dutch)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


PAGE = "/beheer/dekking/"
LAYER = "/beheer/dekking/kaartlaag.json"
TESTDORP_VIEW = "5.305,50.745,5.315,50.755"


def totals(features):
    return sum(f["properties"]["addresses"] for f in features), sum(f["properties"]["covered"] for f in features)


def _scatter(world, count: int = 300) -> None:
    """Addresses around both towns, some on area edges, some of no municipality, and an inactive
    group whose area would cover some of them if it counted."""
    rng = random.Random(3)
    owners = [world.testdorp, world.grensstad, None]
    rows = []
    for n in range(count):
        lon, lat = (rng.uniform(5.28, 5.34), rng.uniform(50.73, 50.77)) if n % 2 else (5.68 + 0.001 * (n % 25), 50.85)
        rows.append(
            Address(
                country="BE", postcode="3870", house_number=100 + n, street="Verspreid", town="Testdorp",
                lon=round(lon, 6), lat=round(lat, 6), municipality=owners[n % 3],
            )
        )  # fmt: skip
    Address.objects.bulk_create(rows)
    area = save_area(actor=SYSTEM, municipality=world.testdorp, name="Oost", geometry=box(5.32, 50.73, 5.34, 50.77))
    Group.objects.create(municipality=world.testdorp, area=area, name="Oost", slug="oost", status=Group.Status.FORMING)
    add_member(world.group_a, 1)


def test_stored_figures_and_hexagons_equal_counting_every_address(world):
    _scatter(world)
    assert aggregates.refresh()
    for row in national.national_coverage(None).rows:
        municipal = coverage_for(Municipality.objects.get(pk=row.id))
        assert (row.addresses, row.covered_addresses) == (municipal.addresses, municipal.covered_addresses)
        assert (row.active_groups, row.members) == (municipal.active_groups, municipal.members)
    for scope in (None, [world.testdorp.pk]):
        everything = national.points(scope)
        for zoom in (3, *aggregates.STORED_ZOOMS):
            size = hexbins.hex_size_for_zoom(zoom)
            expected = hexbins.hexbins(everything.lons, everything.lats, everything.covered, size)
            key = lambda f: f["geometry"]["coordinates"][0][0]  # noqa: E731
            assert sorted(national.stored_hexagons(scope, zoom, None), key=key) == sorted(expected, key=key), zoom
    # Addresses of no municipality are on the operators' map (never covered), in no row.
    state = aggregates.freshness()
    assert state.fresh and state.addresses == Address.objects.count() == 306
    assert sum(r.addresses for r in national.national_coverage(None).rows) == 306 - 100


def _change_area(world):
    # Noordstraat 1 (5.31, 50.755) falls outside; Grensweg 3 stays on group B's edge.
    save_area(
        actor=SYSTEM,
        municipality=world.testdorp,
        name="Noord",
        geometry=box(5.30, 50.75, 5.305, 50.76),
        area=world.group_a.area,
    )


def _close_group(world):
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()


def _add_address(world):
    Address.objects.create(
        country="BE", postcode="3870", house_number=7, street="Noordstraat", town="Testdorp",
        lon=5.311, lat=50.757, municipality=world.testdorp,
    )  # fmt: skip


def _delete_address(world):
    Address.objects.get(street="Noordstraat").delete()


def _import_addresses(world, tmp_path):
    path = tmp_path / "adressen.csv"
    path.write_text("postcode,house_number,addition,street,town,lat,lon\n3870,9,,Noordstraat,Testdorp,50.758,5.312\n")
    result = import_addresses(path, municipality=world.testdorp)
    assert result.inserted == 1


@pytest.mark.parametrize("change", [_change_area, _close_group, _add_address, _delete_address, _import_addresses])
def test_a_change_makes_the_figures_stale_and_the_worker_counts_again(world, client, monkeypatch, tmp_path, change):
    monkeypatch.setattr(aggregates, "INLINE_MAX_ADDRESSES", 0)  # as for a large register
    assert aggregates.refresh()
    before = {r.id: (r.addresses, r.covered_addresses) for r in national.national_coverage(None).rows}
    assert before[world.testdorp.pk] == (5, 4)
    if change is _import_addresses:
        change(world, tmp_path)
    else:
        change(world)
    assert not aggregates.freshness().fresh
    client.login(username="root", password=PASSWORD)
    page = client.get(PAGE)
    # The last figures, said to be counted again; nothing counted in the request.
    assert {r.id: (r.addresses, r.covered_addresses) for r in page.context["coverage"].rows} == before
    assert "being counted again" in page.content.decode()
    assert client.get(LAYER, {"zoom": 8}).json()["current"] is False
    call_command("run_worker", "--once")
    assert aggregates.freshness().fresh
    testdorp = coverage_for(world.testdorp)
    row = next(r for r in national.national_coverage(None).rows if r.id == world.testdorp.pk)
    assert (row.addresses, row.covered_addresses) == (testdorp.addresses, testdorp.covered_addresses)
    assert (row.addresses, row.covered_addresses) != before[world.testdorp.pk]
    assert totals(client.get(LAYER, {"zoom": 8}).json()["features"]) == (
        testdorp.addresses + 1,
        testdorp.covered_addresses + 1,
    )
    assert "being counted again" not in client.get(PAGE).content.decode()


def test_a_small_register_is_counted_again_in_the_request(world, client):
    client.login(username="root", password=PASSWORD)
    page = client.get(PAGE)
    assert page.context["freshness"].fresh  # counted for the first time
    assert "Addresses counted on" in page.content.decode()
    _close_group(world)
    page = client.get(PAGE)
    assert page.context["freshness"].fresh
    assert next(r for r in page.context["coverage"].rows if r.name == "Testdorp").covered_addresses == 2


def test_a_large_register_is_never_counted_in_a_request(world, client, monkeypatch):
    monkeypatch.setattr(aggregates, "INLINE_MAX_ADDRESSES", 5)  # the world has 6 addresses
    client.login(username="root", password=PASSWORD)
    page = client.get(PAGE)
    assert page.status_code == 200 and "counted for the first time" in page.content.decode()
    assert [r.addresses for r in page.context["coverage"].rows] == [0, 0]
    layer = client.get(LAYER, {"zoom": 8}).json()
    assert layer["features"] == [] and layer["computed_at"] is None
    assert not CoverageCell.objects.exists()
    assert aggregates.refresh_if_stale() and not aggregates.refresh_if_stale()  # once, then current
    assert totals(client.get(LAYER, {"zoom": 8}).json()["features"]) == (6, 5)


def test_a_register_grown_large_since_the_last_count_is_not_counted_in_a_request(world, client, monkeypatch):
    assert aggregates.refresh()  # 6 addresses: small
    monkeypatch.setattr(aggregates, "INLINE_MAX_ADDRESSES", 6)
    _add_address(world)  # now 7: too many to count in a request
    client.login(username="root", password=PASSWORD)
    assert client.get(PAGE).context["freshness"].fresh is False
    assert aggregates.freshness().addresses == 6


def test_with_celery_a_stale_request_queues_one_computation(
    world, client, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.BUURTWACHT_WORKER = "celery"
    monkeypatch.setattr(aggregates, "INLINE_MAX_ADDRESSES", 0)
    queued = []
    monkeypatch.setattr(
        aggregates, "wake", lambda task, *args: queued.append(1) if task is tasks.refresh_coverage else None
    )
    client.login(username="root", password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(PAGE)
        client.get(LAYER, {"zoom": 8})
    assert queued == [1]  # asked once, not once per request
    assert tasks.refresh_coverage() is True  # what the Celery worker runs
    assert aggregates.freshness().fresh and CoverageState.objects.get().requested_at is None
    _close_group(world)
    CoverageState.objects.update(requested_at=timezone.now() - aggregates.REQUEST_AGAIN_AFTER * 2)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(PAGE)
    assert queued == [1, 1]


def test_one_computation_at_a_time(world):
    assert aggregates.refresh()
    _close_group(world)
    CoverageState.objects.update(running_since=timezone.now())
    assert aggregates.freshness().running
    assert not aggregates.refresh() and not aggregates.refresh_if_stale()
    assert not aggregates.freshness().fresh
    # A computation that never finished (its process died) no longer holds the claim.
    CoverageState.objects.update(running_since=timezone.now() - aggregates.CLAIM_TIMEOUT - timedelta(seconds=1))
    assert aggregates.refresh_if_stale() and aggregates.freshness().fresh


def test_a_failed_computation_keeps_the_last_figures_and_the_worker_going(world, monkeypatch, caplog):
    assert aggregates.refresh()
    cells = list(CoverageCell.objects.values_list("zoom", "q", "r", "addresses", "covered").order_by("pk"))
    _close_group(world)

    def broken():
        raise RuntimeError("out of memory")

    compute = aggregates.compute
    monkeypatch.setattr(aggregates, "compute", broken)
    monkeypatch.setattr(aggregates, "_next_try", 0.0)
    with pytest.raises(RuntimeError):
        aggregates.refresh()
    assert CoverageState.objects.get().running_since is None
    assert aggregates.refresh_in_worker() is False  # logged, not raised
    assert "coverage figures failed" in caplog.text
    assert list(CoverageCell.objects.values_list("zoom", "q", "r", "addresses", "covered").order_by("pk")) == cells
    monkeypatch.setattr(aggregates, "compute", compute)
    assert aggregates.refresh_in_worker() is False  # waits a while before trying again
    monkeypatch.setattr(aggregates, "_next_try", 0.0)
    assert aggregates.refresh_in_worker() is True and aggregates.freshness().fresh


@pytest.mark.parametrize(
    ("zoom", "bbox", "kind", "expected"),
    [
        (3, "", "hexagons", (6, 5)),  # the whole country: stored cells of the largest size
        (8, TESTDORP_VIEW, "hexagons", (6, 5)),  # below regional zoom the view does not matter
        (11, TESTDORP_VIEW, "hexagons", (4, 4)),  # stored cells around the view
        (13, "", "hexagons", (6, 5)),  # a stored zoom without a view: everything in reach
        (13, TESTDORP_VIEW, "hexagons", (4, 4)),
        (14, TESTDORP_VIEW, "hexagons", (4, 4)),  # counted from the view's own addresses
        (15, "5.39,50.69,5.41,50.71", "hexagons", (1, 0)),
        (17, TESTDORP_VIEW, "points", (4, 4)),
        (19, "5.399,50.699,5.401,50.701", "points", (1, 0)),
    ],
)
def test_the_layer_at_each_zoom(world, client, zoom, bbox, kind, expected):
    client.login(username="root", password=PASSWORD)
    body = client.get(LAYER, {"zoom": zoom, "bbox": bbox}).json()
    assert body["kind"] == kind
    if kind == "points":
        dots = [f["properties"]["covered"] for f in body["features"]]
        assert (len(dots), sum(dots)) == expected
    else:
        assert totals(body["features"]) == expected
        assert all(len(f["geometry"]["coordinates"][0]) == 7 for f in body["features"])


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"zoom": "abc"}, "zoom must be a whole number"),
        ({"zoom": "12.5"}, "zoom must be a whole number"),
        ({"zoom": "-1"}, "zoom must be a whole number"),
        ({"zoom": "21"}, "zoom must be a whole number"),
        ({"zoom": "8", "bbox": "a,b,c,d"}, "four numbers"),
        ({"zoom": "12", "bbox": "5.3,50.7,5.4"}, "four numbers"),
        ({"zoom": "12", "bbox": "5.4,50.7,5.3,50.8"}, "west of east"),
        ({"zoom": "12", "bbox": "5.3,50.8,5.4,50.7"}, "west of east"),
        ({"zoom": "12", "bbox": "nan,50.7,5.4,50.8"}, "four numbers"),
        ({"zoom": "12", "bbox": "5.3,-91,5.4,50.8"}, "four numbers"),
        ({"zoom": "12", "bbox": "5.3,50.7,inf,50.8"}, "four numbers"),
        ({"zoom": "14"}, "needs the view"),
        ({"zoom": "17", "bbox": ""}, "needs the view"),
        ({"zoom": "14", "bbox": "3,50,7,53"}, "too large"),
        ({"zoom": "17", "bbox": "5.30,50.74,5.40,50.76"}, "too large"),
    ],
)
def test_bad_layer_requests_answer_400_and_change_nothing(world, client, query, message):
    assert aggregates.refresh()
    _close_group(world)  # stale: a good request would count again (the register is small)
    state = list(CoverageState.objects.values())
    cells = list(CoverageCell.objects.values().order_by("pk"))
    client.login(username="root", password=PASSWORD)
    response = client.get(LAYER, query)
    assert response.status_code == 400
    assert message in response.json()["error"]
    assert list(CoverageState.objects.values()) == state
    assert list(CoverageCell.objects.values().order_by("pk")) == cells
    assert not aggregates.freshness().fresh
    # The good request next to it does count again.
    assert client.get(LAYER, {"zoom": 8}).status_code == 200 and aggregates.freshness().fresh


def test_the_street_view_reads_the_register_through_the_municipalities_in_view(world):
    """No lon/lat index on the register (it slows the import): the view's addresses are read by
    the municipality index, for the municipalities whose counted cells lie around the view."""
    aggregates.refresh()
    view = (5.305, 50.745, 5.315, 50.755)
    rows = national.addresses_in_view(None, view, limit=5000)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # On a table this small a sequential scan is cheaper; forbid it to see the index used.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL enable_seqscan = off")
        plan = rows.explain()
    assert "municipality" in plan.lower() and "address_lon_lat" not in plan
    # The same addresses as a plain filter of the whole register on the view.
    everything = Address.objects.filter(lon__gte=view[0], lat__gte=view[1], lon__lte=view[2], lat__lte=view[3])
    assert sorted(rows) == sorted(everything.values_list("lon", "lat", "municipality_id"))
    assert len(rows) > 0
    # Far from every municipality: nothing, without reading the register.
    assert list(national.addresses_in_view(None, (3.0, 51.0, 3.001, 51.001), limit=5000)) == []


def test_counting_again_runs_the_same_queries_whatever_the_number_of_municipalities(world):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert aggregates.refresh()
        return len(captured)

    aggregates.refresh()  # the first one also creates the state row
    before = queries()
    for n in range(1, 6):
        municipality = Municipality.objects.create(name=f"Extra {n}", slug=f"extra-{n}", country="BE", code=f"9{n:04d}")
        area = save_area(
            actor=SYSTEM,
            municipality=municipality,
            name=f"Wijk {n}",
            geometry=box(4 + n * 0.05, 51, 4.02 + n * 0.05, 51.02),
        )
        Group.objects.create(
            municipality=municipality, area=area, name=f"E{n}", slug=f"e-{n}", status=Group.Status.ACTIVE
        )
        Address.objects.create(
            country="BE", postcode="2000", house_number=n, street="Extrastraat", town="Extra",
            lon=4.01 + n * 0.05, lat=51.01, municipality=municipality,
        )  # fmt: skip
    assert queries() == before
