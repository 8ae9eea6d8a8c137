"""Running a parser of uploaded data within a memory and time budget.

A file can be small and still ask for gigabytes or hours: a zip that unpacks a thousandfold, a
database whose "table" is an endless query. :func:`run_limited` runs a function in a child
process of its own (``multiprocessing`` with *spawn*: a fresh interpreter, no copy of the
caller's memory, threads or database connections) with operating-system limits set before the
function starts: ``RLIMIT_AS`` (the memory it may add to what the interpreter and Django take)
and ``RLIMIT_CPU`` (seconds of processor time), and a limit on the wall-clock time the parent
waits. Whatever the child does, the caller gets the function's result, the ``ValidationError``
it raised, or :class:`BudgetExceeded`; it never runs out of memory itself. See
docs/adr/0026-parsers-in-a-limited-process.md.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import resource
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError

log = logging.getLogger(__name__)

# How often the parent looks at the child (and asks ``cancelled``), in seconds.
POLL = 0.25


@dataclass(frozen=True)
class Budget:
    memory_bytes: int  # on top of what the child has taken once Django is loaded
    cpu_seconds: int
    wall_seconds: int


class BudgetExceeded(Exception):
    """The child used more than its budget (``reason``: ``memory`` or ``time``) or died
    (``crashed``); it has been stopped."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class Stopped(BudgetExceeded):
    """The child was ended by SIGTERM from outside: the service is stopping (systemd, a
    supervisor, the interpreter's exit ending its daemonic children), not a fault of the work.
    A ``BudgetExceeded`` (reason ``stopped``), so callers that do not tell it apart treat it as
    before."""

    def __init__(self):
        super().__init__("stopped")


class Cancelled(Exception):
    """``cancelled()`` said so while the child was running; the child has been stopped."""


def _address_space() -> int:
    """The bytes of address space this process has now (Linux: ``/proc/self/statm``)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def apply_limits(budget: Budget) -> dict[str, tuple[int, int]]:
    """Set the limits of ``budget`` on this process; returns them as set (for the log and tests)."""
    base = _address_space()
    memory = base + budget.memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
    cpu = used + budget.cpu_seconds
    # Past the soft limit the kernel sends SIGXCPU (which ends the process); past the hard one, SIGKILL.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 1))
    return {"as": resource.getrlimit(resource.RLIMIT_AS), "cpu": resource.getrlimit(resource.RLIMIT_CPU)}


def _child(conn, budget: Budget, language: str, target: str, args: tuple, kwargs: dict) -> None:
    # Set up before the limits: loading Django and the readers is not the file's doing. The
    # function is named, not pickled: its module may need Django's models, so it is imported
    # only once Django is set up.
    import importlib

    import django
    from django.utils import translation

    django.setup()
    translation.activate(language)
    module, _sep, name = target.partition(":")
    func = importlib.import_module(module)
    for part in name.split("."):
        func = getattr(func, part)
    try:
        apply_limits(budget)
        message = ("ok", func(*args, **kwargs))
    except ValidationError as exc:
        message = ("refused", exc.messages)
    except MemoryError:
        message = ("exceeded", "memory")
    except RecursionError:
        message = ("exceeded", "memory")
    except Exception as exc:  # noqa: BLE001 (anything else is reported to the parent, which logs it)
        message = ("error", f"{type(exc).__name__}: {exc}"[:2000])
    try:
        conn.send(message)
    except MemoryError:
        conn.send(("exceeded", "memory"))
    conn.close()


def run_limited(
    func: Callable[..., Any],
    *args: Any,
    budget: Budget,
    cancelled: Callable[[], bool] | None = None,
    **kwargs: Any,
) -> Any:
    """``func(*args, **kwargs)`` in a child process within ``budget``; its result (which must be
    picklable). Raises the ``ValidationError`` it raised (its messages), :class:`BudgetExceeded`
    (:class:`Stopped` when something outside ended the child with SIGTERM) or :class:`Cancelled`.
    ``func`` must be importable by name (a module-level function)."""
    from django.utils import translation

    context = multiprocessing.get_context("spawn")
    receive, send = context.Pipe(duplex=False)
    language = translation.get_language() or "en"
    process = context.Process(
        target=_child,
        args=(send, budget, language, f"{func.__module__}:{func.__qualname__}", args, kwargs),
        name="buurtwacht-parser",
        daemon=True,
    )
    process.start()
    send.close()
    deadline = time.monotonic() + budget.wall_seconds
    try:
        while True:
            if receive.poll(POLL):
                try:
                    kind, value = receive.recv()
                except (EOFError, OSError):
                    process.join(1)
                    kind, value = "crashed", process.exitcode
                break
            if not process.is_alive():
                # Ended without a word: killed by the kernel (memory, SIGXCPU) or crashed.
                kind, value = "crashed", process.exitcode
                break
            if time.monotonic() > deadline:
                kind, value = "exceeded", "time"
                break
            if cancelled is not None and cancelled():
                raise Cancelled
    finally:
        if process.is_alive():
            process.kill()
        process.join(5)
        receive.close()
    if kind == "ok":
        return value
    if kind == "refused":
        raise ValidationError(value)
    if kind == "exceeded":
        raise BudgetExceeded(value)
    if kind == "crashed" and value == -signal.SIGTERM:
        log.info("a limited child process was stopped (SIGTERM) before it answered")
        raise Stopped
    if kind == "crashed":
        log.warning("a limited parser ended without an answer (exit code %s)", value)
        if value in (-signal.SIGXCPU, -signal.SIGKILL):
            raise BudgetExceeded("time" if value == -signal.SIGXCPU else "memory")
        raise BudgetExceeded("crashed")
    log.error("a limited parser failed: %s", value)
    raise BudgetExceeded("crashed")
