"""``pgwarden.alembic_revisions``: what pgwarden applied (or stamped) of an Alembic chain.

``alembic_version`` holds only the heads, exactly as Alembic keeps it, and pgwarden never
adds to it. This table, in pgwarden's own schema, keeps per revision the checksum of the
file that ran, its timing, who ran it and what it changed, so ``migrate status`` can tell
a revision edited after it was applied from one merely not applied yet.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg

from ..db import SCHEMA_LOCK

__all__ = ["Recorded", "ensure", "exists", "read", "record"]


@dataclass(frozen=True)
class Recorded:
    revision: str
    file: str
    checksum: str
    applied_at: datetime | None
    duration_ms: int
    changes: list[str] = field(default_factory=list)
    how: str = "applied"
    """``applied`` (pgwarden ran it) or ``stamped`` (``migrate baseline``: marked, never run)."""


def exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(b"SELECT pg_catalog.to_regclass('pgwarden.alembic_revisions') IS NOT NULL").fetchone()
    return bool(row and row[0])


def ensure(conn: psycopg.Connection[Any]) -> None:
    """Create the table if missing, serialised with every other creation of pgwarden's tables."""
    if exists(conn):
        return
    text = resources.files(__package__).joinpath("queries/alembic_ledger.sql").read_text(encoding="utf-8")
    with conn.transaction():
        conn.execute(b"SELECT pg_catalog.pg_advisory_xact_lock(%s, %s)", SCHEMA_LOCK)
        conn.execute(text.encode("utf-8"))


def read(conn: psycopg.Connection[Any]) -> dict[str, Recorded]:
    """Every recorded revision by id; empty when pgwarden never applied one here."""
    if not exists(conn):
        return {}
    rows = conn.execute(
        b"SELECT revision, file, checksum, applied_at, duration_ms, changes, how FROM pgwarden.alembic_revisions"
    ).fetchall()
    return {r[0]: Recorded(r[0], r[1], r[2], r[3], int(r[4]), list(r[5] or []), r[6]) for r in rows}


def record(
    conn: psycopg.Connection[Any],
    *,
    revision: str,
    file: str,
    checksum: str,
    duration_ms: int,
    applied_by: dict[str, Any],
    changes: list[str],
    how: str = "applied",
) -> None:
    """Insert or overwrite the row of ``revision`` (in the revision's own transaction when applying)."""
    conn.execute(
        b"INSERT INTO pgwarden.alembic_revisions AS r (revision, file, checksum, duration_ms, applied_by, changes, "
        b"how) VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s) ON CONFLICT (revision) DO UPDATE SET "
        b"file = excluded.file, checksum = excluded.checksum, applied_at = now(), duration_ms = excluded.duration_ms, "
        b"applied_by = excluded.applied_by, changes = excluded.changes, how = excluded.how",
        (revision, file, checksum, duration_ms, json.dumps(applied_by), json.dumps(changes), how),
    )
