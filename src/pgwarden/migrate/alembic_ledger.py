"""``pgwarden.alembic_revisions``: what pgwarden applied (or stamped) of an Alembic chain.

``alembic_version`` holds only the heads, exactly as Alembic keeps it, and pgwarden never
adds to it. This table, in pgwarden's own schema, keeps per revision the checksum of the
file that ran, its timing, who ran it and what it changed, so ``migrate status`` can tell
a revision edited after it was applied from one merely not applied yet.

What a revision changed is kept as the statements it ran (``{"statements": [...]}`` in the
``changes`` column) and put into words (``touched``, PostgreSQL's parser) only when something
reads it: ``migrate up`` does not parse every statement of every revision it applies (~0.6 ms
each: 0.12 s of CPU on 200 revisions). Rows of older pgwarden versions, stamped revisions, and a revision
whose statements exceed ``STATEMENTS_KEPT`` characters hold the words (a JSON list) instead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from importlib import resources
from typing import Any

import psycopg

from ..db import create_own_tables

__all__ = ["STATEMENTS_KEPT", "Recorded", "ensure", "exists", "read", "record"]

STATEMENTS_KEPT = 1_000_000
"""Characters of SQL kept per revision; a revision that ran more (a data backfill written out in
full) is put into words when it is recorded instead, so the ledger stays small."""


@dataclass(frozen=True)
class Recorded:
    revision: str
    file: str
    checksum: str
    applied_at: datetime | None
    duration_ms: int
    kept: list[str] | dict[str, Any] = field(default_factory=list)
    """The ``changes`` column: the phrases, or ``{"statements": [...]}`` the revision ran."""
    how: str = "applied"
    """``applied`` (pgwarden ran it) or ``stamped`` (``migrate baseline``: marked, never run)."""

    @cached_property
    def changes(self) -> list[str]:
        """What the revision changed, in words (``create table users``)."""
        if isinstance(self.kept, dict):
            from .touched import touched  # PostgreSQL's parser: only when the words are read

            return touched(str(s) for s in self.kept.get("statements") or ())
        return [str(c) for c in self.kept]


def exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(b"SELECT pg_catalog.to_regclass('pgwarden.alembic_revisions') IS NOT NULL").fetchone()
    return bool(row and row[0])


def ensure(conn: psycopg.Connection[Any]) -> None:
    """Create the table if missing, serialised with every other creation of pgwarden's tables."""
    if exists(conn):
        return
    text = resources.files(__package__).joinpath("queries/alembic_ledger.sql").read_text(encoding="utf-8")
    create_own_tables(conn, text)


ROWS = (
    b"SELECT revision, file, checksum, applied_at, duration_ms, changes, how FROM pgwarden.alembic_revisions"
)
"""Every row of the table, for :func:`recorded` (a caller may send it with other reads)."""


def read(conn: psycopg.Connection[Any]) -> dict[str, Recorded]:
    """Every recorded revision by id; empty when pgwarden never applied one here."""
    if not exists(conn):
        return {}
    return recorded(conn.execute(ROWS).fetchall())


def recorded(rows: list[tuple[Any, ...]]) -> dict[str, Recorded]:
    """:data:`ROWS`' rows by revision id."""
    return {r[0]: Recorded(r[0], r[1], r[2], r[3], int(r[4]), _kept(r[5]), r[6]) for r in rows}


def _kept(value: Any) -> list[str] | dict[str, Any]:
    return value if isinstance(value, dict) else list(value or [])


def record(
    conn: psycopg.Connection[Any],
    *,
    revision: str,
    file: str,
    checksum: str,
    duration_ms: int,
    applied_by: dict[str, Any],
    changes: list[str] | None = None,
    statements: list[str] | None = None,
    how: str = "applied",
) -> None:
    """Insert or overwrite the row of ``revision`` (in the revision's own transaction when applying),
    with what it changed: ``statements`` it ran (put into words when read), or ``changes`` in words."""
    kept: list[str] | dict[str, Any] = list(changes or [])
    if statements is not None:
        if sum(len(s) for s in statements) <= STATEMENTS_KEPT:
            kept = {"statements": list(statements)}
        else:
            from .touched import touched

            kept = touched(statements)
    conn.execute(
        b"INSERT INTO pgwarden.alembic_revisions AS r (revision, file, checksum, duration_ms, applied_by, changes, "
        b"how) VALUES (%s, %s, %s, %s, %s::jsonb, %s::jsonb, %s) ON CONFLICT (revision) DO UPDATE SET "
        b"file = excluded.file, checksum = excluded.checksum, applied_at = now(), duration_ms = excluded.duration_ms, "
        b"applied_by = excluded.applied_by, changes = excluded.changes, how = excluded.how",
        (revision, file, checksum, duration_ms, json.dumps(applied_by), json.dumps(kept), how),
    )
