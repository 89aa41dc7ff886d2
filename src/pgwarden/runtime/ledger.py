"""Exactly-once Telegram updates: a ledger of claimed ``update_id``s in ``pgwarden.updates``.

Whoever is about to handle an update claims it first. A claim is one autocommit statement
(``sql/ledger_claim.sql``): the primary key ``(name, update_id)`` lets one claimant win among
replicas, a redelivery finds the row and is refused, and a fenced claim (with the lease epoch,
as a polling leader makes it) fails when the epoch is no longer the lease's, so a frozen leader
that resumes after a takeover cannot handle what its successor may handle. A claim whose handler
never finished (its process died) is taken over by a higher epoch, or after ``claim_timeout``.
Rows older than ``retention`` are deleted now and then: Telegram redelivers for 24 hours at most.
"""

from __future__ import annotations

import asyncio
import enum
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any
from uuid import UUID

import psycopg

from ..errors import DatabaseUnreachable
from ..urls import describe
from .connection import AsyncConn, ensure_schema, open_connection, sql_text

if TYPE_CHECKING:
    from prometheus_client.core import Metric

__all__ = ["Claim", "LedgerUnavailable", "UpdateLedger"]

log = logging.getLogger("pgwarden.runtime")

DEFAULT_RETENTION = 48 * 3600.0
"""Twice Telegram's 24 hours of redelivery: a clock skew or a long outage still finds the claim."""
DEFAULT_CLAIM_TIMEOUT = 120.0
"""An unfenced claim older than this whose handler never finished is taken to be orphaned."""
_PRUNE_EVERY = 60.0
_POOL = 4
"""Connections per ledger: webhook requests claim concurrently, one round trip each."""
DEFAULT_RECORD_FOR = 8.0
"""Seconds ``done`` keeps retrying (a PostgreSQL restart): an unrecorded claim is handled again later."""


class Claim(enum.Enum):
    """What a claim decided; only ``CLAIMED`` means: handle the update now."""

    CLAIMED = "claimed"
    DUPLICATE = "duplicate"
    """The update was handled already (a redelivery, or a replica was faster)."""
    BUSY = "busy"
    """Another claimant is handling it right now: ask Telegram to deliver it again later."""
    FENCED = "fenced"
    """The epoch given is no longer the lease's: this instance is not the leader any more."""


class LedgerUnavailable(DatabaseUnreachable):
    """The ledger's database did not answer: the update must not be handled (nor confirmed) now."""


class UpdateLedger:
    """The claims of one lease name, on a connection of its own (opened on first use, reopened after a loss)."""

    def __init__(
        self,
        url: str,
        name: str,
        holder: UUID,
        *,
        claim_timeout: float = DEFAULT_CLAIM_TIMEOUT,
        retention: float = DEFAULT_RETENTION,
        ttl: float = 10.0,
        record_for: float = DEFAULT_RECORD_FOR,
    ) -> None:
        self.url = url
        self.name = name
        self.holder = holder
        self.claim_timeout = claim_timeout
        self.retention = retention
        self.ttl = ttl
        self.record_for = min(record_for, claim_timeout / 2)
        self.counts: Counter[Claim] = Counter()
        """Claims by outcome since start; ``counts[Claim.DUPLICATE]`` is the duplicates refused."""
        self.pruned = 0
        self._handling: set[int] = set()
        """Claimed here and not done yet: a claim of ours outside this set is an orphan we may retake."""
        self._idle: list[AsyncConn] = []
        self._slots = asyncio.Semaphore(_POOL)
        self._next_prune = 0.0

    @classmethod
    def for_warden(cls, warden: Any, **kwargs: Any) -> UpdateLedger:
        """The ledger of ``warden``'s lease name, its claims made as ``warden``'s instance.

        When ``warden`` serves metrics, ``pgwarden_updates_total{outcome}`` joins them.
        """
        ledger = cls(warden.url, warden.settings.name, warden.instance.id, ttl=warden.settings.ttl, **kwargs)
        metrics = getattr(warden, "metrics", None)
        if metrics is not None:
            metrics.register(LedgerCollector(ledger))
        return ledger

    async def claim(self, update_id: int, epoch: int | None = None) -> Claim:
        """Claim ``update_id`` for handling; fenced by ``epoch`` when it is given."""
        if update_id in self._handling:
            # Delivered twice at once to this process (a redelivery while the first is in flight).
            self.counts[Claim.BUSY] += 1
            return Claim.BUSY
        # Marked before the round trip: a second delivery arriving meanwhile must not retake our claim.
        self._handling.add(update_id)
        try:
            outcome = await self._claim(update_id, epoch)
        except BaseException:
            self._handling.discard(update_id)
            raise
        if outcome is not Claim.CLAIMED:
            self._handling.discard(update_id)
        if time.monotonic() >= self._next_prune:
            try:
                await self.prune()
            except LedgerUnavailable as exc:  # the claim stands; pruning waits for the next minute
                log.warning("pruning the update ledger failed: %s", exc)
        return outcome

    async def _claim(self, update_id: int, epoch: int | None) -> Claim:
        params = {
            "name": self.name,
            "update_id": update_id,
            "holder": self.holder,
            "epoch": epoch,
            "claim_timeout": self.claim_timeout,
        }
        row = await self._run(sql_text("ledger_claim.sql"), params)
        assert row is not None
        fence_held, won, state = bool(row[0]), bool(row[1]), row[2]
        if not fence_held:
            outcome = Claim.FENCED
        elif won:
            outcome = Claim.CLAIMED
        elif state == "done":
            outcome = Claim.DUPLICATE
        else:
            # Claimed by another claimant (committed after this statement's snapshot when state is null).
            outcome = Claim.BUSY
        self.counts[outcome] += 1
        if outcome is not Claim.CLAIMED:
            log.info("update %d of %r not handled here: %s", update_id, self.name, outcome.value)
        return outcome

    async def done(self, update_id: int) -> bool:
        """Record that the handler of ``update_id`` finished; False when the claim was taken over meanwhile.

        Retried for ``record_for`` seconds: a claim left unrecorded is handled again once it is
        orphaned, so riding out a PostgreSQL restart here saves a second handling.
        """
        params = {"name": self.name, "update_id": update_id, "holder": self.holder}
        deadline = time.monotonic() + self.record_for
        pause = 0.1
        try:
            while True:
                try:
                    return await self._run(sql_text("ledger_done.sql"), params) is not None
                except LedgerUnavailable:
                    if time.monotonic() + pause > deadline:
                        raise
                    await asyncio.sleep(pause)
                    pause = min(pause * 2, 1.0)
        finally:
            self._handling.discard(update_id)

    async def prune(self) -> int:
        """Delete claims older than the retention; how many went."""
        self._next_prune = time.monotonic() + _PRUNE_EVERY
        count = await self._run(
            sql_text("ledger_prune.sql"), {"name": self.name, "retention": self.retention}
        )
        self.pruned += int(count or 0)
        return int(count or 0)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for conn in idle:
            if not conn.closed:
                await conn.close()

    async def _connect(self) -> AsyncConn:
        while self._idle:
            conn = self._idle.pop()
            if not conn.closed:
                return conn
        conn = await open_connection(
            self.url,
            application_name=f"pgwarden ledger {self.name} pid {os.getpid()}",
            timeout=min(5.0, self.ttl),
            ttl=self.ttl,
        )
        try:
            await ensure_schema(conn, self.url)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def _run(self, query: str, params: dict[str, Any]) -> Any:
        """One statement; a lost connection is replaced once. A DELETE returns its row count."""
        async with self._slots:
            for attempt in (1, 2):
                conn: AsyncConn | None = None
                try:
                    conn = await self._connect()
                    cur = await conn.execute(query.encode(), params)
                    result = cur.rowcount if cur.description is None else await cur.fetchone()
                    self._idle.append(conn)
                    return result
                except asyncio.CancelledError:
                    # The caller went away mid-statement (a webhook request or a bot shutting down): the
                    # session may still be busy, so it is closed, not handed out again nor left to the GC.
                    if conn is not None and not conn.closed:
                        await conn.close()
                    raise
                except (psycopg.OperationalError, DatabaseUnreachable) as exc:
                    if conn is not None and not conn.closed:
                        await conn.close()
                    await self.close()  # the others broke with it (a restart): do not hand them out
                    if attempt == 2:
                        raise LedgerUnavailable(
                            f"The update ledger at {describe(self.url)} did not answer ({type(exc).__name__})."
                        ) from None
        raise AssertionError("unreachable")


class LedgerCollector:
    """``pgwarden_updates_total{name,outcome}``: claims by outcome; ``outcome="duplicate"`` counts refusals."""

    def __init__(self, ledger: UpdateLedger) -> None:
        self.ledger = ledger

    def collect(self) -> Iterator[Metric]:
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(
            "pgwarden_updates",
            "Telegram updates claimed in the exactly-once ledger, by outcome (duplicate: refused redelivery)",
            labels=["name", "outcome"],
        )
        for outcome in Claim:
            family.add_metric([self.ledger.name, outcome.value], float(self.ledger.counts[outcome]))
        yield family
