"""Repair under stress on a real server: kill -9 mid-run, a concurrent writer, a failing batch, a second repairer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import psycopg
import pytest
from incident001 import DUPLICATES, INVARIANT_TOML, MISSING, NAME, add_bookings, create, scalar

from pgwarden import config
from pgwarden.checks import Invariant, RepairBusy, RepairFailed, load_invariants
from pgwarden.checks.row_repair import Options, repair


def invariant(tmp: Path, text: str = INVARIANT_TOML) -> Invariant:
    (tmp / "pgwarden.toml").write_text(text)
    (inv,) = load_invariants(config.load(tmp / "pgwarden.toml"))
    return inv


def test_kill_9_mid_repair_resumes_and_completes(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    create(conn)
    add_bookings(conn, 600, trigger=False)
    invariant(tmp_path)
    cmd = [sys.executable, "-m", "pgwarden", "--config", str(tmp_path / "pgwarden.toml"), "repair", NAME]
    cmd += ["--db", db_url, "--apply", "--batch-size", "20", "--throttle", "0.05", "--no-progress"]
    log = tmp_path / "stderr.txt"
    with log.open("wb") as stderr:
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=stderr, env={**os.environ})
    try:
        deadline = time.monotonic() + 30
        batches = 0
        while time.monotonic() < deadline and batches < 4:
            time.sleep(0.05)
            exists = scalar(conn, "SELECT (to_regclass('pgwarden.repair_batches') IS NOT NULL)::int")
            batches = scalar(conn, "SELECT count(*) FROM pgwarden.repair_batches") if exists else 0
        assert batches >= 4, log.read_text()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    done_before = scalar(conn, "SELECT rows_seen FROM pgwarden.repair_runs")
    assert 0 < done_before < 600 and scalar(conn, MISSING) == 600 - done_before
    assert conn.execute("SELECT status FROM pgwarden.repair_runs").fetchone() == ("running",)

    result = repair(db_url, invariant(tmp_path), Options(batch_size=100))
    assert result.resumed_from is not None and result.status == "done"
    assert result.rows_seen == 600 - done_before  # nothing redone, nothing skipped
    assert result.after is not None and result.after.count == 0
    assert scalar(conn, MISSING) == 0 and scalar(conn, DUPLICATES) == 0
    assert scalar(conn, "SELECT count(*) FROM pgwarden.repair_runs") == 1
    assert scalar(conn, "SELECT sum(rows_seen) FROM pgwarden.repair_batches") == 600


def test_repair_under_concurrent_writes(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    """A bot keeps inserting and activating bookings (its trigger on) while the backlog is repaired."""
    create(conn)
    add_bookings(conn, 400, trigger=False)
    add_bookings(conn, 100, trigger=True, status="pending")
    stop = threading.Event()
    errors: list[BaseException] = []
    writes = [0]

    def writer() -> None:
        try:
            with psycopg.connect(db_url, autocommit=True) as w:
                while not stop.is_set():
                    add_bookings(w, 3, trigger=True)
                    w.execute(
                        "UPDATE bookings SET status = 'active' WHERE id = "
                        "(SELECT id FROM bookings WHERE status = 'pending' LIMIT 1)"
                    )
                    writes[0] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.1)
        result = repair(db_url, invariant(tmp_path), Options(batch_size=25, throttle=0.01))
    finally:
        stop.set()
        thread.join(timeout=30)
    assert errors == [] and writes[0] > 0
    assert result.status == "done" and result.rows_seen == 400
    assert scalar(conn, MISSING) == 0 and scalar(conn, DUPLICATES) == 0


def test_failing_batch_rolls_back_and_names_its_keys(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    create(conn)
    add_bookings(conn, 30, trigger=False)
    broken = INVARIANT_TOML.replace("ON CONFLICT (teacher_id, student_id) DO NOTHING", "")
    conn.execute("ALTER TABLE chat_rooms ADD CONSTRAINT few CHECK (created_at < '2000-01-01')")
    with pytest.raises(RepairFailed) as caught:
        repair(db_url, invariant(tmp_path, broken), Options(batch_size=10))
    message = str(caught.value)
    assert "batch 1 (keys " in message and "few" in message and "rolled back" in message
    assert caught.value.sqlstate == "23514"
    assert scalar(conn, "SELECT count(*) FROM chat_rooms") == 0
    row = conn.execute("SELECT status, batches, error FROM pgwarden.repair_runs").fetchone()
    assert row is not None and row[:2] == ("failed", 0) and "few" in row[2]

    conn.execute("ALTER TABLE chat_rooms DROP CONSTRAINT few")
    result = repair(db_url, invariant(tmp_path, broken), Options(batch_size=10))
    assert (result.status, result.rows_seen, result.resumed_from) == ("done", 30, None)
    assert scalar(conn, "SELECT count(*) FROM pgwarden.repair_runs") == 1  # the failed run was resumed


def test_one_repairer_at_a_time(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    create(conn)
    add_bookings(conn, 5, trigger=False)
    inv = invariant(tmp_path)
    with psycopg.connect(db_url, autocommit=True) as other:
        other.execute("SELECT pg_advisory_lock(hashtext('pgwarden.repair'), hashtext(%s))", (NAME,))
        with pytest.raises(RepairBusy, match="Another session is repairing"):
            repair(db_url, inv, Options(lock_wait=0.3))
    assert repair(db_url, inv).rows_changed == 5


def test_max_rows_stops_and_the_next_run_goes_on(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    create(conn)
    add_bookings(conn, 25, trigger=False)
    inv = invariant(tmp_path)
    first = repair(db_url, inv, Options(batch_size=10, max_rows=15))
    assert (first.status, first.rows_seen, first.batches) == ("stopped", 15, 2)
    assert first.after is not None and first.after.count == 10
    second = repair(db_url, inv, Options(batch_size=10))
    assert (second.status, second.rows_seen, second.run_id) == ("done", 10, first.run_id)
    assert scalar(conn, MISSING) == 0
