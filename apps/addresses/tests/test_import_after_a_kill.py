"""``import_addresses`` on PostgreSQL writes each batch with two connections, each committing its
half (ADR 0014). A kill between the two commits leaves half a batch in the register. What was
committed must then be known exactly, so that importing the file again is all that is needed
(ADR 0019): the import keeps a journal in the same transactions as its rows, and
``import_addresses --status`` and the next run of the same file say what it holds.

The kill is real: the import runs in a process of its own on a scratch database and ends with
``os._exit`` right after one writer committed its half of a batch, the other writer held before
its own (SQLite, one writer: right after a batch). The PostgreSQL case needs a server; it runs in
both passes of the suite (on the server of DATABASE_URL when it names one, else
postgres://postgres@127.0.0.1:5432), and where the server is missing it skips locally and fails
in CI, like the tests that need Redis."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlparse

import pytest

from testkit.services import IN_CI

ROOT = Path(__file__).resolve().parents[3]
HEADER = "postcode,house_number,addition,street,town,lat,lon\n"
BATCH = 50
BATCHES = 10
KILL_AT = 4  # the batch whose second half is never written


def postgres_server() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        url = os.environ.get("BUURTWACHT_TEST_POSTGRES_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
    parsed = urlparse(url)
    return f"{parsed.scheme}://{parsed.netloc}"


def need_postgres() -> str:
    """The server URL (no database); skips locally and fails in CI when it is not reachable."""
    server = postgres_server()
    parsed = urlparse(server)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), timeout=1):
            return server
    except OSError:
        message = f"PostgreSQL is not reachable at {parsed.hostname}:{parsed.port or 5432}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture(params=["postgresql", "sqlite"])
def scratch(request, tmp_path):
    """A fresh, migrated database: on PostgreSQL (two writers) created on the server and dropped
    afterwards, or a SQLite file (one writer). Yields the environment of a process that uses it."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "buurtwacht.settings",
        "BUURTWACHT_ENV": "development",
        "BUURTWACHT_VAR_DIR": str(tmp_path / "var"),
        "DATABASE_URL": f"sqlite:///{tmp_path}/kill.sqlite3",
        "REDIS_URL": "",
        "CELERY_BROKER_URL": "memory://",
        "BUURTWACHT_WORKER": "embedded",
        "BUURTWACHT_IMPORT_POSTGRES_WRITERS": "2",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    if request.param == "sqlite":
        manage(env, "migrate", "-v", "0")
        yield env
        return
    import psycopg

    server = need_postgres()
    name = f"buurtwacht_kill_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = f"{server}/{name}"
    try:
        manage(env, "migrate", "-v", "0")
        yield env
    finally:
        with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def manage(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``manage.py`` with its messages in English."""
    done = subprocess.run(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, "-m", "apps.addresses.tests.killed_import", "manage", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 or not check, done.stderr
    return done


def register(env: dict) -> set[tuple[str, int]]:
    url = env["DATABASE_URL"]
    sql = "SELECT postcode, house_number FROM addresses_address"
    if url.startswith("sqlite:///"):
        import sqlite3

        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as conn:
            return set(conn.execute(sql).fetchall())
    import psycopg

    with psycopg.connect(url) as conn:
        return set(conn.execute(sql).fetchall())


def write_file(tmp_path) -> tuple[Path, list[tuple[int, tuple[str, int]]]]:
    """10 batches of 50 rows; each batch 25 postcodes of its own with 2 numbers, so that both
    writers get a half of every batch. Returns the file and (line, address) per row."""
    lines, rows = [], []
    for b in range(BATCHES):
        for p in range(25):
            postcode = f"{1000 + 25 * b + p}"
            for number in (1, 2):
                lines.append(f"{postcode},{number},,Straat {b},Plaats,50.{b}{p:02d}{number},4.{b}{p:02d}{number}\n")
                rows.append((len(lines) + 1, (postcode, number)))
    path = tmp_path / "adressen.csv"
    path.write_text(HEADER + "".join(lines), encoding="utf-8")
    return path, rows


def english(text: str) -> str:
    return " ".join(text.split())


def test_a_kill_between_the_halves_of_a_batch_is_reported_exactly_and_a_rerun_completes(tmp_path, scratch):
    postgres = not scratch["DATABASE_URL"].startswith("sqlite")
    path, rows = write_file(tmp_path)
    killed = subprocess.run(  # noqa: S603 (this interpreter, our own module)
        [sys.executable, "-m", "apps.addresses.tests.killed_import", "kill", str(path), str(BATCH), str(KILL_AT)]
        + ["2" if postgres else "1"],
        env=scratch,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert killed.returncode == 9, killed.stderr

    held = register(scratch)
    before, end = 1 + (KILL_AT - 1) * BATCH, 1 + KILL_AT * BATCH  # batch K is lines before + 1 to end
    whole = {address for line, address in rows if line <= before}
    half = {address for line, address in rows if before < line <= end}
    after = {address for line, address in rows if line > end}
    in_half = len(held & half)
    assert whole <= held and not (held & after)
    if postgres:
        # Two connections: batches 1 to K - 1 whole, one half of batch K, nothing after it.
        assert 0 < in_half < BATCH
        expected = (
            f"The addresses of its lines up to {before} are in the register, and {in_half} of the {BATCH} "
            f"addresses of lines {before + 1} to {end}; nothing after line {end} was written."
        )
    else:
        # One connection: batches 1 to K whole, nothing after.
        assert in_half == BATCH
        expected = f"The addresses of its lines up to {end} are in the register; nothing after that line was written."

    status = manage(scratch, "import_addresses", "--status", check=False)
    said = english(status.stdout + status.stderr)
    assert "adressen.csv" in said and expected in said and "Importing the file again completes it" in said, (
        f"the register holds lines 2 to {before} and {in_half} of the {BATCH} rows of lines {before + 1} to {end}; "
        f"the import's report says: {said!r}"
    )

    rerun = manage(scratch, "import_addresses", str(path))
    assert expected in english(rerun.stdout), rerun.stdout  # the rerun says what it completes
    assert re.search(rf"500 lines .*: {500 - len(held)} new, 0 changed, {len(held)} unchanged", rerun.stdout)
    assert register(scratch) == {address for _line, address in rows}
    finished = manage(scratch, "import_addresses", "--status")
    assert "adressen.csv" not in finished.stdout and "No address import is unfinished." in finished.stdout
