"""`pgwarden check` end to end: three-way diagnosis, read-only role, declared objects, formats, demo."""

from __future__ import annotations

import io
import json
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

from pgwarden.cli import main
from pgwarden.orchestrator import LIVE_BEHIND, MODEL_AHEAD, MODEL_BEHIND

MODELS = """
from datetime import datetime
from sqlalchemy import BigInteger, String, Text, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Conversation(Base):
    __tablename__ = "conversations"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(server_default=func.now())
    {extra}
"""

MIGRATIONS = {
    "001_conversations.sql": (
        "CREATE TABLE conversations (id bigint PRIMARY KEY, user_id bigint NOT NULL,"
        " started_at timestamp without time zone NOT NULL DEFAULT now());\n"
    ),
    "002_rename.sql": "ALTER TABLE conversations RENAME COLUMN started_at TO created_at;\n",
}


def project(tmp: Path, *, extra_model: str = "", extra_migration: str = "") -> Path:
    (tmp / "bot_models.py").write_text(MODELS.replace("{extra}", extra_model))
    folder = tmp / "migrations"
    folder.mkdir(exist_ok=True)
    for name, text in MIGRATIONS.items():
        (folder / name).write_text(text)
    if extra_migration:
        (folder / "003_extra.sql").write_text(extra_migration)
    (tmp / "pgwarden.toml").write_text('models = "bot_models:Base"\nmigrations = "migrations"\n')
    return tmp


def check_json(tmp: Path, db_url: str, *extra: str) -> tuple[int, dict[str, object]]:
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--config", str(tmp / "pgwarden.toml"), "check", "--db", db_url, "--format", "json", *extra],
        out,
        err,
    )
    assert err.getvalue() == "" or code != 70, err.getvalue()
    return code, json.loads(out.getvalue())


def apply(db_url: str, *names: str) -> None:
    with psycopg.connect(db_url, autocommit=True) as c:
        for name in names:
            c.execute(MIGRATIONS[name])


def test_clean_when_everything_agrees(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    code, doc = check_json(project(tmp_path), db_url)
    assert doc["findings"] == [] and code == 0


def test_migration_not_applied_is_one_rename_finding_with_both_fixes(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql")  # 002 (the rename) never ran on "production"
    code, doc = check_json(project(tmp_path), db_url)
    assert code == 1
    findings = doc["findings"]
    assert isinstance(findings, list) and len(findings) == 1, findings
    (f,) = findings
    assert f["kind"] == "probable_rename"
    assert f["message"].startswith(LIVE_BEHIND)
    assert f["evidence"]["where"] == "migrations_vs_live"
    assert "RENAME COLUMN" in f["fix_sql"] and "started_at" in f["fix_sql"]
    assert 'mapped_column("started_at")' in f["hint"] and "class Conversation" in f["hint"]


def test_model_changed_without_a_migration(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    folder = project(tmp_path, extra_model="title: Mapped[str] = mapped_column(Text)")
    code, doc = check_json(folder, db_url)
    kinds = {(f["kind"], f["object"], f["message"].split(":")[0]) for f in doc["findings"]}  # type: ignore[index,union-attr]
    assert ("missing_column", "public.conversations.title", MODEL_AHEAD) in kinds
    assert code == 1


def test_model_lagging_behind_migrations(tmp_path: Path, db_url: str) -> None:
    extra = "ALTER TABLE conversations ADD COLUMN summary text;\n"
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(extra)
    code, doc = check_json(project(tmp_path, extra_migration=extra), db_url)
    (f,) = doc["findings"]  # type: ignore[misc]
    assert (f["kind"], f["object"]) == ("extra_column", "public.conversations.summary")
    assert f["message"].startswith(MODEL_BEHIND)
    assert f["evidence"]["diagnosis"].startswith(MODEL_BEHIND + ": a migration creates it")


def test_declared_trigger_missing_and_disabled(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(
            "CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;"
            "CREATE TRIGGER t_touch BEFORE INSERT ON conversations FOR EACH ROW EXECUTE FUNCTION touch();"
            "ALTER TABLE conversations DISABLE TRIGGER t_touch;"
        )
    (tmp_path / "pgwarden.toml").write_text(
        "[[expect.triggers]]\ntable = 'conversations'\nname = 't_touch'\n\n"
        "[[expect.triggers]]\ntable = 'conversations'\nname = 't_gone'\n\n"
        "[[expect.functions]]\nname = 'touch'\n"
    )
    code, doc = check_json(tmp_path, db_url)
    found = {(f["kind"], f["object"]) for f in doc["findings"]}  # type: ignore[index,union-attr]
    assert found == {
        ("trigger_disabled", "public.conversations.t_touch"),
        ("missing_trigger", "public.conversations.t_gone"),
    }
    assert code == 1


def test_read_only_role_with_connect_only(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql")
    dbname = urlsplit(db_url).path.lstrip("/")
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("DROP ROLE IF EXISTS watcher")
        c.execute("CREATE ROLE watcher LOGIN")
        c.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM PUBLIC')
        c.execute(f'GRANT CONNECT ON DATABASE "{dbname}" TO watcher')
        c.execute("REVOKE ALL ON SCHEMA public FROM PUBLIC")
    parts = urlsplit(db_url)
    watcher = urlunsplit(
        (parts.scheme, parts.netloc.replace("postgres@", "watcher@"), parts.path, parts.query, "")
    )
    try:
        code, doc = check_json(project(tmp_path), watcher)
        assert [f["kind"] for f in doc["findings"]] == ["probable_rename"]  # type: ignore[index,union-attr]
    finally:
        with psycopg.connect(db_url, autocommit=True) as c:
            c.execute(f'REVOKE ALL ON DATABASE "{dbname}" FROM watcher')
            c.execute("DROP ROLE watcher")


def test_snapshot_roundtrip_and_update(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    out, err = io.StringIO(), io.StringIO()
    snap = tmp_path / "schema.json"
    assert main(["snapshot", "--db", db_url, "-o", str(snap)], out, err) == 0, err.getvalue()
    (tmp_path / "pgwarden.toml").write_text('snapshot = "schema.json"\n')
    code, doc = check_json(tmp_path, db_url)
    assert (code, doc["findings"]) == (0, [])
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute("ALTER TABLE conversations ADD COLUMN note text NOT NULL DEFAULT ''")
    code, doc = check_json(tmp_path, db_url)
    assert [f["kind"] for f in doc["findings"]] == ["extra_column"]  # type: ignore[index,union-attr]
    code, doc = check_json(tmp_path, db_url, "--update-snapshot")
    code, doc = check_json(tmp_path, db_url)
    assert (code, doc["findings"]) == (0, [])


def test_diff_sql_between_migrations_and_database(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql")
    project(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["diff", "--from", db_url, "--to", f"migrations:{tmp_path / 'migrations'}", "--sql"], out, err
    )
    assert code == 0, err.getvalue()
    script = out.getvalue()
    assert "RENAME COLUMN" in script
    with psycopg.connect(db_url, autocommit=True) as c:
        c.execute(script)
    out = io.StringIO()
    assert main(["diff", "--from", db_url, "--to", f"migrations:{tmp_path / 'migrations'}"], out, err) == 0
    assert "No findings" in out.getvalue()


def test_text_output_names_the_database_without_password(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql")
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(project(tmp_path) / "pgwarden.toml"), "check", "--db", db_url], out, err)
    assert code == 1
    text = out.getvalue()
    assert "public.conversations" in text and "RENAME COLUMN" in text
    assert "1 error" in text


@pytest.mark.parametrize("fix", [False, True])
def test_demo(fix: bool) -> None:
    out, err = io.StringIO(), io.StringIO()
    started = time.monotonic()
    code = main(["demo", *(["--fix"] if fix else [])], out, err)
    elapsed = time.monotonic() - started
    text = out.getvalue()
    assert elapsed < 30
    if fix:
        assert code == 0, text + err.getvalue()
        assert text.rstrip().endswith("s)")
        assert "No findings: everything agrees." in text
        assert "$ pgwarden repair active-booking-has-chat-room --apply\n3 rows written" in text
    else:
        assert code == 1, text + err.getvalue()
        for needle in (
            "started_at",
            "booking_create_chat",
            "chat_id",
            "RENAME COLUMN",
            "3 rows break invariant active-booking-has-chat-room",
            "error rename-while-running",
            "(telegram-conflict): 9 times",
            "demo --fix",
        ):
            assert needle in text, needle


def test_check_reports_the_migration_ledger(tmp_path: Path, db_url: str) -> None:
    folder = project(tmp_path)
    out, err = io.StringIO(), io.StringIO()
    assert main(["migrate", "up", "--db", db_url, "--migrations", str(folder / "migrations")], out, err) == 0
    code, doc = check_json(folder, db_url)
    assert (code, doc["findings"]) == (0, [])
    # Edited after it ran: the schema still agrees, the ledger does not.
    (folder / "migrations" / "002_rename.sql").write_text(
        MIGRATIONS["002_rename.sql"] + "-- tidied\nSELECT 1;\n"
    )
    code, doc = check_json(folder, db_url)
    assert code == 1
    assert [(f["kind"], f["source"]) for f in doc["findings"]] == [("checksum_mismatch", "migrate")]  # type: ignore[index,union-attr]


def test_a_database_without_any_ledger_gets_no_pending_noise(tmp_path: Path, db_url: str) -> None:
    apply(db_url, "001_conversations.sql", "002_rename.sql")
    code, doc = check_json(project(tmp_path), db_url)
    assert (code, doc["findings"]) == (0, [])
