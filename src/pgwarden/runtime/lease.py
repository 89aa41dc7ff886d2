"""The lease state machine of one instance: standby or active, promotion, demotion, and the lease guard.

``Lease`` decides nothing about readiness: its owner (the Warden, or any other host of the work)
calls ``promote`` when ``Leadership.try_acquire`` won and ``demote`` when the lease was lost or
the instance is no longer ready. While active, a guard task stops the work before the lease can
run out, whatever the owner's loop is waiting for.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import psycopg

from . import history
from .dispatch import SendAlert
from .leadership import Leadership, Promotion
from .registry import Instance
from .settings import RuntimeSettings

__all__ = ["Callback", "Demotion", "Lease"]

log = logging.getLogger("pgwarden.runtime")

Callback = Callable[[], Any]


@dataclass
class Demotion:
    """Why this instance stopped being the active one (``Warden.demotion``)."""

    reason: str
    lost: bool
    """True when the lease was lost (another instance may already be active): stop the work at once."""
    epoch: int
    kill_by: float | None = None
    """Monotonic time by which the work must be gone: the lease runs out then (SIGTERM first, SIGKILL then)."""


class Lease:
    """Active or standby for ``leadership``; runs the promotion and demotion callbacks in order."""

    def __init__(
        self,
        leadership: Leadership,
        settings: RuntimeSettings,
        instance: Instance,
        *,
        alert: SendAlert,
        on_promoted: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.leadership = leadership
        self.settings = settings
        self.instance = instance
        self.alert = alert
        self.on_promoted = on_promoted
        """Awaited after a promotion, before the callbacks (the Warden records the new role)."""
        self.active = False
        self.promotion: Promotion | None = None
        self.demotion: Demotion | None = None
        self.standby_reason: str | None = None
        self.guard: asyncio.Task[None] | None = None
        self.epoch_floor = 0
        """The highest epoch this instance held: a restore must never hand out a lower one."""
        self.active_event = asyncio.Event()
        self.inactive_event = asyncio.Event()
        self.inactive_event.set()
        self.changed = asyncio.Event()
        """Set at every change of role (and by the owner at a fatal error): waiters look again."""
        self.promote_cbs: list[Callback] = []
        self.demote_cbs: list[Callback] = []

    @property
    def epoch(self) -> int | None:
        return self.leadership.epoch if self.active else None

    @property
    def highest_epoch(self) -> int:
        """The highest epoch this instance saw, held or not."""
        return max(self.epoch_floor, self.leadership.highest_epoch)

    @property
    def takeover_delay(self) -> float:
        if self.promotion is None or not self.promotion.takeover:
            return 0.0
        return self.settings.effective_takeover_delay

    @property
    def stop_margin(self) -> float:
        """Seconds before the lease runs out at which an unrenewed leader starts stopping its work.

        A third of ttl at most: a healthy leader renews every ttl/3, so it never gets here, and a
        database restart shorter than that keeps the work running; the grace when it is shorter.
        """
        return min(self.settings.grace, self.settings.renew_interval)

    async def promote(self, promotion: Promotion) -> None:
        self.promotion = promotion
        self.epoch_floor = max(self.epoch_floor, promotion.epoch)
        self.demotion = None
        self.standby_reason = None
        self.active = True
        self.inactive_event.clear()
        self.guard = asyncio.create_task(self._guard_lease(), name="pgwarden-lease-guard")
        log.info("ACTIVE for %r with epoch %d: %s", self.settings.name, promotion.epoch, promotion.reason)
        if promotion.takeover:
            self.alert(
                "takeover",
                f"Instance {self.instance.host} pid {self.instance.pid} took over {self.settings.name!r} "
                f"(epoch {promotion.epoch}): {promotion.reason}.",
                severity="warning",
                evidence={"epoch": promotion.epoch, "previous": str(promotion.previous)},
            )
        if self.on_promoted is not None:
            await self.on_promoted()
        await call_all(self.promote_cbs)
        if self.active:
            self.active_event.set()
            self.changed.set()

    async def demote(
        self, reason: str, *, lost: bool, planned: bool = False, kill_by: float | None = None
    ) -> None:
        if not self.active:
            return
        epoch = self.leadership.epoch or 0
        self.demotion = Demotion(reason=reason, lost=lost, epoch=epoch, kill_by=kill_by)
        self.active = False
        guard, self.guard = self.guard, None
        if guard is not None and guard is not asyncio.current_task():
            guard.cancel()
        self.active_event.clear()
        self.inactive_event.set()
        self.changed.set()
        # A stop the instance was asked for (the command exited, SIGTERM) is news, not a warning.
        (log.error if lost else log.info if planned else log.warning)(
            "STANDBY for %r (was epoch %d): %s", self.settings.name, epoch, reason
        )
        history.note(
            self.leadership.url,
            name=self.settings.name,
            kind="leadership",
            outcome="bad" if lost else "ok" if planned else "warn",
            summary=f"{'Lost' if lost else 'Stood down from'} {self.settings.name!r} (epoch {epoch}): {reason}.",
        )
        if lost:
            await self.leadership.close()
            await call_all(self.demote_cbs)
        elif kill_by is not None:
            # The lease cannot be renewed: the work gets SIGTERM and its grace, cut to when the lease ends.
            await call_all(self.demote_cbs)
            await self.leadership.release()
        else:
            await self._stop_work_holding_lease()
            await self.leadership.release()
        if lost or kill_by is not None:
            self.alert(
                "demoted",
                f"Instance {self.instance.host} pid {self.instance.pid} lost {self.settings.name!r}: {reason}.",
            )

    def note_standby(self) -> None:
        """Log (once per change) who holds the lease this instance could not take."""
        holder = self.leadership.holder
        if holder is None:
            reason = "the lease is being handed over"
        elif holder.is_pgwarden:
            reason = f"standing by: {holder.describe()} is active" + (
                f" with epoch {holder.epoch}" if holder.epoch else ""
            )
        else:
            reason = f"standing by: the leadership lock is held by a non-pgwarden session {holder.describe()}"
        if reason != self.standby_reason:
            log.info("%s", reason)
            self.standby_reason = reason

    async def _guard_lease(self) -> None:
        """Stop the work before the lease may run out, whatever the loop is waiting for.

        SIGTERM (and the grace period) once the lease is within ``stop_margin`` of running out;
        SIGKILL at once only when it already ran out: then another instance may be active.
        """
        while self.active:
            until = self.leadership.valid_until
            left = until - time.monotonic()
            if left <= 0:
                await self.demote(
                    "the lease ran out before it could be renewed (the database or this process stalled)",
                    lost=True,
                )
                return
            if left <= self.stop_margin:
                await self.demote(
                    f"the lease could not be renewed and runs out in {left:.1f} s: stopping the work first",
                    lost=False,
                    kill_by=until,
                )
                return
            await asyncio.sleep(left - self.stop_margin + 0.001)

    async def _stop_work_holding_lease(self) -> None:
        """Run the demotion callbacks while renewing the lease, so no standby starts before the work stopped."""
        callbacks = asyncio.create_task(call_all(self.demote_cbs))
        while not callbacks.done():
            await asyncio.wait({callbacks}, timeout=self.settings.check_interval)
            if callbacks.done():
                break
            try:
                kept = self.leadership.active and await self.leadership.keep()
            except (psycopg.Error, OSError):
                kept = False
            if not kept and self.demotion is not None and not self.demotion.lost:
                self.demotion.lost = True
                log.error("lost the lease while the work was stopping: stopping it at once")
        await callbacks


async def call_all(callbacks: list[Callback]) -> None:
    for cb in list(callbacks):
        try:
            result = cb()
            if inspect.isawaitable(result):
                await result
        except Exception:  # noqa: BLE001 - one bad callback must not stop the guardian
            log.exception("a leadership callback failed")
