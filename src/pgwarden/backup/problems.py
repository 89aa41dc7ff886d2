"""The findings backups produce (PW601-PW608), built in one place so messages stay consistent."""

from __future__ import annotations

from typing import Any

from .. import codes
from ..findings import Finding

__all__ = ["finding"]

_HINTS = {
    "backup_archive_damaged": "Do not restore this archive; make a new backup with `pgwarden backup create` "
    "and check the disk the backups live on.",
    "backup_restore_failed": "The archive cannot be restored as it is: read pg_restore's message, fix the "
    "cause (a missing extension on the scratch server, a damaged archive) and verify again.",
    "backup_schema_mismatch": "The restored copy's schema differs from the one recorded at backup time: "
    "treat the archive as unreliable and make a new backup.",
    "backup_row_count_mismatch": "The restored copy lacks rows the database had at backup time: treat the "
    "archive as unreliable and make a new backup.",
    "backup_too_old": "Run `pgwarden backup create --verify` now and check why the scheduled runs stopped "
    "(`backup.schedule`, the guardian's logs).",
    "backup_cluster_mismatch": "If PostgreSQL was re-initialised (lost its data), restore the newest "
    "verified backup with `pgwarden backup restore --to URL --yes`; if the backups belong to another "
    "server, point `backup.dir` at this one's.",
    "no_verified_backup": "Run `pgwarden backup create --verify` and keep it scheduled (`backup.schedule`).",
    "backup_run_failed": "Read the error recorded with the run, fix the cause and run "
    "`pgwarden backup create --verify` by hand to confirm.",
}


def finding(kind: str, obj: str, message: str, **evidence: Any) -> Finding:
    """A finding of ``kind`` (registered in ``codes.py``) about backup ``obj``."""
    return codes.finding(kind, obj, message, _HINTS[kind], source="backup", evidence=evidence)
