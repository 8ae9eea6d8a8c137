"""Changing the neighbour distance (BUURTWACHT_NEIGHBOUR_DISTANCE_M) recomputes the stored
neighbours of every area when the worker starts, instead of waiting for each area to change:
relays reach the neighbours the new setting says, from the first minute."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from apps.areas import neighbours
from apps.areas.importer import import_areas
from apps.areas.models import Area, AreaNeighbour, NeighbourBasis
from apps.core.actors import SYSTEM

from .test_neighbours_after_a_crash import computed, grid_file, stored

pytestmark = pytest.mark.django_db


@pytest.fixture
def grid(tmp_path, settings, django_capture_on_commit_callbacks, monkeypatch):
    """The grid of 12 touching areas and one 300 m east of them, with neighbours at 500 m."""
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 500
    monkeypatch.setattr(neighbours, "_basis_checked", False)
    with django_capture_on_commit_callbacks(execute=True):
        import_areas(grid_file(tmp_path), municipality="Heers", country="BE", actor=SYSTEM)
    assert neighbours.recompute_if_basis_changed() is not None  # no basis recorded yet: recorded now
    return Area.objects.get(name="Over de beek")


def neighbours_of(area) -> set[str]:
    return set(Area.objects.filter(pk__in=neighbours.neighbour_ids(area.pk)).values_list("name", flat=True))


def test_a_shorter_distance_drops_the_far_neighbours_at_the_next_start(grid, settings):
    assert neighbours_of(grid) == {"Wijk 3-0", "Wijk 3-1", "Wijk 3-2"}  # 300 m away
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    changes = neighbours.recompute_if_basis_changed()
    assert changes is not None and len(changes.removed) == 6  # both directions of the three pairs
    assert neighbours_of(grid) == set()
    assert stored() == computed()
    assert NeighbourBasis.objects.get().distance_m == 100


def test_a_longer_distance_adds_neighbours_and_then_nothing_more(grid, settings):
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 1500
    before = len(stored())
    assert neighbours.recompute_if_basis_changed() is not None
    assert len(stored()) > before and stored() == computed()
    assert "Wijk 2-0" in neighbours_of(grid)
    rows = set(AreaNeighbour.objects.values_list("pk", flat=True))
    assert neighbours.recompute_if_basis_changed() is None  # current: nothing recomputed, nothing written
    assert set(AreaNeighbour.objects.values_list("pk", flat=True)) == rows


def test_the_embedded_worker_recomputes_once_when_it_starts(grid, settings, monkeypatch):
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    calls = []
    real = neighbours.recompute_if_basis_changed
    monkeypatch.setattr(neighbours, "recompute_if_basis_changed", lambda: calls.append(1) or real())
    call_command("run_worker", once=True)
    assert neighbours_of(grid) == set() and NeighbourBasis.objects.get().distance_m == 100
    call_command("run_worker", once=True)
    assert calls == [1]  # once per process: the setting cannot change while it runs


def test_a_celery_worker_recomputes_when_it_is_ready(grid, settings):
    from celery.signals import worker_ready

    import apps.areas.tasks  # noqa: F401 (connects the handler, as Celery's autodiscovery does)

    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    worker_ready.send(sender=None)
    assert neighbours_of(grid) == set() and NeighbourBasis.objects.get().distance_m == 100


def test_repair_neighbours_records_the_basis(grid, settings):
    NeighbourBasis.objects.all().delete()
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    call_command("repair_neighbours")
    assert NeighbourBasis.objects.get().distance_m == 100 and neighbours_of(grid) == set()
    assert neighbours.recompute_if_basis_changed() is None


def test_no_areas_records_the_basis_and_writes_nothing(settings):
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 750
    changes = neighbours.recompute_if_basis_changed()
    assert changes is not None and not changes and NeighbourBasis.objects.get().distance_m == 750


@pytest.fixture
def children(settings, monkeypatch):
    """With the heavy jobs in a child process (the default outside the tests): the functions the
    worker ran in a child, with their budgets; each runs here instead, as a real child would open
    the database the settings name, not the test's."""
    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = True
    started = []

    def run_limited(func, *args, budget, **kwargs):
        started.append((func, budget))
        return func(*args, **kwargs)

    monkeypatch.setattr(neighbours, "run_limited", run_limited)
    return started


def worker_job():
    """The job the worker runs for the neighbours (alone: the worker's other jobs would start
    children of their own, which open the database the settings name, not the test's)."""
    from apps.messaging.hooks import background_jobs

    [job] = [job for job in background_jobs(slow=True) if job.name == "neighbour-basis"]
    return job.run


def test_a_worker_recomputes_in_a_child_process_only_when_the_distance_changed(grid, settings, children):
    worker_job()()
    assert children == []  # current: one query, no child
    neighbours._basis_checked = False
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    worker_job()()
    assert children == [(neighbours.recompute_in_child, neighbours.CHILD_BUDGET)]
    assert neighbours_of(grid) == set() and NeighbourBasis.objects.get().distance_m == 100
    assert stored() == computed()
    worker_job()()
    assert len(children) == 1  # once per process


def test_a_child_that_fails_leaves_the_neighbours_as_they_were_and_is_tried_again(grid, settings, monkeypatch, caplog):
    from apps.core.limits import BudgetExceeded

    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = True
    before = stored()
    tries = []

    def out_of_memory(func, *args, budget, **kwargs):
        tries.append(func)
        raise BudgetExceeded("memory")

    monkeypatch.setattr(neighbours, "run_limited", out_of_memory)
    monkeypatch.setattr(neighbours, "_next_try", 0.0)
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    neighbours.check_basis_once()  # logged, not raised: the worker's other jobs go on
    assert "recomputing the neighbours failed" in caplog.text
    assert stored() == before and NeighbourBasis.objects.get().distance_m == 500
    neighbours.check_basis_once()
    assert len(tries) == 1  # not again at once
    monkeypatch.setattr(neighbours, "_next_try", 0.0)  # the pause is over
    monkeypatch.setattr(neighbours, "run_limited", lambda func, *args, budget, **kwargs: func(*args, **kwargs))
    neighbours.check_basis_once()
    assert neighbours_of(grid) == set() and NeighbourBasis.objects.get().distance_m == 100


def test_a_recompute_stopped_with_the_worker_is_no_error(grid, settings, monkeypatch, caplog):
    from apps.core.limits import Stopped

    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = True
    before = stored()

    def stopped(func, *args, budget, **kwargs):
        raise Stopped

    monkeypatch.setattr(neighbours, "run_limited", stopped)
    monkeypatch.setattr(neighbours, "_next_try", 0.0)
    settings.BUURTWACHT_NEIGHBOUR_DISTANCE_M = 100
    with caplog.at_level("INFO", logger="apps.areas.neighbours"):
        neighbours.check_basis_once()
    assert [r.levelname for r in caplog.records if r.name == "apps.areas.neighbours"] == ["INFO"]
    assert "stopped before it finished" in caplog.text
    assert stored() == before and NeighbourBasis.objects.get().distance_m == 500
