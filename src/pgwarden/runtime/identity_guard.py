"""Is this still our database? The identity guard pins it at first contact, raises the data-loss
alarm when it changed, and runs the data-loss policy (``halt``, ``migrate`` or ``restore``).

It keeps the losses it saw: while one of them means the database may not be ours, nothing
writes into it (``may_write``) and the instance is not ready (``reasons``).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..config import Config
from ..errors import ConfigError, PgwardenError
from ..urls import describe
from . import identity, registry
from .connection import AsyncConn, ensure_schema
from .dispatch import SendAlert
from .settings import RuntimeSettings

__all__ = ["IdentityGuard", "check_policy"]

log = logging.getLogger("pgwarden.runtime")


def check_policy(settings: RuntimeSettings, cfg: Config) -> None:
    """A ``ConfigError`` naming the key when the data-loss policy lacks what it needs to recover."""
    if settings.data_loss_policy == "migrate" and cfg.migrations is None:
        raise ConfigError(
            f'{cfg.where}: `{cfg.prefix}runtime.data_loss_policy = "migrate"` needs '
            f"`{cfg.prefix}migrations` (the folder to re-apply)."
        )
    if settings.data_loss_policy == "restore":
        from .recovery import backup_directory  # the recovery path: loaded only for the policies that use it

        backup_directory(cfg)


class IdentityGuard:
    """Watches the identity of the database at ``url`` for one instance, applying ``settings.data_loss_policy``."""

    def __init__(
        self,
        url: str,
        settings: RuntimeSettings,
        config: Config,
        instance: registry.Instance,
        *,
        alert: SendAlert,
        role: Callable[[], str],
        stand_down: Callable[[str], Awaitable[None]],
        epoch_floor: Callable[[], int],
        accept_database: bool = False,
    ) -> None:
        """``role`` is recorded in the registry; ``stand_down`` stops the work before a recovery;
        ``epoch_floor`` is the highest epoch seen (a restore never hands out a lower one)."""
        self.url = url
        self.settings = settings
        self.config = config
        self.instance = instance
        self.alert = alert
        self.role = role
        self.stand_down = stand_down
        self.epoch_floor = epoch_floor
        self.accept_database = accept_database
        self.alarm = identity.Alarm()
        self.losses: list[identity.Loss] = []

    @property
    def reasons(self) -> list[str]:
        """Why the database may not be used by this instance (empty: it may)."""
        found = [f"data loss: {loss.message}" for loss in self.losses]
        if self.alarm.absent:
            found.append(f"required table(s) do not exist yet: {', '.join(self.alarm.absent)}")
        return found

    @property
    def may_write(self) -> bool:
        """False while the database may not be ours: nothing is written into it then."""
        return not any(loss.needs_repin for loss in self.losses)

    async def observe(self, conn: AsyncConn) -> identity.Observation:
        return await identity.observe(
            conn, required=self.settings.all_required_tables, non_empty=self.settings.non_empty_tables
        )

    async def check(self, conn: AsyncConn, obs: identity.Observation) -> None:
        """Compare ``obs`` with the pin; alert on every new loss and apply the policy."""
        if self.alarm.known is None and not self.losses:
            fresh = await self._first_contact(conn, obs)
            if not fresh:  # just pinned: ``obs`` predates the pin, the rest of it still counts
                fresh = self.alarm.check(dataclasses.replace(obs, pin=self.alarm.known))
        else:
            fresh = self.alarm.check(obs)
        new = [loss for loss in fresh if loss.kind not in {old.kind for old in self.losses}]
        self.losses = fresh
        if not new:
            return
        text = "; ".join(loss.message for loss in new)
        log.error(
            "DATA LOSS on %s: %s (policy: %s)", describe(self.url), text, self.settings.data_loss_policy
        )
        evidence: dict[str, Any] = {"database": describe(self.url)}
        for loss in new:
            evidence.update(loss.evidence)
        self.alert(
            "data_loss",
            f"Data loss on {describe(self.url)}: {text}. Policy: {self.settings.data_loss_policy}.",
            severity="critical",
            evidence=evidence,
        )
        if self.settings.data_loss_policy != "halt":
            await self._recover(conn)

    async def _first_contact(self, conn: AsyncConn, obs: identity.Observation) -> list[identity.Loss]:
        """Pin (or check the pin of) the database; create pgwarden's tables unless data was lost."""
        losses = [] if self.accept_database else self.alarm.check_pinned(obs)
        if losses:
            return losses
        await ensure_schema(conn, self.url)
        pinned = await identity.pin(conn, obs, replace=self.accept_database)
        self.alarm.accept(pinned, obs)
        await registry.register(conn, self.instance, role=self.role())
        log.info(
            "instance %s of %r (code %s) registered at %s",
            self.instance.id,
            self.settings.name,
            self.instance.code_version,
            describe(self.url),
        )
        return []

    async def _recover(self, conn: AsyncConn) -> None:
        """Policy ``migrate`` or ``restore``: one instance recovers, the others adopt its new pin."""
        from .recovery import recover  # only after data loss was detected

        await self.stand_down(f"data loss: recovering ({self.settings.data_loss_policy})")
        try:
            done = await recover(
                conn,
                self.config,
                self.settings,
                self.url,
                canary=self.alarm.known.canary if self.alarm.known else None,
                epoch_floor=self.epoch_floor(),
            )
        except PgwardenError as exc:
            log.error("data loss: recovery failed: %s", exc)
            self.alert(
                "data_loss_recovery", f"Recovery after data loss on {describe(self.url)} FAILED: {exc}"
            )
            return
        if done is None:
            return
        obs = await self.observe(conn)
        assert obs.pin is not None
        self.alarm.accept(obs.pin, obs)
        self.losses = self.alarm.check(obs)
        await registry.register(conn, self.instance, role=self.role())
        log.error("data loss: %s", done)
        self.alert(
            "data_loss_recovered",
            f"Data loss on {describe(self.url)}: {done}. Check the data before trusting it.",
            severity="critical",
        )
