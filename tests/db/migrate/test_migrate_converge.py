"""``migrate test``: incident 004's migration 006 against a legacy jobs table, divergence, rerunnable files."""

from __future__ import annotations

from pathlib import Path

from pgwarden.catalog import serialize
from pgwarden.migrate import discover
from pgwarden.migrate.converge import converge
from pgwarden.migrate.legacy import find_legacy
from pgwarden.scratch import Scratch

MIGRATION_006 = """\
DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM information_schema.tables WHERE table_name = 'jobs') THEN
        CREATE TABLE jobs (
            id BIGSERIAL PRIMARY KEY,
            user_id BIGINT NOT NULL,
            model_id TEXT NOT NULL,
            chat_id BIGINT,
            delivered_at TIMESTAMP
        );
    END IF;
END $$;

CREATE INDEX IF NOT EXISTS idx_jobs_chat_id ON jobs(chat_id);
"""

LEGACY_JOBS = """\
--
-- PostgreSQL database dump
--
\\restrict abc123
SET statement_timeout = 0;
SELECT pg_catalog.set_config('search_path', '', false);
CREATE TABLE public.jobs (
    id bigserial PRIMARY KEY,
    user_id bigint NOT NULL,
    model_id text NOT NULL
);
\\unrestrict abc123
"""


def incident(folder: Path) -> tuple[Path, Path]:
    migrations = folder / "migrations"
    migrations.mkdir()
    (migrations / "005_add_columns.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    (migrations / "006_create_tables.sql").write_text(MIGRATION_006)
    legacy = folder / "legacy"
    legacy.mkdir()
    (legacy / "2025-old-prod.sql").write_text(LEGACY_JOBS)
    return migrations, legacy


def test_incident_006_is_reported_with_the_add_column_fix(scratch: Scratch, tmp_path: Path) -> None:
    migrations, legacy = incident(tmp_path)
    outcome = converge(discover(migrations), scratch, legacy=find_legacy(legacy))
    assert [r["ok"] for r in outcome.runs] == [True, False]
    [found] = outcome.findings
    assert (found.code, found.kind, found.severity.value) == ("PW208", "legacy_migration_failure", "error")
    assert found.object.endswith("006_create_tables.sql:14:1")
    assert "2025-old-prod.sql" in found.message and "chat_id" in found.message
    assert found.fix_sql is not None
    first = found.fix_sql.splitlines()[0]
    assert first == 'ALTER TABLE "public"."jobs" ADD COLUMN IF NOT EXISTS "chat_id" bigint;'
    assert '"delivered_at" timestamp without time zone' in found.fix_sql
    assert found.evidence["statement"].startswith("CREATE INDEX IF NOT EXISTS idx_jobs_chat_id")
    assert found.evidence["migration"] == "006_create_tables.sql"


def test_the_fixed_006_converges(scratch: Scratch, tmp_path: Path) -> None:
    migrations, legacy = incident(tmp_path)
    fixed = MIGRATION_006.replace(
        "CREATE INDEX",
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS chat_id bigint;\n"
        "ALTER TABLE jobs ADD COLUMN IF NOT EXISTS delivered_at timestamp;\nCREATE INDEX",
    )
    (migrations / "006_create_tables.sql").write_text(fixed)
    outcome = converge(discover(migrations), scratch, legacy=find_legacy(legacy))
    assert outcome.findings == [] and all(r["ok"] for r in outcome.runs)


def test_a_legacy_start_that_ends_elsewhere_is_a_divergence(scratch: Scratch, tmp_path: Path) -> None:
    migrations, legacy = incident(tmp_path)
    (legacy / "2025-old-prod.sql").write_text(
        LEGACY_JOBS.replace("model_id text NOT NULL", "model_id text NOT NULL, chat_id integer")
    )
    outcome = converge(discover(migrations), scratch, legacy=find_legacy(legacy))
    kinds = {(f.code, f.evidence["difference"], f.object) for f in outcome.findings}
    assert ("PW209", "type_mismatch", "public.jobs.chat_id") in kinds
    assert all("legacy schema 2025-old-prod.sql" in f.message for f in outcome.findings)


def test_snapshot_legacy_schemas_are_restored(scratch: Scratch, tmp_path: Path) -> None:
    migrations, legacy = incident(tmp_path)
    dumped = legacy / "2025-old-prod.sql"
    db = scratch.create_database("legacy_src")
    try:
        import psycopg

        from pgwarden.catalog import inspect

        with psycopg.connect(db, autocommit=True) as conn:
            conn.execute(
                dumped.read_text().replace("\\restrict abc123", "").replace("\\unrestrict abc123", "")
            )
            serialize.write(inspect(conn), legacy / "snap.json")
    finally:
        scratch.drop_database(db)
    dumped.unlink()
    outcome = converge(discover(migrations), scratch, legacy=find_legacy(legacy))
    assert [f.code for f in outcome.findings] == ["PW208"]
    assert "snap.json" in outcome.findings[0].message


def test_rerunnable_files_run_twice(scratch: Scratch, tmp_path: Path) -> None:
    (tmp_path / "001_ok.sql").write_text("-- pgwarden: rerunnable\nCREATE TABLE IF NOT EXISTS a (id int);\n")
    (tmp_path / "002_liar.sql").write_text("-- pgwarden: rerunnable\nCREATE TABLE b (id int);\n")
    (tmp_path / "003_grows.sql").write_text(
        "-- pgwarden: rerunnable\nCREATE TABLE IF NOT EXISTS c (id int);\n"
        "DO $$ BEGIN EXECUTE 'ALTER TABLE c ADD COLUMN x' || (SELECT count(*) FROM pg_attribute "
        "WHERE attrelid = 'c'::regclass AND attnum > 0) || ' int'; END $$;\n"
    )
    outcome = converge(discover(tmp_path), scratch)
    found = sorted((f.kind, f.evidence["migration"]) for f in outcome.findings)
    assert found == [("not_rerunnable", "002_liar.sql"), ("not_rerunnable", "003_grows.sql")]
    liar = next(f for f in outcome.findings if f.evidence["migration"] == "002_liar.sql")
    assert liar.object.endswith("002_liar.sql:2:1") and "42P07" in liar.message


def test_a_chain_that_fails_on_an_empty_database(scratch: Scratch, tmp_path: Path) -> None:
    (tmp_path / "001_bad.sql").write_text("CREATE TABLE a (id int);\nCREATE INDEX ON a (nope);\n")
    outcome = converge(discover(tmp_path), scratch)
    [found] = outcome.findings
    assert found.kind == "legacy_migration_failure" and "an empty database" in found.message
    assert found.fix_sql is None
