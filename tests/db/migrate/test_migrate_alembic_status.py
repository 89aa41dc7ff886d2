"""``migrate status`` on an Alembic chain: not applied yet vs edited after it was applied, and what each revision changes."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
import pytest
from test_migrate_alembic import HEAD, ORDER, project, run, upgrade_to
from trace_helpers import round_trips, traced_connections

__all__ = ["project"]  # the fixture, imported for pytest


def states(db_url: str) -> tuple[int, dict[str, dict[str, object]]]:
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    return code, {r["id"]: r for r in json.loads(out)["revisions"]}


def test_pending_revisions_say_what_they_will_change_from_the_offline_sql(project: Path, db_url: str) -> None:
    code, revisions = states(db_url)
    assert code == 0 and [r["state"] for r in revisions.values()] == ["pending"] * 5
    assert revisions[HEAD]["changes"] == ["rename column conversations.started_at to created_at"]
    assert revisions[HEAD]["changes_from"] == "offline"
    assert "create table users" in revisions[ORDER[0]]["changes"]


def test_an_applied_revision_edited_afterwards_is_told_from_a_pending_one(
    project: Path, db_url: str, tmp_path: Path
) -> None:
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    with psycopg.connect(db_url) as conn:
        rows = dict(conn.execute("SELECT revision, how FROM pgwarden.alembic_revisions").fetchall())
    assert sorted(rows) == sorted(ORDER) and set(rows.values()) == {"applied"}
    (tmp_path / "again").mkdir()
    with traced_connections(tmp_path / "again") as traces:
        assert run("migrate", "up", "--db", db_url)[0] == 0
    assert round_trips(traces) == 2  # nothing to apply: the version table's existence, its rows (was 4)
    with traced_connections(tmp_path) as traces:
        code, revisions = states(db_url)
    # BEGIN, which of Alembic's and pgwarden's tables exist, both tables' rows, ROLLBACK (was 6)
    assert round_trips(traces) == 4
    assert code == 0 and {r["state"] for r in revisions.values()} == {"applied"}
    assert revisions[HEAD]["changes_from"] == "applied"
    assert revisions[HEAD]["changes"] == ["rename column conversations.started_at to created_at"]
    edited = project / "migrations" / "versions" / "003_add_user_language.py"
    edited.write_text(edited.read_text() + "\n# tweaked after deploy\n")
    code, revisions = states(db_url)
    assert code == 1 and revisions[ORDER[2]]["state"] == "edited"
    assert [r["state"] for r in revisions.values()].count("applied") == 4
    code, out, _ = run("migrate", "status", "--db", db_url)
    assert code == 1 and "edited   add user language" in out and "the database ran another text" in out
    code, out, _ = run("check", "--db", db_url, "--format", "json")
    mismatch = [f for f in json.loads(out)["findings"] if f["kind"] == "checksum_mismatch"]
    assert code == 1 and mismatch and mismatch[0]["object"].endswith("003_add_user_language.py")
    with psycopg.connect(db_url) as conn:  # the fix SQL accepts an edit that changes nothing
        conn.execute(mismatch[0]["fix_sql"])
    code, revisions = states(db_url)
    assert code == 0 and revisions[ORDER[2]]["state"] == "applied" and revisions[ORDER[2]]["recorded"] is None


def test_revisions_applied_by_plain_alembic_are_applied_with_unknown_checksums(
    project: Path, db_url: str
) -> None:
    upgrade_to(db_url, project, ORDER[2])
    code, out, _ = run("migrate", "status", "--db", db_url)
    assert code == 0 and "3 applied, 2 pending" in out
    assert "applied without pgwarden" in out and "changes: add column users.language" in out


def test_the_offline_render_is_kept_between_runs_and_an_edit_renders_again(
    project: Path, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pgwarden.migrate import alembic_offline_cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("PGWARDEN_NO_CACHE", raising=False)
    first = run("migrate", "status", "--db", db_url)
    entries = sorted(alembic_offline_cache.directory().glob("*.json"))
    assert len(entries) == 1
    assert run("migrate", "status", "--db", db_url) == first  # the hit: the same bytes
    revision = project / "migrations" / "versions" / "008_rename_started_at_to_created_at.py"
    revision.write_text(
        revision.read_text().replace(
            '"started_at", new_column_name="created_at"', '"started_at", new_column_name="opened_at"'
        )
    )
    code, revisions = states(db_url)
    assert revisions[HEAD]["changes"] == ["rename column conversations.started_at to opened_at"]
    assert len(list(alembic_offline_cache.directory().glob("*.json"))) == 2
