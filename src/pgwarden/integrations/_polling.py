"""The getUpdates loop both integrations share: poll only while active, never overlap a successor's poll.

Telegram answers ``409 Conflict: terminated by other getUpdates request`` to a pending
getUpdates when another one arrives for the same bot. So on demotion this loop does not
cancel the long poll in flight: it lets it finish (at most ``timeout`` seconds), ignores
what it returned, and polls no more. A handled update is confirmed by the next getUpdates'
``offset``; when demotion comes between handling and that next call, one short call
(``timeout=0``) confirms it at once, so the successor does not handle it a second time. A
successor that took over from a hung instance waits ``takeover_delay`` first, which must
outlast the long-poll window. A leader with ``on_demote`` (a Warden) is asked to hold its lease
until this loop is idle, so a graceful hand-over needs no delay at all.

With an update ledger (``exactly_once=True`` in the integrations) every getUpdates batch is
claimed under the lease epoch, in one round trip, before any of it is handled: a redelivered
update, or one a frozen predecessor already handled, is skipped, and a claim refused by the fence
ends this leadership term's polling at once. Finished handlers are recorded in the background,
batched (and folded into the next batch's claim); a redelivery meanwhile is refused from memory.
On demotion they are all recorded before the handled updates are confirmed and the lease goes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

from .._aio import wait_quietly
from ..runtime.ledger import Claim, LedgerUnavailable, UpdateLedger
from ._leader import Leader

U = TypeVar("U")

log = logging.getLogger("pgwarden.integrations")

BEACON = "telegram"
_STANDBY_BEAT = 1.0
"""While standing by, the loop still beats so liveness knows it is alive and waiting."""
_BACKOFF_FIRST, _BACKOFF_MAX = 1.0, 30.0


class PollingLoop(Generic[U]):
    """Drives ``fetch`` and ``handle`` for one bot under ``leader``; ``run()`` returns only when cancelled."""

    def __init__(
        self,
        leader: Leader,
        *,
        fetch: Callable[[int | None, int, int | None], Awaitable[Sequence[U]]],
        handle: Callable[[U], Awaitable[None]],
        update_id: Callable[[U], int],
        timeout: int,
        is_conflict: Callable[[BaseException], bool],
        drain: Callable[[], Awaitable[None]] | None = None,
        on_active: Callable[[], Awaitable[None]] | None = None,
        poll_interval: float = 0.0,
        name: str = "bot",
        ledger: UpdateLedger | None = None,
    ) -> None:
        self.leader = leader
        self._fetch = fetch
        self._handle = handle
        self._update_id = update_id
        self.timeout = timeout
        self._is_conflict = is_conflict
        self._drain = drain
        self._on_active = on_active
        self.poll_interval = poll_interval
        self.name = name
        self.ledger = ledger
        self.skipped = 0
        self.webhook_conflicts = 0
        """409s answered because a webhook is set while this instance polls (one cause of incident 002's 409)."""
        """Updates the ledger refused (handled before, by us or another instance)."""
        self.offset: int | None = None
        self._unconfirmed = False
        self.rounds = 0
        self.handled = 0
        self.idle = asyncio.Event()
        """Set while no getUpdates of ours can be in flight (standby, takeover delay, stopped)."""
        self.idle.set()
        register = getattr(leader, "on_demote", None)
        if callable(register):
            # A Warden runs demotion callbacks before it releases the lease: holding it until our
            # last long poll has returned means the successor's first poll cannot overlap it.
            register(self.idle.wait)

    async def run(self) -> None:
        while True:
            await self._stand_by()
            delay = self.leader.takeover_delay
            if delay > 0:
                log.info("%s: active; waiting %.1f s (takeover delay) before polling", self.name, delay)
                await self._sleep_beating(delay)
                if not self.leader.is_active:
                    continue
            log.info("%s: active (epoch %s); polling Telegram", self.name, self.leader.epoch)
            self.idle.clear()
            try:
                await self._prepare()
                await self._poll_while_active()
            finally:
                try:
                    await self._wind_down()
                finally:
                    self.idle.set()
            log.info("%s: no longer active; polling stopped", self.name)

    async def _prepare(self) -> None:
        if self._on_active is None:
            return
        try:
            await self._on_active()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - polling itself will retry and say what is wrong
            log.warning("%s: preparing to poll failed (%s: %s)", self.name, type(exc).__name__, exc)

    async def _stand_by(self) -> None:
        while not self.leader.is_active:
            self.leader.beat(BEACON)
            if not await wait_quietly(self.leader.wait_active(), _STANDBY_BEAT):
                continue
            if not self.leader.is_active:  # waiters released without a promotion (the leader is stopping)
                await asyncio.sleep(_STANDBY_BEAT)

    async def _sleep_beating(self, seconds: float) -> None:
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            self.leader.beat(BEACON)
            await asyncio.sleep(min(left, _STANDBY_BEAT))

    async def _pause(self, seconds: float) -> None:
        """Sleep while active; a demotion ends the pause at once, so a Warden's hand-over is not held up."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while self.leader.is_active and (left := end - loop.time()) > 0:
            self.leader.beat(BEACON)
            await wait_quietly(self.leader.wait_inactive(), min(left, _STANDBY_BEAT))

    async def _poll_while_active(self) -> None:
        backoff = _BACKOFF_FIRST
        while self.leader.is_active:
            try:
                updates = await self._fetch(self.offset, self.timeout, None)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - network trouble must not end polling
                if self._is_conflict(exc) and "webhook" in str(exc).lower():
                    self.webhook_conflicts += 1
                    log.warning(
                        "%s: a webhook is set for this bot while it polls (Telegram answers 409 to getUpdates): "
                        "another deployment set it, or this bot ran in webhook mode before. Delete it with "
                        "deleteWebhook, or run every instance in webhook mode. Retrying in %.0f s",
                        self.name,
                        backoff,
                    )
                elif self._is_conflict(exc):
                    log.warning(
                        "%s: Telegram says another getUpdates poller is running (%s); is a copy of this bot "
                        "running outside pgwarden? Retrying in %.0f s",
                        self.name,
                        exc,
                        backoff,
                    )
                else:
                    log.warning(
                        "%s: getUpdates failed (%s: %s); retrying in %.0f s",
                        self.name,
                        type(exc).__name__,
                        exc,
                        backoff,
                    )
                await self._pause(backoff)
                backoff = min(backoff * 2, _BACKOFF_MAX)
                continue
            backoff = _BACKOFF_FIRST
            self.rounds += 1
            self._unconfirmed = False
            self.leader.beat(BEACON)
            verdicts = await self._claim(updates)
            if verdicts is None:
                continue
            for update in updates:
                if not self.leader.is_active:
                    # Demoted while this batch was in flight: leave the rest unconfirmed for the successor.
                    break
                update_id = self._update_id(update)
                if verdicts.pop(update_id, self.ledger is None):  # an id twice in a batch: once
                    await self._handle(update)
                    if self.ledger is not None and self.ledger.take_retry(update_id):
                        # Its transaction rolled back (taken over, connection lost): not confirmed, so it
                        # comes back with the next getUpdates (to us, or to the successor) and is retaken.
                        log.warning("%s: update %d is left for a retake", self.name, update_id)
                        break
                else:
                    self.skipped += 1
                self.offset = update_id + 1
                self._unconfirmed = True
                self.handled += 1
                self.leader.beat(BEACON)
            if verdicts and self.ledger is not None:
                self.ledger.release(u for u, won in verdicts.items() if won)  # claimed, left unhandled
            if self.poll_interval > 0:
                await self._pause(self.poll_interval)

    async def _claim(self, updates: Sequence[U]) -> dict[int, bool] | None:
        """Per update_id, True: handle it, False: skip it (handled before); None: leave the batch unconfirmed.

        The whole batch is claimed in one round trip, which also records the handlers finished since.
        """
        if self.ledger is None or not updates:
            return {}
        epoch = self.leader.epoch
        if epoch is None:
            return None
        try:
            outcomes = await self.ledger.claim_many([self._update_id(u) for u in updates], epoch)
        except LedgerUnavailable as exc:
            log.warning("%s: %s Retrying in %.0f s", self.name, exc, _BACKOFF_FIRST)
            await self._pause(_BACKOFF_FIRST)
            return None
        if Claim.FENCED in outcomes.values():
            log.warning(
                "%s: the ledger refused updates %d-%d: epoch %d is no longer the lease's; polling stops",
                self.name,
                min(outcomes),
                max(outcomes),
                epoch,
            )
            await self._pause(_BACKOFF_FIRST)  # ends at once when the Warden sees the demotion
            return None
        return {u: outcome is Claim.CLAIMED for u, outcome in outcomes.items()}

    async def _wind_down(self) -> None:
        if self._drain is not None:
            await self._drain()
        if self.ledger is not None:
            # Finished handlers recorded before the successor can be handed their updates again.
            await self.ledger.flush()
            # Handler tasks whose transaction rolled back: confirmed no further than the first of them.
            if self.ledger.retry and self.offset is not None:
                self.offset = min(self.offset, *self.ledger.retry)
            self.ledger.retry.clear()
        if self._unconfirmed and self.offset is not None:
            try:
                await self._fetch(self.offset, 0, 1)
                self._unconfirmed = False
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the successor may see these updates once more
                log.warning(
                    "%s: could not confirm the last handled updates (%s: %s); the next active instance "
                    "may receive them again",
                    self.name,
                    type(exc).__name__,
                    exc,
                )


def record_done(ledger: UpdateLedger | None, update_id: int) -> None:
    """Mark ``update_id`` handled in ``ledger`` (batched, in the background; see ``UpdateLedger.finish``)."""
    if ledger is not None:
        ledger.finish(update_id)


def ledger_for(exactly_once: bool | UpdateLedger, warden: Leader) -> UpdateLedger | None:
    """The ledger ``exactly_once`` asks for: a given one, or the Warden's own."""
    if isinstance(exactly_once, UpdateLedger):
        return exactly_once
    if not exactly_once:
        return None
    if not all(hasattr(warden, a) for a in ("url", "settings", "instance")):
        raise TypeError(
            "exactly_once=True needs a pgwarden Warden as warden; with another leader pass "
            "exactly_once=UpdateLedger(url, name, instance_id)"
        )
    return UpdateLedger.for_warden(warden)


class TaskSet:
    """Handler tasks started while active; demotion waits for them before anything else happens."""

    def __init__(self, limit: int | None = None) -> None:
        self._tasks: set[asyncio.Task[None]] = set()
        self._semaphore = asyncio.Semaphore(limit) if limit else None

    async def start(self, work: Callable[[], Awaitable[None]]) -> None:
        if self._semaphore is not None:
            await self._semaphore.acquire()
        semaphore = self._semaphore

        async def run() -> None:
            try:
                await work()
            finally:
                if semaphore is not None:
                    semaphore.release()

        task = asyncio.create_task(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait(self) -> None:
        # Wait on the unfinished tasks only. A finished task leaves the set in its done callback,
        # which runs one loop iteration later; on Python 3.12+ ``gather`` over finished tasks
        # completes without yielding, so looping on ``gather(*self._tasks)`` spun forever before
        # that callback could run. ``asyncio.wait`` on a non-empty set always yields.
        while pending := {task for task in self._tasks if not task.done()}:
            await asyncio.wait(pending)
        for task in list(self._tasks):
            if not task.cancelled():
                task.exception()  # the handler's own error handling has reported it; mark it seen
