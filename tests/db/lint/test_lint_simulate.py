"""Schema-aware lint against real PostgreSQL: server errors at file:line:col, real-schema context."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import click
import psycopg
import pytest
from psycopg import sql

from pgwarden.cli._state import State
from pgwarden.cli.lint import lint
from pgwarden.errors import SourceError
from pgwarden.lint import ALL_RULES, Settings, lint_paths
from pgwarden.lint.simulate import lint_against
from pgwarden.scratch import Scratch

LEGACY = "CREATE TABLE jobs (id bigserial PRIMARY KEY, user_id bigint NOT NULL, model_id text NOT NULL);\n"

MIGRATION_006 = """\
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'jobs') THEN
        CREATE TABLE jobs (id bigint PRIMARY KEY, user_id bigint NOT NULL, chat_id bigint);
    END IF;
END $$;

CREATE INDEX idx_jobs_chat_id ON jobs (chat_id);
"""

SETTINGS = Settings(rules=ALL_RULES)


def _files(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "migrations"
    folder.mkdir()
    for name, text in files.items():
        (folder / f"{name}.sql").write_text(text)
    return folder


def test_incident_006_against_legacy_schema_is_a_server_error_at_the_column(
    tmp_path: Path, scratch: Scratch
) -> None:
    legacy = tmp_path / "legacy.sql"
    legacy.write_text(LEGACY)
    folder = _files(tmp_path, **{"006_create_tables": MIGRATION_006})
    found = lint_against([folder], SETTINGS, str(legacy), dev_url=scratch.server_url)
    server = [f for f in found if f.code == "server-error"]
    assert len(server) == 1
    assert 'column "chat_id" does not exist' in server[0].message
    assert server[0].object.endswith("006_create_tables.sql:8:40")
    cond = [f for f in found if f.code == "conditional-create-assumption"]
    assert cond and "already exists without chat_id" in cond[0].message


def test_index_on_table_created_in_same_file_needs_no_concurrently(tmp_path: Path, scratch: Scratch) -> None:
    legacy = tmp_path / "legacy.sql"
    legacy.write_text(LEGACY)
    folder = _files(
        tmp_path,
        **{
            "007_chats": "CREATE TABLE chats (id bigint PRIMARY KEY, job_id bigint);\nCREATE INDEX chats_job_idx ON chats (job_id);\n"
        },
    )
    found = lint_against([folder], SETTINGS, str(legacy), dev_url=scratch.server_url)
    assert not [f for f in found if f.code in ("index-without-concurrently", "server-error")]


def test_live_url_row_estimates_turn_may_lock_into_will_block(
    tmp_path: Path, scratch: Scratch, db_url: str
) -> None:
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute(LEGACY)
        conn.execute("INSERT INTO jobs (user_id, model_id) SELECT g, 'm' FROM generate_series(1, 2000) g")
        conn.execute("ANALYZE jobs")
        # Pretend the table is large: the estimate is what the rule reads.
        conn.execute(sql.SQL("SET allow_system_table_mods = on"))
        conn.execute("UPDATE pg_class SET reltuples = 3200000 WHERE relname = 'jobs'")
    folder = _files(tmp_path, **{"008_index": "CREATE INDEX jobs_user_idx ON jobs (user_id);\n"})
    found = lint_against([folder], SETTINGS, db_url, dev_url=scratch.server_url)
    index = [f for f in found if f.code == "index-without-concurrently"]
    assert index[0].severity.value == "error"
    assert "will block writes to public.jobs (public.jobs holds about 3.2M rows)" in index[0].message


def test_cli_against_prints_json_and_rolls_back(tmp_path: Path, scratch: Scratch) -> None:
    legacy = tmp_path / "legacy.sql"
    legacy.write_text(LEGACY)
    folder = _files(tmp_path, **{"006_create_tables": MIGRATION_006})
    out = StringIO()
    group = click.Group(commands=[lint])
    code = group.main(
        ["lint", str(folder), "--against", str(legacy), "--dev-url", scratch.server_url, "--format", "json"],
        standalone_mode=False,
        obj=State(out=out, config_path=str(_config(tmp_path))),
    )
    assert code == 1
    codes = {f["code"] for f in json.loads(out.getvalue())["findings"]}
    assert {"server-error", "conditional-create-assumption"} <= codes


def test_without_against_no_server_is_needed(tmp_path: Path) -> None:
    folder = _files(tmp_path, **{"006_create_tables": MIGRATION_006})
    assert not [f for f in lint_paths([folder], SETTINGS) if f.code == "server-error"]


def _config(tmp_path: Path) -> Path:
    cfg = tmp_path / "pgwarden.toml"
    cfg.write_text("[lint]\nassume_in_transaction = true\n")
    return cfg


def test_against_a_migrations_folder_and_files_build_on_each_other(tmp_path: Path, scratch: Scratch) -> None:
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "001_jobs.sql").write_text(LEGACY)
    folder = _files(
        tmp_path,
        **{
            "002_add": "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS chat_id bigint;\n",
            "003_index": "SELECT chat_id FROM jobs;\nSELECT missing FROM jobs;\n",
        },
    )
    found = lint_against([folder], SETTINGS, str(legacy), dev_url=scratch.server_url)
    (server,) = [f for f in found if f.code == "server-error"]
    assert server.object.endswith("003_index.sql:2:8")
    assert 'column "missing" does not exist' in server.message


def test_against_a_missing_target_is_a_usage_error(tmp_path: Path, scratch: Scratch) -> None:
    folder = _files(tmp_path, **{"001_x": "SELECT 1;\n"})
    with pytest.raises(SourceError, match="no such database URL, file or folder"):
        lint_against([folder], SETTINGS, str(tmp_path / "nope.sql"), dev_url=scratch.server_url)


def test_against_a_live_server_takes_its_postgres_version(db_url: str) -> None:
    from pgwarden.lint.simulate import _major

    with psycopg.connect(db_url) as conn:
        major = conn.info.server_version // 10000
    assert _major(db_url, 18) == major


def test_against_legacy_schema_judges_a_conditional_create_with_its_columns(
    tmp_path: Path, scratch: Scratch
) -> None:
    """The legacy jobs table has user_id: the conditional CREATE's index on it is safe, on chat_id an error."""
    folder = _files(
        tmp_path,
        **{
            "005_jobs": "CREATE TABLE IF NOT EXISTS jobs (id bigint PRIMARY KEY, user_id bigint, chat_id bigint);\n"
            "CREATE INDEX IF NOT EXISTS jobs_user ON jobs (user_id);\n"
            "CREATE INDEX IF NOT EXISTS jobs_chat ON jobs (chat_id);\n"
        },
    )
    legacy = tmp_path / "legacy.sql"
    legacy.write_text(LEGACY)
    found = lint_against([folder], SETTINGS, str(legacy), dev_url=scratch.server_url)
    cond = [f for f in found if f.code == "conditional-create-assumption"]
    assert [(f.severity.value, f.evidence["column"]) for f in cond] == [("error", "chat_id")]
