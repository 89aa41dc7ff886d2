"""``migrate up --dry-run`` on Alembic revisions counts the rows each destructive operation puts at stake."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, add_revision, project, run, versions

__all__ = ["project"]  # the fixture, imported for pytest


def test_dry_run_names_the_rows_a_dropped_column_holds_and_the_guards_refusal(
    project: Path, db_url: str
) -> None:
    code, _, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO users (id, username, language) VALUES (1, 'a', 'en'), (2, 'b', 'de'), (3, 'c', NULL)"
        )
    path = add_revision(
        project, "009_drop_language.py", "d0d0d0d0d0d0", HEAD, "    op.drop_column('users', 'language')"
    )
    code, out, err = run("migrate", "up", "--dry-run", "--db", db_url)
    assert "-- at stake, line 15: DROP COLUMN public.users.language holding 2 row(s)" in out, out + err
    assert "`migrate up` would refuse this revision (the data guard)" in out
    code, out, _ = run("migrate", "up", "--dry-run", "--db", db_url, "--format", "json")
    [pending] = json.loads(out)["pending"]
    assert pending["refused"] is True
    assert [(s["line"], s["what"], s["rows"], s["estimated"]) for s in pending["at_stake"]] == [
        (15, "DROP COLUMN public.users.language", 2, False)
    ]
    assert versions(db_url) == [HEAD]  # nothing applied
    path.write_text("# pgwarden: destructive -- language moved to the settings table\n" + path.read_text())
    code, out, _ = run("migrate", "up", "--dry-run", "--db", db_url, "--format", "json")
    [pending] = json.loads(out)["pending"]
    assert pending["refused"] is False and pending["at_stake"][0]["rows"] == 2
    code, out, _ = run("migrate", "up", "--dry-run", "--db", db_url)
    assert "holding 2 row(s)" in out and "would refuse" not in out
