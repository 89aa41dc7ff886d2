"""Drift a pending migration creates is fixed by `pgwarden migrate up`, not by SQL for live."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.findings import Finding, Severity
from pgwarden.pending_fixes import defer_to_pending
from pgwarden.urls import with_dbname

INIT = "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n"
INDEX = "CREATE INDEX ix_users_name ON users (name);\n"


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Run:
    """``pgwarden ARGV --db URL`` in a project of ``migrations/001_init.sql`` whose config names the
    folder: exit code, stdout and stderr; a usage error or an internal one (2, 70) fails the test."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "migrations").mkdir()
    (tmp_path / "migrations" / "001_init.sql").write_text(INIT)
    (tmp_path / "pgwarden.toml").write_text('migrations = "migrations"\n')

    def run(*argv: str) -> tuple[int, str, str]:
        out, err = io.StringIO(), io.StringIO()
        code = main([*argv, "--db", db_url], out, err)
        assert code not in (2, 70), err.getvalue()
        return code, out.getvalue(), err.getvalue()

    return run


def test_an_index_a_pending_file_creates_gets_migrate_up_not_live_sql(
    db_url: str, tmp_path: Path, run: Run
) -> None:
    dev = with_dbname(db_url, "postgres")
    assert run("migrate", "up")[0] == 0
    (tmp_path / "migrations" / "002_users_name_index.sql").write_text(INDEX)
    (tmp_path / "migrations" / "003_unrelated.sql").write_text(
        "CREATE TABLE notes (id bigint PRIMARY KEY);\n"
    )
    code, out, _ = run("check", "--dev-url", dev, "--format", "json")
    found = {f["object"]: f for f in json.loads(out)["findings"]}
    index = found["public.users.ix_users_name"]
    assert index["fix_sql"] is None and index["evidence"]["pending"] == "002_users_name_index.sql"
    assert "CREATE INDEX" in index["evidence"]["live_sql"]
    assert "002_users_name_index.sql is pending and creates it: run `pgwarden migrate up`" in index["hint"]
    assert found["public.notes"]["evidence"]["pending"] == "003_unrelated.sql"
    (tmp_path / "migrations" / "004_rename.sql").write_text(
        "ALTER TABLE users RENAME COLUMN name TO full_name;\n"
    )
    code, out, _ = run("check", "--dev-url", dev, "--format", "json")
    found = {f["object"]: f for f in json.loads(out)["findings"]}
    rename = found["public.users.full_name"]  # incident 000's shape, as a SQL file
    assert rename["kind"] == "probable_rename" and rename["fix_sql"] is None
    assert rename["hint"].startswith("004_rename.sql is pending and renames to it: run `pgwarden migrate up`")
    assert run("migrate", "up")[0] == 0
    code, out, _ = run("check", "--dev-url", dev, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_without_pending_files_or_for_other_objects_the_live_fix_stays(tmp_path: Path) -> None:
    (tmp_path / "001_init.sql").write_text(INIT + INDEX)
    missing = Finding(
        "PW121",
        "missing_index",
        Severity.WARNING,
        "public.users.ix_users_email",
        "m",
        fix_sql="CREATE INDEX ix_users_email ON users (email);",
        evidence={"where": "migrations_vs_live"},
    )
    pending = Finding(
        "PW206", "pending_migration", Severity.WARNING, "001_init.sql", "p", evidence={"version": 1}
    )
    assert defer_to_pending([missing], [], tmp_path) == [missing]
    assert defer_to_pending([missing], [pending], tmp_path) == [missing]  # 001 does not name it
    extra = Finding(
        "PW122",
        "extra_index",
        Severity.WARNING,
        "public.users.ix_users_name",
        "m",
        fix_sql="DROP INDEX ix_users_name;",
        evidence={"where": "migrations_vs_live"},
    )
    assert defer_to_pending([extra], [pending], tmp_path) == [extra]  # live has it: not a pending file's job
    named = Finding(
        "PW121",
        "missing_index",
        Severity.WARNING,
        "public.users.ix_users_name",
        "m",
        fix_sql="CREATE INDEX ix_users_name ON users (name);",
        evidence={
            "where": "three_way",
            "lags": ["models", "live"],
            "states": {"models": "absent", "migrations": "present", "live": "absent"},
        },
    )
    [deferred] = defer_to_pending([named], [pending], tmp_path)
    assert deferred.fix_sql is None and "The models lack it too" in deferred.hint


def test_an_object_a_failed_file_creates_names_the_file_and_its_error_not_live_sql(
    db_url: str, tmp_path: Path, run: Run
) -> None:
    # 002 runs on an empty scratch database but fails on live, whose rows break its unique index:
    # the ledger records it failed, and the table it creates is missing from live.
    dev = with_dbname(db_url, "postgres")
    assert run("migrate", "up")[0] == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO users VALUES (1, 'ann'), (2, 'ann')")
    (tmp_path / "migrations" / "002_notes.sql").write_text(
        "CREATE TABLE notes (id bigint PRIMARY KEY, body text);\n"
        "CREATE UNIQUE INDEX ux_users_name ON users (name);\n"
    )
    assert run("migrate", "up")[0] == 1
    code, out, _ = run("check", "--dev-url", dev, "--format", "json")
    found = {f["object"]: f for f in json.loads(out)["findings"]}
    notes = found["public.notes"]
    assert notes["fix_sql"] is None and notes["evidence"]["failed"] == "002_notes.sql"
    assert "CREATE TABLE" in notes["evidence"]["live_sql"] and "pending" not in notes["evidence"]
    assert "could not create unique index" in notes["evidence"]["error"]
    assert notes["hint"].startswith(
        '002_notes.sql creates it and failed on its last run, at line 2: could not create unique index "ux_users_name"'
    )
    assert "DETAIL: Key (name)=(ann) is duplicated. Fix the file" in notes["hint"]
    assert "and run `pgwarden migrate up` again, not SQL by hand" in notes["hint"]
    assert found["public.users.ux_users_name"]["evidence"]["failed"] == "002_notes.sql"
    assert found["migrations/002_notes.sql"]["kind"] == "failed_migration"
    code, text, _ = run("check", "--dev-url", dev)
    assert "002_notes.sql creates it and failed on its last run" in text and "CREATE TABLE" not in text
    # Fixed (the data here), re-run: nothing left.
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE users SET name = 'bob' WHERE id = 2")
    assert run("migrate", "up")[0] == 0
    code, out, _ = run("check", "--dev-url", dev, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, [])


def test_a_no_transaction_file_that_stopped_half_way_says_it_resumes(tmp_path: Path) -> None:
    (tmp_path / "002_idx.sql").write_text("CREATE INDEX CONCURRENTLY ix_users_name ON users (name);\n")
    missing = Finding(
        "PW121",
        "missing_index",
        Severity.WARNING,
        "public.users.ix_users_name",
        "m",
        fix_sql="CREATE INDEX ix_users_name ON users (name);",
        evidence={"where": "migrations_vs_live"},
    )
    stopped = Finding(
        "PW205",
        "failed_migration",
        Severity.ERROR,
        "002_idx.sql",
        "s",
        evidence={"version": 2, "statements_done": 1, "error": None},
    )
    [deferred] = defer_to_pending([missing], [stopped], tmp_path)
    assert deferred.fix_sql is None and deferred.evidence["failed"] == "002_idx.sql"
    assert "error" not in deferred.evidence
    assert deferred.hint.startswith(
        "002_idx.sql creates it and stopped after statement 1 on its last run. Fix the file (or the data it "
        "stumbled on) and run `pgwarden migrate up` again (it resumes after statement 1)"
    )
