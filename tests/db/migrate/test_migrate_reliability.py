"""Real processes against a real server: concurrent migrators, kill -9 mid-file, a server restart mid-run.

Sized for CI (2 cores); set PGWARDEN_RELIABILITY_FULL=1 for the issue's full counts
(8 processes x 20 trials, 10 kill -9 trials).
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import COMMANDS, main
from pgwarden.migrate import UpResult, discover, ledger, up
from pgwarden.migrate.settings import Settings
from pgwarden.scratch import Scratch

FULL = os.environ.get("PGWARDEN_RELIABILITY_FULL") == "1"
PROCESSES = 8
TRIALS = 20 if FULL else 5
KILL_TRIALS = 10 if FULL else 2

MIGRATE = (
    "import sys; from pgwarden.cli import COMMANDS, main; "
    "COMMANDS.setdefault('migrate', 'pgwarden.cli.migrate:migrate'); sys.exit(main())"
)


def command(url: str, folder: Path, *extra: str) -> list[str]:
    return [sys.executable, "-c", MIGRATE, "migrate", "up", "--db", url, "--migrations", str(folder), *extra]


def chain(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "001_log.sql").write_text(
        "CREATE TABLE runs (file text NOT NULL);\nINSERT INTO runs VALUES ('001');\n"
    )
    for n in range(2, 6):
        (folder / f"00{n}_step.sql").write_text(
            f"CREATE TABLE t{n} (id int);\nSELECT pg_sleep(0.02);\nINSERT INTO runs VALUES ('00{n}');\n"
        )
    return folder


def _migrator(url: str, folder: str, report: str) -> None:
    """One ``pgwarden migrate up`` in a forked process: exit code, output and errors go to ``report``."""
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", "up", "--db", url, "--migrations", folder, "--lock-wait", "60"], out, err)
    Path(report).write_text(json.dumps({"code": code, "out": out.getvalue(), "err": err.getvalue()}))
    os._exit(0)


def test_concurrent_migrators_apply_every_file_exactly_once(scratch: Scratch, tmp_path: Path) -> None:
    # Forked, so eight processes start in milliseconds instead of paying eight interpreter start-ups.
    COMMANDS.setdefault("migrate", "pgwarden.cli.migrate:migrate")
    context = multiprocessing.get_context("fork")
    folder = chain(tmp_path / "migrations")
    for trial in range(TRIALS):
        url = scratch.create_database(f"concurrent_{trial}")
        try:
            reports = [tmp_path / f"trial{trial}_proc{i}.json" for i in range(PROCESSES)]
            procs = [context.Process(target=_migrator, args=(url, str(folder), str(r))) for r in reports]
            for proc in procs:
                proc.start()
            for proc in procs:
                proc.join(timeout=120)
            results = [json.loads(r.read_text()) for r in reports]
            assert [r["code"] for r in results] == [0] * PROCESSES, results
            with psycopg.connect(url) as conn:
                counts: dict[str, int] = dict(
                    conn.execute("SELECT file, count(*) FROM runs GROUP BY file").fetchall()
                )
                rows = ledger.read(conn)
            assert counts == {f"00{n}": 1 for n in range(1, 6)}
            assert sorted(rows) == [1, 2, 3, 4, 5] and all(r.success for r in rows.values())
            assert sum("applied 5 of 5" in r["out"] for r in results) == 1, results
            assert sum("nothing to apply." in r["out"] for r in results) == PROCESSES - 1, results
        finally:
            scratch.drop_database(url)


SLEEPY = """\
CREATE TABLE half (id int);
INSERT INTO runs VALUES ('002');
SELECT pg_sleep(CASE WHEN current_setting('pgwarden.test_sleep', true) = '1' THEN 60 ELSE 0 END);
CREATE TABLE other_half (id int);
"""


def _backend_running(url: str, text: str) -> bool:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' AND query LIKE %s AND pid <> pg_backend_pid()",
            (f"%{text}%",),
        ).fetchone()
    return bool(row and row[0])


def test_kill_9_inside_a_transactional_file_leaves_nothing_half_applied(
    scratch: Scratch, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_log.sql").write_text("CREATE TABLE runs (file text NOT NULL);\n")
    (folder / "002_sleepy.sql").write_text(SLEEPY)
    for trial in range(KILL_TRIALS):
        url = scratch.create_database(f"kill_{trial}")
        try:
            env = {**os.environ, "PGOPTIONS": "-c pgwarden.test_sleep=1"}
            proc = subprocess.Popen(
                command(url, folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            deadline = time.monotonic() + 30
            while not _backend_running(url, "pg_sleep"):
                assert time.monotonic() < deadline and proc.poll() is None
                time.sleep(0.05)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            # The server notices the dead client (client_connection_check_interval) and rolls back.
            while _backend_running(url, "pg_sleep"):
                assert time.monotonic() < deadline
                time.sleep(0.05)
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT to_regclass('public.half')").fetchone() == (None,)
                assert conn.execute("SELECT count(*) FROM runs").fetchone() == (0,)
                rows = ledger.read(conn)
            assert sorted(rows) == [1]
            result = up(url, discover(folder), settings=Settings(lock_wait=30))
            assert result.ok and [s.version for s in result.applied] == [2]
            with psycopg.connect(url) as conn:
                assert conn.execute("SELECT count(*) FROM runs").fetchone() == (1,)
                assert conn.execute("SELECT to_regclass('public.other_half') IS NOT NULL").fetchone() == (
                    True,
                )
        finally:
            scratch.drop_database(url)


RESTARTED = """\
CREATE TABLE half (id int);
SELECT pg_sleep(CASE WHEN (SELECT count(*) FROM restarted) = 0 THEN 30 ELSE 0 END);
CREATE TABLE other_half (id int);
"""


@pytest.mark.local_server
def test_server_restarted_mid_run_then_the_next_run_completes(scratch: Scratch, tmp_path: Path) -> None:
    cluster = scratch.cluster
    assert cluster is not None
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_first.sql").write_text("CREATE TABLE first (id int);\n")
    (folder / "002_slow.sql").write_text(RESTARTED)
    (folder / "003_after.sql").write_text("CREATE TABLE after (id int);\n")
    url = scratch.create_database("restart")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE restarted (at timestamptz)")
        results: list[UpResult] = []
        worker = threading.Thread(target=lambda: results.append(up(url, discover(folder))))
        worker.start()
        deadline = time.monotonic() + 30
        while not _backend_running(url, "pg_sleep"):
            assert time.monotonic() < deadline and worker.is_alive()
            time.sleep(0.05)
        pg_ctl = cluster.binaries.tool("pg_ctl")
        log = str(cluster.dir / "server.log")
        cluster._run(
            [pg_ctl, "-D", str(cluster.data), "-l", log, "-m", "immediate", "-w", "restart"],
            what="pg_ctl restart",
        )
        worker.join(timeout=30)
        [first] = results
        assert not first.ok and [s.version for s in first.applied] == [1]
        with psycopg.connect(url, autocommit=True) as conn:
            assert conn.execute("SELECT to_regclass('public.half')").fetchone() == (None,)
            assert sorted(ledger.read(conn)) == [1]
            conn.execute("INSERT INTO restarted VALUES (now())")
        second = up(url, discover(folder), settings=Settings(lock_wait=10))
        assert second.ok and [s.version for s in second.applied] == [2, 3]
    finally:
        scratch.drop_database(url)


def test_the_data_guard_holds_under_concurrent_migrators(scratch: Scratch, tmp_path: Path) -> None:
    """Eight migrators race on a file that would drop a filled table: every one refuses, nothing is lost."""
    COMMANDS.setdefault("migrate", "pgwarden.cli.migrate:migrate")
    context = multiprocessing.get_context("fork")
    folder = chain(tmp_path / "migrations")
    (folder / "006_drop.sql").write_text("CREATE TABLE t6 (id int);\nDROP TABLE runs;\n")
    url = scratch.create_database("guard_concurrent")
    try:
        reports = [tmp_path / f"guard_proc{i}.json" for i in range(PROCESSES)]
        procs = [context.Process(target=_migrator, args=(url, str(folder), str(r))) for r in reports]
        for proc in procs:
            proc.start()
        for proc in procs:
            proc.join(timeout=120)
        results = [json.loads(r.read_text()) for r in reports]
        assert [r["code"] for r in results] == [1] * PROCESSES, results
        assert all("PW211" in r["out"] and "DROP TABLE public.runs" in r["out"] for r in results), results
        with psycopg.connect(url) as conn:
            counts = dict(conn.execute("SELECT file, count(*) FROM runs GROUP BY file").fetchall())
            rows = ledger.read(conn)
            assert conn.execute("SELECT to_regclass('t6')").fetchone() == (None,)
        assert counts == {f"00{n}": 1 for n in range(1, 6)}
        assert sorted(rows) == [1, 2, 3, 4, 5, 6] and not rows[6].success
        assert all(rows[v].success for v in range(1, 6))
    finally:
        scratch.drop_database(url)


DESTRUCTIVE_SLEEPY = """\
-- pgwarden: destructive -- the test means it
DROP TABLE runs;
SELECT pg_sleep(CASE WHEN current_setting('pgwarden.test_sleep', true) = '1' THEN 60 ELSE 0 END);
"""


def test_kill_9_mid_destructive_file_loses_nothing(scratch: Scratch, tmp_path: Path) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_log.sql").write_text(
        "CREATE TABLE runs (file text NOT NULL);\nINSERT INTO runs VALUES ('a'), ('b');\n"
    )
    (folder / "002_drop.sql").write_text(DESTRUCTIVE_SLEEPY)
    url = scratch.create_database("guard_kill")
    try:
        assert up(url, discover(folder), to=1).ok
        env = {**os.environ, "PGOPTIONS": "-c pgwarden.test_sleep=1"}
        proc = subprocess.Popen(
            command(url, folder), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while not _backend_running(url, "pg_sleep"):
            assert time.monotonic() < deadline and proc.poll() is None
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        while _backend_running(url, "pg_sleep"):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT count(*) FROM runs").fetchone() == (2,)
            rows = ledger.read(conn)
        assert sorted(rows) == [1]
    finally:
        scratch.drop_database(url)
