"""`pgwarden run` with real processes: kill -9, SIGSTOP/SIGCONT, exit statuses, a missing command."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import psycopg
import pytest
from conftest import SERVERS

from pgwarden.scratch import Scratch
from pgwarden.urls import with_dbname

CHILD = """
import os, sys, time, psycopg
url, label = sys.argv[1], sys.argv[2]
name, epoch = os.environ["PGWARDEN_NAME"], int(os.environ["PGWARDEN_EPOCH"])
with psycopg.connect(url, autocommit=True) as conn:
    while True:
        conn.execute(
            "INSERT INTO work_log (epoch, instance, pid, at) SELECT %s, %s, %s, clock_timestamp() "
            "WHERE pgwarden.holds_epoch(%s, %s)",
            (epoch, label, os.getpid(), name, epoch),
        )
        time.sleep(0.03)
"""

TTL = "1.5"
INTERVAL = "0.15"


@pytest.fixture
def one_major(scratch: Scratch) -> None:
    """Process tests exercise pgwarden, not the server: one PostgreSQL major is enough."""
    if scratch.version != SERVERS[0].version:
        pytest.skip("process tests run on one PostgreSQL major")


@pytest.fixture
def work(db_url: str, tmp_path: Path, one_major: None) -> Iterator[tuple[str, Path]]:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE work_log (epoch bigint, instance text, pid int, at timestamptz)")
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    yield db_url, script


def start(db_url: str, script: Path, label: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = tmp_path / f"{label}.log"
    argv = [sys.executable, "-m", "pgwarden", "run", "--db", db_url, "--name", "chaos"]
    argv += ["--ttl", TTL, "--check-interval", INTERVAL, "--grace", "2", "--", sys.executable, str(script)]
    argv += [db_url, label]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=tmp_path
        )
    return proc, log


def wait_for(predicate: Callable[[], bool], timeout: float = 10.0) -> float:
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            raise AssertionError("condition not reached in time")
        time.sleep(0.02)
    return time.monotonic() - started


def child_of(proc: subprocess.Popen[bytes]) -> psutil.Process | None:
    try:
        children = psutil.Process(proc.pid).children()
    except psutil.NoSuchProcess:
        return None
    return children[0] if children else None


def writers(db_url: str) -> list[tuple[int, str]]:
    with psycopg.connect(db_url) as conn:
        rows = conn.execute("SELECT DISTINCT epoch, instance FROM work_log ORDER BY epoch").fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def overlaps(db_url: str) -> int:
    """Rows of an epoch written after the first row of a newer epoch."""
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT count(*) FROM work_log a WHERE EXISTS "
            "(SELECT FROM work_log b WHERE b.epoch > a.epoch AND b.at < a.at)"
        ).fetchone()
    assert row is not None
    return int(row[0])


def stop_all(*procs: subprocess.Popen[bytes]) -> None:
    for proc in procs:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGCONT)
            proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_kill_9_of_the_active_supervisor_kills_its_child_and_the_standby_takes_over(
    work: tuple[str, Path], tmp_path: Path
) -> None:
    db_url, script = work
    a, a_log = start(db_url, script, "a", tmp_path)
    b = None
    try:
        wait_for(lambda: writers(db_url) == [(1, "a")])
        b, b_log = start(db_url, script, "b", tmp_path)
        wait_for(lambda: "standing by" in b_log.read_text())
        child = child_of(a)
        assert child is not None
        a.kill()  # SIGKILL: no chance to clean up
        a.wait()
        wait_for(lambda: not child.is_running() or child.status() == psutil.STATUS_ZOMBIE, timeout=2)
        took = wait_for(lambda: (2, "b") in writers(db_url))
        assert took < 3.0
        assert overlaps(db_url) == 0
    finally:
        stop_all(a, *([b] if b else []))


def test_a_stopped_leader_is_replaced_and_demotes_without_working_when_continued(
    work: tuple[str, Path], tmp_path: Path
) -> None:
    db_url, script = work
    a, a_log = start(db_url, script, "a", tmp_path)
    b = None
    try:
        wait_for(lambda: writers(db_url) == [(1, "a")])
        b, b_log = start(db_url, script, "b", tmp_path)
        wait_for(lambda: "standing by" in b_log.read_text())
        old_child = child_of(a)
        assert old_child is not None
        # A frozen host: the supervisor and its child stop together.
        os.killpg(a.pid, signal.SIGSTOP)
        os.killpg(old_child.pid, signal.SIGSTOP)
        took = wait_for(lambda: (2, "b") in writers(db_url))
        assert took <= float(TTL) + 2
        os.killpg(old_child.pid, signal.SIGCONT)
        os.killpg(a.pid, signal.SIGCONT)
        wait_for(lambda: not old_child.is_running() or old_child.status() == psutil.STATUS_ZOMBIE, timeout=3)
        wait_for(lambda: "STANDBY" in a_log.read_text(), timeout=3)
        time.sleep(0.3)
        assert a.poll() is None  # it stands by again
        assert [w for w in writers(db_url) if w[1] == "a"] == [(1, "a")]
        assert overlaps(db_url) == 0
        assert "expired" in b_log.read_text()
    finally:
        stop_all(a, *([b] if b else []))


def test_the_command_status_is_the_exit_status_and_the_lease_is_released(
    db_url: str, tmp_path: Path, one_major: None
) -> None:
    argv = [sys.executable, "-m", "pgwarden", "run", "--db", db_url, "--name", "once", "--ttl", TTL]
    argv += ["--check-interval", INTERVAL, "--", "sh", "-c", "test $PGWARDEN_EPOCH = 1 && exit 3"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert done.returncode == 3, done.stderr
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT released FROM pgwarden.leases WHERE name = 'once'").fetchone() == (True,)


def test_a_command_that_does_not_exist_exits_127_before_touching_the_database(tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pgwarden", "run", "--db", "postgresql://nobody@127.0.0.1:1/x", "--"]
    done = subprocess.run(
        [*argv, "no-such-bot-binary"], capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.returncode == 127
    assert "no-such-bot-binary" in done.stderr and "not found on PATH" in done.stderr


def test_a_database_that_does_not_exist_exits_3_with_one_sentence(
    db_url: str, tmp_path: Path, one_major: None
) -> None:
    missing = with_dbname(db_url, "no_such_database")
    argv = [sys.executable, "-m", "pgwarden", "run", "--db", missing, "--", "sleep", "60"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=tmp_path)
    assert done.returncode == 3
    assert "no_such_database does not exist" in done.stderr
    assert "Traceback" not in done.stderr


def test_sigint_stops_a_standby_with_130_like_the_leader(work: tuple[str, Path], tmp_path: Path) -> None:
    db_url, script = work
    a, _ = start(db_url, script, "a", tmp_path)
    b = None
    try:
        wait_for(lambda: writers(db_url) == [(1, "a")])
        b, b_log = start(db_url, script, "b", tmp_path)
        wait_for(lambda: "standing by" in b_log.read_text())
        b.send_signal(signal.SIGINT)
        assert b.wait(timeout=10) == 130
        a.send_signal(signal.SIGINT)
        assert a.wait(timeout=10) == 130
    finally:
        stop_all(a, *([b] if b else []))
