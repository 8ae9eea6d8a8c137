"""The allocator's settings for long-running processes (ADR 0037)."""

from __future__ import annotations

import subprocess
import sys

from apps.core import allocator


def recorder(answer: int = 1):
    calls = []

    def mallopt(option, value):
        calls.append((option, value))
        return answer

    return calls, mallopt


def test_both_settings_are_applied_where_the_environment_sets_neither(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    calls, mallopt = recorder()
    monkeypatch.setattr(allocator, "_mallopt", lambda: mallopt)
    assert allocator.tune() == ["MALLOC_MMAP_THRESHOLD_", "MALLOC_ARENA_MAX"]
    assert calls == [(allocator.M_MMAP_THRESHOLD, 128 * 1024), (allocator.M_ARENA_MAX, 2)]


def test_a_variable_set_in_the_environment_wins(monkeypatch):
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    calls, mallopt = recorder()
    monkeypatch.setattr(allocator, "_mallopt", lambda: mallopt)
    assert allocator.tune() == ["MALLOC_MMAP_THRESHOLD_"]
    assert calls == [(allocator.M_MMAP_THRESHOLD, 128 * 1024)]


def test_an_allocator_that_refuses_or_has_no_mallopt_changes_nothing(monkeypatch):
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    _calls, refusing = recorder(answer=0)
    monkeypatch.setattr(allocator, "_mallopt", lambda: refusing)
    assert allocator.tune() == []
    monkeypatch.setattr(allocator, "_mallopt", lambda: None)
    assert allocator.tune() == []


def test_this_machines_allocator_takes_the_settings():
    # A process of its own: the settings stay with the process that made them.
    code = "from apps.core.allocator import tune; print(','.join(tune()))"
    out = subprocess.run(  # noqa: S603 (this interpreter, this project's module)
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin"}
    )
    assert out.stdout.strip() == "MALLOC_MMAP_THRESHOLD_,MALLOC_ARENA_MAX"
