"""Alert dispatch: every alert goes out in the background, so a slow webhook never delays a lease renewal.

The parts of the guardian (lease, identity guard, backups, invariants) hand their alerts to
one ``AlertDispatch``; without ``[alerts]`` it drops them and the HTTP client is never loaded.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, Protocol

from . import history

if TYPE_CHECKING:
    from .alerts import Alerter

__all__ = ["AlertDispatch", "SendAlert"]


class SendAlert(Protocol):
    """How a part of the guardian raises an alert: deduplicated by ``key``, never raises."""

    def __call__(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None: ...


class AlertDispatch:
    """Sends each alert in its own task and waits a moment for the pending ones when closed."""

    def __init__(self, alerter: Alerter | None) -> None:
        self.alerter = alerter
        self._pending: set[asyncio.Task[bool]] = set()

    def send(
        self, key: str, text: str, *, severity: str = "error", evidence: dict[str, Any] | None = None
    ) -> None:
        if self.alerter is None:
            return
        task = asyncio.create_task(self.alerter.alert(key, text, severity=severity, evidence=evidence))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def aclose(self) -> None:
        await history.settle()  # the stopping instance's last timeline events (its demotion) go out too
        if self.alerter is None:
            return
        if self._pending:  # give pending alerts a moment to go out
            await asyncio.wait(set(self._pending), timeout=self.alerter.settings.timeout)
        await self.alerter.aclose()
