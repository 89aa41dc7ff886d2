"""``migrate verify`` and ``migrate repair --accept-edit`` on an Alembic environment."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, ORDER, project, run, upgrade_to

__all__ = ["project"]  # the fixture, imported for pytest

EDITED = "migrations/versions/003_add_user_language.py"


def kinds(out: str) -> list[str]:
    return [f["kind"] for f in json.loads(out)["findings"]]


def test_verify_is_clean_then_names_an_edited_revision(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url)[0] == 0
    code, out, err = run("migrate", "verify", "--db", db_url, "--format", "json")
    assert code == 0, err
    assert kinds(out) == []
    path = project / EDITED
    path.write_text(path.read_text() + "\n# tweaked after deploy\n")
    code, out, _ = run("migrate", "verify", "--db", db_url, "--format", "json")
    assert code == 1
    assert kinds(out) == ["checksum_mismatch"]
    assert json.loads(out)["findings"][0]["evidence"]["revision"] == ORDER[2]


def test_verify_names_a_version_table_that_is_not_a_set_of_heads(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url)[0] == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("INSERT INTO alembic_version VALUES (%s)", (ORDER[1],))
    code, out, err = run("--traceback", "migrate", "verify", "--db", db_url)
    assert code == 1, err
    assert f"holds revision {ORDER[1]} next to a revision built on it" in out


def test_verify_names_an_unknown_revision_and_pending_ones_are_warnings(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, ORDER[2])
    code, out, _ = run("migrate", "verify", "--db", db_url, "--format", "json")
    assert code == 0 and kinds(out) == ["pending_migration"] * 2
    assert run("migrate", "verify", "--db", db_url, "--strict")[0] == 1
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'feedfacecafe'")
    code, out, _ = run("migrate", "verify", "--db", db_url, "--format", "json")
    assert "database_ahead" in kinds(out)


def test_repair_accept_edit_re_records_the_checksum_with_an_audit_row(project: Path, db_url: str) -> None:
    assert run("migrate", "up", "--db", db_url)[0] == 0
    path = project / EDITED
    path.write_text(path.read_text() + "\n# tweaked after deploy\n")
    code, out, err = run("migrate", "repair", "--db", db_url, "--accept-edit", ORDER[2][:6])
    assert code == 0, err
    assert f"accepted the edit to Alembic revision {ORDER[2]}" in out
    assert "pgwarden.migration_audit" in out
    assert run("migrate", "verify", "--db", db_url)[0] == 0
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    assert code == 0 and {r["state"] for r in json.loads(out)["revisions"]} == {"applied"}
    with psycopg.connect(db_url) as conn:
        row = conn.execute(
            "SELECT detail->>'revision' FROM pgwarden.migration_audit WHERE action = 'alembic-accept-edit'"
        ).fetchone()
    assert row == (ORDER[2],)
    # nothing left to accept: one sentence, exit 2
    code, _, err = run("migrate", "repair", "--db", db_url, "--accept-edit", ORDER[2])
    assert code == 2 and "unchanged since it was applied" in err


def test_repair_bad_input_is_one_sentence(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, ORDER[1])  # plain Alembic: no checksums recorded
    code, _, err = run("migrate", "repair", "--db", db_url, "--accept-edit", ORDER[0])
    assert code == 2 and "no checksum for it" in err
    code, _, err = run("migrate", "repair", "--db", db_url, "--accept-edit", HEAD)
    assert code == 2 and "not applied to this database" in err
    code, _, err = run("migrate", "repair", "--db", db_url, "--accept-edit", "nope")
    assert code == 2 and "--accept-edit nope:" in err
    code, _, err = run("migrate", "repair", "--db", db_url, "--clear", "1")
    assert code == 2 and "--accept-edit REV only" in err
    assert "Traceback" not in err
