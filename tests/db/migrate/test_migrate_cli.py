"""``pgwarden migrate`` end to end: every subcommand in text and JSON, bad input, exit codes, no password."""

from __future__ import annotations

import io
import json
from pathlib import Path

import psycopg
import pytest
from lock_helpers import hold_migration_lock

from pgwarden.cli import COMMANDS, main
from pgwarden.scratch import Scratch
from pgwarden.urls import with_dbname

# The lead registers the group in cli/__init__.py; until then the tests add it.
COMMANDS.setdefault("migrate", "pgwarden.cli.migrate:migrate")


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["migrate", *argv], out, err)
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "001_users.sql").write_text("CREATE TABLE users (id bigint PRIMARY KEY);\n")
    (migrations / "002_jobs.sql").write_text("CREATE TABLE jobs (id bigint, user_id bigint);\n")
    return migrations


def test_status_up_verify_in_text_and_json(db_url: str, folder: Path) -> None:
    code, out, _ = run("status", "--db", db_url, "--migrations", str(folder))
    assert code == 0 and "pending" in out and "2 pending" in out
    with psycopg.connect(db_url) as conn:  # status only looks: no ledger created
        assert conn.execute("SELECT to_regnamespace('pgwarden')").fetchone() == (None,)
    code, out, err = run("verify", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert code == 0 and {f["kind"] for f in json.loads(out)["findings"]} == {"pending_migration"}
    code, out, err = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 0, err
    assert "applied 2 of 2" in out and "001_users.sql" in out
    assert "applying 001_users.sql" in err and "ms" in err
    code, out, _ = run("up", "--db", db_url, "--migrations", str(folder), "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["applied"] == [] and doc["ok"] and doc["pending_before"] == 0
    code, out, _ = run("status", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert [m["state"] for m in json.loads(out)["migrations"]] == ["applied", "applied"]
    code, out, _ = run("verify", "--db", db_url, "--migrations", str(folder))
    assert code == 0


def test_up_failure_reports_file_line_and_exit_1(db_url: str, folder: Path) -> None:
    (folder / "003_bad.sql").write_text("CREATE TABLE x (id int);\nCREATE INDEX ON jobs (chat_id);\n")
    (folder / "004_later.sql").write_text("CREATE TABLE later (id int);\n")
    code, out, _ = run("up", "--db", db_url, "--migrations", str(folder), "--format", "json")
    doc = json.loads(out)
    assert code == 1 and not doc["ok"] and [s["version"] for s in doc["applied"]] == [1, 2]
    [f] = doc["findings"]
    assert f["code"] == "PW205" and f["object"].endswith("003_bad.sql:2:1") and "42703" in f["message"]
    code, out, _ = run("status", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert [m["state"] for m in json.loads(out)["migrations"]] == ["applied", "applied", "failed", "pending"]
    assert code == 1  # a failed file is not a clean status
    code, out, _ = run("status", "--db", db_url, "--migrations", str(folder))
    assert code == 1 and "1 failed" in out
    code, out, _ = run("verify", "--db", db_url, "--migrations", str(folder), "--format", "json")
    assert code == 1 and "failed_migration" in {f["kind"] for f in json.loads(out)["findings"]}


def test_verify_reports_edits_missing_files_newer_database_and_out_of_order(
    db_url: str, folder: Path
) -> None:
    for path in folder.iterdir():
        path.unlink()
    for version in (10, 20, 30):
        (folder / f"0{version}_t{version}.sql").write_text(f"CREATE TABLE t{version} (id int);\n")
    assert run("up", "--db", db_url, "--migrations", str(folder))[0] == 0
    (folder / "010_t10.sql").write_text("CREATE TABLE t10 (id int, name text);\n")
    (folder / "020_t20.sql").unlink()
    (folder / "030_t30.sql").unlink()
    (folder / "025_late.sql").write_text("CREATE TABLE late (id int);\n")
    code, out, _ = run("verify", "--db", db_url, "--migrations", str(folder), "--format", "json")
    found = {(f["code"], f["kind"]) for f in json.loads(out)["findings"]}
    assert code == 1
    assert found == {
        ("PW201", "checksum_mismatch"),
        ("PW202", "missing_migration_file"),
        ("PW203", "database_ahead"),
        ("PW204", "out_of_order_migration"),
    }
    code, _, err = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "edited after it was applied" in err and "older than applied version" in err


def _server(db_url: str) -> str:
    return with_dbname(db_url, "postgres")


def test_dry_run_runs_on_scratch_and_shows_each_files_effect(db_url: str, folder: Path) -> None:
    dev = ("--dev-url", _server(db_url))
    code, out, err = run("up", "--db", db_url, "--migrations", str(folder), "--dry-run", *dev)
    assert code == 0, err
    assert "CREATE TABLE" in out and '"jobs"' in out and "001_users.sql" in out and "scratch copy" in out
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.users')").fetchone() == (None,)
    run("up", "--db", db_url, "--migrations", str(folder), "--to", "1")
    (folder / "003_idx.sql").write_text(
        "-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY j ON jobs (id);\n"
    )
    code, out, _ = run(
        "up", "--db", db_url, "--migrations", str(folder), "--dry-run", "--format", "json", *dev
    )
    doc = json.loads(out)
    assert code == 0 and doc["where"] == "scratch copy"
    assert [f["version"] for f in doc["files"]] == [2, 3]
    assert (
        '"jobs"' in doc["schema_sql"]
        and '"users"' not in doc["schema_sql"]
        and "CREATE INDEX" in doc["schema_sql"]
    )


def test_repair_and_baseline_write_audit_rows(db_url: str, folder: Path) -> None:
    code, out, _ = run("baseline", "--db", db_url, "--migrations", str(folder), "--version", "1")
    assert code == 0 and "1 version(s) marked applied" in out
    (folder / "003_bad.sql").write_text("SELEC 1;\n")
    assert run("up", "--db", db_url, "--migrations", str(folder))[0] == 1
    code, out, _ = run("repair", "--db", db_url, "--migrations", str(folder), "--clear", "3")
    assert code == 0 and "cleared the failed run of version 3" in out
    code, out, _ = run("repair", "--db", db_url, "--migrations", str(folder), "--mark-applied", "3")
    assert code == 0
    code, out, _ = run(
        "repair", "--db", db_url, "--migrations", str(folder), "--mark-unapplied", "2", "--format", "json"
    )
    assert code == 0 and json.loads(out)["action"] == "mark-unapplied"
    code, _, err = run("repair", "--db", db_url, "--migrations", str(folder), "--clear", "1")
    assert code == 2 and "no failed or partial run" in err
    with psycopg.connect(db_url) as conn:
        actions = [r[0] for r in conn.execute("SELECT action FROM pgwarden.migration_audit ORDER BY id")]
    assert actions == ["baseline", "clear", "mark-applied", "mark-unapplied"]


def test_test_command_reports_the_incident(scratch: Scratch, folder: Path, tmp_path: Path) -> None:
    (folder / "003_jobs_v2.sql").write_text(
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_tables WHERE tablename = 'jobs2') THEN\n"
        "CREATE TABLE jobs2 (id bigint, chat_id bigint); END IF; END $$;\n"
        "CREATE INDEX ON jobs2 (chat_id);\n"
    )
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    (legacy / "old.sql").write_text("CREATE TABLE public.jobs2 (id bigint);\n")
    server = scratch.server_url
    code, out, _ = run(
        "test", "--migrations", str(folder), "--legacy", str(legacy), "--dev-url", server, "--format", "json"
    )
    doc = json.loads(out)
    assert code == 1 and doc["runs"] == [{"start": "empty", "ok": True}, {"start": "old.sql", "ok": False}]
    [f] = doc["findings"]
    assert f["fix_sql"] == 'ALTER TABLE "public"."jobs2" ADD COLUMN IF NOT EXISTS "chat_id" bigint;'


def test_new_numbers_the_next_file(folder: Path) -> None:
    code, out, _ = run("new", "Add chat id", "--migrations", str(folder))
    assert code == 0 and out.strip().endswith("003_add_chat_id.sql")
    assert (folder / "003_add_chat_id.sql").is_file()


@pytest.mark.parametrize(
    ("argv", "code", "needle"),
    [
        (["status", "--migrations", "nowhere"], 2, "does not exist"),
        (["up", "--migrations", "migrations", "--db", "postgresql://u:s3cret@127.0.0.1:1/x"], 3, "127.0.0.1"),
        (["repair", "--migrations", "migrations", "--db", "postgresql://x@h/d"], 2, "exactly one of"),
    ],
)
def test_bad_input_is_one_clear_line(folder: Path, argv: list[str], code: int, needle: str) -> None:
    got, out, err = run(*argv)
    assert got == code and needle in err and "Traceback" not in err and "s3cret" not in err + out


def test_duplicate_versions_and_non_utf8_name_the_files(folder: Path, db_url: str) -> None:
    (folder / "2_again.sql").write_text("SELECT 1;\n")
    code, _, err = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "002_jobs.sql" in err and "2_again.sql" in err
    (folder / "2_again.sql").unlink()
    (folder / "003_latin.sql").write_bytes(b"SELECT '\xe9';\n")
    code, _, err = run("up", "--db", db_url, "--migrations", str(folder))
    assert code == 2 and "003_latin.sql" in err and "UTF-8" in err
    with psycopg.connect(db_url) as conn:
        assert conn.execute("SELECT to_regclass('public.users')").fetchone() == (None,)


def test_lock_wait_exceeded_names_the_holder(db_url: str, folder: Path) -> None:
    with psycopg.connect(db_url, autocommit=True) as other:
        hold_migration_lock(other, "deploy-7 migrator")
        code, _, err = run("up", "--db", db_url, "--migrations", str(folder), "--lock-wait", "0.5")
    # 1, not 3: the database answered; another migrator at work is what stopped this one.
    assert code == 1 and "deploy-7 migrator" in err and "server pid" in err


def test_an_unreachable_pooler_port_is_exit_3_without_the_password(folder: Path) -> None:
    code, _, err = run("up", "--db", "postgresql://bot:pw@127.0.0.1:6432/app", "--migrations", str(folder))
    assert code == 3 and "127.0.0.1" in err and ":pw@" not in err


def test_a_deploy_with_nothing_to_apply_does_not_wait_for_the_lock(db_url: str, folder: Path) -> None:
    """Every release runs `migrate up`; when the database already holds every file it answers from one
    read-only look, without probing for a pooler or taking the lock (another migrator holding it, e.g. a
    replica starting at the same time, does not hold this one up). With a file pending it waits as ever."""
    assert run("up", "--db", db_url, "--migrations", str(folder))[0] == 0
    with psycopg.connect(db_url, autocommit=True) as other:
        hold_migration_lock(other, "replica-2 migrator")
        code, out, err = run("up", "--db", db_url, "--migrations", str(folder), "--lock-wait", "0.5")
        assert code == 0 and ": nothing to apply." in out, err
        assert "nothing to apply" in err and "replica-2" not in err
        code, out, _ = run("up", "--db", db_url, "--migrations", str(folder), "--format", "json")
        assert code == 0 and json.loads(out)["pending_before"] == 0
        (folder / "003_notes.sql").write_text("CREATE TABLE notes (id bigint);\n")
        code, _, err = run("up", "--db", db_url, "--migrations", str(folder), "--lock-wait", "0.5")
        assert code == 1 and "replica-2 migrator" in err
    (folder / "003_notes.sql").unlink()
    (folder / "002_jobs.sql").write_text("CREATE TABLE jobs (id bigint);\n")  # edited after it was applied
    code, _, err = run("up", "--db", db_url, "--migrations", str(folder), "--lock-wait", "0.5")
    assert code != 0 and "002_jobs.sql was edited" in err and "nothing to apply" not in err
