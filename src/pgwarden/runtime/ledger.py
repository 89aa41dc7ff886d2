"""Exactly-once Telegram updates: a ledger of claimed ``update_id``s in ``pgwarden.updates``.

Whoever is about to handle an update claims it first. A claim is one autocommit statement
(``sql/ledger_claim.sql``) for a whole batch of ids (a polling leader claims each getUpdates batch
at once): the primary key ``(name, update_id)`` lets one claimant win among replicas, a
redelivery finds the row and is refused, and a fenced claim (with the lease epoch, as a polling
leader makes it) fails when the epoch is no longer the lease's, so a frozen leader that resumes
after a takeover cannot handle what its successor may handle. A claim whose handler never
finished is taken over by a higher epoch (its leader was deposed), at once when its holder's
heartbeat in ``pgwarden.instances`` is older than ``dead_after`` times its ttl (the holder died or
is frozen), and in any case after ``claim_timeout``. A finished handler is recorded as done either
at once (``done``, what a webhook answer waits for) or in the background, batched, riding along
with the next claim (``finish``, for polling, where the next getUpdates confirms it to Telegram too).
Rows older than ``retention`` are deleted now and then: Telegram redelivers for 24 hours at most.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
import os
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
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
DEFAULT_DEAD_AFTER = 3.0
"""A claim whose holder's heartbeat (``pgwarden.instances.last_seen``) is older than this many of the
holder's ttl is taken over at once: the holder died, or is frozen far longer than the lease waits.
Three, not one: a holder frozen (SIGSTOP, a stalled VM) for a few ttl that resumes in the middle of a
handler runs it to its end, so a retake then would handle that update twice; with two, the bench's
3 s freezes at ttl 2 s did, on a loaded machine where the heartbeat (every ttl/3) lags."""
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
        dead_after: float | None = DEFAULT_DEAD_AFTER,
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
        self.dead_after = dead_after
        self._handling: set[int] = set()
        """Claimed here, handler running: a claim of ours outside these sets is an orphan we may retake."""
        self._unrecorded: set[int] = set()
        """Handled here, ``done`` not committed yet (``finish``): answered as duplicates meanwhile."""
        self._recording: set[int] = set()
        """Of ``_unrecorded``, those in a statement now."""
        self._epochs: dict[int, int | None] = {}
        """Claim epochs of ``_handling``; ``_committed``: recorded done in ``handling``, ``retry``: rolled back there."""
        self._committed: set[int] = set()
        self.retry: set[int] = set()
        self._writer: asyncio.Task[None] | None = None
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
        return (await self.claim_many([update_id], epoch))[update_id]

    async def claim_many(self, update_ids: Sequence[int], epoch: int | None = None) -> dict[int, Claim]:
        """Claim a batch in one round trip, fenced by ``epoch`` when it is given; each id's outcome.

        The handlers recorded with ``finish`` since the last round trip ride along. An id this
        process is handling, or handled and has not recorded yet, is answered here (``BUSY``,
        ``DUPLICATE``) without asking the database, so its own claim is never retaken by itself.
        """
        outcomes: dict[int, Claim] = {}
        ask: list[int] = []
        for update_id in dict.fromkeys(update_ids):
            if update_id in self._unrecorded:
                outcomes[update_id] = Claim.DUPLICATE
            elif update_id in self._handling:
                # Delivered twice at once to this process (a redelivery while the first is in flight).
                outcomes[update_id] = Claim.BUSY
            else:
                ask.append(update_id)
        if ask:
            # Marked before the round trip: a second delivery arriving meanwhile must not retake our claim.
            self._handling.update(ask)
            try:
                # In ascending order, as the done records: two statements locking rows in opposite orders
                # (a new leader's claim, its predecessor's late records) could deadlock.
                outcomes.update(await self._claim(sorted(ask), epoch))
            finally:
                self._handling.difference_update(u for u in ask if outcomes.get(u) is not Claim.CLAIMED)
            won = [u for u in ask if outcomes[u] is Claim.CLAIMED]
            self._epochs.update((u, epoch) for u in won)
            self.retry.difference_update(won)  # retaken: this handling is recorded as any other
        for update_id, outcome in outcomes.items():
            self.counts[outcome] += 1
            if outcome is not Claim.CLAIMED:
                log.info("update %d of %r not handled here: %s", update_id, self.name, outcome.value)
        if time.monotonic() >= self._next_prune:
            try:
                await self.prune()
            except LedgerUnavailable as exc:  # the claims stand; pruning waits for the next minute
                log.warning("pruning the update ledger failed: %s", exc)
        return outcomes

    async def _claim(self, ask: list[int], epoch: int | None) -> dict[int, Claim]:
        riders = self._take_unrecorded()
        try:
            fence_held, won, done, _ = await self._statement(ask, epoch, riders)
        except BaseException:
            self._recording.difference_update(riders)
            raise
        if not fence_held:
            return dict.fromkeys(ask, Claim.FENCED)
        # Neither won nor done: claimed by another claimant (perhaps committed after this statement's snapshot).
        return {u: Claim.CLAIMED if u in won else Claim.DUPLICATE if u in done else Claim.BUSY for u in ask}

    async def _statement(
        self, ids: list[int], epoch: int | None, done: list[int]
    ) -> tuple[bool, set[int], set[int], set[int]]:
        """One run of ``ledger_claim.sql``: fence held, ids won, ids already done, ids of ``done`` recorded."""
        params = {
            "name": self.name,
            "ids": ids,
            "holder": self.holder,
            "epoch": epoch,
            "claim_timeout": self.claim_timeout,
            "dead_after": self.dead_after,
            "done": done,
        }
        row = await self._run(sql_text("ledger_claim.sql"), params)
        assert row is not None
        finished = set(row[3])
        self._recorded(done, finished)
        return bool(row[0]), set(row[1]), set(row[2]), finished

    def _take_unrecorded(self) -> list[int]:
        riders = sorted(u for u in self._unrecorded if u not in self._recording)
        self._recording.update(riders)
        return riders

    def _recorded(self, sent: list[int], finished: set[int]) -> None:
        for update_id in sent:
            if update_id not in finished:
                log.warning("update %d was claimed by another instance while its handler ran here", update_id)
            self._unrecorded.discard(update_id)
            self._recording.discard(update_id)

    def release(self, update_ids: Iterable[int]) -> None:
        """Claimed here but left unhandled (a demotion mid-batch): no longer this process's to answer for."""
        for update_id in update_ids:
            self._handling.discard(update_id)
            self._epochs.pop(update_id, None)

    def handling(self, update_id: int) -> contextlib.AbstractAsyncContextManager[AsyncConn]:
        """``async with ledger.handling(update_id) as conn``: the handler's writes on ``conn`` and the done
        record of ``update_id`` commit in one transaction, or neither does (see ``ledger_tx``)."""
        from .ledger_tx import handling

        return handling(self, update_id)

    def claimed_epoch(self, update_id: int) -> int | None:
        """The epoch this process claimed ``update_id`` with; RuntimeError when it is not handling it."""
        if update_id not in self._handling or update_id in self._committed:
            raise RuntimeError(f"update {update_id} is not being handled by this process (claim it first)")
        return self._epochs.get(update_id)

    def settled(self, update_id: int, *, committed: bool) -> None:
        """``handling`` committed the done record, or rolled back (the claim stays, for a retake)."""
        (self._committed if committed else self.retry).add(update_id)
        self._handling.discard(update_id)
        self._epochs.pop(update_id, None)

    def take_retry(self, update_id: int) -> bool:
        """True once when ``update_id``'s transaction was rolled back: do not confirm it to Telegram."""
        found = update_id in self.retry
        self.retry.discard(update_id)
        return found

    def finish(self, update_id: int) -> None:
        """The handler of ``update_id`` finished: recorded in the background, batched with other finishes.

        Until it is recorded, this process answers a redelivery of ``update_id`` as a duplicate, and
        the record rides along with the next claim or the next background write, whichever comes
        first; ``flush`` waits for all of them.
        """
        self._epochs.pop(update_id, None)
        if update_id in self._committed or update_id in self.retry:
            self._committed.discard(update_id)  # recorded with the handler's writes, or left for a retake
            return
        self._handling.discard(update_id)
        self._unrecorded.add(update_id)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_unrecorded(), name="pgwarden-ledger-done")

    async def _write_unrecorded(self) -> None:
        """Record finished handlers until none is left, retrying for ``record_for`` seconds (a restart)."""
        deadline = time.monotonic() + self.record_for
        pause = 0.1
        while riders := self._take_unrecorded():
            try:
                await self._statement([], None, riders)
                pause = 0.1
            except LedgerUnavailable as exc:
                self._recording.difference_update(riders)
                if time.monotonic() + pause > deadline:
                    # Kept: answered as duplicates here, and retried with the next claim.
                    log.warning("%d handled updates not recorded yet: %s", len(riders), exc)
                    return
                await asyncio.sleep(pause)
                pause = min(pause * 2, 1.0)
            except BaseException:
                self._recording.difference_update(riders)
                raise

    async def flush(self) -> None:
        """Wait until every finished handler is recorded (or ``record_for`` seconds of trying ran out)."""
        if self._writer is not None and self._writer is asyncio.current_task():
            return  # called from inside the writer: it records everything before it ends anyway
        while self._writer is not None and not self._writer.done():
            await asyncio.wait({self._writer})
        if self._unrecorded:
            self._writer = asyncio.create_task(self._write_unrecorded(), name="pgwarden-ledger-done")
            await asyncio.wait({self._writer})

    async def done(self, update_id: int) -> bool:
        """Record at once that the handler of ``update_id`` finished; False when it was taken over meanwhile.

        Retried for ``record_for`` seconds: a claim left unrecorded is handled again once it is
        orphaned, so riding out a PostgreSQL restart here saves a second handling.
        """
        self._epochs.pop(update_id, None)
        if update_id in self._committed | self.retry:
            self._committed.discard(update_id)
            return not self.take_retry(update_id)
        deadline = time.monotonic() + self.record_for
        pause = 0.1
        try:
            while True:
                try:
                    return update_id in (await self._statement([], None, [update_id]))[3]
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
        """Record what is finished, then close the connections."""
        await self.flush()
        await self._drop_idle()

    async def _drop_idle(self) -> None:
        # Not close(): a statement failing inside the background writer must not wait for that writer.
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
                    await self._drop_idle()  # the others broke with it (a restart): do not hand them out
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
