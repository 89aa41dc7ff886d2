"""Holding the migration lock from a test, as another migrator's row would."""

from __future__ import annotations

from typing import Any

import psycopg

from pgwarden.migrate import lock


def hold_migration_lock(conn: psycopg.Connection[Any], holder: str, *, session: bool = True) -> None:
    """Take the lock row for ``holder``: tied to ``conn``'s server process when ``session`` (a direct migrator)."""
    lock.ensure_table(conn)
    conn.execute(
        "INSERT INTO pgwarden.locks AS l (name, token, holder, session_pid, session_start, taken_at, renewed_at, "
        "expires_at, released) SELECT %s, 1, %s, CASE WHEN %s THEN pid END, CASE WHEN %s THEN backend_start END, "
        "now(), now(), now() + interval '1 hour', false FROM pg_stat_activity WHERE pid = pg_backend_pid() "
        "ON CONFLICT (name) DO UPDATE SET token = l.token + 1, holder = excluded.holder, "
        "session_pid = excluded.session_pid, session_start = excluded.session_start, "
        "expires_at = excluded.expires_at, released = false",
        (lock.LOCK_NAME, holder, session, session),
    )
