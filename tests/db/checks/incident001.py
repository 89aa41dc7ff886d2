"""Helpers for the incident-001 tests: the schema, seeding bookings with and without chat rooms, counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg

SCHEMA = (Path(__file__).with_name("incident001.sql")).read_text(encoding="utf-8")

INVARIANT_TOML = '''
[[invariants]]
name = "active-booking-has-chat-room"
severity = "error"
description = "Every active booking has a chat room between the lesson's teacher and the booking's student"
check = """
SELECT b.id AS booking_id, l.teacher_id, b.student_id
FROM bookings b JOIN lessons l ON l.id = b.lesson_id
LEFT JOIN chat_rooms c ON c.teacher_id = l.teacher_id AND c.student_id = b.student_id AND c.deleted_at IS NULL
WHERE b.status = 'active' AND b.deleted_at IS NULL AND l.deleted_at IS NULL AND c.id IS NULL
"""
# the violating rows of one batch are visible to repair as the table `violations`
repair = """
INSERT INTO chat_rooms (id, teacher_id, student_id, created_at, updated_at)
SELECT gen_random_uuid(), teacher_id, student_id, now(), now() FROM violations
ON CONFLICT (teacher_id, student_id) DO NOTHING
"""
'''

NAME = "active-booking-has-chat-room"

MISSING = """
SELECT count(*) FROM bookings b JOIN lessons l ON l.id = b.lesson_id
LEFT JOIN chat_rooms c ON c.teacher_id = l.teacher_id AND c.student_id = b.student_id AND c.deleted_at IS NULL
WHERE b.status = 'active' AND b.deleted_at IS NULL AND l.deleted_at IS NULL AND c.id IS NULL
"""

DUPLICATES = (
    "SELECT count(*) FROM (SELECT 1 FROM chat_rooms GROUP BY teacher_id, student_id HAVING count(*) > 1) d"
)


def create(conn: psycopg.Connection[Any]) -> None:
    conn.execute(SCHEMA)
    conn.execute("INSERT INTO users (name) SELECT 'teacher ' || g FROM generate_series(1, 5) g")
    conn.execute("INSERT INTO lessons (teacher_id, end_time) SELECT id, now() - interval '1 hour' FROM users")


def add_bookings(conn: psycopg.Connection[Any], n: int, *, trigger: bool, status: str = "active") -> None:
    """``n`` bookings, each by a new student (so each needs its own chat room); the trigger on or off."""
    if not trigger:
        conn.execute("ALTER TABLE bookings DISABLE TRIGGER booking_create_chat")
    try:
        conn.execute(
            "WITH s AS (INSERT INTO users (name) SELECT 'student' FROM generate_series(1, %(n)s) RETURNING id), "
            "l AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS i, count(*) OVER () AS k FROM lessons) "
            "INSERT INTO bookings (lesson_id, student_id, status) "
            "SELECT l.id, s.id, %(status)s FROM (SELECT id, row_number() OVER () AS r FROM s) s "
            "JOIN l ON l.i = s.r %% l.k",
            {"n": n, "status": status},
        )
    finally:
        if not trigger:
            conn.execute("ALTER TABLE bookings ENABLE TRIGGER booking_create_chat")


def scalar(conn: psycopg.Connection[Any], query: str) -> int:
    row = conn.execute(query).fetchone()
    assert row is not None
    return int(row[0])
