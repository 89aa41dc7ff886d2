"""One migrator at a time: a session-level advisory lock on a dedicated connection, with bounded waiting."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import psycopg

from ..db import connect
from ..urls import to_libpq
from .errors import LockWaitExceeded

__all__ = [
    "LOCK_KEY",
    "Holder",
    "acquire",
    "application_name",
    "holder",
    "migrator",
    "pooler_warning",
    "release",
    "session",
]

LOCK_KEY = (1886877540, 1)
"""``pg_advisory_lock(int4, int4)`` key: 'pgwd' and 1 (migrations)."""

_HOLDER = """
SELECT a.pid, a.application_name, host(a.client_addr), a.backend_start
FROM pg_catalog.pg_locks l JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s AND l.objid = %s AND l.objsubid = 2
"""


@dataclass(frozen=True)
class Holder:
    """Who holds the migration lock, as the server sees it."""

    backend_pid: int
    application_name: str
    client_addr: str | None
    since: datetime | None

    def describe(self) -> str:
        who = self.application_name or "an unnamed client"
        where = f" from {self.client_addr}" if self.client_addr else ""
        since = f" since {self.since:%Y-%m-%d %H:%M:%S %Z}".rstrip() if self.since else ""
        return f"{who}{where} (server pid {self.backend_pid}){since}"


def application_name() -> str:
    """``pgwarden migrate HOST pid N``: what other migrators see in ``pg_stat_activity``."""
    import os

    return f"pgwarden migrate {socket.gethostname()[:30]} pid {os.getpid()}"


def holder(conn: psycopg.Connection[Any]) -> Holder | None:
    row = conn.execute(_HOLDER, LOCK_KEY).fetchone()
    if row is None:
        return None
    return Holder(int(row[0]), row[1] or "", row[2], row[3])


def acquire(
    conn: psycopg.Connection[Any],
    *,
    wait: float,
    on_wait: Callable[[Holder | None, float], None] | None = None,
    poll: float = 0.2,
) -> float:
    """Take the lock, waiting at most ``wait`` seconds; return the seconds waited.

    Polls ``pg_try_advisory_lock`` rather than blocking so the wait is bounded
    and progress can be reported; ``LockWaitExceeded`` names the holder.
    """
    started = time.monotonic()
    last_report = -10.0
    while True:
        row = conn.execute("SELECT pg_catalog.pg_try_advisory_lock(%s, %s)", LOCK_KEY).fetchone()
        if row and row[0]:
            return time.monotonic() - started
        waited = time.monotonic() - started
        if waited >= wait:
            found = holder(conn)
            who = found.describe() if found else "another session (it released the lock just now)"
            raise LockWaitExceeded(
                f"Another migrator holds the migration lock: {who}. Waited {waited:.0f} s "
                "(--lock-wait): let it finish and run again, raise --lock-wait, or end that session "
                "if it is stuck (SELECT pg_terminate_backend(pid))."
            )
        if on_wait is not None and waited - last_report >= 2.0:
            on_wait(holder(conn), waited)
            last_report = waited
        time.sleep(min(poll, max(0.01, wait - waited)))


def release(conn: psycopg.Connection[Any]) -> None:
    if not conn.closed:
        conn.execute("SELECT pg_catalog.pg_advisory_unlock(%s, %s)", LOCK_KEY)


def pooler_warning(url: str) -> str | None:
    """A warning when ``url`` looks like PgBouncer, where session-level advisory locks do not hold."""
    try:
        parts = urlsplit(to_libpq(url))
        port = parts.port
        host = parts.hostname or ""
    except ValueError:
        return None
    if port == 6432 or "bouncer" in host.lower() or "pooler" in host.lower():
        return (
            f"The database URL points at port {port} on {host}, which looks like PgBouncer: in transaction "
            "pooling mode a session advisory lock does not keep other migrators out. Run migrations "
            "through a direct URL to PostgreSQL (or a session-mode pool)."
        )
    return None


def session(conn: psycopg.Connection[Any]) -> None:
    """Session settings of a migrator connection: a dead client stops its query quickly (PG 14+)."""
    if conn.info.server_version >= 140000:
        conn.execute("SET client_connection_check_interval = '1s'")


@contextmanager
def migrator(
    url: str, *, wait: float, timeout: float = 5.0, say: Callable[[str], None] | None = None
) -> Iterator[tuple[psycopg.Connection[Any], float]]:
    """An autocommit connection holding the migration lock, and the seconds spent waiting for it."""
    conn = connect(url, timeout=timeout, autocommit=True, application_name=application_name())
    try:
        session(conn)

        def waiting(found: Holder | None, waited: float) -> None:
            if say is not None:
                who = found.describe() if found else "another migrator"
                say(f"waiting for the migration lock ({waited:.0f} s): held by {who}")

        waited = acquire(conn, wait=wait, on_wait=waiting)
        try:
            yield conn, waited
        finally:
            if not conn.broken:
                release(conn)
    finally:
        conn.close()
