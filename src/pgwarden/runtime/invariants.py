"""Data invariants watched by the active instance: violation counts and lag as metrics, errors as alerts.

``pgwarden check`` answers on demand; this keeps answering while the service runs, so a trigger
that stops creating rows (incident 001) shows up on a dashboard and in the admin chat within
``runtime.invariants_every`` seconds, not when someone thinks of looking.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from ..config import Config
from ..errors import PgwardenError
from ..findings import Severity
from .protocols import ActiveHost
from .settings import RuntimeSettings

if TYPE_CHECKING:
    from ..checks import Invariant, Outcome

log = logging.getLogger("pgwarden.runtime")


def configured_invariants(cfg: Config, settings: RuntimeSettings) -> list[Invariant]:
    """The invariants the active instance watches (none when ``invariants_every`` is 0 or none are set)."""
    if settings.invariants_every <= 0 or not (
        cfg.sections.get("invariants") or cfg.sections.get("invariants_dir")
    ):
        return []
    from ..checks import load_invariants  # the guardian loads checks/ only when invariants are set

    return load_invariants(cfg)


async def watch_invariants(warden: ActiveHost, invariants: list[Invariant], every: float) -> None:
    """Run until cancelled: while active, run ``invariants`` every ``every`` seconds."""
    from ..checks import run_outcomes  # pglast: only when invariants are watched
    from ..checks.run import finding

    while True:
        await warden.wait_active()
        try:
            outcomes: list[Outcome] = await asyncio.to_thread(
                run_outcomes, warden.url, invariants, timeout=warden.config.connect_timeout
            )
        except PgwardenError as exc:  # the database is away: the guardian's own loop says so
            log.warning("invariants could not run: %s", exc)
        else:
            warden.invariant_outcomes = outcomes
            await _keep_history(warden.url, outcomes, warden.config.connect_timeout)
            for outcome in outcomes:
                f = finding(outcome)
                if f is not None and f.severity is Severity.ERROR:
                    await warden.alert(f"invariant:{f.kind}", f"{f.message} {f.hint}".strip())
        await asyncio.sleep(every)


async def _keep_history(url: str, outcomes: list[Outcome], timeout: float) -> None:
    """Store the samples the console charts; a failure to store them costs the chart a point, nothing more."""
    from ..checks.samples import record

    try:
        await asyncio.to_thread(record, url, outcomes, timeout=timeout)
    except Exception as exc:  # noqa: BLE001 - history is a convenience; the watch loop must go on
        log.warning("invariant samples not stored: %s", exc)
