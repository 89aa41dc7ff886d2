"""`migrate up --single-transaction` on a real server: all or nothing, refusals, other migrators."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import psycopg
import pytest
from lock_helpers import hold_migration_lock

from pgwarden.cli import main
from pgwarden.errors import UsageError
from pgwarden.migrate import discover, ledger, up
from pgwarden.migrate.errors import LockWaitExceeded
from pgwarden.migrate.settings import Settings


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def chain(folder: Path) -> Path:
    write(
        folder, "001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\nSET search_path = nowhere;\n"
    )
    # runs after 001's SET: the runner's settings come back between files, as on separate transactions
    write(folder, "002_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY, user_id bigint);\n")
    write(
        folder,
        "003_index.sql",
        "-- pgwarden: lock-timeout=2s\nCREATE INDEX jobs_user_id ON jobs (user_id);\n",
    )
    return folder


def tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {r[0] for r in found}


def rows(url: str) -> dict[int, ledger.Applied]:
    with psycopg.connect(url) as conn:
        return ledger.read(conn)


def test_every_file_and_its_ledger_row_commit_together(db_url: str, tmp_path: Path) -> None:
    files = discover(chain(tmp_path))
    result = up(db_url, files, single_transaction=True)
    assert result.ok and [s.version for s in result.applied] == [1, 2, 3]
    assert tables(db_url) == {"users", "jobs"}
    recorded = rows(db_url)
    assert sorted(recorded) == [1, 2, 3] and all(r.success for r in recorded.values())
    assert [r.checksum for r in recorded.values()] == [f.checksum for f in files]
    with psycopg.connect(db_url) as conn:  # the ledger rows were written in one transaction
        xmins = conn.execute("SELECT DISTINCT xmin::text FROM pgwarden.migrations").fetchall()
        assert len(xmins) == 1
        # and in the same one as the files' tables
        made = conn.execute("SELECT xmin::text FROM pg_class WHERE relname = 'jobs'").fetchone()
        assert made is not None and made[0] == xmins[0][0]
    again = up(db_url, files, single_transaction=True)
    assert again.ok and again.applied == [] and again.pending_before == 0


def test_one_failure_rolls_back_every_file_and_ledger_row(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    write(tmp_path, "004_bad.sql", "CREATE TABLE later (id int);\nCREATE INDEX bad ON jobs (nope);\n")
    result = up(db_url, discover(tmp_path), single_transaction=True)
    assert not result.ok and result.failed is not None and result.failed.version == 4
    assert result.applied == []
    assert "004_bad.sql:2:" in str(result.error) and "nope" in str(result.error)
    assert tables(db_url) == set()  # 001-003 were rolled back with 004
    recorded = rows(db_url)
    # no success row survives; the failure itself is recorded, as the per-file runner records it
    assert sorted(recorded) == [4] and not recorded[4].success and recorded[4].error
    # fixed, the next run applies all four
    write(tmp_path, "004_bad.sql", "CREATE TABLE later (id int);\nCREATE INDEX ok ON jobs (user_id);\n")
    again = up(db_url, discover(tmp_path), single_transaction=True)
    assert again.ok and [s.version for s in again.applied] == [1, 2, 3, 4]
    assert all(r.success for r in rows(db_url).values())


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ("-- pgwarden: no-transaction\nCREATE TABLE t (id int);\n", "outside a transaction"),
        ("CREATE INDEX CONCURRENTLY users_id ON users (id);\n", "CREATE INDEX CONCURRENTLY"),
        ("VACUUM users;\n", "VACUUM"),
        ("COMMIT;\nCREATE TABLE t (id int);\n", "BEGIN/COMMIT"),
    ],
)
def test_files_that_cannot_run_in_a_transaction_are_refused_before_anything_runs(
    db_url: str, tmp_path: Path, text: str, named: str
) -> None:
    chain(tmp_path)
    write(tmp_path, "004_outside.sql", text)
    with pytest.raises(UsageError, match=f"004_outside.sql cannot run inside the run's transaction.*{named}"):
        up(db_url, discover(tmp_path), single_transaction=True)
    assert tables(db_url) == set() and rows(db_url) == {}


def test_a_refused_file_already_applied_does_not_count(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_index.sql", "-- pgwarden: no-transaction\nCREATE TABLE t (id int);\n")
    assert up(db_url, discover(tmp_path)).ok
    write(tmp_path, "002_more.sql", "CREATE TABLE u (id int);\n")
    result = up(db_url, discover(tmp_path), single_transaction=True)
    assert result.ok and [s.version for s in result.applied] == [2]


def test_concurrent_migrators_one_applies_the_others_find_nothing(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    write(tmp_path, "004_slow.sql", "SELECT pg_sleep(0.5);\nCREATE TABLE slow (id int);\n")
    files = discover(tmp_path)
    results = []

    def run(single: bool) -> None:
        results.append(up(db_url, files, settings=Settings(lock_wait=60), single_transaction=single))

    workers = [threading.Thread(target=run, args=(i % 2 == 0,)) for i in range(4)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert all(r.ok for r in results)
    assert sorted(len(r.applied) for r in results) == [0, 0, 0, 4]
    assert tables(db_url) == {"users", "jobs", "slow"} and sorted(rows(db_url)) == [1, 2, 3, 4]


def test_it_waits_for_the_lock_like_any_migrator(db_url: str, tmp_path: Path) -> None:
    chain(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as other:
        hold_migration_lock(other, "other migrator")
        with pytest.raises(LockWaitExceeded, match="other migrator"):
            up(db_url, discover(tmp_path), settings=Settings(lock_wait=0.5), single_transaction=True)
    assert tables(db_url) == set()


def test_the_command_line_flag(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    folder = tmp_path / "migrations"
    folder.mkdir()
    chain(folder)
    argv = ["migrate", "up", "--db", db_url, "--migrations", str(folder), "--single-transaction"]
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 0, err.getvalue()
    assert "applied 3 of 3 pending file(s)" in out.getvalue()
    write(folder, "004_concurrently.sql", "CREATE INDEX CONCURRENTLY u ON users (id);\n")
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 2
    assert "Traceback" not in err.getvalue()
    assert "004_concurrently.sql cannot run inside the run's transaction" in err.getvalue()
