"""The embedded worker counts the coverage figures in a child process of its own (ADR 0035): only
when they are stale, with the same figures as a count in the process, and a child that fails or
exceeds its budget leaves the last figures, is logged and is tried again after a pause.

The child itself is replaced here by a call in this process: a real child would open the
database the settings name, not the test's (``apps.core.limits`` is tested on its own in
apps/areas/tests/test_upload_budget.py)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from apps.core.limits import BudgetExceeded
from apps.coverage import aggregates
from apps.coverage.models import CoverageCell, CoverageState
from apps.groups.models import Group
from apps.messaging.hooks import background_jobs


def cells():
    return list(CoverageCell.objects.order_by("zoom", "municipality_id", "q", "r").values_list(
        "zoom", "municipality_id", "q", "r", "lon", "lat", "addresses", "covered"
    ))  # fmt: skip


@pytest.fixture(autouse=True)
def in_child(settings):
    settings.BUURTWACHT_HEAVY_JOBS_IN_CHILD = True  # off for every other test (conftest.py)


@pytest.fixture
def children(monkeypatch):
    """The functions the worker ran in a child, with their budgets; each runs here instead."""
    started = []

    def run_limited(func, *args, budget, **kwargs):
        started.append((func, budget))
        return func(*args, **kwargs)

    monkeypatch.setattr(aggregates, "run_limited", run_limited)
    monkeypatch.setattr(aggregates, "_next_try", 0.0)
    return started


def test_the_worker_job_is_the_count_in_a_child_process():
    [job] = [job for job in background_jobs(slow=True) if job.name == "coverage-count"]
    assert job.run is aggregates.count_in_child_process


def test_a_child_counts_only_when_the_figures_are_stale(world, children):
    assert aggregates.count_in_child_process() is True
    assert children == [(aggregates.refresh_if_stale, aggregates.CHILD_BUDGET)]
    assert aggregates.freshness().fresh
    counted_in_child = cells()

    assert aggregates.count_in_child_process() is False  # current: no child started
    CoverageState.objects.update(source="")
    CoverageState.objects.update(running_since=timezone.now())  # another process is counting
    assert aggregates.count_in_child_process() is False
    assert len(children) == 1

    CoverageState.objects.update(running_since=None)
    assert aggregates.refresh()  # the same count in this process
    assert cells() == counted_in_child

    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    assert aggregates.count_in_child_process() is True and len(children) == 2
    assert aggregates.freshness().fresh and cells() != counted_in_child


def test_the_budget_lasts_no_longer_than_the_claim():
    seconds = aggregates.CLAIM_TIMEOUT.total_seconds()
    assert aggregates.CHILD_BUDGET.wall_seconds <= seconds and aggregates.CHILD_BUDGET.cpu_seconds <= seconds


@pytest.mark.parametrize("failure", [BudgetExceeded("memory"), BudgetExceeded("crashed")])
def test_a_child_that_fails_keeps_the_last_figures_and_the_worker_going(world, monkeypatch, caplog, failure):
    assert aggregates.refresh()
    before = cells()
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()
    started = []

    def run_limited(func, *args, budget, **kwargs):
        started.append(func)
        raise failure

    monkeypatch.setattr(aggregates, "run_limited", run_limited)
    monkeypatch.setattr(aggregates, "_next_try", 0.0)
    assert aggregates.count_in_child_process() is False  # logged, not raised
    assert "coverage figures failed" in caplog.text and started == [aggregates.refresh_if_stale]
    assert cells() == before and not aggregates.freshness().fresh
    assert aggregates.count_in_child_process() is False and len(started) == 1  # waits before trying again


def test_a_count_stopped_with_the_worker_is_no_error(world, monkeypatch, caplog):
    from apps.core.limits import Stopped

    assert aggregates.refresh()
    before = cells()
    world.group_b.status = Group.Status.CLOSED
    world.group_b.save()

    def stopped(func, *args, budget, **kwargs):
        raise Stopped

    monkeypatch.setattr(aggregates, "run_limited", stopped)
    monkeypatch.setattr(aggregates, "_next_try", 0.0)
    with caplog.at_level("INFO", logger="apps.coverage.aggregates"):
        assert aggregates.count_in_child_process() is False  # not raised
    assert [r.levelname for r in caplog.records if r.name == "apps.coverage.aggregates"] == ["INFO"]
    assert "stopped before it finished" in caplog.text
    assert cells() == before and not aggregates.freshness().fresh
