"""The ledger ``pgwarden.migrations``: which versions ran, with checksums, timings, who ran them and how it ended."""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from .. import __version__
from ..db import create_own_tables

__all__ = [
    "Applied",
    "actor",
    "audit",
    "create",
    "ensure",
    "exists",
    "forget",
    "presence",
    "read",
    "record",
    "record_sql",
]


@dataclass(frozen=True)
class Applied:
    """One ledger row."""

    version: int
    name: str
    checksum: str
    applied_at: datetime | None
    duration_ms: int
    applied_by: dict[str, Any]
    success: bool
    error: str | None = None
    statements_done: int | None = None
    """For a non-transactional file: how many of its statements completed."""

    @property
    def partial(self) -> bool:
        return not self.success and self.statements_done is not None and self.error is None


def actor(app_version: str | None = None) -> dict[str, Any]:
    """Who is applying: host, pid, pgwarden version and the application's version when known."""
    found = app_version or os.environ.get("PGWARDEN_APP_VERSION") or os.environ.get("GIT_COMMIT")
    who: dict[str, Any] = {"host": socket.gethostname(), "pid": os.getpid(), "pgwarden": __version__}
    if found:
        who["app_version"] = found
    return who


def exists(conn: psycopg.Connection[Any]) -> bool:
    """Whether ``pgwarden.migrations`` exists."""
    row = conn.execute("SELECT pg_catalog.to_regclass('pgwarden.migrations') IS NOT NULL").fetchone()
    return bool(row and row[0])


def presence(conn: psycopg.Connection[Any]) -> tuple[bool, bool]:
    """Whether the ledger exists, and whether every table of it does (the audit table too), in one
    round trip."""
    row = conn.execute(
        "SELECT pg_catalog.to_regclass('pgwarden.migrations') IS NOT NULL, "
        "pg_catalog.to_regclass('pgwarden.migration_audit') IS NOT NULL"
    ).fetchone()
    assert row is not None
    return bool(row[0]), bool(row[0] and row[1])


def ensure(conn: psycopg.Connection[Any]) -> None:
    """Create the schema and tables if missing (one round trip when they are there)."""
    if not presence(conn)[1]:
        create(conn)


def create(conn: psycopg.Connection[Any]) -> None:
    """Create the schema and whichever tables are missing.

    Serialised with every other creation of pgwarden's tables (runtime instances starting at the
    same time, a migrator without the lock such as ``migrate baseline`` on a fresh database) by a
    transaction-scoped advisory lock, which holds through a pooler in transaction mode.
    """
    text = resources.files(__package__).joinpath("queries/ledger.sql").read_text(encoding="utf-8")
    create_own_tables(conn, text)


def read(conn: psycopg.Connection[Any], *, present: bool | None = None) -> dict[int, Applied]:
    """Every ledger row by version; empty when the ledger does not exist yet (``present``: whether
    it does, when the caller knows, so that is not asked again)."""
    if not (exists(conn) if present is None else present):
        return {}
    rows = conn.execute(
        "SELECT version, name, checksum, applied_at, duration_ms, applied_by, success, error, "
        "statements_done FROM pgwarden.migrations ORDER BY version"
    ).fetchall()
    return {
        int(r[0]): Applied(int(r[0]), r[1], r[2], r[3], int(r[4]), dict(r[5] or {}), *r[6:9]) for r in rows
    }


def record(
    conn: psycopg.Connection[Any],
    *,
    version: int,
    name: str,
    checksum: str,
    duration_ms: int,
    applied_by: dict[str, Any],
    success: bool,
    error: str | None = None,
    statements_done: int | None = None,
) -> None:
    """Insert or overwrite the row of ``version`` (a retry replaces the failed attempt)."""
    conn.execute(
        record_sql(
            version=version,
            name=name,
            checksum=checksum,
            duration_ms=duration_ms,
            applied_by=applied_by,
            success=success,
            error=error,
            statements_done=statements_done,
        ).as_bytes(conn)
    )


def record_sql(
    *,
    version: int,
    name: str,
    checksum: str,
    duration_ms: int | sql.Composable | None,
    applied_by: dict[str, Any],
    success: bool,
    error: str | None = None,
    statements_done: int | None = None,
    returning: bool = False,
) -> sql.Composed:
    """The statement :func:`record` runs, values quoted in it: the runner sends it in the round trip
    that commits the file (a statement with parameters would need a round trip of its own).
    ``duration_ms=None``: the time since the transaction began, measured by the server when the row
    is written (sent with the file's statements, the row is built before they ran); an SQL
    expression (:data:`SINCE_FILE_START`) is written as given. ``returning``: the statement returns
    the duration written."""
    if duration_ms is None:
        duration: sql.Composable = _SINCE_BEGIN
    elif isinstance(duration_ms, sql.Composable):
        duration = duration_ms
    else:
        duration = sql.Literal(duration_ms)
    after = (json.dumps(applied_by), success, error, statements_done)
    return sql.SQL(
        "INSERT INTO pgwarden.migrations AS m (version, name, checksum, duration_ms, applied_by, success, "
        "error, statements_done) VALUES ({}, {}, {}, {}, {}::jsonb, {}, {}, {}) "
        "ON CONFLICT (version) DO UPDATE SET name = excluded.name, checksum = excluded.checksum, "
        "applied_at = now(), duration_ms = excluded.duration_ms, applied_by = excluded.applied_by, "
        "success = excluded.success, error = excluded.error, statements_done = excluded.statements_done"
        + (" RETURNING m.duration_ms" if returning else "")
    ).format(
        sql.Literal(version), sql.Literal(name), sql.Literal(checksum), duration, *map(sql.Literal, after)
    )


_SINCE_BEGIN = sql.SQL(
    "round(extract(epoch FROM pg_catalog.clock_timestamp() - pg_catalog.now()) * 1000)::int"
)

# Several files in one transaction (--single-transaction): each file's start is marked in the
# transaction, as seconds since the epoch (text that reads back the same whatever DateStyle or
# TimeZone a file sets), and its row measures from there.
FILE_START = (
    b"SELECT pg_catalog.set_config('pgwarden.file_started', "
    b"extract(epoch FROM pg_catalog.clock_timestamp())::text, true)"
)
SINCE_FILE_START = sql.SQL(
    "round((extract(epoch FROM pg_catalog.clock_timestamp()) "
    "- pg_catalog.current_setting('pgwarden.file_started')::numeric) * 1000)::int"
)


def forget(conn: psycopg.Connection[Any], version: int) -> bool:
    cur = conn.execute("DELETE FROM pgwarden.migrations WHERE version = %s", (version,))
    return cur.rowcount > 0


def audit(
    conn: psycopg.Connection[Any],
    action: str,
    *,
    version: int | None,
    detail: dict[str, Any],
    who: dict[str, Any],
) -> None:
    """One row in ``pgwarden.migration_audit`` for a manual change (baseline, import, repair)."""
    conn.execute(
        "INSERT INTO pgwarden.migration_audit (action, version, detail, actor) VALUES (%s, %s, %s::jsonb, %s::jsonb)",
        (action, version, json.dumps(detail, default=str), json.dumps(who)),
    )
