"""One migrator at a time: a lock row with expiry and a fencing token, safe through connection poolers.

The lock is the row ``pgwarden.locks('migrate')``, taken and renewed in short transactions:
no session state, so it holds the same directly on PostgreSQL and through a pooler in
transaction mode (where a session advisory lock lands on whichever server connection is free).
A background thread renews it every ``ttl/3`` on its own connection; each file's transaction
locks the row and compares the token just before it commits (``fence``), so a migrator that
lost the lock can never commit a file a second time. A migrator that dies leaves nothing held:
its row expires after ``ttl``, and sooner on a direct connection, where the holder records its
server process and a waiter takes over as soon as that process is gone.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from typing import Any

import psycopg
from psycopg import sql

from ..db import connect, create_own_tables
from ..errors import PgwardenError, UsageError
from ..pooling import STATEMENT, Pooling, direct, probe
from ..urls import redact
from .errors import LockWaitExceeded

__all__ = [
    "LOCK_LOST",
    "LOCK_NAME",
    "LOCK_TTL",
    "Holder",
    "LockLost",
    "MigrationLock",
    "application_name",
    "connection",
    "current",
    "ensure_table",
    "holder",
    "migrator",
]

LOCK_NAME = "migrate"
LOCK_LOST = "PW001"
"""SQLSTATE of :meth:`MigrationLock.fence_sql` failing: a class of pgwarden's own, which no server error uses."""
LOCK_TTL = 30.0
"""Seconds the lock outlives its last renewal: how long a migrator killed behind a pooler blocks others."""


class LockLost(PgwardenError):
    """This migrator no longer holds the migration lock (it was paused or cut off past the ttl)."""

    exit_code = 1


def _sql(name: str) -> bytes:
    return resources.files(__package__).joinpath(f"queries/{name}").read_text(encoding="utf-8").encode()


@dataclass(frozen=True)
class Holder:
    """Who holds the migration lock, as its row says."""

    backend_pid: int | None
    application_name: str
    client_addr: str | None
    since: datetime | None

    def describe(self) -> str:
        who = self.application_name or "an unnamed client"
        where = f" from {self.client_addr}" if self.client_addr else ""
        pid = f" (server pid {self.backend_pid})" if self.backend_pid else ""
        since = f" since {self.since:%Y-%m-%d %H:%M:%S %Z}".rstrip() if self.since else ""
        return f"{who}{where}{pid}{since}"


def application_name() -> str:
    """``pgwarden migrate HOST pid N``: what other migrators see in the lock row and ``pg_stat_activity``."""
    return f"pgwarden migrate {socket.gethostname()[:30]} pid {os.getpid()}"


def _table_exists(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(b"SELECT pg_catalog.to_regclass('pgwarden.locks') IS NOT NULL").fetchone()
    return bool(row and row[0])


def ensure_table(conn: psycopg.Connection[Any]) -> None:
    """Create ``pgwarden.locks`` once; concurrent first runs wait on a transaction-scoped lock."""
    if _table_exists(conn):
        return  # no DDL: a role without CREATE may migrate once the tables exist
    create_own_tables(conn, _sql("lock.sql").decode())


def holder(conn: psycopg.Connection[Any]) -> Holder | None:
    """The holder of this database's migration lock, or None (also before the table exists)."""
    if not _table_exists(conn):
        return None
    row = conn.execute(_sql("lock_holder.sql"), {"name": LOCK_NAME}).fetchone()
    if row is None:
        return None
    return Holder(row[0], row[1] or "", row[2], row[3])


class MigrationLock:
    """The lock of one migrator: take, renew (in a thread), fence file commits, release."""

    def __init__(
        self, url: str, conn: psycopg.Connection[Any], *, timeout: float, ttl: float = LOCK_TTL
    ) -> None:
        self.url = url
        self.conn = conn
        self.ttl = ttl
        self.timeout = timeout
        self.token: int | None = None
        self._fence_sql: tuple[int | None, bytes] | None = None
        self.lost: str | None = None
        self.pooling: Pooling | None = None
        self._renewer: psycopg.Connection[Any] | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def session_state(self) -> bool:
        return self.pooling is not None and self.pooling.session_state

    def open(self) -> None:
        """Find out whether a pooler sits in between: one query on a direct connection; otherwise the
        probe, with the renewal connection as its second client (on a direct one the renewal thread
        opens it)."""
        self.pooling = direct(self.conn)
        if self.pooling is None:
            self._renewer = self._connect()
            self.pooling = probe(self.conn, self._renewer)
        if self.pooling.mode == STATEMENT:
            raise UsageError(
                f"The database URL {redact(self.url)} goes through a pooler in statement mode, which refuses "
                "the transactions migrations need: set DIRECT_URL to a direct URL (or a session or "
                "transaction pool) and run again."
            )

    def try_take(self) -> bool:
        params = {
            "name": LOCK_NAME,
            "holder": application_name(),
            "ttl": self.ttl,
            "session": self.session_state,
        }
        # One statement: atomic on its own, no transaction block (and its two round trips) around it.
        row = self.conn.execute(_sql("lock_take.sql"), params).fetchone()
        if row is None:
            return False
        self.token = int(row[0])
        self._thread = threading.Thread(target=self._renew_loop, name="pgwarden-migrate-lock", daemon=True)
        self._thread.start()
        return True

    def acquire(self, *, wait: float, on_wait: Callable[[Holder | None, float], None] | None = None) -> float:
        """Take the lock, waiting at most ``wait`` seconds; the seconds waited."""
        started = time.monotonic()
        last_report = -10.0
        while True:
            if self.try_take():
                return time.monotonic() - started
            waited = time.monotonic() - started
            if waited >= wait:
                found = holder(self.conn)
                who = found.describe() if found else "another migrator (it released the lock just now)"
                raise LockWaitExceeded(
                    f"Another migrator holds the migration lock: {who}. Waited {waited:.0f} s "
                    "(--lock-wait): let it finish and run again, or raise --lock-wait. A migrator that "
                    f"died lets go within {self.ttl:.0f} s."
                )
            if on_wait is not None and waited - last_report >= 2.0:
                on_wait(holder(self.conn), waited)
                last_report = waited
            time.sleep(min(0.2, max(0.01, wait - waited)))

    def fence(self, conn: psycopg.Connection[Any] | None = None) -> None:
        """Inside a transaction that is about to commit: lock the row and check the token is still ours.

        A migrator taking over must update that row, so it waits until this transaction ended,
        and then sees its work in the ledger: a file never commits twice.
        """
        self.fenced(self.fence_send(conn or self.conn))

    def fence_send(self, conn: psycopg.Connection[Any]) -> psycopg.Cursor[Any]:
        """:meth:`fence`'s query, sent (in a pipeline: with what follows it); :meth:`fenced` reads it."""
        return conn.execute(
            b"SELECT token = %s AND NOT released FROM pgwarden.locks WHERE name = %s FOR UPDATE",
            (self.token, LOCK_NAME),
        )

    def fenced(self, sent: psycopg.Cursor[Any]) -> None:
        """``LockLost`` unless the fence query ``sent`` found the lock still ours."""
        row = sent.fetchone()
        if not (row and row[0]):
            raise self.lost_error()

    def fence_sql(self) -> bytes:
        """:meth:`fence` as a statement that fails the transaction (SQLSTATE ``LOCK_LOST``) instead
        of answering: sent in the round trip that commits, it stops the ``COMMIT`` after it."""
        if self._fence_sql is not None and self._fence_sql[0] == self.token:
            return self._fence_sql[1]  # the same for every file: built once per token
        text = (
            sql.SQL(
                "DO $fence$ BEGIN IF NOT EXISTS (SELECT FROM pgwarden.locks WHERE name = {} AND token = {} "
                "AND NOT released FOR UPDATE) THEN RAISE EXCEPTION 'pgwarden: the migration lock was lost' "
                "USING ERRCODE = {}; END IF; END $fence$"
            )
            .format(sql.Literal(LOCK_NAME), sql.Literal(self.token), sql.Literal(LOCK_LOST))
            .as_bytes(self.conn)
        )
        self._fence_sql = (self.token, text)
        return text

    def lost_error(self) -> LockLost:
        """What :meth:`fence` raises when the row is no longer ours."""
        self.lost = self.lost or "another migrator took the migration lock"
        return LockLost(
            f"Lost the migration lock ({self.lost}): this migrator was paused or cut off for longer than "
            f"{self.ttl:.0f} s. Nothing more was committed; run `pgwarden migrate up` again."
        )

    def renew(self) -> None:
        """Between the statements of a no-transaction file: renew now, and stop if the lock is gone."""
        with self.conn.transaction():
            self.fence()
            self.conn.execute(
                b"UPDATE pgwarden.locks SET renewed_at = now(), expires_at = now() + make_interval(secs => %s) "
                b"WHERE name = %s",
                (self.ttl, LOCK_NAME),
            )

    def _connect(self) -> psycopg.Connection[Any]:
        return connect(self.url, timeout=self.timeout, autocommit=True, application_name=application_name())

    def _renew_loop(self) -> None:
        conn = self._renewer
        if conn is None:
            # Opened here, beside the run rather than before it, and now rather than at the first
            # renewal: a server out of connection slots by then would cost the lock.
            with suppress(psycopg.Error, PgwardenError):
                conn = self._renewer = self._connect()
        while not self._stop.wait(self.ttl / 3):
            try:
                if conn is None or conn.closed or conn.broken:
                    conn = self._renewer = self._connect()
                row = conn.execute(
                    b"UPDATE pgwarden.locks SET renewed_at = now(), expires_at = now() + make_interval(secs => %s) "
                    b"WHERE name = %s AND token = %s AND NOT released RETURNING token",
                    (self.ttl, LOCK_NAME, self.token),
                ).fetchone()
            except (psycopg.Error, PgwardenError):
                continue  # the next round retries; the fence stops any commit if the lock is lost meanwhile
            if row is None:
                self.lost = "another migrator took the migration lock"
                return

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        if self.token is not None and not self.conn.closed and not self.conn.broken:
            with suppress(psycopg.Error):
                self.conn.execute(
                    b"UPDATE pgwarden.locks SET released = true, expires_at = now() WHERE name = %s AND token = %s",
                    (LOCK_NAME, self.token),
                )
        self.token = None

    def close(self) -> None:
        self.release()
        if self._renewer is not None:
            self._renewer.close()


_HELD: dict[int, MigrationLock] = {}


def current(conn: psycopg.Connection[Any]) -> MigrationLock | None:
    """The lock ``migrator`` holds on ``conn`` (the runner fences its commits with it)."""
    return _HELD.get(id(conn))


def connection(url: str, *, timeout: float = 5.0) -> psycopg.Connection[Any]:
    """An autocommit connection named as a migrator's (:func:`application_name`)."""
    return connect(url, timeout=timeout, autocommit=True, application_name=application_name())


@contextmanager
def migrator(
    url: str,
    *,
    wait: float,
    timeout: float = 5.0,
    say: Callable[[str], None] | None = None,
    conn: psycopg.Connection[Any] | None = None,
) -> Iterator[tuple[psycopg.Connection[Any], float]]:
    """An autocommit connection holding the migration lock, and the seconds spent waiting for it.

    ``conn``: one from :func:`connection` (idle) to take the lock on instead of a new one; it is
    left open (its owner closes it), with the runner's session settings."""
    own = conn is None
    if conn is None:
        conn = connection(url, timeout=timeout)
    held = MigrationLock(url, conn, timeout=timeout)
    try:
        held.open()
        ensure_table(conn)
        if held.session_state and conn.info.server_version >= 140000:
            # A dead client stops its query quickly (PG 14+); through a pooler the setting would
            # land on a shared server connection, so it is only set on a direct one.
            conn.execute(b"SET client_connection_check_interval = '1s'")

        def waiting(found: Holder | None, waited: float) -> None:
            if say is not None:
                who = found.describe() if found else "another migrator"
                say(f"waiting for the migration lock ({waited:.0f} s): held by {who}")

        waited = held.acquire(wait=wait, on_wait=waiting)
        _HELD[id(conn)] = held
        try:
            yield conn, waited
        finally:
            _HELD.pop(id(conn), None)
    finally:
        try:
            held.close()
        finally:
            if own:
                conn.close()
