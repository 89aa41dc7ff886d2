"""Declared objects of incident 001 against a real server: trigger present, dropped, disabled, function replaced,
and session_replication_role declared `origin`."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg
from incident001 import create

from pgwarden.catalog import inspect
from pgwarden.cli import main

DECLARED = """
[[expect.triggers]]
table = "bookings"
name = "booking_create_chat"
timing = "before"
events = ["insert"]
function = "create_chat_on_booking_active"

[[expect.triggers]]
table = "bookings"
name = "booking_create_chat_update"
timing = "before"
events = ["update"]

[[expect.functions]]
name = "create_chat_on_booking_active"
arguments = ""
body_hash = "{hash}"

[[expect.settings]]
name = "session_replication_role"
value = "origin"
"""


def check(tmp: Path, db_url: str, hash_: str) -> tuple[int, set[tuple[str, str]], list[dict[str, Any]]]:
    (tmp / "pgwarden.toml").write_text(DECLARED.replace("{hash}", hash_))
    out, err = io.StringIO(), io.StringIO()
    code = main(
        ["--config", str(tmp / "pgwarden.toml"), "check", "--db", db_url, "--format", "json"], out, err
    )
    assert code != 70, err.getvalue()
    findings = json.loads(out.getvalue())["findings"]
    return code, {(f["kind"], f["object"]) for f in findings}, findings


def body_hash(conn: psycopg.Connection[Any]) -> str:
    (fn,) = [f for f in inspect(conn).functions if f.name == "create_chat_on_booking_active"]
    return fn.body_hash


def test_each_way_the_trigger_can_be_lost(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    create(conn)
    good = body_hash(conn)
    assert check(tmp_path, db_url, good)[:2] == (0, set())

    conn.execute("ALTER TABLE bookings DISABLE TRIGGER booking_create_chat")
    code, found, _ = check(tmp_path, db_url, good)
    assert (code, found) == (1, {("trigger_disabled", "public.bookings.booking_create_chat")})
    conn.execute("ALTER TABLE bookings ENABLE TRIGGER booking_create_chat")

    conn.execute("DROP TRIGGER booking_create_chat_update ON bookings")
    code, found, _ = check(tmp_path, db_url, good)
    assert (code, found) == (1, {("missing_trigger", "public.bookings.booking_create_chat_update")})

    conn.execute(
        "CREATE OR REPLACE FUNCTION create_chat_on_booking_active() RETURNS trigger LANGUAGE plpgsql "
        "AS $$ BEGIN RETURN NEW; END $$"
    )
    code, found, _ = check(tmp_path, db_url, good)
    assert ("function_changed", "public.create_chat_on_booking_active()") in found
    assert code == 1


def test_replica_role_silently_disables_triggers(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    create(conn)
    dbname = urlsplit(db_url).path.lstrip("/")
    conn.execute(f'ALTER DATABASE "{dbname}" SET session_replication_role = replica')
    code, found, findings = check(tmp_path, db_url, body_hash(conn))
    assert (code, found) == (1, {("setting_mismatch", "setting.session_replication_role")})
    (f,) = findings
    assert f["code"] == "PW304" and "triggers" in f["message"]
    assert f["fix_sql"] == f'ALTER DATABASE "{dbname}" RESET "session_replication_role"'
    assert f["evidence"]["actual"]["value"] == "replica"
    with psycopg.connect(db_url, autocommit=True) as other:
        other.execute(f["fix_sql"])
    assert check(tmp_path, db_url, body_hash(conn))[:2] == (0, set())
