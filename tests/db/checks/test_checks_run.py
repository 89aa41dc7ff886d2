"""Invariants run read-only on a real server: built-in kinds, thresholds, lag, failures and timeouts."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import psycopg
from incident001 import add_bookings, create

from pgwarden import config
from pgwarden.checks import load_invariants, run_invariants, run_outcomes
from pgwarden.cli import main
from pgwarden.findings import Finding, Severity

KINDS = """
[[invariants]]
name = "one-room-per-pair"
kind = "unique"
table = "chat_rooms"
columns = ["teacher_id", "student_id"]

[[invariants]]
name = "active-booking-covered"
kind = "coverage"
table = "bookings"
filter = "status = 'active'"
target = "chat_rooms"
on = { student_id = "student_id" }
lag_from = "created_at"
lag_to = "created_at"
warn_if = "> 0"
error_if = "> 50%"

[[invariants]]
name = "messages-have-rooms"
kind = "orphans"
table = "messages"
column = "chat_room_id"
references = "chat_rooms"

[[invariants]]
name = "bookings-fresh"
kind = "freshness"
table = "bookings"
column = "created_at"
max_age = "1 hour"

[[invariants]]
name = "users-not-empty"
kind = "row_count"
table = "users"
min = 1

[[invariants]]
name = "messages-not-empty"
kind = "row_count"
table = "messages"
severity = "warning"
"""


def load(tmp: Path, text: str) -> config.Config:
    (tmp / "pgwarden.toml").write_text(text)
    return config.load(tmp / "pgwarden.toml")


def by_kind(findings: list[Finding]) -> dict[str, Finding]:
    return {f.kind: f for f in findings}


def test_builtin_kinds(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    create(conn)
    add_bookings(conn, 6, trigger=True)
    add_bookings(conn, 2, trigger=False)
    cfg = load(tmp_path, KINDS)
    found = by_kind(run_invariants(db_url, cfg))
    assert set(found) == {"active-booking-covered", "messages-not-empty"}
    covered = found["active-booking-covered"]
    assert covered.severity is Severity.WARNING and covered.code == "PW301"
    assert covered.object == "public.bookings"
    assert (covered.evidence["count"], covered.evidence["population"]) == (2, 8)
    assert covered.evidence["threshold"] == {"warn_if": "> 0", "error_if": "> 50%"}
    lag = covered.evidence["lag"]
    assert lag["rows"] == 6 and lag["p50_seconds"] is not None and lag["max_seconds"] >= lag["p50_seconds"]
    assert found["messages-not-empty"].severity is Severity.WARNING

    # break the rest: an orphan message (no FK on purpose), a duplicate pair, stale and empty tables
    conn.execute("ALTER TABLE messages DROP CONSTRAINT messages_chat_room_id_fkey")
    conn.execute("ALTER TABLE chat_rooms DROP CONSTRAINT chat_rooms_teacher_id_student_id_key")
    conn.execute(
        "INSERT INTO chat_rooms (id, teacher_id, student_id) SELECT gen_random_uuid(), teacher_id, student_id "
        "FROM chat_rooms LIMIT 1"
    )
    conn.execute(
        "INSERT INTO messages (chat_room_id, sender_id) SELECT gen_random_uuid(), id FROM users LIMIT 1"
    )
    conn.execute("UPDATE bookings SET created_at = now() - interval '2 hours'")
    found = by_kind(run_invariants(db_url, cfg))
    assert set(found) == {
        "one-room-per-pair",
        "active-booking-covered",
        "messages-have-rooms",
        "bookings-fresh",
    }
    assert found["one-room-per-pair"].evidence["sample"][0]["copies"] == 2
    assert found["messages-have-rooms"].evidence["key"] == "id"
    assert found["bookings-fresh"].evidence["count"] == 1
    conn.execute("DELETE FROM messages")
    conn.execute("DELETE FROM bookings")
    conn.execute("DELETE FROM chat_rooms")
    conn.execute("DELETE FROM lessons")
    conn.execute("DELETE FROM users")
    found = by_kind(run_invariants(db_url, cfg))
    assert found["users-not-empty"].evidence["sample"] == [{"row_count": 0}]
    assert found["users-not-empty"].severity is Severity.ERROR


BROKEN = """
[[invariants]]
name = "typo"
check = "SELEC id FROM users"

[[invariants]]
name = "no-such-table"
check = "SELECT id FROM chat_room"

[[invariants]]
name = "slow"
check = "SELECT pg_sleep(2), 1 AS one"
timeout = "100ms"

[[invariants]]
name = "writes"
check = "SELECT nextval('tickets') AS n"

[[invariants]]
name = "too-many-users"
check = "SELECT id FROM users"
warn_if = ">= 3"
error_if = "> 10"
"""


def test_broken_checks_are_findings_and_the_others_still_run(
    tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]
) -> None:
    create(conn)  # five users
    conn.execute("CREATE SEQUENCE tickets")
    found = by_kind(run_invariants(db_url, load(tmp_path, BROKEN)))
    assert found["typo"].code == "PW302" and "syntax error" in found["typo"].message
    assert "typo" in found["typo"].message and "pgwarden.toml" in found["typo"].hint
    assert found["no-such-table"].code == "PW302" and "chat_room" in found["no-such-table"].message
    assert found["slow"].code == "PW303" and found["slow"].severity is Severity.WARNING
    assert found["writes"].code == "PW302" and "read-only" in found["writes"].message
    assert conn.execute("SELECT last_value, is_called FROM tickets").fetchone() == (1, False)
    assert found["too-many-users"].severity is Severity.WARNING
    assert found["too-many-users"].evidence["count"] == 5


def test_sql_files_and_config_together(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    create(conn)
    folder = tmp_path / "invariants"
    folder.mkdir()
    (folder / "teachers.sql").write_text(
        "-- A comment that is not a header key\n"
        "-- severity: warning\n"
        "-- description: Lessons have teachers who exist\n"
        "-- population: SELECT count(*) FROM lessons\n"
        "-- error_if: >= 40%\n"
        "SELECT l.id FROM lessons l WHERE l.end_time IS NOT NULL;  -- every lesson, to trip the threshold\n"
        "-- repair:\n"
        "UPDATE lessons SET end_time = NULL WHERE id IN (SELECT id FROM violations);\n"
    )
    cfg = load(tmp_path, 'invariants_dir = "invariants"\n' + BROKEN.split('[[invariants]]\nname = "slow"')[0])
    invariants = load_invariants(cfg)
    assert [i.name for i in invariants] == ["typo", "no-such-table", "teachers"]
    outcomes = run_outcomes(db_url, invariants)
    teachers = outcomes[-1]
    assert (teachers.count, teachers.population, teachers.severity) == (5, 5, Severity.ERROR)
    assert invariants[-1].origin == "invariants/teachers.sql"


def test_check_cli_with_only_invariants(tmp_path: Path, db_url: str, conn: psycopg.Connection[Any]) -> None:
    create(conn)
    (tmp_path / "pgwarden.toml").write_text(BROKEN)
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", str(tmp_path / "pgwarden.toml"), "check", "--db", db_url], out, err)
    assert code == 1, err.getvalue()
    text = out.getvalue()
    assert "5 invariants" in text and "PW302" in text and "typo" in text
    out = io.StringIO()
    code = main(
        ["--config", str(tmp_path / "pgwarden.toml"), "check", "--db", db_url, "--no-invariants"], out, err
    )
    assert code == 2 and "Nothing to check" in err.getvalue()
