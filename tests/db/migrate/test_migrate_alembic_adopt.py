"""Alembic: ``migrate baseline`` (stamp after a schema check), ``migrate up --dry-run`` and ``lint --against``."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, ORDER, project, run, upgrade_to, versions

__all__ = ["project"]  # the fixture, imported for pytest

RENAME = "migrations/versions/008_rename_started_at_to_created_at.py"


def made_before_alembic(db_url: str) -> None:
    """The chain's schema with no ``alembic_version``: a database created before Alembic was adopted."""
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE alembic_version")


def test_baseline_stamps_only_the_revision_the_live_schema_is_at(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, HEAD)
    made_before_alembic(db_url)
    code, out, _ = run("migrate", "baseline", "--db", db_url)
    assert code == 0 and f"--revision {HEAD}" in out  # says which revision; stamps nothing
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('alembic_version')").fetchone() == (None,)
    code, out, _ = run("migrate", "baseline", "--db", db_url, "--revision", ORDER[3], "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["stamped"] == []
    assert any("created_at" in f["message"] or "started_at" in f["message"] for f in doc["findings"])
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", "head")
    assert code == 0, err
    assert "5 revision(s) counted as applied, none run" in out and versions(db_url) == [HEAD]
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    revisions = json.loads(out)["revisions"]
    assert {r["recorded"] for r in revisions} == {"stamped"} and {r["state"] for r in revisions} == {
        "applied"
    }
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", "head")
    assert code == 2 and "already at Alembic revision" in err
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", "nosuchrev")
    assert code == 2 and "no such revision" in err


def test_dry_run_prints_the_pending_sql_and_lint_and_applies_nothing(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, ORDER[3])
    code, out, _ = run("migrate", "up", "--dry-run", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 1 and doc["current"] == [ORDER[3]]
    assert [p["id"] for p in doc["pending"]] == [HEAD]
    assert "RENAME started_at TO created_at" in doc["pending"][0]["sql"][0]["sql"]
    assert any(f["kind"] == "rename-while-running" for f in doc["findings"])
    assert versions(db_url) == [ORDER[3]]
    code, out, _ = run("migrate", "up", "--dry-run", "--db", db_url)
    assert "-- line 21" in out and "nothing was applied" in out and RENAME in out and "21:5 error" in out


def test_lint_against_runs_the_revisions_after_the_live_one_on_its_schema(project: Path, db_url: str) -> None:
    upgrade_to(db_url, project, ORDER[3])
    with psycopg.connect(db_url, autocommit=True) as conn:  # a legacy database (incident 004's shape)
        conn.execute("ALTER TABLE conversations RENAME COLUMN started_at TO begun_at")
    code, out, _ = run("lint", "--against", db_url, "--format", "json")
    found = json.loads(out)["findings"]
    server = [f for f in found if f["kind"] == "server-error"]
    assert code == 1 and [f["object"] for f in server] == [f"{RENAME}:21:5"]
    assert "started_at" in server[0]["message"] and "42703" in server[0]["message"]
    assert {f["object"].split(":")[0] for f in found} == {RENAME}  # applied revisions are not linted again
    code, out, err = run("lint", "--against", "schema.json")
    assert code == 2 and "against a database" in err
