"""Backups that know their database: create, verify by restoring, retain, restore; health for the guardian."""

from __future__ import annotations

from .create import create
from .errors import BackupDirError, BackupFailed, BackupNotFound, BackupToolMissing, RestoreRefused
from .health import BackupHealthProvider, LastRun, assess, health, last_run, run_scheduled
from .manifest import Entry, Manifest, TableCount, Verification, scan
from .pick import get, newest, newest_verified
from .restore import RestoreResult, restore, target_objects
from .retain import Plan, PruneResult, plan, prune
from .schedule import Schedule, next_run, parse_duration, parse_schedule
from .settings import Settings, configured, from_config
from .verify import CopyCheck, VerifyResult, verify

__all__ = [
    "BackupDirError",
    "BackupHealthProvider",
    "BackupFailed",
    "BackupNotFound",
    "BackupToolMissing",
    "CopyCheck",
    "Entry",
    "LastRun",
    "Manifest",
    "Plan",
    "PruneResult",
    "RestoreRefused",
    "RestoreResult",
    "Schedule",
    "Settings",
    "TableCount",
    "Verification",
    "VerifyResult",
    "assess",
    "configured",
    "create",
    "from_config",
    "get",
    "health",
    "last_run",
    "newest",
    "newest_verified",
    "next_run",
    "parse_duration",
    "parse_schedule",
    "plan",
    "prune",
    "restore",
    "run_scheduled",
    "scan",
    "target_objects",
    "verify",
]
