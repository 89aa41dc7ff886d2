"""``migrate baseline`` answers: which version the live schema matches, and after a failed run it marks or says why not."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.urls import with_dbname

FILES = {
    "001_users.sql": "CREATE TABLE users (id bigint PRIMARY KEY, name text);\n",
    "002_notes.sql": "CREATE TABLE notes (id bigint PRIMARY KEY, user_id bigint REFERENCES users);\n",
    "003_index.sql": "CREATE INDEX notes_user_id ON notes (user_id);\n",
}


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    return main(["migrate", *argv], out, err), out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    for name, text in FILES.items():
        (migrations / name).write_text(text)
    return migrations


def test_baseline_proposes_the_version_the_live_schema_matches(db_url: str, folder: Path) -> None:
    dev = ("--dev-url", with_dbname(db_url, "postgres"))
    with psycopg.connect(db_url) as conn:  # built by hand (or another tool without a ledger) up to 002
        conn.execute(FILES["001_users.sql"] + FILES["002_notes.sql"])
    code, _, err = run("baseline", "--db", db_url, "--migrations", str(folder), *dev)
    assert code == 2 and "up to version 2 (002_notes.sql)" in err and "baseline --version 2" in err, err
    code, out, _ = run("baseline", "--db", db_url, "--migrations", str(folder), "--version", "2")
    assert code == 0 and "2 version(s) marked applied" in out
    code, out, _ = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "applied 1 of 1" in out


def test_baseline_says_when_no_prefix_matches(db_url: str, folder: Path) -> None:
    dev = ("--dev-url", with_dbname(db_url, "postgres"))
    with psycopg.connect(db_url) as conn:
        conn.execute("CREATE TABLE users (id bigint PRIMARY KEY, name text, extra int)")
    code, _, err = run("baseline", "--db", db_url, "--migrations", str(folder), *dev)
    assert code == 2 and "no prefix of the migrations builds the live schema" in err
    assert "closest is version 1, 1 difference(s) away" in err, err


def test_after_a_failed_run_baseline_marks_the_version_or_says_why_not(db_url: str, folder: Path) -> None:
    with psycopg.connect(db_url) as conn:  # the bot's own runner made users; no ledger pgwarden knows
        conn.execute(FILES["001_users.sql"])
    code, out, _ = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 1 and "already has what it creates" in out and "baseline --version 1" in out, out
    code, out, _ = run("baseline", "--db", db_url, "--migrations", str(folder), "--version", "1")
    assert code == 0 and "1 version(s) marked applied" in out, out
    code, out, _ = run(
        "baseline", "--db", db_url, "--migrations", str(folder), "--version", "1", "--format", "json"
    )
    doc = json.loads(out)
    assert code == 0 and doc["marked"] == [] and "already recorded as applied" in doc["how"]
    code, out, _ = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "applied 2 of 2" in out
