"""``pgwarden migrate up --to REV`` on an Alembic chain: up to and including REV, never a downgrade."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, ORDER, add_revision, project, run, versions

__all__ = ["project"]  # the fixture, imported for pytest


def test_up_to_a_revision_id_applies_it_and_nothing_after(project: Path, db_url: str) -> None:
    code, out, err = run("migrate", "up", "--db", db_url, "--to", ORDER[1])
    assert code == 0, err
    assert versions(db_url) == [ORDER[1]]
    assert "applied 2 of 2" in out
    # a unique prefix and `head` resolve as Alembic resolves them
    code, out, err = run("migrate", "up", "--db", db_url, "--to", ORDER[2][:4], "--format", "json")
    assert code == 0, err
    assert versions(db_url) == [ORDER[2]]
    assert len(json.loads(out)["applied"]) == 1
    code, out, err = run("migrate", "up", "--db", db_url, "--to", "head")
    assert code == 0, err
    assert versions(db_url) == [HEAD]


def test_up_to_the_current_revision_applies_nothing(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url, "--to", ORDER[2])[0] == 0
    code, out, err = run("migrate", "up", "--db", db_url, "--to", ORDER[2])
    assert code == 0, err
    assert versions(db_url) == [ORDER[2]]


def test_a_revision_behind_the_database_is_refused_without_a_downgrade(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url)[0] == 0
    code, out, err = run("migrate", "up", "--db", db_url, "--to", ORDER[0])
    assert code == 2
    assert f"already past revision {ORDER[0]}" in err
    assert "never runs downgrade()" in err
    assert "Traceback" not in err
    assert versions(db_url) == [HEAD]


def test_unknown_or_ambiguous_targets_are_one_sentence_exit_2(project: Path, db_url: str) -> None:
    code, _, err = run("migrate", "up", "--db", db_url, "--to", "ffff")
    assert code == 2
    assert "--to ffff:" in err and "alembic heads" in err
    add_revision(
        project, "009_a.py", "a000000000a1", HEAD, "    op.add_column('users', sa.Column('a', sa.Integer))"
    )
    add_revision(
        project, "010_b.py", "b000000000b1", HEAD, "    op.add_column('users', sa.Column('b', sa.Integer))"
    )
    code, _, err = run("migrate", "up", "--db", db_url, "--to", "head")
    assert code == 2
    assert "--to head:" in err
    with_branch = run("migrate", "up", "--db", db_url, "--to", "a000000000a1")
    assert with_branch[0] == 0, with_branch[2]
    assert versions(db_url) == ["a000000000a1"]


def test_dry_run_to_shows_only_revisions_up_to_the_target(project: Path, db_url: str) -> None:
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", ORDER[1], "--format", "json")
    assert code in (0, 1), err
    shown = [p["id"] for p in json.loads(out)["pending"]]
    assert shown == ORDER[:2]
    with psycopg.connect(db_url) as conn:  # the live database is only read
        assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)


def test_sql_migrations_still_take_a_number(tmp_path: Path, db_url: str) -> None:
    (tmp_path / "001_a.sql").write_text("CREATE TABLE a (id int);\n")
    (tmp_path / "002_b.sql").write_text("CREATE TABLE b (id int);\n")
    code, _, err = run("migrate", "up", "--db", db_url, "--migrations", str(tmp_path), "--to", "abc")
    assert code == 2
    assert "--to abc: SQL migrations are named by number" in err
    code, _, err = run("migrate", "up", "--db", db_url, "--migrations", str(tmp_path), "--to", "1")
    assert code == 0, err
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('b')").fetchone() == (None,)
        assert conn.execute("SELECT to_regclass('a')").fetchone() == ("a",)
