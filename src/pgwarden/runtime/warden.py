"""``Warden``: the runtime guardian of one instance — gate, data-loss alarm, leadership, registry, health.

One asyncio task drives everything every ``check_interval``: it verifies the database's
identity (``IdentityGuard``), keeps the schema gate's verdict (``GateDriver``), renews (or competes
for) the lease (``Lease``), and records the instance (``registry.Heartbeat``). The Warden composes
those parts and owns the loop, the connection and the error handling; each part is usable alone.
The schema gate runs in a child process so a slow contract check never delays a renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from .. import config as config_module
from .._aio import cancel_and_wait, wait_quietly
from .._extras import require
from ..config import Config
from ..errors import PgwardenError
from ..urls import describe
from . import registry
from .backups import backup_settings, keep_backups
from .connection import AsyncConn, WorkConnection
from .dispatch import AlertDispatch
from .failures import classify
from .gate_driver import GateDriver
from .health import ProcessHealth
from .identity_guard import IdentityGuard, check_policy
from .invariants import configured_invariants, watch_invariants
from .leadership import Leadership, Promotion
from .lease import Callback, Demotion, Lease
from .notify import Watchdog
from .settings import RuntimeSettings

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from ..checks import Outcome
    from .alerts import Alerter, AlertSettings

__all__ = ["Demotion", "Warden"]

log = logging.getLogger("pgwarden.runtime")

GATE_PENDING = "the schema gate has not passed yet"
"""The reason an instance is not ready while the gate's first run has no verdict yet."""


def alert_settings(cfg: Config) -> AlertSettings | None:
    """``[alerts]`` when configured; None otherwise, so the HTTP client is never loaded for nothing."""
    if "alerts" not in cfg.sections:
        return None
    from .alerts import AlertSettings  # httpx: only when alerts are configured

    return AlertSettings.from_config(cfg)


class Warden:
    """Keeps one instance honest: ``async with Warden.from_config() as w: await w.wait_active()``."""

    def __init__(
        self,
        url: str,
        settings: RuntimeSettings | None = None,
        *,
        config: Config | None = None,
        alerts: AlertSettings | None = None,
        accept_database: bool = False,
        code_root: Path | None = None,
    ) -> None:
        self.url = url
        self.settings = settings or RuntimeSettings()
        self.config = config or Config()
        check_policy(self.settings, self.config)
        self.accept_database = accept_database
        self.instance = registry.Instance(
            name=self.settings.name, code_version=registry.code_version(code_root), ttl=self.settings.ttl
        )
        self.leadership = Leadership(url, self.settings, self.instance.id)
        self.health = ProcessHealth(
            progress_timeout=self.settings.progress_timeout,
            rss_growth_mb_per_hour=self.settings.rss_growth_mb_per_hour,
        )
        self.alerter: Alerter | None = None
        if alerts is not None and alerts.enabled:
            from .alerts import Alerter  # httpx: only when alerts are configured

            self.alerter = Alerter(alerts)
        self.alerts = AlertDispatch(self.alerter)
        self.lease = Lease(
            self.leadership, self.settings, self.instance, alert=self.alerts.send, on_promoted=self._promoted
        )
        self.identity_guard = IdentityGuard(
            url,
            self.settings,
            self.config,
            self.instance,
            alert=self.alerts.send,
            role=lambda: self.role,
            stand_down=lambda reason: self.lease.demote(reason, lost=False),
            epoch_floor=lambda: self.lease.highest_epoch,
            accept_database=accept_database,
        )
        self.alarm = self.identity_guard.alarm
        self.gate = GateDriver(self.config, self.settings, url, on_done=self.wake)
        self.heartbeats = registry.Heartbeat(self.instance, self.settings.renew_interval)
        self.watchdog = Watchdog()
        self.invariants = configured_invariants(self.config, self.settings)
        """Watched by the active instance every ``invariants_every`` seconds (metrics and alerts)."""
        self.invariant_outcomes: list[Outcome] = []
        self.backups = backup_settings(self.config)
        """``[backup]`` with a directory: the active instance backs up on schedule and watches health."""
        self.fatal: PgwardenError | None = None
        self.db_latency: float | None = None
        self.server: Any = None
        self._db_reason: str | None = None
        self._work = WorkConnection(url, name=self.settings.name, ttl=self.settings.ttl)
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[Any]] = []
        self.metrics: CollectorRegistry | None = None
        """Built when the endpoints start: prometheus_client costs memory a quiet guardian need not pay."""

    @classmethod
    def from_config(
        cls,
        path: str | Path | None = None,
        *,
        name: str | None = None,
        db: str | None = None,
        accept_database: bool = False,
        **overrides: Any,
    ) -> Warden:
        """A Warden from ``pgwarden.toml`` / ``[tool.pgwarden]`` (found from the working directory by default)."""
        cfg = config_module.load(path).with_overrides(database_url=db)
        url = cfg.direct_db_url()
        assert url is not None
        settings = RuntimeSettings.for_guardian(cfg, name=name, **overrides)
        return cls(url, settings, config=cfg, alerts=alert_settings(cfg), accept_database=accept_database)

    # --- the Leader protocol ---------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self.lease.active

    @property
    def epoch(self) -> int | None:
        return self.lease.epoch

    @property
    def promotion(self) -> Promotion | None:
        """How this instance last became the active one (None: it never did)."""
        return self.lease.promotion

    @property
    def demotion(self) -> Demotion | None:
        """Why this instance last stopped being the active one (None: it did not)."""
        return self.lease.demotion

    @property
    def takeover_delay(self) -> float:
        """Seconds to wait before the work starts: non-zero only when the last promotion was a takeover."""
        return self.lease.takeover_delay

    async def wait_active(self) -> None:
        await self._wait(self.lease.active_event)

    async def wait_inactive(self) -> None:
        await self._wait(self.lease.inactive_event)

    def beat(self, name: str = "progress") -> None:
        self.health.beat(name)

    def on_promote(self, cb: Callback) -> None:
        self.lease.promote_cbs.append(cb)

    def on_demote(self, cb: Callback) -> None:
        self.lease.demote_cbs.append(cb)

    # --- state ---------------------------------------------------------------------------

    @property
    def reasons(self) -> list[str]:
        """Why this instance may not become active (empty: it may)."""
        found: list[str] = []
        if self.fatal is not None:
            found.append(str(self.fatal))
        if self._db_reason:
            found.append(self._db_reason)
        found += self.identity_guard.reasons
        if self.gate.reasons is None:
            found.append(GATE_PENDING)
        else:
            found += self.gate.reasons
        return found

    @property
    def ready(self) -> bool:
        return not self.reasons

    @property
    def role(self) -> str:
        return "active" if self.lease.active else "standby" if self.ready else "not_ready"

    def live(self) -> tuple[bool, dict[str, Any]]:
        problems = self.health.problems()
        if self.fatal is not None:
            problems.append(str(self.fatal))
        return not problems, {"live": not problems, "problems": problems, **self.health.snapshot()}

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        reasons = self.reasons
        return not reasons, {
            "ready": not reasons,
            "role": self.role,
            "name": self.settings.name,
            "epoch": self.epoch,
            "instance": str(self.instance.id),
            "code_version": self.instance.code_version,
            "reasons": reasons,
            "standby": self.lease.standby_reason,
            "db_latency_seconds": self.db_latency,
        }

    def wake(self) -> None:
        """Run the next check now (after SIGCONT, for example)."""
        self._wake.set()

    @property
    def stop_margin(self) -> float:
        """Seconds before the lease runs out at which an unrenewed leader starts stopping its work."""
        return self.lease.stop_margin

    async def alert(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None:
        """Alert the configured chats and webhook (deduplicated by ``key``); never raises."""
        self.alerts.send(key, text, severity=severity, evidence=evidence)

    # --- lifecycle -------------------------------------------------------------------------

    async def __aenter__(self) -> Warden:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        if self.settings.health_port is not None:  # before anything starts: nothing to undo
            require("server", ("starlette", "uvicorn", "prometheus_client"), "The health port (health_port)")
        self.health.install_hooks()
        self._tasks.append(asyncio.create_task(self.health.run(), name="pgwarden-health"))
        if self.settings.health_port is not None:
            from .endpoints import serve  # prometheus_client, Starlette, uvicorn: only when served

            self.metrics, self.server = await serve(self)
        self.gate.prepare()  # the gate's process imports while the loop logs in and checks identity
        self._tasks.append(asyncio.create_task(self._run(), name="pgwarden-warden"))
        if self.backups is not None:
            self._tasks.append(asyncio.create_task(keep_backups(self, self.backups), name="pgwarden-backups"))
        if self.invariants:
            watch = watch_invariants(self, self.invariants, self.settings.invariants_every)
            self._tasks.append(asyncio.create_task(watch, name="pgwarden-invariants"))

    async def stop(self, reason: str = "the instance is stopping") -> None:
        """Release the lease (after the demotion callbacks stopped the work) and close everything."""
        # Re-cancelled until it ends: one cancel() may be swallowed by wait_for (see pgwarden._aio).
        await cancel_and_wait(t for t in self._tasks if t.get_name() == "pgwarden-warden")
        if self.lease.active:
            await self.lease.demote(reason, lost=False, planned=True)
        await self.leadership.close()
        if self._work.current is not None:
            with contextlib.suppress(psycopg.Error, asyncio.TimeoutError, OSError):
                await asyncio.wait_for(registry.stopped(self._work.current, self.instance), timeout=2.0)
        await self._work.close()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        self.gate.cancel()
        if self.server is not None:
            await self.server.close()
            self.server = None
        await self.alerts.aclose()
        self.health.remove_hooks()
        self.lease.active_event.set()  # release waiters: they look at is_active / fatal
        self.lease.changed.set()

    async def _wait(self, event: asyncio.Event) -> None:
        changed = self.lease.changed
        while not event.is_set():
            if self.fatal is not None:
                raise self.fatal
            waiter = asyncio.ensure_future(event.wait())
            change = asyncio.ensure_future(changed.wait())
            try:
                await asyncio.wait({waiter, change}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                change.cancel()
            changed.clear()
        if self.fatal is not None:
            raise self.fatal

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = self.settings.check_interval
        cap = max(self.settings.check_interval, min(5.0, self.settings.ttl))
        while True:
            try:
                await self._tick()
                backoff = delay = self.settings.check_interval
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - a bug must stop the work, not leave it unguarded
                role = self._work.current.info.user if self._work.current is not None else None
                failure = classify(exc, self.url, connected_once=self._work.connected_once, role=role)
                if failure.fatal is not None:
                    if failure.bug:
                        log.exception("the guardian loop failed")
                    await self._fail(failure.fatal)
                    return
                delay, backoff = backoff, min(backoff * 2, cap)
                if failure.reconnect_quickly and self.lease.active:
                    delay = backoff = self.settings.check_interval
                await self._lost_database(failure.lost or "", delay)
            self.watchdog.tick(self._sd_status())  # also while the database is away: the guardian is fine
            await wait_quietly(self._wake.wait(), delay)
            self._wake.clear()

    async def _tick(self) -> None:
        if self.leadership.expired_locally():
            await self.lease.demote(
                "the lease was not renewed within ttl (this process was paused or cut off)", lost=True
            )
        work = await self._work.get()
        started = time.monotonic()
        obs = await asyncio.wait_for(
            self.identity_guard.observe(work), timeout=max(1.0, self.settings.ttl / 3)
        )
        self.db_latency = time.monotonic() - started
        await self.identity_guard.check(work, obs)
        self.gate.drive()
        await self._heartbeat(work)
        if self._db_reason:  # only a whole round without an error makes the instance ready again
            log.info("the database at %s is usable again", describe(self.url))
            self._db_reason = None
        if self.lease.active:
            if not await self.leadership.keep():
                await self.lease.demote(
                    "another instance took the lease, or this one's session was lost", lost=True
                )
            elif not self.ready:
                await self.lease.demote("not ready: " + "; ".join(self.reasons), lost=False)
        elif self.ready and not self.leadership.expired_locally():
            promotion = await self.leadership.try_acquire()
            if promotion is not None:
                await self.lease.promote(promotion)
            else:
                self.lease.note_standby()
        elif self.reasons == [GATE_PENDING]:
            # Only the gate's first verdict is missing, and a child process is working it out: the lease's
            # connection opens meanwhile (the path to PostgreSQL probed), so a gate that passes is
            # followed by the promotion at once rather than by a login and the probe's round trips.
            await self.leadership.connect()

    async def _lost_database(self, reason: str, retry_in: float) -> None:
        if reason != self._db_reason:
            log.error("%s; not ready, retrying in %.1f s", reason, retry_in)
        else:
            log.debug("still no database; retrying in %.1f s", retry_in)
        self._db_reason = reason
        if self.lease.active and not self.leadership.expired_locally():
            # A database restart or a network blip: keep the work running while the lease lasts;
            # the guard stops it in time if the lease cannot be renewed (reconnecting renews the epoch).
            await self.leadership.disconnect()
        else:
            await self.lease.demote(f"the database connection was lost ({reason})", lost=True)
            await self.leadership.close()
        await self._work.close()
        self.lease.changed.set()

    async def _fail(self, exc: PgwardenError) -> None:
        log.error("%s", exc)
        self.fatal = exc
        await self.lease.demote(f"fatal: {exc}", lost=True)
        await self.leadership.close()
        self.lease.changed.set()
        self.lease.active_event.set()

    async def _heartbeat(self, conn: AsyncConn, *, force: bool = False) -> None:
        if not self.identity_guard.may_write:
            return  # never write into a database that may not be ours
        await self.heartbeats.beat(
            conn, role=self.role, epoch=self.epoch, ready=self.ready, reasons=self.reasons, force=force
        )

    async def _promoted(self) -> None:
        if self._work.current is not None:
            await self._heartbeat(self._work.current, force=True)

    def _sd_status(self) -> str:
        return f"{self.role} {self.settings.name}" + (f" epoch {self.epoch}" if self.lease.active else "")
