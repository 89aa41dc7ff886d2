"""Errors of ``pgwarden backup`` that the shared tree does not have (each keeps pgwarden's exit codes)."""

from __future__ import annotations

from ..errors import PgwardenError, UsageError

__all__ = ["BackupDirError", "BackupFailed", "BackupNotFound", "BackupToolMissing", "RestoreRefused"]


class BackupToolMissing(UsageError):
    """No pg_dump / pg_restore (or no server binaries) of a major version the job needs."""


class BackupDirError(UsageError):
    """The backup directory is missing, not a directory, or not writable."""


class BackupNotFound(UsageError):
    """No backup has the id asked for, or no verified backup exists."""


class RestoreRefused(UsageError):
    """The restore target holds data and ``--force`` was not given, or ``--yes`` is missing."""


class BackupFailed(PgwardenError):
    """pg_dump or pg_restore failed, the disk filled up, or the archive is damaged."""

    exit_code = 1
