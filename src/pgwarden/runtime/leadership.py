"""Exactly one active instance: a lease row with expiry and a fencing epoch, plus (directly on
PostgreSQL only) a session advisory lock that makes a crashed leader's takeover fast.

The lease (``pgwarden.leases``) is the truth: its epoch grows at every acquisition and a leader
renews it in short transactions every ``ttl/3``; it counts its lease as valid for ``ttl`` from the
moment it *sent* the last successful renewal, never later than the server's ``renewed_at``, so a
leader that was paused (SIGSTOP, frozen VM) knows it lost the lease before a standby may take it.

Through a pooler in transaction mode (found by ``pooling.probe``, not by port) nothing else is
used: a standby takes the lease once it expired or was released, so a crash costs ``ttl``.
Directly, the leader also holds a session advisory lock: when a standby gets it while the lease
still runs, the leader's session ended (a crash) and it takes over at once, unless the server
itself restarted since the last renewal (then the leader is probably alive and reconnecting: the
standby waits for the lease to expire or be renewed). A leader that reconnects renews the same
epoch when the row still names it. A standby that finds the lease expired while its holder still
has the lock terminates the holder's session.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
from uuid import UUID

import psycopg

from ..errors import ConfigError
from ..pooling import STATEMENT, Pooling, direct_async, probe_async
from ..urls import describe
from .connection import AsyncConn, ensure_schema, open_connection, scalar, sql_text
from .errors import TakeoverNotPermitted
from .lease_model import LOCK_CLASS, Holder, Promotion, lock_key
from .settings import RuntimeSettings

__all__ = [
    "LOCK_CLASS",
    "AsyncConn",
    "Holder",
    "Leadership",
    "Promotion",
    "ensure_schema",
    "lock_key",
    "open_connection",
    "sql_text",
]

log = logging.getLogger("pgwarden.runtime")

_OLD_LEASE = (
    b"SELECT holder, released, extract(epoch FROM expires_at - now())::float8, "
    b"renewed_at < pg_catalog.pg_postmaster_start_time(), backend_pid IS NULL, epoch "
    b"FROM pgwarden.leases WHERE name = %(name)s FOR UPDATE"
)
_IDLE = psycopg.pq.TransactionStatus.IDLE


def _together(conn: AsyncConn) -> contextlib.AbstractAsyncContextManager[object]:
    """The statements sent in the block share one round trip (libpq 14 or newer; else one each)."""
    return conn.pipeline() if psycopg.AsyncPipeline.is_supported() else contextlib.nullcontext()


_POOLED_HOLDER = (
    b"SELECT i.pid, i.host, l.epoch FROM pgwarden.leases l LEFT JOIN pgwarden.instances i ON i.id = l.holder "
    b"WHERE l.name = %s"
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
        self.pooling: Pooling | None = None
        """What sits between us and PostgreSQL (probed at the first connection)."""
        self._fresh = False
        """The connection is new: a leader must reclaim its lease on it before renewing."""

    @property
    def application_name(self) -> str:
        return f"pgwarden leader {self.settings.name} {socket.gethostname()[:20]} pid {os.getpid()}"

    @property
    def active(self) -> bool:
        return self.epoch is not None

    @property
    def direct(self) -> bool:
        """Session state holds: the advisory lock and backend pids mean something."""
        return self.pooling is not None and self.pooling.session_state

    def expired_locally(self) -> bool:
        return self.active and time.monotonic() >= self.valid_until

    async def _open(self) -> AsyncConn:
        return await open_connection(
            self.url,
            application_name=self.application_name,
            timeout=min(5.0, self.settings.ttl),
            ttl=self.settings.ttl,
        )

    async def _probe(self, conn: AsyncConn) -> Pooling:
        other = await self._open()
        try:
            return await probe_async(conn, other)
        finally:
            await other.close()

    async def connect(self) -> AsyncConn:
        if self.conn is None or self.conn.closed:
            conn = await self._open()
            if self.pooling is None:
                self.pooling = await direct_async(conn) or await self._probe(conn)
                log.info("the lease of %r goes through %s", self.settings.name, self.pooling.describe())
                if self.pooling.mode == STATEMENT:
                    raise ConfigError(
                        f"The database URL {describe(self.url)} goes through a pooler in statement mode, which "
                        "refuses the transactions the lease needs: set DIRECT_URL to a direct URL."
                    )
            self.conn, self._fresh = conn, True
        return self.conn

    async def disconnect(self) -> None:
        """Drop the connection but keep the epoch: a leader that reconnects within ttl renews it."""
        conn, self.conn = self.conn, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):  # the session is gone either way
                await asyncio.wait_for(conn.close(), timeout=1.0)

    async def close(self) -> None:
        """Drop the session (and with it the lock); the lease stays until it expires or is replaced."""
        self.epoch = None
        await self.disconnect()

    async def try_acquire(self) -> Promotion | None:
        """One standby step: take the lease if it is free; the promotion, if any."""
        conn = await self.connect()
        self._fresh = False
        if self.direct:
            got = await scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", self.key)
            if not got:
                await self._look_at_holder(conn)
                if self.holder is not None and self.holder.is_lease_holder and self.holder.expired:
                    await self._terminate(conn, self.holder)
                    got = await self._retry_lock(conn)
                if not got:
                    return None
        sent = time.monotonic()
        params = {
            "name": self.settings.name,
            "holder": self.instance_id,
            "ttl": self.settings.ttl,
            "direct": self.direct,
        }
        # The transaction's BEGIN goes with the read, its COMMIT with the upsert: two round trips, not
        # four, on the path of every promotion (a start, a failover), each a remote database's latency.
        try:
            async with _together(conn):
                await conn.execute(b"BEGIN")
                read = await conn.execute(_OLD_LEASE, params)
            old = await read.fetchone()
            previous, released, remaining, restarted, sessionless = (
                (old[0], bool(old[1]), float(old[2] or 0), bool(old[3]), bool(old[4]))
                if old
                else (None, True, 0.0, False, False)
            )
            # FOR UPDATE locks no row that does not exist yet: through a transaction pooler (no advisory
            # lock) two first instances both read "no lease", and the later upsert must not overwrite
            # the earlier one's fresh lease. acquire.sql updates only the row it read (this epoch).
            params["seen"] = int(old[5]) if old else None
            running = previous is not None and previous != self.instance_id and not released and remaining > 0
            # Through a pooler (ours or the leader's: no server process recorded) nothing tells a crash from
            # a live leader: the lease must run out. Directly, a server restart since the last renewal
            # ended the leader's session, not the leader.
            if running and (not self.direct or restarted or sessionless):
                epoch = None
                await conn.execute(b"COMMIT")
            else:
                async with _together(conn):
                    won_cur = await conn.execute(sql_text("acquire.sql").encode(), params)
                    await conn.execute(b"COMMIT")
                won = await won_cur.fetchone()
                epoch = int(won[0]) if won is not None and won[0] is not None else None
        except BaseException:
            if not conn.closed and not conn.broken and conn.info.transaction_status != _IDLE:
                with contextlib.suppress(psycopg.Error):  # the first error is the one to report
                    await conn.execute(b"ROLLBACK")
            raise
        if epoch is None:
            if self.direct:
                await conn.execute("SELECT pg_advisory_unlock(%s, %s)", self.key)
            await self._lease_holder(conn)
            return None
        self.holder = None
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
        remaining = self.valid_until - time.monotonic()
        if remaining <= 0:
            return False
        try:
            if self._fresh:
                return await asyncio.wait_for(self._reclaim(conn), timeout=remaining)
            due = time.monotonic() - self.renewed_at >= self.settings.renew_interval
            sent = time.monotonic()
            if due:
                ok = await asyncio.wait_for(self._renew(conn, self.epoch), timeout=remaining)
                if ok:
                    self.renewed_at = sent
                    self.valid_until = sent + self.settings.ttl
                return ok
            query = "SELECT epoch = %s AND holder = %s AND NOT released" + (
                " AND backend_pid = pg_backend_pid()" if self.direct else ""
            )
            return bool(
                await asyncio.wait_for(
                    scalar(
                        conn,
                        query + " FROM pgwarden.leases WHERE name = %s",
                        (self.epoch, self.instance_id, self.settings.name),
                    ),
                    timeout=remaining,
                )
            )
        except asyncio.TimeoutError:
            return False

    async def _reclaim(self, conn: AsyncConn) -> bool:
        """On a new connection (the old one or the server went away): renew the same epoch if the row
        still names us. Directly, only with the advisory lock in hand, so no standby mistakes us for dead."""
        assert self.epoch is not None
        if self.direct:
            deadline = time.monotonic() + min(1.0, self.settings.check_interval)
            while not await scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", self.key):
                if time.monotonic() >= deadline:
                    # A standby holds it for a moment: report the lease as still ours without renewing.
                    return await self._still_ours(conn)
                await asyncio.sleep(0.05)
        sent = time.monotonic()
        if not await self._renew(conn, self.epoch, reclaim=True):
            return False
        self._fresh = False
        self.renewed_at = sent
        self.valid_until = sent + self.settings.ttl
        log.info("reconnected: the lease of %r is still ours (epoch %d)", self.settings.name, self.epoch)
        return True

    async def _still_ours(self, conn: AsyncConn) -> bool:
        query = "SELECT epoch = %s AND holder = %s AND NOT released FROM pgwarden.leases WHERE name = %s"
        return bool(await scalar(conn, query, (self.epoch, self.instance_id, self.settings.name)))

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

    async def _renew(self, conn: AsyncConn, epoch: int, *, reclaim: bool = False) -> bool:
        params = {
            "name": self.settings.name,
            "holder": self.instance_id,
            "epoch": epoch,
            "ttl": self.settings.ttl,
            # The server process only identifies the leader's session on a direct connection.
            "check_pid": self.direct and not reclaim,
            "direct": self.direct,
        }
        row = await (await conn.execute(sql_text("renew.sql").encode(), params)).fetchone()
        return row is not None

    async def _lease_holder(self, conn: AsyncConn) -> None:
        """Who holds the lease, from its row (through a pooler no server process identifies it)."""
        row = await (await conn.execute(_POOLED_HOLDER, (self.settings.name,))).fetchone()
        if row is None:
            self.holder = None
            return
        pid, host, epoch = int(row[0] or 0), row[1] or "?", int(row[2])
        self.highest_epoch = max(self.highest_epoch, epoch)
        self.holder = Holder(
            pid=pid,
            application_name=f"pgwarden leader {self.settings.name} {host} pid {pid}",
            client_addr=None,
            user="?",
            is_lease_holder=True,
            expired=False,
            expired_for=None,
            epoch=epoch,
        )

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
            me = await scalar(conn, "SELECT current_user")
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
            if await scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", self.key):
                return True
            await asyncio.sleep(0.02)
        return False
