"""Requests at the same moment, each on its own database connection, as on a real server.

pytest-django's SQLite test database lives in memory behind one shared connection, so two
requests "at the same moment" never meet SQLite's locking there. ``sqlite_file_database`` points
the default database at a file for the duration of a test, with the settings' own ``OPTIONS``
(WAL, busy timeout, transaction mode), so every thread opens its own connection to it as the
web server's threads and the worker do. ``race`` runs callables in threads released together by
a barrier. Everything that touches the file database runs in a thread of its own
(``in_thread``): the test's main thread keeps its connection to the test database untouched.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections


def _closing(fn: Callable[..., Any], *args, **kwargs) -> Any:
    try:
        return fn(*args, **kwargs)
    finally:
        connections.close_all()  # this thread's connections only


def in_thread(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)`` in a new thread with its own connections; its result, or its
    exception raised here."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = _closing(fn, *args, **kwargs)
        except BaseException as exc:  # noqa: BLE001 (handed to the caller)
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def race(*contenders: Callable[[Callable[[], None]], Any], timeout: float = 60) -> list[Any]:
    """Run each contender in its own thread with its own connection, all released at once.

    A contender is called with ``go``: it prepares what it needs (a logged-in client, its
    connection), calls ``go()`` and then does the one thing that races. Returns each
    contender's result, or the exception it raised, in the order given."""
    barrier = threading.Barrier(len(contenders), timeout=timeout)
    outcomes: list[Any] = [None] * len(contenders)

    def run(i: int, contender: Callable[[Callable[[], None]], Any]) -> None:
        try:
            outcomes[i] = _closing(contender, barrier.wait)
        except BaseException as exc:  # noqa: BLE001 (handed to the caller)
            barrier.abort()  # the others must not wait for one that failed before the start
            outcomes[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(contenders)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    if any(thread.is_alive() for thread in threads):
        raise TimeoutError(f"a contender still runs after {timeout} s")
    return outcomes


@contextmanager
def sqlite_file_database(path: Path, *, template: Path | None = None) -> Iterator[Path]:
    """Point the default SQLite database at ``path`` (a copy of ``template`` when given) while
    the block runs; connections opened in new threads meanwhile use it. Nothing is migrated
    here: ``in_thread(call_command, "migrate")`` does that. Open no connection to it in the
    calling thread, and close every thread's connections before the block ends."""
    db = connections.settings["default"]
    if db["ENGINE"] != "django.db.backends.sqlite3":
        raise RuntimeError("sqlite_file_database needs the default database to be SQLite")
    if template is not None:
        shutil.copyfile(template, path)
    # The same dict as settings.DATABASES["default"] and every connection's settings_dict, but
    # a connection reads NAME only when it connects: the open ones keep their database.
    names = [db, settings.DATABASES["default"]]
    saved = [d["NAME"] for d in names]
    for d in names:
        d["NAME"] = str(path)
    try:
        yield path
    finally:
        for d, name in zip(names, saved, strict=True):
            d["NAME"] = name
