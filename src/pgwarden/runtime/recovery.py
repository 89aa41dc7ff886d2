"""Data-loss policies ``migrate`` and ``restore``: one instance recovers under a lock, then re-pins the database.

``halt`` needs nothing here: it only keeps every instance not ready. Whoever recovers
keeps the canary of the pin it knew, so the other instances recognise the recovered database
as the same lineage and adopt the new pin instead of raising the alarm again.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from uuid import UUID

from ..config import Config
from ..errors import ConfigError, PgwardenError, UsageError
from ..urls import describe
from . import identity
from .connection import scalar as _scalar
from .gate_driver import run_gate_isolated
from .leadership import LOCK_CLASS, AsyncConn, ensure_schema
from .settings import RuntimeSettings

__all__ = ["backup_directory", "recover"]

log = logging.getLogger("pgwarden.runtime")

RECOVERY_LOCK = (LOCK_CLASS, 1)
"""Advisory lock held by the one instance that recovers (the leadership keys are crc32 values)."""


def backup_directory(cfg: Config) -> Path:
    """Where ``restore`` finds verified backups; a ``ConfigError`` naming the key when not configured."""
    from ..backup import settings as backup_settings  # the guardian loads backup/ only to recover

    try:
        return backup_settings.from_config(cfg).directory(cfg.where)
    except UsageError:
        raise ConfigError(
            f'{cfg.where}: `{cfg.prefix}runtime.data_loss_policy = "restore"` needs `{cfg.prefix}backup.dir`, '
            "the folder of pgwarden's verified backups (`pgwarden backup create` / `verify`)."
        ) from None


async def recover(
    conn: AsyncConn,
    cfg: Config,
    settings: RuntimeSettings,
    url: str,
    *,
    canary: UUID | None,
    epoch_floor: int,
) -> str | None:
    """Apply the policy once (one instance at a time); the text of what was done, None when another one does it.

    Raises ``PgwardenError`` when the recovery failed (the database then stays as it was found).
    """
    if not await _scalar(conn, "SELECT pg_try_advisory_lock(%s, %s)", RECOVERY_LOCK):
        log.warning("another instance is recovering the database: waiting for it")
        return None
    try:
        if settings.data_loss_policy == "restore":
            done = await _restore(cfg, url)
        else:
            reasons = await run_gate_isolated(cfg, settings, url, apply=True)
            if reasons:
                raise PgwardenError(
                    "re-applying the migrations did not make the database ready: " + "; ".join(reasons)
                )
            done = "migrations were re-applied under the lock: the service continues on an EMPTY schema"
        await ensure_schema(conn, url)
        # A restored pgwarden schema carries old epochs: never let an epoch be handed out twice.
        await conn.execute(
            "UPDATE pgwarden.leases SET epoch = greatest(epoch, %s) + 1, released = true, expires_at = now()",
            (epoch_floor,),
        )
        obs = await identity.observe(conn, required=(), non_empty=())
        await identity.pin(conn, obs, replace=True, canary=canary)
        return done
    finally:
        await conn.execute("SELECT pg_advisory_unlock(%s, %s)", RECOVERY_LOCK)


async def _restore(cfg: Config, url: str) -> str:
    from ..backup.restore import restore  # the guardian loads backup/ only to recover

    directory = backup_directory(cfg)
    try:
        result = await asyncio.to_thread(
            restore, url, directory, force=True, connect_timeout=cfg.connect_timeout
        )
    except PgwardenError as exc:
        raise PgwardenError(f"restoring the newest verified backup from {directory} failed: {exc}") from None
    missing = f"; row counts differ in {', '.join(result.mismatched)}" if result.mismatched else ""
    return (
        f"restored backup {result.manifest.id} into {describe(url)} in {result.seconds:.1f} s "
        f"(data written after it is lost){missing}"
    )
