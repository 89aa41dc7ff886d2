"""Exactly one active instance: a session advisory lock plus a lease row with a fencing epoch.

The lock is the mutual exclusion; the lease (``pgwarden.leases``) carries the epoch that
grows at every acquisition and tells a standby whether the holder is still alive. A leader
renews its lease every ``ttl/3`` and checks its session every ``check_interval``; it counts
its lease as valid for ``ttl`` from the moment it *sent* the last successful renewal, which
is never later than the server's ``renewed_at``, so a leader that was paused (SIGSTOP, frozen
VM) knows it lost the lease before a standby may have taken it. A standby that finds the
lease expired while its holder still has the lock terminates the holder's session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import zlib
from dataclasses import dataclass
from importlib import resources
from typing import Any
from uuid import UUID

import psycopg
from psycopg.rows import TupleRow

from ..db import explain
from ..errors import DatabaseUnreachable
from ..urls import describe, to_libpq
from .errors import LoginRefused, PermissionProblem, TakeoverNotPermitted
from .settings import RuntimeSettings

__all__ = ["LOCK_CLASS", "Holder", "Leadership", "Promotion", "lock_key", "open_connection", "sql_text"]

log = logging.getLogger("pgwarden.runtime")

LOCK_CLASS = 1886877541
"""First half of the ``pg_advisory_lock(int4, int4)`` key; the migration lock uses 1886877540."""

AsyncConn = psycopg.AsyncConnection[TupleRow]


def lock_key(name: str) -> tuple[int, int]:
    """The advisory lock key of a lease name (stable across Python versions and hosts)."""
    return LOCK_CLASS, zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


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
SELECT pg_catalog.to_regclass('pgwarden.leases') IS NOT NULL AND pg_catalog.to_regclass('pgwarden.instances') IS NOT NULL
   AND pg_catalog.to_regclass('pgwarden.takeovers') IS NOT NULL AND pg_catalog.to_regclass('pgwarden.identity') IS NOT NULL
   AND pg_catalog.to_regprocedure('pgwarden.holds_epoch(text,bigint)') IS NOT NULL
   AND EXISTS (SELECT FROM pg_catalog.pg_attribute
               WHERE attrelid = pg_catalog.to_regclass('pgwarden.instances') AND attname = 'ttl')
"""


async def ensure_schema(conn: AsyncConn, url: str) -> None:
    """Create pgwarden's runtime tables once (serialised, so instances starting together do not race)."""
    if await _scalar(conn, _SCHEMA_PRESENT):
        return  # no DDL: a role without CREATE privileges may run instances once the tables exist
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(%s, 0)", (LOCK_CLASS,))
            await conn.execute(sql_text("schema.sql").encode())
    except psycopg.errors.InsufficientPrivilege:
        row = await (await conn.execute("SELECT current_user, current_database()")).fetchone()
        user, db = row if row else ("?", "?")
        raise PermissionProblem(
            f"The role {user} may not create pgwarden's tables in {describe(url)}: run "
            f"`GRANT CREATE ON DATABASE {db} TO {user}` once, or create the schema `pgwarden` owned by {user}."
        ) from None


@dataclass(frozen=True)
class Promotion:
    epoch: int
    takeover: bool
    """True when the previous holder had not released its lease (it crashed, hung or lost its session)."""
    previous: UUID | None
    reason: str


@dataclass(frozen=True)
class Holder:
    """Who holds the leadership lock, as the server sees it."""

    pid: int
    application_name: str
    client_addr: str | None
    user: str
    is_lease_holder: bool
    expired: bool
    expired_for: float | None
    epoch: int | None

    @property
    def is_pgwarden(self) -> bool:
        return self.application_name.startswith("pgwarden")

    def describe(self) -> str:
        who = self.application_name or "an unnamed client"
        where = f" from {self.client_addr}" if self.client_addr else ""
        return f"{who} (server pid {self.pid}, user {self.user}{where})"


_OLD_LEASE = (
    b"SELECT holder, released, extract(epoch FROM expires_at - now())::float8 "
    b"FROM pgwarden.leases WHERE name = %(name)s FOR UPDATE"
)


class Leadership:
    """The leadership of one lease name, held on a dedicated connection. Not thread-safe; one task drives it."""

    def __init__(self, url: str, settings: RuntimeSettings, instance_id: UUID) -> None:
        self.url = url
        self.settings = settings
        self.instance_id = instance_id
        self.key = lock_key(settings.name)
        self.conn: AsyncConn | None = None
        self.epoch: int | None = None
        self.valid_until = 0.0
        """Monotonic time until which our lease is certainly ours."""
        self.renewed_at = 0.0
        self.holder: Holder | None = None
        """The last holder seen while standing by."""
        self.highest_epoch = 0

    @property
    def application_name(self) -> str:
        return f"pgwarden leader {self.settings.name} {socket.gethostname()[:20]} pid {os.getpid()}"

    @property
    def active(self) -> bool:
        return self.epoch is not None

    def expired_locally(self) -> bool:
        return self.active and time.monotonic() >= self.valid_until

    async def connect(self) -> AsyncConn:
        if self.conn is None or self.conn.closed:
            self.conn = await open_connection(
                self.url,
                application_name=self.application_name,
                timeout=min(5.0, self.settings.ttl),
                ttl=self.settings.ttl,
            )
        return self.conn

    async def close(self) -> None:
        """Drop the session (and with it the lock); the lease stays until it expires or is replaced."""
        self.epoch = None
        conn, self.conn = self.conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):  # the session is gone either way
                await asyncio.wait_for(conn.close(), timeout=1.0)

    async def try_acquire(self) -> Promotion | None:
        """One standby step: take the lock if free (terminating a hung holder first); the promotion, if any."""
        conn = await self.connect()
        got = await _scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", self.key)
        if not got:
            await self._look_at_holder(conn)
            if self.holder is not None and self.holder.is_lease_holder and self.holder.expired:
                await self._terminate(conn, self.holder)
                got = await self._retry_lock(conn)
            if not got:
                return None
        self.holder = None
        sent = time.monotonic()
        params = {"name": self.settings.name, "holder": self.instance_id, "ttl": self.settings.ttl}
        async with conn.transaction():
            old = await (await conn.execute(_OLD_LEASE, params)).fetchone()
            epoch = int(await _scalar(conn, sql_text("acquire.sql"), params))
        previous, released, remaining = (
            (old[0], bool(old[1]), float(old[2] or 0)) if old else (None, True, 0.0)
        )
        takeover = previous is not None and previous != self.instance_id and not released
        if takeover and remaining > 0:
            # The holder's session ended while its lease still ran (a crash, or a lost connection).
            # A live holder notices that within one check interval and stops its work: let it.
            pause = min(remaining, self.settings.check_interval + 0.1)
            await asyncio.sleep(pause)
            sent = time.monotonic()
            if not await self._renew(conn, epoch):
                return None
        self.epoch = epoch
        self.renewed_at = sent
        self.valid_until = sent + self.settings.ttl
        if not takeover:
            reason = "no active instance held the lease" if previous is None or released else "re-acquired"
        elif remaining > 0:
            reason = (
                f"the previous leader's session ended without releasing (lease had {remaining:.1f} s left)"
            )
        else:
            reason = f"the previous leader's lease expired {-remaining:.1f} s ago"
        if takeover:
            await conn.execute(
                "INSERT INTO pgwarden.takeovers (name, epoch, holder, previous, reason) VALUES (%s, %s, %s, %s, %s)",
                (self.settings.name, epoch, self.instance_id, previous, reason),
            )
        return Promotion(epoch=epoch, takeover=takeover, previous=previous, reason=reason)

    async def keep(self) -> bool:
        """One leader step: renew when due, else check that the session and epoch are still ours."""
        assert self.epoch is not None
        conn = await self.connect()
        due = time.monotonic() - self.renewed_at >= self.settings.renew_interval
        remaining = self.valid_until - time.monotonic()
        if remaining <= 0:
            return False
        sent = time.monotonic()
        try:
            if due:
                ok = await asyncio.wait_for(self._renew(conn, self.epoch), timeout=remaining)
                if ok:
                    self.renewed_at = sent
                    self.valid_until = sent + self.settings.ttl
                return ok
            query = "SELECT epoch = %s AND holder = %s AND backend_pid = pg_backend_pid() FROM pgwarden.leases WHERE name = %s"
            return bool(
                await asyncio.wait_for(
                    _scalar(conn, query, (self.epoch, self.instance_id, self.settings.name)),
                    timeout=remaining,
                )
            )
        except asyncio.TimeoutError:
            return False

    async def release(self) -> None:
        """Give the lease up on purpose: standbys take over at once, without a takeover delay."""
        if self.epoch is not None and self.conn is not None and not self.conn.closed:
            try:
                await asyncio.wait_for(
                    self.conn.execute(
                        "UPDATE pgwarden.leases SET released = true, expires_at = now() "
                        "WHERE name = %s AND holder = %s AND epoch = %s",
                        (self.settings.name, self.instance_id, self.epoch),
                    ),
                    timeout=2.0,
                )
            except (psycopg.Error, asyncio.TimeoutError) as exc:
                log.warning(
                    "could not mark the lease released (%s); it expires in %.0f s", exc, self.settings.ttl
                )
        await self.close()

    async def _renew(self, conn: AsyncConn, epoch: int) -> bool:
        params = {
            "name": self.settings.name,
            "holder": self.instance_id,
            "epoch": epoch,
            "ttl": self.settings.ttl,
        }
        row = await (await conn.execute(sql_text("renew.sql").encode(), params)).fetchone()
        return row is not None

    async def _look_at_holder(self, conn: AsyncConn) -> None:
        params = {"name": self.settings.name, "classid": self.key[0], "objid": self.key[1]}
        row = await (await conn.execute(sql_text("holder.sql").encode(), params)).fetchone()
        if row is None:
            self.holder = None
            return
        holder = Holder(
            pid=int(row[0]),
            application_name=row[1] or "",
            client_addr=row[2],
            user=row[3] or "?",
            is_lease_holder=bool(row[6]),
            expired=bool(row[7]),
            expired_for=float(row[8]) if row[8] is not None else None,
            epoch=int(row[9]) if row[9] is not None else None,
        )
        if holder.epoch is not None:
            self.highest_epoch = max(self.highest_epoch, holder.epoch)
        if holder.pid != (self.holder.pid if self.holder else None) and not holder.is_pgwarden:
            log.warning(
                "the leadership lock of %r is held by %s, which is not a pgwarden instance: standing by "
                "until it lets go (pgwarden never terminates foreign sessions)",
                self.settings.name,
                holder.describe(),
            )
        self.holder = holder

    async def _terminate(self, conn: AsyncConn, holder: Holder) -> None:
        log.warning(
            "the leader's lease of %r expired %.1f s ago but its session still holds the lock: terminating %s",
            self.settings.name,
            holder.expired_for or 0.0,
            holder.describe(),
        )
        try:
            await conn.execute("SELECT pg_terminate_backend(%s)", (holder.pid,))
        except psycopg.errors.InsufficientPrivilege:
            me = await _scalar(conn, "SELECT current_user")
            raise TakeoverNotPermitted(
                f"The leader of {self.settings.name!r} at {describe(self.url)} hangs (lease expired "
                f"{holder.expired_for or 0:.0f} s ago) and the role {me} may not terminate its session "
                f"(server pid {holder.pid}, role {holder.user}): run `GRANT pg_signal_backend TO {me}`, "
                f"or run every instance as the same role."
            ) from None

    async def _retry_lock(self, conn: AsyncConn) -> bool:
        """The terminated session lets go of the lock a moment later."""
        deadline = time.monotonic() + max(1.0, self.settings.check_interval)
        while time.monotonic() < deadline:
            if await _scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", self.key):
                return True
            await asyncio.sleep(0.02)
        return False


async def _scalar(conn: AsyncConn, query: str | bytes, params: Any = None) -> Any:
    row = await (await conn.execute(query.encode() if isinstance(query, str) else query, params)).fetchone()
    return row[0] if row else None
