"""The runner on a real server: ledger rows, atomic files, resumable no-transaction files, the lock."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from lock_helpers import hold_migration_lock
from trace_helpers import traced_connections

from pgwarden.migrate import discover, ensure_ready, ledger, lock, up
from pgwarden.migrate.errors import LedgerConflict, LockWaitExceeded, NotReady, PendingMigrations
from pgwarden.migrate.settings import Settings


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def chain(folder: Path) -> Path:
    write(folder, "001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    write(folder, "002_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, user_id bigint);\n")
    write(folder, "003_index.sql", "CREATE INDEX jobs_user_id ON jobs (user_id);\n")
    return folder


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in rows}


def rows(url: str) -> dict[int, ledger.Applied]:
    with psycopg.connect(url) as conn:
        return ledger.read(conn)


def test_up_applies_every_file_once_and_records_it(db_url: str, tmp_path: Path) -> None:
    files = discover(chain(tmp_path))
    result = up(db_url, files)
    assert result.ok and [s.version for s in result.applied] == [1, 2, 3]
    assert tables(db_url) == {"users", "jobs"}
    recorded = rows(db_url)
    assert sorted(recorded) == [1, 2, 3]
    row = recorded[2]
    assert row.success and row.checksum == files[1].checksum and row.name == "jobs"
    assert row.applied_by["pid"] > 0 and row.applied_by["host"] and row.applied_by["pgwarden"]
    again = up(db_url, files)
    assert again.ok and again.applied == [] and again.pending_before == 0


def test_up_to_stops_at_the_version(db_url: str, tmp_path: Path) -> None:
    files = discover(chain(tmp_path))
    assert [s.version for s in up(db_url, files, to=2).applied] == [1, 2]
    assert sorted(rows(db_url)) == [1, 2]


def test_a_failing_file_rolls_back_and_later_files_stay_pending(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    write(tmp_path, "002_jobs.sql", "CREATE TABLE jobs (id bigint);\nCREATE INDEX j ON jobs (chat_id);\n")
    result = up(db_url, discover(tmp_path))
    assert not result.ok and result.failed is not None and result.failed.version == 2
    assert result.error is not None
    message = str(result.error)
    assert "002_jobs.sql:2:" in message and "42703" in message and "chat_id" in message
    assert tables(db_url) == {"users"}  # jobs rolled back with the failing index
    recorded = rows(db_url)
    assert recorded[1].success and not recorded[2].success and recorded[2].error
    assert 3 not in recorded
    # Fixed file: the rerun applies 002 and 003 and replaces the failed row.
    write(tmp_path, "002_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, user_id bigint);\n")
    assert [s.version for s in up(db_url, discover(tmp_path)).applied] == [2, 3]
    assert all(r.success for r in rows(db_url).values())


def test_no_transaction_file_resumes_after_the_last_completed_statement(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    text = (
        "-- pgwarden: no-transaction\n"
        "CREATE INDEX CONCURRENTLY users_a ON users (id);\n"
        "INSERT INTO users VALUES (1);\n"
        "CREATE INDEX CONCURRENTLY jobs_b ON jobs (nope);\n"
    )
    write(tmp_path, "004_concurrently.sql", text)
    result = up(db_url, discover(tmp_path))
    assert not result.ok and "004_concurrently.sql:4:" in str(result.error)
    row = rows(db_url)[4]
    assert not row.success and row.statements_done == 2
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP INDEX IF EXISTS jobs_b")  # the invalid leftover of the failed CONCURRENTLY
    # Only the last statement is edited, so the file's checksum changes: that needs a repair first.
    write(tmp_path, "004_concurrently.sql", text.replace("(nope)", "(user_id)"))
    with pytest.raises(LedgerConflict, match="changed since its partial run"):
        up(db_url, discover(tmp_path))
    # Same text fixed by the database instead: the rerun starts at statement 3 (the INSERT is not repeated).
    write(tmp_path, "004_concurrently.sql", text)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE jobs ADD COLUMN nope int")
    again = up(db_url, discover(tmp_path))
    assert again.ok and again.applied[0].resumed_at == 2
    assert rows(db_url)[4].success
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM users").fetchone() == (1,)


def test_lock_timeout_is_retried_with_backoff(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    up(db_url, discover(tmp_path))
    write(
        tmp_path,
        "004_alter.sql",
        "-- pgwarden: lock-timeout=100ms\nALTER TABLE users ADD COLUMN name text;\n",
    )
    blocker = psycopg.connect(db_url)
    blocker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")

    def release_once_the_migration_waited() -> None:
        # Not a fixed delay: on a loaded machine the runner may reach the ALTER after it.
        # Once its lock request waits, the 100 ms lock timeout fails that attempt for sure.
        with psycopg.connect(db_url, autocommit=True) as watcher:
            for _ in range(600):
                waiting = watcher.execute(
                    "SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'users'::regclass"
                ).fetchone()
                if waiting and waiting[0]:
                    break
                time.sleep(0.05)
        time.sleep(0.3)
        blocker.rollback()

    releaser = threading.Thread(target=release_once_the_migration_waited)
    releaser.start()
    try:
        result = up(db_url, discover(tmp_path), settings=Settings(backoff=0.2, retries=6))
    finally:
        releaser.join()
        blocker.close()
    assert result.ok and result.applied[0].attempts >= 2


def test_lock_timeout_exhausted_reports_the_lock(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_users.sql", "CREATE TABLE users (id bigint);\n")
    up(db_url, discover(tmp_path))
    write(tmp_path, "002_alter.sql", "-- pgwarden: lock-timeout=50ms\nALTER TABLE users ADD COLUMN n text;\n")
    with psycopg.connect(db_url) as blocker:
        blocker.execute("LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
        result = up(db_url, discover(tmp_path), settings=Settings(backoff=0.01, retries=1))
    assert not result.ok and result.error is not None and result.error.sqlstate == "55P03"


def test_waiting_for_the_lock_is_bounded_and_names_the_holder(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as other:
        hold_migration_lock(other, "other migrator")
        said: list[str] = []
        with pytest.raises(LockWaitExceeded, match="other migrator") as info:
            up(db_url, discover(tmp_path), settings=Settings(lock_wait=2.5), progress=said.append)
        assert "server pid" in str(info.value) and "since" in str(info.value)
        assert any("waiting for the migration lock" in line for line in said)
    assert tables(db_url) == set()


def test_a_dead_direct_holder_lets_go_at_once_and_an_expired_pooled_one_after_its_ttl(
    db_url: str, tmp_path: Path
) -> None:
    chain(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as other:
        hold_migration_lock(other, "crashed migrator")
    # Its server process is gone: no waiting for the row's expiry.
    result = up(db_url, discover(tmp_path), settings=Settings(lock_wait=2))
    assert result.ok and result.waited < 1.0
    write(tmp_path, "004_more.sql", "CREATE TABLE more (id int);\n")
    with psycopg.connect(db_url, autocommit=True) as other:
        # A holder behind a pooler records no server process: only the expiry frees its row.
        hold_migration_lock(other, "pooled migrator", session=False)
        other.execute("UPDATE pgwarden.locks SET expires_at = now() + interval '1 second'")
        result = up(db_url, discover(tmp_path), settings=Settings(lock_wait=5))
    assert result.ok and 0.5 < result.waited < 3.0 and [s.version for s in result.applied] == [4]


def test_a_migrator_that_lost_the_lock_commits_nothing(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_slow.sql", "CREATE TABLE slow (id int);\nSELECT pg_sleep(1);\n")
    stolen = threading.Event()

    def steal() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            while lock.holder(conn) is None:
                pass
            conn.execute("UPDATE pgwarden.locks SET token = token + 1")
            stolen.set()

    thief = threading.Thread(target=steal)
    thief.start()
    try:
        with pytest.raises(lock.LockLost, match="Nothing more was committed"):
            up(db_url, discover(tmp_path))
    finally:
        thief.join()
    assert stolen.is_set() and tables(db_url) == set() and rows(db_url) == {}


def test_ensure_ready_raises_on_pending_and_applies_when_asked(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    with pytest.raises(PendingMigrations, match="3 migration"):
        ensure_ready(db_url, tmp_path, timeout=1)
    result = ensure_ready(db_url, tmp_path, apply=True, timeout=5)
    assert result is not None and len(result.applied) == 3
    assert ensure_ready(db_url, tmp_path, timeout=1) is None


def test_ensure_ready_at_the_head_logs_in_once_and_still_refuses_an_edited_file(
    db_url: str, tmp_path: Path
) -> None:
    """The gate a bot passes before serving: the pending files and the ledger's failed or edited
    ones are read on one connection (each login costs a remote database several round trips)."""
    folder, traced = tmp_path / "migrations", tmp_path / "traces"
    folder.mkdir()
    traced.mkdir()
    chain(folder)
    ensure_ready(db_url, folder, apply=True, timeout=5)
    with traced_connections(traced) as traces:
        assert ensure_ready(db_url, folder, timeout=1) is None
    assert len(traces) == 1
    write(folder, "002_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, note text);\n")
    with traced_connections(traced) as traces, pytest.raises(NotReady, match="edited"):
        ensure_ready(db_url, folder, timeout=1)
    assert len(traces) == 1


def test_ensure_ready_waits_for_a_running_migrator(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    write(tmp_path, "004_slow.sql", "SELECT pg_sleep(1);\n")
    worker = threading.Thread(target=up, args=(db_url, discover(tmp_path)))
    worker.start()
    try:
        with psycopg.connect(db_url, autocommit=True) as conn:
            while lock.holder(conn) is None:
                assert worker.is_alive()
        # Pending files and a lock holder: waits for it instead of failing.
        assert ensure_ready(db_url, tmp_path, timeout=10) is None
        assert sorted(rows(db_url)) == [1, 2, 3, 4]
    finally:
        worker.join()
