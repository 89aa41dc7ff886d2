"""Errors of the migration runner that the shared tree does not have (each keeps pgwarden's exit codes)."""

from __future__ import annotations

from ..errors import PgwardenError, UsageError

__all__ = ["LedgerConflict", "LockWaitExceeded", "NotReady", "PendingMigrations"]


class LockWaitExceeded(PgwardenError):
    """Another migrator held the migration lock for longer than we were allowed to wait."""

    exit_code = 3


class NotReady(PgwardenError):
    """The database is not at the schema the application's migrations describe."""

    exit_code = 1


class PendingMigrations(NotReady):
    """Migration files are pending and the caller did not ask to apply them."""


class LedgerConflict(UsageError):
    """The ledger and the folder disagree in a way a person must settle (``migrate repair``)."""
