"""``Warden``: the runtime guardian of one instance — gate, data-loss alarm, leadership, registry, health.

One asyncio task drives everything every ``check_interval``: it verifies the database's
identity, keeps the schema gate's verdict, renews (or competes for) the lease, and records the
instance. The schema gate runs in a thread so a slow contract check never delays a renewal.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import inspect
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from .. import config as config_module
from .._aio import cancel_and_wait, wait_quietly
from .._extras import require
from ..config import Config
from ..errors import ConfigError, DatabaseUnreachable, PgwardenError
from ..privileges import PRIVILEGE_ERRORS, from_database_error
from ..urls import describe
from . import identity, registry
from .backups import backup_settings, keep_backups
from .errors import LoginRefused, PermissionProblem
from .gate import has_contract, run_gate_isolated
from .health import ProcessHealth
from .invariants import watch_invariants
from .leadership import AsyncConn, Leadership, Promotion, ensure_schema, open_connection
from .notify import sd_notify, watchdog_interval
from .settings import RuntimeSettings

if TYPE_CHECKING:
    from prometheus_client import CollectorRegistry

    from ..checks import Invariant, Outcome
    from .alerts import Alerter, AlertSettings

__all__ = ["Demotion", "Warden"]

log = logging.getLogger("pgwarden.runtime")

Callback = Callable[[], Any]


def alert_settings(cfg: Config) -> AlertSettings | None:
    """``[alerts]`` when configured; None otherwise, so the HTTP client is never loaded for nothing."""
    if "alerts" not in cfg.sections:
        return None
    from .alerts import AlertSettings

    return AlertSettings.from_config(cfg)


@dataclass
class Demotion:
    """Why this instance stopped being the active one (``Warden.demotion``)."""

    reason: str
    lost: bool
    """True when the lease was lost (another instance may already be active): stop the work at once."""
    epoch: int
    kill_by: float | None = None
    """Monotonic time by which the work must be gone: the lease runs out then (SIGTERM first, SIGKILL then)."""


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
        if self.settings.data_loss_policy == "migrate" and self.config.migrations is None:
            raise ConfigError(
                f'{self.config.where}: `{self.config.prefix}runtime.data_loss_policy = "migrate"` needs '
                f"`{self.config.prefix}migrations` (the folder to re-apply)."
            )
        if self.settings.data_loss_policy == "restore":
            from .recovery import backup_directory

            backup_directory(self.config)
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
            from .alerts import Alerter

            self.alerter = Alerter(alerts)
        self.invariants: list[Invariant] = []
        """Watched by the active instance every ``invariants_every`` seconds (metrics and alerts)."""
        sections = self.config.sections
        if self.settings.invariants_every > 0 and (
            sections.get("invariants") or sections.get("invariants_dir")
        ):
            from ..checks import load_invariants

            self.invariants = load_invariants(self.config)
        self.invariant_outcomes: list[Outcome] = []
        self.backups = backup_settings(self.config)
        """``[backup]`` with a directory: the active instance backs up on schedule and watches health."""
        self.alarm = identity.Alarm()
        self.promotion: Promotion | None = None
        self.demotion: Demotion | None = None
        self.fatal: PgwardenError | None = None
        self.db_latency: float | None = None
        self.server: Any = None
        self._losses: list[identity.Loss] = []
        self._gate_reasons: list[str] | None = None
        self._gate_task: asyncio.Task[list[str]] | None = None
        self._gate_next = 0.0
        self._db_reason: str | None = None
        self._standby_reason: str | None = None
        self._work: AsyncConn | None = None
        self._connected_once = False
        self._active = False
        self._active_event = asyncio.Event()
        self._inactive_event = asyncio.Event()
        self._inactive_event.set()
        self._changed = asyncio.Event()
        self._wake = asyncio.Event()
        self._promote_cbs: list[Callback] = []
        self._demote_cbs: list[Callback] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._next_heartbeat = 0.0
        self._next_watchdog = 0.0
        self._alerts: set[asyncio.Task[bool]] = set()
        self._epoch_floor = 0
        self._guard: asyncio.Task[None] | None = None
        self._sd_status = ""
        """The highest epoch this instance saw: a restore must never hand out a lower one."""
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
        settings = RuntimeSettings.from_config(cfg, name=name, **overrides)
        return cls(url, settings, config=cfg, alerts=alert_settings(cfg), accept_database=accept_database)

    # --- the Leader protocol ---------------------------------------------------------

    @property
    def is_active(self) -> bool:
        return self._active

    @property
    def epoch(self) -> int | None:
        return self.leadership.epoch if self._active else None

    @property
    def takeover_delay(self) -> float:
        """Seconds to wait before the work starts: non-zero only when the last promotion was a takeover."""
        if self.promotion is None or not self.promotion.takeover:
            return 0.0
        return self.settings.effective_takeover_delay

    async def wait_active(self) -> None:
        await self._wait(self._active_event)

    async def wait_inactive(self) -> None:
        await self._wait(self._inactive_event)

    def beat(self, name: str = "progress") -> None:
        self.health.beat(name)

    def on_promote(self, cb: Callback) -> None:
        self._promote_cbs.append(cb)

    def on_demote(self, cb: Callback) -> None:
        self._demote_cbs.append(cb)

    # --- state ---------------------------------------------------------------------------

    @property
    def reasons(self) -> list[str]:
        """Why this instance may not become active (empty: it may)."""
        found: list[str] = []
        if self.fatal is not None:
            found.append(str(self.fatal))
        if self._db_reason:
            found.append(self._db_reason)
        found += [f"data loss: {loss.message}" for loss in self._losses]
        if self.alarm.absent:
            found.append(f"required table(s) do not exist yet: {', '.join(self.alarm.absent)}")
        if self._gate_reasons is None:
            found.append("the schema gate has not passed yet")
        else:
            found += self._gate_reasons
        return found

    @property
    def ready(self) -> bool:
        return not self.reasons

    @property
    def role(self) -> str:
        return "active" if self._active else "standby" if self.ready else "not_ready"

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
            "standby": self._standby_reason,
            "db_latency_seconds": self.db_latency,
        }

    def wake(self) -> None:
        """Run the next check now (after SIGCONT, for example)."""
        self._wake.set()

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
            from .metrics import warden_registry
            from .server import start_server

            self.metrics = warden_registry(self)
            self.server = await start_server(
                live=self.live,
                ready=self.readiness,
                registry=self.metrics,
                host=self.settings.health_host,
                port=self.settings.health_port,
                token=os.environ.get(self.settings.health_token_env) or None,
            )
            log.info("health endpoints on %s", self.server.url)
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
        if self._active:
            await self._demote(reason, lost=False, planned=True)
        await self.leadership.close()
        if self._work is not None and not self._work.closed:
            with contextlib.suppress(psycopg.Error, asyncio.TimeoutError, OSError):
                await asyncio.wait_for(registry.stopped(self._work, self.instance), timeout=2.0)
        await self._close_work()
        await cancel_and_wait(self._tasks)
        self._tasks.clear()
        if self._gate_task is not None:
            self._gate_task.cancel()
        if self.server is not None:
            await self.server.close()
            self.server = None
        if self.alerter is not None:
            if self._alerts:  # give pending alerts a moment to go out
                await asyncio.wait(set(self._alerts), timeout=self.alerter.settings.timeout)
            await self.alerter.aclose()
        self.health.remove_hooks()
        self._active_event.set()  # release waiters: they look at is_active / fatal
        self._changed.set()

    async def _wait(self, event: asyncio.Event) -> None:
        while not event.is_set():
            if self.fatal is not None:
                raise self.fatal
            waiter = asyncio.ensure_future(event.wait())
            changed = asyncio.ensure_future(self._changed.wait())
            try:
                await asyncio.wait({waiter, changed}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
                changed.cancel()
            self._changed.clear()
        if self.fatal is not None:
            raise self.fatal

    # --- the loop ----------------------------------------------------------------------------

    async def _run(self) -> None:
        backoff = self.settings.check_interval
        cap = max(self.settings.check_interval, min(5.0, self.settings.ttl))
        while True:
            try:
                await self._tick()
                backoff = self.settings.check_interval
                delay = self.settings.check_interval
            except asyncio.CancelledError:
                raise
            except PRIVILEGE_ERRORS as exc:
                # a missing grant or a read-only role does not heal by waiting: stop and name it
                role = self._work.info.user if self._work is not None and not self._work.closed else None
                await self._fail(from_database_error(exc, doing="guarding the service", role=role))
                return
            except (LoginRefused, PermissionProblem) as exc:
                if isinstance(exc, PermissionProblem) or not self._connected_once:
                    await self._fail(exc)
                    return
                delay, backoff = backoff, min(backoff * 2, cap)
                await self._lost_database(str(exc), delay)
            except (DatabaseUnreachable, psycopg.Error, OSError, asyncio.TimeoutError) as exc:
                text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
                if isinstance(exc, psycopg.OperationalError | OSError | asyncio.TimeoutError):
                    text = f"lost the database at {describe(self.url)} ({text})"
                elif not isinstance(exc, DatabaseUnreachable):
                    text = f"a query on {describe(self.url)} failed ({text})"
                delay, backoff = backoff, min(backoff * 2, cap)
                if self._active:  # reconnect quickly: the lease may still be renewed in time
                    delay = backoff = self.settings.check_interval
                await self._lost_database(text, delay)
            except PgwardenError as exc:
                await self._fail(exc)
                return
            except Exception as exc:  # noqa: BLE001 - a bug must stop the work, not leave it unguarded
                log.exception("the guardian loop failed")
                await self._fail(
                    PgwardenError(
                        f"internal error in the guardian ({type(exc).__name__}: {exc}); this is a bug in "
                        "pgwarden: report it with the log above."
                    )
                )
                return
            self._watchdog()  # also while the database is away: the guardian itself is fine
            await wait_quietly(self._wake.wait(), delay)
            self._wake.clear()

    async def _tick(self) -> None:
        if self.leadership.expired_locally():
            await self._demote(
                "the lease was not renewed within ttl (this process was paused or cut off)", lost=True
            )
        work = await self._work_conn()
        started = time.monotonic()
        obs = await asyncio.wait_for(
            identity.observe(
                work, required=self.settings.all_required_tables, non_empty=self.settings.non_empty_tables
            ),
            timeout=max(1.0, self.settings.ttl / 3),
        )
        self.db_latency = time.monotonic() - started
        await self._check_identity(work, obs)
        self._drive_gate()
        await self._heartbeat(work)
        if self._db_reason:  # only a whole round without an error makes the instance ready again
            log.info("the database at %s is usable again", describe(self.url))
            self._db_reason = None
        if self._active:
            if not await self.leadership.keep():
                await self._demote(
                    "another instance took the lease, or this one's session was lost", lost=True
                )
            elif not self.ready:
                await self._demote("not ready: " + "; ".join(self.reasons), lost=False)
        elif self.ready and not self.leadership.expired_locally():
            promotion = await self.leadership.try_acquire()
            if promotion is not None:
                await self._promote(promotion)
            else:
                self._note_standby()

    async def _work_conn(self) -> AsyncConn:
        if self._work is not None and not self._work.closed:
            return self._work
        self._work = await open_connection(
            self.url,
            application_name=f"pgwarden monitor {self.settings.name} pid {os.getpid()}",
            timeout=min(5.0, self.settings.ttl),
            ttl=self.settings.ttl,
        )
        self._connected_once = True
        return self._work

    async def _first_contact(self, conn: AsyncConn, obs: identity.Observation) -> list[identity.Loss]:
        """Pin (or check the pin of) the database; create pgwarden's tables unless data was lost."""
        losses = [] if self.accept_database else self.alarm.check_pinned(obs)
        if losses:
            return losses
        await ensure_schema(conn, self.url)
        pinned = await identity.pin(conn, obs, replace=self.accept_database)
        self.alarm.accept(pinned, obs)
        await registry.register(conn, self.instance, role=self.role)
        log.info(
            "instance %s of %r (code %s) registered at %s",
            self.instance.id,
            self.settings.name,
            self.instance.code_version,
            describe(self.url),
        )
        return []

    async def _check_identity(self, conn: AsyncConn, obs: identity.Observation) -> None:
        if self.alarm.known is None and not self._losses:
            fresh = await self._first_contact(conn, obs)
            if not fresh:  # just pinned: ``obs`` predates the pin, the rest of it still counts
                fresh = self.alarm.check(dataclasses.replace(obs, pin=self.alarm.known))
        else:
            fresh = self.alarm.check(obs)
        new = [loss for loss in fresh if loss.kind not in {old.kind for old in self._losses}]
        self._losses = fresh
        if not new:
            return
        text = "; ".join(loss.message for loss in new)
        log.error(
            "DATA LOSS on %s: %s (policy: %s)", describe(self.url), text, self.settings.data_loss_policy
        )
        evidence: dict[str, Any] = {"database": describe(self.url)}
        for loss in new:
            evidence.update(loss.evidence)
        await self._alert(
            "data_loss",
            f"Data loss on {describe(self.url)}: {text}. Policy: {self.settings.data_loss_policy}.",
            severity="critical",
            evidence=evidence,
        )
        if self.settings.data_loss_policy != "halt":
            await self._recover(conn)

    async def _recover(self, conn: AsyncConn) -> None:
        """Policy ``migrate`` or ``restore``: one instance recovers, the others adopt its new pin."""
        from .recovery import recover

        if self._active:
            await self._demote(f"data loss: recovering ({self.settings.data_loss_policy})", lost=False)
        try:
            done = await recover(
                conn,
                self.config,
                self.settings,
                self.url,
                canary=self.alarm.known.canary if self.alarm.known else None,
                epoch_floor=max(self._epoch_floor, self.leadership.highest_epoch),
            )
        except PgwardenError as exc:
            log.error("data loss: recovery failed: %s", exc)
            await self._alert(
                "data_loss_recovery", f"Recovery after data loss on {describe(self.url)} FAILED: {exc}"
            )
            return
        if done is None:
            return
        obs = await identity.observe(
            conn, required=self.settings.all_required_tables, non_empty=self.settings.non_empty_tables
        )
        assert obs.pin is not None
        self.alarm.accept(obs.pin, obs)
        self._losses = self.alarm.check(obs)
        await registry.register(conn, self.instance, role=self.role)
        log.error("data loss: %s", done)
        await self._alert(
            "data_loss_recovered",
            f"Data loss on {describe(self.url)}: {done}. Check the data before trusting it.",
            severity="critical",
        )

    def _drive_gate(self) -> None:
        if self._gate_task is not None and self._gate_task.done():
            task, self._gate_task = self._gate_task, None
            if not task.cancelled():
                exc = task.exception()
                if exc is None:
                    reasons = task.result()
                    if reasons != self._gate_reasons:
                        if reasons:
                            log.warning("not ready: %s", "; ".join(reasons))
                        elif self._gate_reasons:
                            log.info("the schema gate passed")
                    self._gate_reasons = reasons
                else:
                    log.warning("the schema gate could not run: %s", exc)
                    self._gate_reasons = [f"the schema gate could not run: {exc}"]
            retry = max(5.0, self.settings.ttl)
            self._gate_next = time.monotonic() + (retry if self._gate_reasons else float("inf"))
        if self._gate_task is None and time.monotonic() >= self._gate_next:
            if not has_contract(self.config):
                self._gate_reasons = []
                self._gate_next = float("inf")
                return
            self._gate_task = asyncio.create_task(run_gate_isolated(self.config, self.settings, self.url))

    async def _promote(self, promotion: Promotion) -> None:
        self.promotion = promotion
        self._epoch_floor = max(self._epoch_floor, promotion.epoch)
        self.demotion = None
        self._standby_reason = None
        self._active = True
        self._inactive_event.clear()
        self._guard = asyncio.create_task(self._guard_lease(), name="pgwarden-lease-guard")
        log.info("ACTIVE for %r with epoch %d: %s", self.settings.name, promotion.epoch, promotion.reason)
        if promotion.takeover:
            await self._alert(
                "takeover",
                f"Instance {self.instance.host} pid {self.instance.pid} took over {self.settings.name!r} "
                f"(epoch {promotion.epoch}): {promotion.reason}.",
                severity="warning",
                evidence={"epoch": promotion.epoch, "previous": str(promotion.previous)},
            )
        if self._work is not None and not self._work.closed:
            await self._heartbeat(self._work, force=True)
        await _call_all(self._promote_cbs)
        if self._active:
            self._active_event.set()
            self._changed.set()

    async def _demote(
        self, reason: str, *, lost: bool, planned: bool = False, kill_by: float | None = None
    ) -> None:
        if not self._active:
            return
        epoch = self.leadership.epoch or 0
        self.demotion = Demotion(reason=reason, lost=lost, epoch=epoch, kill_by=kill_by)
        self._active = False
        guard, self._guard = self._guard, None
        if guard is not None and guard is not asyncio.current_task():
            guard.cancel()
        self._active_event.clear()
        self._inactive_event.set()
        self._changed.set()
        # A stop the instance was asked for (the command exited, SIGTERM) is news, not a warning.
        (log.error if lost else log.info if planned else log.warning)(
            "STANDBY for %r (was epoch %d): %s", self.settings.name, epoch, reason
        )
        if lost:
            await self.leadership.close()
            await _call_all(self._demote_cbs)
        elif kill_by is not None:
            # The lease cannot be renewed: the work gets SIGTERM and its grace, cut to when the lease ends.
            await _call_all(self._demote_cbs)
            await self.leadership.release()
        else:
            await self._stop_work_holding_lease()
            await self.leadership.release()
        if lost or kill_by is not None:
            await self._alert(
                "demoted",
                f"Instance {self.instance.host} pid {self.instance.pid} lost {self.settings.name!r}: {reason}.",
            )

    @property
    def stop_margin(self) -> float:
        """Seconds before the lease runs out at which an unrenewed leader starts stopping its work.

        A third of ttl at most: a healthy leader renews every ttl/3, so it never gets here, and a
        database restart shorter than that keeps the work running; the grace when it is shorter.
        """
        return min(self.settings.grace, self.settings.renew_interval)

    async def _guard_lease(self) -> None:
        """Stop the work before the lease may run out, whatever the loop is waiting for.

        SIGTERM (and the grace period) once the lease is within ``stop_margin`` of running out;
        SIGKILL at once only when it already ran out: then another instance may be active.
        """
        while self._active:
            until = self.leadership.valid_until
            left = until - time.monotonic()
            if left <= 0:
                await self._demote(
                    "the lease ran out before it could be renewed (the database or this process stalled)",
                    lost=True,
                )
                return
            if left <= self.stop_margin:
                await self._demote(
                    f"the lease could not be renewed and runs out in {left:.1f} s: stopping the work first",
                    lost=False,
                    kill_by=until,
                )
                return
            await asyncio.sleep(left - self.stop_margin + 0.001)

    async def _stop_work_holding_lease(self) -> None:
        """Run the demotion callbacks while renewing the lease, so no standby starts before the work stopped."""
        callbacks = asyncio.create_task(_call_all(self._demote_cbs))
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

    async def _lost_database(self, reason: str, retry_in: float) -> None:
        if reason != self._db_reason:
            log.error("%s; not ready, retrying in %.1f s", reason, retry_in)
        else:
            log.debug("still no database; retrying in %.1f s", retry_in)
        self._db_reason = reason
        if self._active and not self.leadership.expired_locally():
            # A database restart or a network blip: keep the work running while the lease lasts;
            # the guard stops it in time if the lease cannot be renewed (reconnecting renews the epoch).
            await self.leadership.disconnect()
        else:
            await self._demote(f"the database connection was lost ({reason})", lost=True)
            await self.leadership.close()
        await self._close_work()
        self._changed.set()

    async def _fail(self, exc: PgwardenError) -> None:
        log.error("%s", exc)
        self.fatal = exc
        await self._demote(f"fatal: {exc}", lost=True)
        await self.leadership.close()
        self._changed.set()
        self._active_event.set()

    async def _close_work(self) -> None:
        conn, self._work = self._work, None
        if conn is not None and not conn.closed:
            with contextlib.suppress(Exception):  # the session is gone either way
                await asyncio.wait_for(conn.close(), timeout=1.0)

    async def _heartbeat(self, conn: AsyncConn, *, force: bool = False) -> None:
        if self._losses and any(loss.needs_repin for loss in self._losses):
            return  # never write into a database that may not be ours
        now = time.monotonic()
        if not force and now < self._next_heartbeat:
            return
        self._next_heartbeat = now + self.settings.renew_interval
        await registry.heartbeat(
            conn, self.instance, role=self.role, epoch=self.epoch, ready=self.ready, reasons=self.reasons
        )

    def _note_standby(self) -> None:
        holder = self.leadership.holder
        if holder is None:
            reason = "the lease is being handed over"
        elif holder.is_pgwarden:
            reason = f"standing by: {holder.describe()} is active" + (
                f" with epoch {holder.epoch}" if holder.epoch else ""
            )
        else:
            reason = f"standing by: the leadership lock is held by a non-pgwarden session {holder.describe()}"
        if reason != self._standby_reason:
            log.info("%s", reason)
            self._standby_reason = reason

    def _watchdog(self) -> None:
        interval = watchdog_interval()
        now = time.monotonic()
        if now >= self._next_watchdog:
            if self._next_watchdog == 0.0:
                sd_notify("READY=1")
            if interval is not None:
                sd_notify("WATCHDOG=1")
            self._next_watchdog = now + (interval or 60.0)
        status = f"STATUS={self.role} {self.settings.name}" + (f" epoch {self.epoch}" if self._active else "")
        if status != self._sd_status:
            sd_notify(status)
            self._sd_status = status

    async def alert(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None:
        """Alert the configured chats and webhook (deduplicated by ``key``); never raises."""
        await self._alert(key, text, severity=severity, evidence=evidence)

    async def _alert(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None:
        """Send in the background: a slow webhook must never delay a lease renewal."""
        if self.alerter is None:
            return
        task = asyncio.create_task(self.alerter.alert(key, text, severity=severity, evidence=evidence))
        self._alerts.add(task)
        task.add_done_callback(self._alerts.discard)


async def _call_all(callbacks: list[Callback]) -> None:
    for cb in list(callbacks):
        try:
            result = cb()
            if inspect.isawaitable(result):
                await result
        except Exception:  # noqa: BLE001 - one bad callback must not stop the guardian
            log.exception("a leadership callback failed")
