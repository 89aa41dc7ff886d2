"""Scheduled backups by the active instance: create + verify on ``backup.schedule``, alert when unhealthy.

Only the active instance backs up, so two hosts never dump the same database at once. A run
and the health assessment happen in worker threads (pg_dump and the verifying restore take
minutes); the guardian's loop and its lease renewals never wait for them.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from ..config import Config
from ..errors import PgwardenError
from . import history
from .protocols import ActiveHost

if TYPE_CHECKING:
    from ..backup import Settings as BackupSettings

log = logging.getLogger("pgwarden.runtime")

HEALTH_EVERY = 300.0
"""Seconds between assessments of the backups (too old, none verified, another cluster)."""


def backup_settings(cfg: Config) -> BackupSettings | None:
    """The ``[backup]`` settings when the guardian has something to do with them (a dir is set)."""
    if not cfg.sections.get("backup"):
        return None  # the usual case: the backup package (26 modules, ~1 MB of the guardian's RSS) stays unloaded
    # Imported here, as below: the guardian loads the backup machinery only when backups are configured.
    from ..backup import configured

    return configured(cfg)


async def keep_backups(
    warden: ActiveHost, settings: BackupSettings, *, health_every: float = HEALTH_EVERY
) -> None:
    """Run until cancelled: while active, back up when the schedule says so and watch the backups' health."""
    from .. import backup  # 26 modules the guardian loads only when backups are configured

    directory = settings.directory(warden.config.where)
    next_health = 0.0
    ran_at: datetime | None = None
    """When this process last started a run: the record in the directory may be unwritable."""
    while True:
        await warden.wait_active()
        try:
            wait = health_every
            if settings.schedule is not None:
                last = await asyncio.to_thread(backup.last_run, directory)
                now = datetime.now(timezone.utc)
                started = max((s for s in (_started(last), ran_at) if s is not None), default=None)
                due = backup.next_run(settings.schedule, now, started)
                if due <= now:
                    ran_at = now
                    await _run_once(warden, settings)
                    next_health = 0.0  # say at once whether the run fixed (or caused) a problem
                    continue
                wait = (due - now).total_seconds()
            if time.monotonic() >= next_health:
                next_health = time.monotonic() + health_every
                await _assess(warden, settings)
        except Exception:  # noqa: BLE001 - a bug here must not end backups for the process's lifetime
            log.exception("scheduled backups: unexpected error; trying again in a minute")
            wait = 60.0
        await asyncio.sleep(max(0.05, min(wait, next_health - time.monotonic(), 60.0)))


async def _run_once(warden: ActiveHost, settings: BackupSettings) -> None:
    from .. import backup
    from ..orchestrator import copy_check  # pglast and the whole check: only for a scheduled run

    log.info(
        "scheduled backup starting (backup.schedule = %s)",
        settings.schedule.text if settings.schedule else "-",
    )
    try:
        result = await asyncio.to_thread(
            backup.run_scheduled,
            warden.url,
            settings,
            check=copy_check(warden.config),
            dev_url=warden.config.dev_url,
        )
    except PgwardenError as exc:
        log.error("scheduled backup failed: %s", exc)
        _note(warden, "bad", f"Scheduled backup failed: {exc}")
        await warden.alert("backup_failed", f"The scheduled backup failed: {exc}")
        return
    if not result.verified:
        problems = "; ".join(f.message for f in result.findings) or "the verifying restore failed"
        log.error("scheduled backup %s did not verify: %s", result.manifest.id, problems)
        _note(warden, "bad", f"Backup {result.manifest.id} did not verify: {problems}")
        await warden.alert("backup_failed", f"Backup {result.manifest.id} did not verify: {problems}")
        return
    log.info("scheduled backup %s created and verified", result.manifest.id)
    _note(warden, "ok", f"Backup {result.manifest.id} created and verified by a restore.")


def _note(warden: ActiveHost, outcome: str, summary: str) -> None:
    history.note(
        warden.url,
        name=warden.settings.name,
        kind="backup",
        outcome=outcome,
        summary=summary,
        timeout=warden.config.connect_timeout,
    )


async def _assess(warden: ActiveHost, settings: BackupSettings) -> None:
    from .. import backup

    try:
        findings = await asyncio.to_thread(
            backup.health, settings.directory(warden.config.where), warden.url, settings
        )
    except PgwardenError as exc:
        log.warning("could not assess the backups: %s", exc)
        return
    for f in findings:
        await warden.alert(f"backup:{f.kind}", f"{f.message} {f.hint}".strip(), evidence=dict(f.evidence))


def _started(last: Any) -> datetime | None:
    if last is None:
        return None
    try:
        when = datetime.fromisoformat(last.started_at)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)
