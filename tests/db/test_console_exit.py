"""``diff`` and ``snapshot`` through the console entry (``pgwarden.__main__``), which runs them without
the cycle collector from start to exit and skips the interpreter's last collection (``check`` only
the last collection): the output is whole whether stdout is a file or a pipe, the exit code is the
command's, and what the command created on the way (a scratch database, a temporary file) is gone
afterwards."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.scratch import Scratch

PROBE = (
    "import gc, sys; from pgwarden.__main__ import main; code = main(); "
    "sys.stderr.write(f'\\nprobe: enabled={gc.isenabled()} frozen={gc.get_freeze_count() > 0}\\n'); "
    "sys.exit(code)"
)
"""The console entry as the ``pgwarden`` script calls it, then what it left the collector as."""

TABLES = 300
"""Enough tables that ``--sql`` writes far more than one buffer (a lost flush would show)."""


def console(argv: list[str], stdout: int | io.BufferedWriter) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-c", PROBE, *argv], stdout=stdout, stderr=subprocess.PIPE, timeout=120
    )


def in_process(argv: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    return main(argv, out, io.StringIO()), out.getvalue()


@pytest.fixture
def two_databases(scratch: Scratch, db_url: str) -> Iterator[tuple[str, str]]:
    """A database with one table (FROM) and one with many (TO): ``diff`` finds missing tables."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "".join(
                f"CREATE TABLE t{i} (id bigint PRIMARY KEY, note text, at timestamptz);"
                for i in range(TABLES)
            )
        )
    other = scratch.create_database("console_exit_b")
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE TABLE t0 (id bigint PRIMARY KEY)")
    try:
        yield other, db_url
    finally:
        scratch.drop_database(other)


@pytest.mark.parametrize("fmt", [["--sql"], ["--format", "json"], ["--format", "text"]])
def test_diff_output_is_whole_in_a_file_and_a_pipe_and_keeps_its_exit_code(
    two_databases: tuple[str, str], tmp_path: Path, fmt: list[str]
) -> None:
    have, want = two_databases
    argv = ["--no-color", "diff", "--from", have, "--to", want, *fmt]
    code, expected = in_process(argv)
    assert code == (0 if fmt == ["--sql"] else 1)
    assert len(expected) > 8192
    with (tmp_path / "out").open("wb") as file:
        to_file = console(argv, file)
    piped = console(argv, subprocess.PIPE)
    for run in (to_file, piped):
        assert run.returncode == code, run.stderr
        assert run.stderr.decode().endswith("probe: enabled=False frozen=True\n")
    assert (tmp_path / "out").read_text() == expected
    assert piped.stdout.decode() == expected


def test_snapshot_writes_the_whole_file_and_leaves_no_temporary_file(db_url: str, tmp_path: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE jobs (id bigint PRIMARY KEY, note text)")
    code, expected = in_process(["snapshot", "--db", db_url, "-o", "-"])
    assert code == 0
    run = console(["snapshot", "--db", db_url, "-o", str(tmp_path / "snap.json")], subprocess.PIPE)
    assert run.returncode == 0, run.stderr
    assert "Wrote " in run.stderr.decode()
    assert run.stderr.decode().endswith("probe: enabled=False frozen=True\n")
    assert (tmp_path / "snap.json").read_text() == expected
    assert [p.name for p in tmp_path.iterdir()] == ["snap.json"]


def test_a_failing_diff_keeps_its_exit_code(db_url: str) -> None:
    bad = db_url.replace("/pgwarden_", "/no_such_database_", 1)
    run = console(["diff", "--from", bad, "--to", db_url], subprocess.PIPE)
    assert run.returncode == 3
    assert "no_such_database_" in run.stderr.decode()


def scratch_databases(server_url: str) -> set[str]:
    with psycopg.connect(server_url, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'pgwarden_scratch_%'")
        return {r[0] for r in rows}


def test_a_diff_of_migrations_drops_its_scratch_database(
    scratch: Scratch, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_jobs.sql").write_text("CREATE TABLE jobs (id bigint PRIMARY KEY, note text);\n")
    before = scratch_databases(scratch.server_url)
    argv = [
        "diff",
        "--from",
        db_url,
        "--to",
        f"migrations:{folder}",
        "--dev-url",
        scratch.server_url,
        "--sql",
    ]
    run = console(argv, subprocess.PIPE)
    assert run.returncode == 0, run.stderr
    assert 'CREATE TABLE "public"."jobs"' in run.stdout.decode()
    assert run.stderr.decode().endswith("probe: enabled=False frozen=True\n")
    assert scratch_databases(scratch.server_url) == before


def test_check_runs_collecting_skips_the_last_collection_and_drops_its_scratch_database(
    scratch: Scratch, db_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_jobs.sql").write_text("CREATE TABLE jobs (id bigint PRIMARY KEY, note text);\n")
    (tmp_path / "pgwarden.toml").write_text("")
    before = scratch_databases(scratch.server_url)
    argv = ["--config", str(tmp_path / "pgwarden.toml"), "--no-color", "check", "--db", db_url]
    argv += ["--migrations", str(folder), "--dev-url", scratch.server_url, "--format", "json"]
    code, expected = in_process(argv)
    assert code == 1 and '"missing_table"' in expected
    with (tmp_path / "out").open("wb") as file:
        to_file = console(argv, file)
    piped = console(argv, subprocess.PIPE)
    for run in (to_file, piped):
        assert run.returncode == 1, run.stderr
        assert run.stderr.decode().endswith("probe: enabled=True frozen=True\n")
    assert (tmp_path / "out").read_text() == expected == piped.stdout.decode()
    assert scratch_databases(scratch.server_url) == before


def test_migrate_up_skips_the_last_collection_and_leaves_the_lock_released_and_no_session(
    db_url: str, tmp_path: Path
) -> None:
    """A deploy's ``migrate up``: the whole report, its exit code, the lock released and its
    connection closed (a session left to the interpreter's last collection would stay open until
    the process died, and the server would log it as an abrupt end)."""
    folder = tmp_path / "migrations"
    folder.mkdir()
    (folder / "001_jobs.sql").write_text("CREATE TABLE jobs (id bigint PRIMARY KEY, note text);\n")
    (folder / "002_broken.sql").write_text("ALTER TABLE jobs ADD COLUMN note text;\n")  # already there
    (tmp_path / "pgwarden.toml").write_text("")
    argv = ["--config", str(tmp_path / "pgwarden.toml"), "--no-color", "migrate", "up"]
    argv += ["--db", db_url, "--migrations", str(folder), "--format", "json"]
    run = console(argv, subprocess.PIPE)
    assert run.returncode == 1, run.stderr  # 001 applied, 002 failed
    assert run.stderr.decode().endswith("probe: enabled=True frozen=True\n")
    assert '"applied": [' in run.stdout.decode() and "002_broken.sql" in run.stdout.decode()
    with psycopg.connect(db_url, autocommit=True) as conn:
        assert conn.execute("SELECT bool_and(released) FROM pgwarden.locks").fetchone() == (True,)

        # A closed session's backend ends a moment after the client said goodbye: wait for it.
        def others() -> int:
            row = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchone()
            assert row is not None
            return int(row[0])

        deadline = time.monotonic() + 10
        while others() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert others() == 0
