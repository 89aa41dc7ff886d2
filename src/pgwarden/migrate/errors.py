"""Errors of the migration runner that the shared tree does not have (each keeps pgwarden's exit codes)."""

from __future__ import annotations

from typing import Any

from ..errors import MigrationError, PgwardenError, UsageError

__all__ = [
    "AlreadyBaselined",
    "DataLossRefused",
    "LedgerConflict",
    "LockWaitExceeded",
    "NotReady",
    "PendingMigrations",
]


class LockWaitExceeded(PgwardenError):
    """Another migrator held the migration lock for longer than we were allowed to wait.

    Exit 1, not 3: the database was reached and answered; it is in a state (another migrator at
    work) that stops this job, like a finding at error. 3 is for an unreachable database, and 2
    would send the operator to fix arguments or configuration that are not wrong.
    """

    exit_code = 1


class NotReady(PgwardenError):
    """The database is not at the schema the application's migrations describe."""

    exit_code = 1


class PendingMigrations(NotReady):
    """Migration files are pending and the caller did not ask to apply them."""


class LedgerConflict(UsageError):
    """The ledger and the folder disagree in a way a person must settle (``migrate repair``)."""


class DataLossRefused(MigrationError):
    """The data guard stopped a file: a statement would lose rows and the file does not say it means to.

    ``losses`` holds ``guard_rows.Loss`` values (typed loosely: errors sit below the guard).
    """

    def __init__(
        self, message: str, *, path: str, line: int, column: int, losses: list[Any], statement: str
    ) -> None:
        super().__init__(message, path=path, line=line, column=column, sqlstate=None)
        self.losses = losses
        self.statement = statement


class AlreadyBaselined(PgwardenError):
    """``baseline --version V`` found nothing to mark: every file up to V is already applied (not an error)."""

    exit_code = 0
