"""``pgwarden migrate up --to REV`` on an Alembic chain: up to and including REV, never a downgrade."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, ORDER, add_revision, body_line, project, run, versions

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


def test_dry_run_to_lints_and_runs_nothing_after_the_target(project: Path, db_url: str) -> None:
    # A revision after the head that PostgreSQL rejects (no such table) and that lint flags (a drop).
    add_revision(
        project,
        "009_broken.py",
        "f000000000f1",
        HEAD,
        "    op.drop_column('users', 'language')\n    op.execute('ALTER TABLE no_such_table ADD COLUMN x int')",
    )
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--format", "json")
    whole = json.loads(out)
    assert code == 1, err
    assert any("009_broken.py" in f["object"] for f in whole["findings"])
    assert any(f["kind"] == "server-error" for f in whole["findings"])
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", HEAD, "--format", "json")
    doc = json.loads(out)
    assert [p["id"] for p in doc["pending"]] == ORDER
    assert doc["to"] == [HEAD]
    assert not any("009_broken.py" in f["object"] for f in doc["findings"])
    assert not any(f["kind"] == "server-error" for f in doc["findings"])
    assert doc["findings"] == [f for f in whole["findings"] if "009_broken.py" not in f["object"]]
    assert code == 0, doc[
        "findings"
    ]  # the chain up to the head has warnings at most: no error after it counts
    # a revision after the target that reads the database cannot render offline: no matter with --to
    add_revision(
        project,
        "010_reads.py",
        "f000000000f2",
        "f000000000f1",
        "    op.get_bind().execute(sa.text('SELECT 1')).scalar()",
    )
    reads = body_line(project / "migrations" / "versions" / "010_reads.py")
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--format", "json")
    assert code == 2 and out == "" and "Traceback" not in err
    assert f"010_reads.py:{reads}: revision f000000000f2 cannot be rendered in Alembic's offline mode" in err
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", HEAD, "--format", "json")
    assert code == 0, err
    assert json.loads(out)["findings"] == doc["findings"]
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", ORDER[1])
    assert "2 pending Alembic revision(s) up to " + ORDER[1] in out
    assert "009_broken.py" not in out and ORDER[2] not in out


def test_dry_run_to_a_revision_already_passed_is_refused_as_up_refuses_it(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url, "--to", ORDER[2])[0] == 0
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", ORDER[0])
    assert code == 2
    assert f"--to {ORDER[0]}: the database is already past revision {ORDER[0]} (it is at {ORDER[2]})" in err
    assert "never runs downgrade()" in err and "Traceback" not in err and out == ""
    # the same sentence `up --to` gives
    up_code, _, up_err = run("migrate", "up", "--db", db_url, "--to", ORDER[0])
    assert up_code == 2 and up_err == err
    # at the target itself: nothing pending, nothing to lint
    code, out, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", ORDER[2], "--format", "json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["pending"] == [] and doc["findings"] == []
    code, _, err = run("migrate", "up", "--db", db_url, "--dry-run", "--to", "ffff")
    assert code == 2 and "--to ffff:" in err
    assert versions(db_url) == [ORDER[2]]
