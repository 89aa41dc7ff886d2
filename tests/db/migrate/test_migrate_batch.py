"""Consecutive transactional files go to the server in one round trip, each in its own transaction:
what a failure in the middle leaves is what applying them one at a time left."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest
from trace_helpers import round_trips, traced_connections

from pgwarden.migrate import discover, ledger, up
from pgwarden.migrate.errors import DataLossRefused
from pgwarden.migrate.settings import Settings


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def state(url: str) -> tuple[set[str], dict[int, ledger.Applied]]:
    with psycopg.connect(url) as conn:
        found = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        return {r[0] for r in found}, ledger.read(conn)


def test_any_number_of_files_costs_one_round_trip(db_url: str, tmp_path: Path) -> None:
    trips = {}
    for count in (1, 8):
        folder = tmp_path / f"run{count}"
        folder.mkdir()
        for n in range(1, count + 1):
            write(
                folder,
                f"{n:03d}_t{n}.sql",
                f"CREATE TABLE t{count}_{n} (id int);\nCREATE INDEX ON t{count}_{n} (id);\n",
            )
        with traced_connections(folder) as traces:
            result = up(db_url, discover(folder))
        assert result.ok and len(result.applied) == count
        trips[count] = round_trips(traces)
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA pgwarden CASCADE")
    assert trips[8] == trips[1], trips  # one at a time, seven files more were seven round trips more


def test_a_failing_file_in_the_middle_keeps_the_ones_before_and_runs_none_after(
    db_url: str, tmp_path: Path
) -> None:
    write(tmp_path, "001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    write(
        tmp_path, "002_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY);\nINSERT INTO jobs VALUES (1);\n"
    )
    write(tmp_path, "003_bad.sql", "CREATE TABLE half (id int);\n\nCREATE INDEX ON jobs (nope);\n")
    write(tmp_path, "004_after.sql", "CREATE TABLE after_the_failure (id int);\n")
    result = up(db_url, discover(tmp_path))
    assert not result.ok and result.failed is not None and result.failed.version == 3
    assert "003_bad.sql:3:" in str(result.error) and 'column "nope" does not exist' in str(result.error)
    assert [(s.version, s.attempts) for s in result.applied] == [(1, 1), (2, 1)]
    tables, rows = state(db_url)
    assert tables == {"users", "jobs"}
    assert rows[1].success and rows[2].success and not rows[3].success and "nope" in (rows[3].error or "")
    assert 4 not in rows
    assert [s.duration_ms for s in result.applied] == [rows[1].duration_ms, rows[2].duration_ms]
    # The next run starts at the failed file once it is mended.
    write(tmp_path, "003_bad.sql", "CREATE TABLE half (id int);\n\nCREATE INDEX ON jobs (id);\n")
    again = up(db_url, discover(tmp_path))
    assert again.ok and [s.version for s in again.applied] == [3, 4]
    assert state(db_url)[0] == {"users", "jobs", "half", "after_the_failure"}


def test_the_guard_counts_rows_the_files_before_it_in_the_batch_wrote(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_jobs.sql", "CREATE TABLE jobs (id bigint PRIMARY KEY);\n")
    write(tmp_path, "002_rows.sql", "INSERT INTO jobs VALUES (1), (2);\n")
    write(tmp_path, "003_drop.sql", "CREATE TABLE keep (id int);\nDROP TABLE jobs;\n")
    write(tmp_path, "004_after.sql", "CREATE TABLE after_the_refusal (id int);\n")
    result = up(db_url, discover(tmp_path))
    assert (
        isinstance(result.error, DataLossRefused) and result.failed is not None and result.failed.version == 3
    )
    assert "2 row" in str(result.error)
    assert [s.version for s in result.applied] == [1, 2]
    tables, rows = state(db_url)
    assert tables == {"jobs"} and sorted(rows) == [1, 2, 3] and not rows[3].success


def test_a_file_that_waited_too_long_for_a_lock_is_retried_and_the_rest_follow(
    db_url: str, tmp_path: Path
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE busy (id int)")
    write(tmp_path, "001_a.sql", "CREATE TABLE a (id int);\n")
    write(
        tmp_path, "002_busy.sql", "-- pgwarden: lock-timeout=100ms\nALTER TABLE busy ADD COLUMN note text;\n"
    )
    write(tmp_path, "003_c.sql", "CREATE TABLE c (id int);\n")
    holder = psycopg.connect(db_url)
    holder.execute("LOCK TABLE busy IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(0.6, holder.rollback)
    release.start()
    try:
        started = time.monotonic()
        result = up(db_url, discover(tmp_path), settings=Settings(retries=5, backoff=0.2))
    finally:
        release.join()
        holder.close()
    assert result.ok, result.error
    assert time.monotonic() - started >= 0.5
    steps = {s.version: s.attempts for s in result.applied}
    assert steps[1] == 1 and steps[2] >= 2 and steps[3] == 1
    tables, rows = state(db_url)
    assert {"a", "busy", "c"} <= tables and all(rows[v].success for v in (1, 2, 3))


def test_progress_names_the_batch_then_each_file(db_url: str, tmp_path: Path) -> None:
    for n in (1, 2, 3):
        write(tmp_path, f"00{n}_t{n}.sql", f"CREATE TABLE t{n} (id int);\n")
    said: list[str] = []
    assert up(db_url, discover(tmp_path), progress=said.append).ok
    assert said[-4:-3] == [
        "applying 001_t1.sql to 003_t3.sql (3 files in one round trip, each in its own transaction) …"
    ]
    assert [line.split(" in ")[0] for line in said[-3:]] == [f"applied 00{n}_t{n}.sql" for n in (1, 2, 3)]


@pytest.mark.parametrize("single_transaction", [False, True])
def test_without_pipeline_mode_the_same_run_goes_a_statement_at_a_time(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, single_transaction: bool
) -> None:
    monkeypatch.setattr(psycopg.Pipeline, "is_supported", classmethod(lambda cls: False))
    write(tmp_path, "001_users.sql", "CREATE TABLE users (id bigint PRIMARY KEY);\n")
    write(tmp_path, "002_bad.sql", "CREATE TABLE half (id int);\nSELECT nope FROM users;\n")
    result = up(db_url, discover(tmp_path), single_transaction=single_transaction)
    assert not result.ok and result.failed is not None and result.failed.version == 2
    assert "002_bad.sql:2:8" in str(result.error)
    tables, rows = state(db_url)
    assert tables == (set() if single_transaction else {"users"})
    write(tmp_path, "002_bad.sql", "CREATE TABLE half (id int);\nSELECT id FROM users;\n")
    again = up(db_url, discover(tmp_path), single_transaction=single_transaction)
    assert again.ok and state(db_url)[0] == {"users", "half"}


def test_a_first_deploy_over_tcp_runs_on_one_connection_and_waits_a_few_times(
    tcp_db_url: str, tmp_path: Path
) -> None:
    # The look before the lock, the pooler question (one query on a direct TCP connection), the lock,
    # the ledger and the files share one connection; the lock's renewal connection opens beside the
    # run, in its thread, and sends nothing in a run shorter than a renewal period.
    import io

    from pgwarden.cli import main

    folder = tmp_path / "migrations"
    folder.mkdir()
    for n in range(1, 6):
        write(folder, f"{n:03d}_t{n}.sql", f"CREATE TABLE t{n} (id int);\n")
    out = io.StringIO()
    with traced_connections(tmp_path) as traces:
        code = main(
            ["migrate", "up", "--db", tcp_db_url, "--migrations", str(folder)], out=out, err=io.StringIO()
        )
    assert code == 0, out.getvalue()
    assert len(traces) == 2 and round_trips(traces[1:]) == 0
    # look 6 (ledger, BEGIN, ledger again in the snapshot, other tools' ledgers, any table, ROLLBACK),
    # pooler 1, lock 4 (table, creation, session setting, take), ledger 4 (its tables, other tools'
    # ledgers, creation, session defaults), the files 1, release 1. Before: 29 waits on three connections.
    assert round_trips(traces[:1]) <= 17, round_trips(traces[:1])

    # Every later deploy: the look reads the ledger in two round trips, outside a transaction.
    def deploy() -> list[int]:
        with traced_connections(tmp_path) as traces:
            code = main(
                ["migrate", "up", "--db", tcp_db_url, "--migrations", str(folder)], out=out, err=io.StringIO()
            )
        assert code == 0, out.getvalue()
        return [round_trips([t]) for t in traces]

    assert deploy() == [2]  # nothing to apply (was 4): no lock, no pooler question
    write(folder, "006_t6.sql", "CREATE TABLE t6 (id int);\n")
    # look 2, pooler 1, lock 3 (table, session setting, take), ledger 3 (tables, rows, session
    # defaults), the file 1, release 1 (was 14); the renewal connection sends nothing.
    assert deploy() == [11, 0]
    with traced_connections(tmp_path) as traces:
        args = ["migrate", "status", "--db", tcp_db_url, "--migrations", str(folder)]
        assert main(args, out=out, err=io.StringIO()) == 0
    assert round_trips(traces) == 4  # BEGIN, the ledger's table, its rows, ROLLBACK (was 6: read twice)
