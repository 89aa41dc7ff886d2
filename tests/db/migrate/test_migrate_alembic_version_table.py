"""``version_table`` / ``version_table_schema`` set in ``env.py``: read from its syntax, honoured everywhere."""

from __future__ import annotations

import json
from pathlib import Path

import psycopg
from test_migrate_alembic import HEAD, ORDER, project, run

from pgwarden.migrate.alembic_table import VersionTable, version_table

__all__ = ["project"]  # the fixture, imported for pytest


def renamed(project: Path, db_url: str) -> None:
    """env.py keeps the heads in meta.bot_versions (a constant and a literal, as real env.py files do)."""
    env = project / "migrations" / "env.py"
    text = env.read_text()
    text = text.replace(
        "target_metadata=target_metadata,",
        "target_metadata=target_metadata,\n        version_table=VERSIONS, version_table_schema='meta',",
        1,
    )
    text = text.replace(
        "context.configure(connection=connection, target_metadata=target_metadata)",
        "context.configure(\n        connection=connection, target_metadata=target_metadata, "
        "version_table=VERSIONS, version_table_schema='meta'\n    )",
    )
    env.write_text(
        text.replace("\nconfig = context.config", '\nVERSIONS = "bot_versions"\nconfig = context.config', 1)
    )
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA meta")


def heads(db_url: str) -> list[str]:
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.alembic_version')").fetchone() == (None,)
        return [r[0] for r in conn.execute("SELECT version_num FROM meta.bot_versions")]


def test_the_version_table_is_read_from_env_py_without_running_it(project: Path, db_url: str) -> None:
    assert version_table(project / "alembic.ini") == VersionTable()
    renamed(project, db_url)
    found = version_table(project / "alembic.ini")
    assert found == VersionTable("bot_versions", "meta")
    assert found.patterns == ("meta.bot_versions", "meta")


def test_status_up_and_check_use_the_table_env_py_names(project: Path, db_url: str) -> None:
    renamed(project, db_url)
    code, out, err = run("migrate", "up", "--db", db_url, "--to", ORDER[2])
    assert code == 0, err
    assert heads(db_url) == [ORDER[2]]
    code, out, _ = run("migrate", "status", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert doc["alembic"]["current"] == [ORDER[2]]
    assert [r["state"] for r in doc["revisions"]] == ["applied"] * 3 + ["pending"] * 2
    code, out, err = run("migrate", "up", "--db", db_url)
    assert code == 0, err
    assert heads(db_url) == [HEAD]
    code, out, err = run("check", "--db", db_url, "--format", "json")
    doc = json.loads(out)
    assert code == 0, doc  # the version table is never drift, the chain is at head
    assert doc["findings"] == []


def test_baseline_stamps_the_table_env_py_names(project: Path, db_url: str) -> None:
    renamed(project, db_url)
    assert run("migrate", "up", "--db", db_url)[0] == 0
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("DROP TABLE meta.bot_versions")
        conn.execute("DROP SCHEMA pgwarden CASCADE")
    code, out, _ = run("migrate", "baseline", "--db", db_url)
    assert code == 0 and f"--revision {HEAD}" in out, out
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", "head")
    assert code == 0, err
    assert heads(db_url) == [HEAD]
    code, out, err = run("migrate", "baseline", "--db", db_url, "--revision", "head")
    assert code == 2 and "meta.bot_versions" in err
