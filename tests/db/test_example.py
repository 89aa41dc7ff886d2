"""The demo's sample bot: models and migrations agree, and production.sql builds exactly the promised drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import psycopg
import pytest

from pgwarden.catalog import Schema, inspect
from pgwarden.contract import Expected
from pgwarden.contract import migrations as migrations_source
from pgwarden.contract import models as models_source
from pgwarden.diff import diff, render_sql, to_findings
from pgwarden.migrate.source import discover
from pgwarden.scratch import Scratch

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "telegram_bot"
TRIGGERS = ("booking_create_chat", "booking_create_chat_update")
FUNCTION = "public.create_chat_on_booking_active()"


def tables_only(schema: Schema) -> Schema:
    """``schema`` without what SQLAlchemy models cannot describe: triggers and functions."""
    tables = tuple(dataclasses.replace(t, triggers=()) for t in schema.tables)
    return dataclasses.replace(schema, tables=tables, functions=())


@pytest.fixture
def from_migrations(scratch: Scratch) -> Expected:
    return migrations_source.load(EXAMPLE / "migrations", scratch)


def apply_migrations(conn: psycopg.Connection, *, first: int = 0) -> None:
    for file in discover(EXAMPLE / "migrations"):
        if file.version >= first:
            migrations_source.apply(conn, file)


def test_migrations_build_the_chat_trigger_and_function(from_migrations: Expected) -> None:
    schema = from_migrations.schema
    assert FUNCTION in schema.function_map
    bookings = schema.table("public.bookings")
    assert bookings is not None
    for name in TRIGGERS:
        trigger = bookings.trigger_map[name]
        assert trigger.enabled == "origin"
        assert trigger.timing == "before"
        assert trigger.function == "public.create_chat_on_booking_active"
    conversations = schema.table("public.conversations")
    assert conversations is not None and conversations.column("created_at") is not None
    jobs = schema.table("public.jobs")
    assert jobs is not None and jobs.column("chat_id") is not None and "idx_jobs_chat_id" in jobs.index_map


def test_models_and_migrations_agree(scratch: Scratch, from_migrations: Expected) -> None:
    from_models = models_source.load("models:Base", scratch, root=EXAMPLE)
    assert [t.name for t in from_models.schema.tables] == [t.name for t in from_migrations.schema.tables]
    changes = diff(from_models.schema, tables_only(from_migrations.schema))
    assert changes == []
    assert tables_only(from_migrations.schema) == from_models.schema


def test_production_sql_applies(conn: psycopg.Connection) -> None:
    conn.execute((EXAMPLE / "production.sql").read_text(encoding="utf-8"))
    columns = {
        row[0]
        for row in conn.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'conversations'"
        )
    }
    assert "started_at" in columns and "created_at" not in columns
    triggers: dict[str, str] = dict(
        conn.execute(
            "SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'bookings'::regclass AND NOT tgisinternal"
        ).fetchall()
    )
    assert triggers == {"booking_create_chat": "D"}
    # What the missing triggers cost: active bookings whose pair has no chat room.
    row = conn.execute(
        """
        SELECT count(*) FROM bookings b JOIN lessons l ON l.id = b.lesson_id
        LEFT JOIN chat_rooms r ON r.teacher_id = l.teacher_id AND r.student_id = b.student_id
        WHERE b.status = 'active' AND r.id IS NULL
        """
    ).fetchone()
    assert row == (3,)


def test_production_drift_is_the_demo_story_and_the_fixes_converge(
    conn: psycopg.Connection, from_migrations: Expected
) -> None:
    conn.execute((EXAMPLE / "production.sql").read_text(encoding="utf-8"))
    expected = from_migrations.schema
    changes = diff(expected, inspect(conn))
    kinds = sorted((f.kind, f.object) for f in to_findings(changes))
    assert kinds == [
        ("missing_column", "public.jobs.chat_id"),
        ("missing_column", "public.jobs.delivered_at"),
        ("missing_index", "public.jobs.idx_jobs_chat_id"),
        ("missing_trigger", "public.bookings.booking_create_chat_update"),
        ("probable_rename", "public.conversations.created_at"),
        ("trigger_disabled", "public.bookings.booking_create_chat"),
    ]
    with conn.transaction():
        conn.execute(render_sql(changes))
    assert diff(expected, inspect(conn)) == []


def test_migration_005_converges_on_a_legacy_jobs_table(
    conn: psycopg.Connection, from_migrations: Expected
) -> None:
    """Incident 004: 005 and 006 applied over the production schema (legacy jobs) end where a fresh run ends."""
    conn.execute((EXAMPLE / "production.sql").read_text(encoding="utf-8"))
    apply_migrations(conn, first=5)
    assert diff(tables_only(from_migrations.schema), tables_only(inspect(conn))) == []
