"""A schema built from the files before pgwarden's ledger: status, up and check say how to record it (PW212)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.urls import with_dbname

FILES = {
    "001_init.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name text NOT NULL);\n"
    "CREATE INDEX ix_users_name ON users (name);\n",
    "002_notes.sql": "CREATE TABLE notes (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\n",
}
# The same schema as 001, written as a models' create_all would: other words, same catalog.
BY_HAND = (
    "CREATE TABLE public.users (name text NOT NULL, id bigint NOT NULL);\n"
    "ALTER TABLE public.users ADD CONSTRAINT users_pkey PRIMARY KEY (id);\n"
    "CREATE INDEX ix_users_name ON public.users USING btree (name);\n"
)


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main([*argv], out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for name, text in FILES.items():
        (migrations / name).write_text(text)
    return migrations


def _ledger_rows(db_url: str) -> int:
    with psycopg.connect(db_url) as conn:
        if conn.execute("SELECT to_regclass('pgwarden.migrations')").fetchone() == (None,):
            return 0
        row = conn.execute("SELECT count(*) FROM pgwarden.migrations").fetchone()
        assert row is not None
        return int(row[0])


@pytest.mark.parametrize("built", ["from_the_file", "by_hand"])
def test_status_and_up_say_the_schema_already_matches_and_up_runs_nothing(
    db_url: str, folder: Path, built: str
) -> None:
    dev = ("--dev-url", with_dbname(db_url, "postgres"))
    where = ("--db", db_url, "--migrations", str(folder))
    with psycopg.connect(db_url) as conn:
        conn.execute(FILES["001_init.sql"] if built == "from_the_file" else BY_HAND)

    code, out, _ = run("migrate", "status", *where)
    assert code == 0, out
    assert "2 pending" in out
    assert (
        "the schema already matches 001_init.sql: record them with `pgwarden migrate baseline --version 1`"
        in out
    )
    assert "runs the 1 file(s) after it" in out
    code, out, _ = run("migrate", "status", *where, "--format", "json")
    [found] = [f for f in json.loads(out)["findings"] if f["code"] == "PW212"]
    assert found["evidence"] == {"version": 1, "first": "001_init.sql", "last": "001_init.sql", "later": 1}

    code, out, _ = run("migrate", "up", *where, *dev)
    assert code == 1, out
    assert "001_init.sql was not run: the database already has what it creates" in out
    assert "baseline --version 1" in out and "Fix the file" not in out
    assert _ledger_rows(db_url) == 0
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.notes')").fetchone() == (None,)

    code, out, _ = run("migrate", "baseline", *where, "--version", "1")
    assert code == 0 and "1 version(s) marked applied" in out
    code, out, _ = run("migrate", "up", *where, *dev)
    assert code == 0 and "applied 1 of 1" in out, out


def test_a_fresh_database_migrates_as_usual_and_check_stays_quiet_about_the_ledger(
    db_url: str, folder: Path
) -> None:
    """``check`` leaves PW212 to ``migrate``: a project applying its SQL with another runner would see it forever."""
    dev = ("--dev-url", with_dbname(db_url, "postgres"))
    where = ("--db", db_url, "--migrations", str(folder))
    code, out, _ = run("migrate", "status", *where)
    assert code == 0 and "already matches" not in out
    code, out, _ = run("migrate", "up", *where, *dev)
    assert code == 0 and "applied 2 of 2" in out, out
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP SCHEMA pgwarden CASCADE")  # as if built by another runner
    code, out, _ = run("check", *where, *dev, "--format", "json")
    assert (code, json.loads(out)["findings"]) == (0, []), out
