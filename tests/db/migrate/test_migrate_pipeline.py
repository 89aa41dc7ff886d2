"""A transactional file's statements go to the server in one pipeline: the round trips that saves,
and a failure still located in the file as when statements went one at a time."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
from psycopg import pq
from trace_helpers import round_trips, traced_connections

from pgwarden.migrate import discover, ledger, up
from pgwarden.migrate.apply import StatementFailed, apply


def write(folder: Path, name: str, text: str) -> None:
    (folder / name).write_text(text, encoding="utf-8")


def _round_trips(conn: psycopg.Connection, tmp_path: Path, action: object) -> int:
    """Times the client waited for the server during ``action()``: each simple ``Query`` and each
    ``Sync`` the client sent (libpq's trace of the connection)."""
    trace = tmp_path / "trace.txt"
    with trace.open("wb") as out:
        conn.pgconn.trace(out.fileno())
        conn.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            action()  # type: ignore[operator]
        finally:
            conn.pgconn.untrace()
            out.flush()
            os.fsync(out.fileno())
    sent = [line.split("\t") for line in trace.read_text(errors="replace").splitlines()]
    return sum(
        1 for fields in sent if len(fields) > 2 and fields[0] == "F" and fields[2] in ("Query", "Sync")
    )


def test_a_file_of_forty_statements_costs_one_round_trip(db_url: str, tmp_path: Path) -> None:
    body = "".join(f"CREATE TABLE t{i} (id int PRIMARY KEY);\n" for i in range(40))
    write(tmp_path, "001_many.sql", "-- pgwarden: lock-timeout=2s\n" + body)
    [file] = discover(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        # BEGIN, the timeout, the forty statements, what the runner sends after them and the
        # COMMIT, in one pipeline. One statement at a time this was 44.
        closing = (b"CREATE TABLE closing (id int)", b"SET lock_timeout = '7s'")
        trips = _round_trips(conn, tmp_path, lambda: apply(conn, file, closing=closing, reset=False))
        assert trips == 1
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        count = conn.execute("SELECT count(*) FROM pg_tables WHERE tablename LIKE 't%'").fetchone()
        assert count == (40,)
        assert conn.execute(
            "SELECT to_regclass('closing') IS NOT NULL, current_setting('lock_timeout')"
        ).fetchone() == (
            True,
            "7s",
        )


def test_a_failing_closing_rolls_the_file_back_and_is_raised_as_it_is(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_a.sql", "CREATE TABLE a (id int);\n")
    [file] = discover(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        lost = b"DO $$ BEGIN RAISE EXCEPTION 'gone' USING ERRCODE = 'PW001'; END $$"
        with pytest.raises(psycopg.Error) as raised:
            apply(conn, file, closing=(lost,))
        assert raised.value.sqlstate == "PW001" and not isinstance(raised.value, StatementFailed)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE
        assert conn.execute("SELECT to_regclass('a')").fetchone() == (None,)


def test_the_ledger_row_carries_the_server_measured_duration(db_url: str, tmp_path: Path) -> None:
    write(tmp_path, "001_slow.sql", "CREATE TABLE a (id int);\nSELECT pg_sleep(0.2);\n")
    assert up(db_url, discover(tmp_path)).ok
    with psycopg.connect(db_url) as conn:
        assert 200 <= ledger.read(conn)[1].duration_ms < 5000


def test_a_failure_without_a_server_position_names_its_line_and_nothing_stays(
    db_url: str, tmp_path: Path
) -> None:
    write(
        tmp_path,
        "001_jobs.sql",
        "CREATE TABLE jobs (id bigint PRIMARY KEY);\n"
        "INSERT INTO jobs VALUES (1);\n"
        "\n"
        "CREATE INDEX jobs_nope ON jobs (nope);\n"  # the server gives no position for this one
        "CREATE TABLE after_the_failure (id int);\n",
    )
    result = up(db_url, discover(tmp_path))
    assert not result.ok and "001_jobs.sql:4:" in str(result.error)
    assert 'column "nope" does not exist' in str(result.error)
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('jobs'), to_regclass('after_the_failure')").fetchone() == (
            None,
            None,
        )
        assert not ledger.read(conn)[1].success


def test_a_failure_with_a_position_points_into_the_right_statement(db_url: str, tmp_path: Path) -> None:
    write(
        tmp_path,
        "001_typo.sql",
        "CREATE TABLE a (id int);\nCREATE TABLE b (id int);\nSELECT id, nam FROM a;\nCREATE TABLE c (id int);\n",
    )
    [file] = discover(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        with pytest.raises(StatementFailed) as failed:
            apply(conn, file)
        assert failed.value.statement == "SELECT id, nam FROM a"
        assert (failed.value.line, failed.value.column) == (3, 12)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE  # rolled back, usable
        assert conn.execute("SELECT to_regclass('a')").fetchone() == (None,)


def test_a_timeout_the_server_refuses_is_not_blamed_on_the_first_statement(
    db_url: str, tmp_path: Path
) -> None:
    write(tmp_path, "001_t.sql", "-- pgwarden: statement-timeout=99999999999h\nCREATE TABLE a (id int);\n")
    [file] = discover(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as conn:
        with pytest.raises(psycopg.Error) as raised:
            apply(conn, file)
        assert not isinstance(raised.value, StatementFailed)
        assert conn.info.transaction_status == pq.TransactionStatus.IDLE


def test_single_transaction_sends_every_file_and_ledger_row_in_one_round_trip(
    db_url: str, tmp_path: Path
) -> None:
    trips = {}
    for count in (2, 6):
        folder = tmp_path / f"run{count}"
        folder.mkdir()
        for n in range(1, count + 1):
            write(folder, f"{n:03d}_t{n}.sql", f"CREATE TABLE t{n} (id int);\nCREATE INDEX ON t{n} (id);\n")
        with psycopg.connect(db_url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA IF EXISTS pgwarden CASCADE")
            for n in range(1, 7):
                conn.execute(f"DROP TABLE IF EXISTS t{n}")
        files = discover(folder)
        with traced_connections(folder) as traces:
            result = up(db_url, files, single_transaction=True)
        trips[count] = round_trips(traces)
        assert result.ok and len(result.applied) == count
    assert trips[6] == trips[2], trips  # the files, their rows, the fence and the COMMIT in one round trip


def test_single_transaction_times_each_file_from_its_own_start(db_url: str, tmp_path: Path) -> None:
    # The second file changes how timestamps read and write: its row's duration is still its own,
    # shorter than the first file's sleep (timed from the transaction's start it would be longer),
    # even when a loaded machine takes hundreds of milliseconds over its three statements.
    write(tmp_path, "001_slow.sql", "CREATE TABLE a (id int);\nSELECT pg_sleep(1);\n")
    write(
        tmp_path,
        "002_styles.sql",
        "SET DateStyle = 'SQL, DMY';\nSET TimeZone = 'Pacific/Kiritimati';\nCREATE TABLE b (id int);\n",
    )
    result = up(db_url, discover(tmp_path), single_transaction=True)
    assert result.ok
    first, second = (step.duration_ms for step in result.applied)
    assert 1000 <= first < 10000 and second < first
    with psycopg.connect(db_url) as conn:
        rows = ledger.read(conn)
        assert [rows[1].duration_ms, rows[2].duration_ms] == [s.duration_ms for s in result.applied]
