"""Are the backups healthy for a live cluster? The reasons they are not, and the record of scheduled runs.

``assess`` is pure: it takes the newest verified backup, the newest backup, the last
scheduled run and the live cluster's identity. ``health`` reads them from the directory
and the database. ``run_scheduled`` is what the guardian calls on each ``backup.schedule``
tick: create, verify, and record the outcome in ``<dir>/.pgwarden-backup-state.json``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from ..db import connect
from ..findings import Finding
from ..providers import Context
from ._pg import system_identifier
from .create import create, prepare_directory
from .manifest import Manifest, atomic_write, format_time, now_utc, parse_time
from .pick import newest, newest_verified
from .problems import finding
from .settings import Settings, configured
from .verify import CopyCheck, VerifyResult, verify

__all__ = ["LastRun", "assess", "health", "last_run", "run_scheduled"]

STATE_FILE = ".pgwarden-backup-state.json"


@dataclass(frozen=True)
class LastRun:
    """The outcome of the last scheduled create + verify."""

    started_at: str
    finished_at: str
    ok: bool
    backup_id: str | None = None
    error: str | None = None

    @property
    def started(self) -> datetime:
        return parse_time(self.started_at)


def last_run(directory: Path) -> LastRun | None:
    """The last scheduled run recorded in ``directory`` (``None`` when none is, or the record is unreadable)."""
    try:
        doc = json.loads((directory / STATE_FILE).read_text(encoding="utf-8"))
        return LastRun(**doc["last_run"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def assess(
    *,
    newest_verified: Manifest | None,
    newest_backup: Manifest | None,
    last: LastRun | None,
    live_system_identifier: str | None,
    max_age: float,
    now: datetime,
    where: str,
) -> list[Finding]:
    """Findings for every reason the backups of a live cluster are not healthy (``[]`` when they are)."""
    found: list[Finding] = []
    if newest_verified is None:
        found.append(
            finding("no_verified_backup", where, f"There is no verified backup in {where}.", directory=where)
        )
    else:
        age = (now - newest_verified.started).total_seconds()
        if age > max_age:
            found.append(
                finding(
                    "backup_too_old",
                    newest_verified.id,
                    f"The newest verified backup ({newest_verified.id}) is {_age(age)} old, "
                    f"more than the {_age(max_age)} allowed (`backup.max_age`).",
                    age_s=round(age),
                    max_age_s=max_age,
                )
            )
    latest = newest_backup or newest_verified
    if (
        latest is not None
        and live_system_identifier is not None
        and latest.system_identifier is not None
        and latest.system_identifier != live_system_identifier
    ):
        found.append(
            finding(
                "backup_cluster_mismatch",
                latest.id,
                f"The newest backup ({latest.id}) was made on another PostgreSQL cluster than the live one: "
                "the server was re-initialised (its data lost) or the backups are another server's.",
                backup_system_identifier=latest.system_identifier,
                live_system_identifier=live_system_identifier,
            )
        )
    if last is not None and not last.ok:
        found.append(
            finding(
                "backup_run_failed",
                last.backup_id or where,
                f"The last scheduled backup run (started {last.started_at}) failed: {last.error}",
                started_at=last.started_at,
                error=last.error,
            )
        )
    return found


def health(
    directory: Path,
    live_url: str | None,
    settings: Settings,
    *,
    dbname: str | None = None,
    now: datetime | None = None,
    connect_timeout: float = 5.0,
) -> list[Finding]:
    """Reasons the backups in ``directory`` are unhealthy for the cluster at ``live_url``.

    Raises ``DatabaseUnreachable`` when ``live_url`` cannot be reached; without a URL the
    cluster identity is not compared.
    """
    live_id: str | None = None
    if live_url:
        with connect(live_url, timeout=connect_timeout, what="database") as conn:
            live_id = system_identifier(conn)
            dbname = dbname or conn.info.dbname
            conn.rollback()
    latest = newest(directory, dbname=dbname)
    return assess(
        newest_verified=newest_verified(directory, dbname=dbname),
        newest_backup=latest.manifest if latest else None,
        last=last_run(directory),
        live_system_identifier=live_id,
        max_age=settings.max_age,
        now=now or now_utc(),
        where=str(directory),
    )


def run_scheduled(
    url: str,
    settings: Settings,
    *,
    check: CopyCheck | None = None,
    dev_url: str | None = None,
    connect_timeout: float = 5.0,
    progress: Callable[[str], None] | None = None,
) -> VerifyResult:
    """One scheduled run: create, then verify; the outcome is recorded for ``health`` either way.

    Re-raises what made the run fail (a ``PgwardenError``) after recording it; a backup
    that fails verification is returned (``result.verified`` is false) and recorded as failed.
    """
    directory = prepare_directory(settings.directory())
    started = now_utc()
    backup_id: str | None = None
    try:
        manifest = create(
            url,
            directory,
            settings=settings,
            scheduled=True,
            connect_timeout=connect_timeout,
            progress=progress,
        )
        backup_id = manifest.id
        result = verify(
            directory,
            manifest.id,
            dev_url=dev_url,
            check=check,
            live_url=url,
            connect_timeout=connect_timeout,
            progress=progress,
        )
    except Exception as exc:  # recorded for health(), then raised as it came
        _record(directory, LastRun(format_time(started), format_time(now_utc()), False, backup_id, str(exc)))
        raise
    error = None if result.verified else "; ".join(f.message for f in result.problems)
    _record(
        directory, LastRun(format_time(started), format_time(now_utc()), result.verified, backup_id, error)
    )
    return result


def _record(directory: Path, run: LastRun) -> None:
    atomic_write(directory / STATE_FILE, (json.dumps({"last_run": asdict(run)}, indent=2) + "\n").encode())


def _age(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 60:.0f} min"


class BackupHealthProvider:
    """The backups' health (too old, none verified, another cluster's) when ``backup.dir`` is set."""

    name = "backups"

    def findings(self, ctx: Context) -> list[Finding]:
        settings = configured(ctx.cfg)
        if settings is None:
            return []
        return health(settings.directory(ctx.cfg.where), ctx.url, settings)
