"""pgwarden's runtime connections: opening them (keepalives, no prepared statements), its tables, small queries."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Sequence
from importlib import resources
from typing import Any

import psycopg
from psycopg.rows import TupleRow

from ..db import SCHEMA_LOCK, explain
from ..errors import DatabaseUnreachable
from ..urls import describe, to_libpq
from .errors import LoginRefused, PermissionProblem

__all__ = ["AsyncConn", "WorkConnection", "ensure_schema", "open_connection", "scalar", "sql_text"]

AsyncConn = psycopg.AsyncConnection[TupleRow]

log = logging.getLogger("pgwarden.runtime")


def sql_text(name: str) -> str:
    return resources.files("pgwarden.runtime").joinpath("sql").joinpath(name).read_text(encoding="utf-8")


_LOGIN_STATES = {"28P01", "28000", "3D000"}
_LOGIN_TEXTS = ("password authentication failed", "does not exist", "no pg_hba.conf entry")


def _is_login_problem(exc: psycopg.OperationalError) -> bool:
    """Refusals that retrying cannot fix (psycopg often reports connection failures without a SQLSTATE)."""
    text = str(exc).lower()
    return exc.sqlstate in _LOGIN_STATES or any(t in text for t in _LOGIN_TEXTS)


async def open_connection(url: str, *, application_name: str, timeout: float, ttl: float) -> AsyncConn:
    """An autocommit connection with TCP keepalives, so a dead server is noticed within about ``ttl``."""
    dsn = to_libpq(url)
    try:
        return await psycopg.AsyncConnection.connect(
            dsn,
            autocommit=True,
            application_name=application_name[:63],
            connect_timeout=max(1, round(timeout)),
            # No server-side prepared statements: through a pooler in transaction mode the next
            # execution may reach another server connection (psycopg prepares after 5 by default).
            prepare_threshold=None,
            keepalives=1,
            keepalives_idle=max(1, round(ttl / 3)),
            keepalives_interval=1,
            keepalives_count=3,
            tcp_user_timeout=max(1000, round(ttl * 1000)),
        )
    except psycopg.OperationalError as exc:
        message = explain(exc, url)
        if _is_login_problem(exc):
            raise LoginRefused(message, sqlstate=exc.sqlstate) from None
        raise DatabaseUnreachable(message, sqlstate=exc.sqlstate) from None


_SCHEMA_PRESENT = """
SELECT (pg_catalog.to_regclass('pgwarden.leases') IS NOT NULL AND pg_catalog.to_regclass('pgwarden.instances') IS NOT NULL
   AND pg_catalog.to_regclass('pgwarden.takeovers') IS NOT NULL AND pg_catalog.to_regclass('pgwarden.identity') IS NOT NULL
   AND pg_catalog.to_regprocedure('pgwarden.holds_epoch(text,bigint)') IS NOT NULL
   AND pg_catalog.to_regclass('pgwarden.updates') IS NOT NULL
   AND EXISTS (SELECT FROM pg_catalog.pg_attribute
               WHERE attrelid = pg_catalog.to_regclass('pgwarden.instances') AND attname = 'ttl')),
       ARRAY(SELECT t FROM unnest(%s::text[]) WITH ORDINALITY AS u(t, n)
             WHERE pg_catalog.to_regclass(t) IS NULL ORDER BY n)
"""
"""Whether the runtime's tables are there, and which history tables are not: one round trip."""


HISTORY_TABLES = (
    ("pgwarden.events", "pgwarden.runtime", "events_schema.sql", "the console's timeline records no events"),
    (
        "pgwarden.invariant_samples",
        "pgwarden.checks",
        "samples_schema.sql",
        "no invariant history is charted",
    ),
    (
        "pgwarden.repair_runs",
        "pgwarden.checks",
        "repair_runs.sql",
        "`pgwarden repair` creates it when it runs",
    ),
)
"""pgwarden's tables written after the start, created with the runtime's tables and never by a write:
a table newer than the last backup would make restoring that backup fail (``DROP SCHEMA pgwarden``)."""


def _history_sql(package: str, name: str) -> bytes:
    return resources.files(package).joinpath("sql").joinpath(name).read_text(encoding="utf-8").encode()


async def ensure_schema(conn: AsyncConn, url: str) -> None:
    """Create pgwarden's runtime tables once (serialised, so instances starting together do not race)."""
    row = await (await conn.execute(_SCHEMA_PRESENT.encode(), ([t for t, *_ in HISTORY_TABLES],))).fetchone()
    assert row is not None
    present, missing = row
    if present:
        await _ensure_history(conn, missing)
        return  # no DDL: a role without CREATE privileges may run instances once the tables exist
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", SCHEMA_LOCK)
            await conn.execute(sql_text("schema.sql").encode())
            for _, package, name, _ in HISTORY_TABLES:
                await conn.execute(_history_sql(package, name))
    except psycopg.errors.InsufficientPrivilege:
        row = await (await conn.execute("SELECT current_user, current_database()")).fetchone()
        user, db = row if row else ("?", "?")
        raise PermissionProblem(
            f"The role {user} may not create pgwarden's tables in {describe(url)}: run "
            f"`GRANT CREATE ON DATABASE {db} TO {user}` once, or create the schema `pgwarden` owned by {user}."
        ) from None


async def _ensure_history(conn: AsyncConn, missing: Sequence[str]) -> None:
    """The ``missing`` history tables, where the runtime's tables predate them; without the privilege,
    said once, not fatal."""
    for table, package, name, without in HISTORY_TABLES:
        if table not in missing:
            continue
        try:
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", SCHEMA_LOCK)
                await conn.execute(_history_sql(package, name))
        except psycopg.errors.InsufficientPrivilege:
            row = await (await conn.execute("SELECT current_user, current_database()")).fetchone()
            user, db = row if row else ("?", "?")
            if (user, db, table) not in _TOLD:  # once per process: this runs on every new connection
                _TOLD.add((user, db, table))
                log.warning(
                    "the role %s may not create %s in database %s (GRANT CREATE ON SCHEMA pgwarden TO %s): %s",
                    user,
                    table,
                    db,
                    user,
                    without,
                )


_TOLD: set[tuple[str, str, str]] = set()


async def scalar(conn: AsyncConn, query: str | bytes, params: Any = None) -> Any:
    row = await (await conn.execute(query.encode() if isinstance(query, str) else query, params)).fetchone()
    return row[0] if row else None


class WorkConnection:
    """The guardian's own session (identity checks, the registry): opened on demand, reopened after a loss."""

    def __init__(self, url: str, *, name: str, ttl: float) -> None:
        self.url = url
        self.name = name
        self.ttl = ttl
        self.conn: AsyncConn | None = None
        self.connected_once = False
        """True once a login succeeded: a refused login after that is an outage, not a configuration error."""

    @property
    def current(self) -> AsyncConn | None:
        """The open session, None when there is none."""
        return self.conn if self.conn is not None and not self.conn.closed else None

    async def get(self) -> AsyncConn:
        if self.current is not None:
            return self.current
        self.conn = await open_connection(
            self.url,
            application_name=f"pgwarden monitor {self.name} pid {os.getpid()}",
            timeout=min(5.0, self.ttl),
            ttl=self.ttl,
        )
        self.connected_once = True
        return self.conn

    async def close(self) -> None:
        conn, self.conn = self.conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):  # the session is gone either way
                await asyncio.wait_for(conn.close(), timeout=1.0)
