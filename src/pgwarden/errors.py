"""Exceptions pgwarden raises when it cannot do the job (findings are never exceptions).

::

    PgwardenError                 exit 70 unless a subclass says otherwise
     +-- UsageError               exit 2: bad flags or arguments
     |    +-- ConfigError         exit 2: malformed config, unknown key, wrong type
     |    +-- SourceError         exit 2: models path, migrations folder, snapshot file
     |         +-- MigrationError exit 2: a migration file failed (file:line:col)
     |    +-- LedgerConflict      exit 2: ledger and folder disagree (migrate/errors.py)
     |    +-- BackupToolMissing   exit 2: no pg_dump/pg_restore of the server's major (backup/errors.py)
     |    +-- BackupDirError      exit 2: backup directory missing or not writable (backup/errors.py)
     |    +-- BackupNotFound      exit 2: unknown backup id, no verified backup (backup/errors.py)
     |    +-- RestoreRefused      exit 2: non-empty target without --force, no --yes (backup/errors.py)
     |    +-- PrivilegeError      exit 2: the role lacks a grant, or runs read-only (names the GRANT)
     +-- DatabaseUnreachable      exit 3: host down, wrong password, database missing
     +-- ScratchError             exit 3: no throwaway PostgreSQL could be started
     +-- LockWaitExceeded         exit 1: another migrator held the lock too long (migrate/errors.py)
     +-- NotReady                 exit 1: schema behind the migrations (migrate/errors.py)
     |    +-- PendingMigrations   exit 1: files pending and not asked to apply them
     +-- BackupFailed             exit 1: pg_dump/pg_restore failed, disk full, damaged archive (backup/errors.py)

Every message is one paragraph that names the file, key or host and says what
to do; none contains a password.
"""

from __future__ import annotations


class PgwardenError(Exception):
    """Root of pgwarden's errors."""

    exit_code = 70


class UsageError(PgwardenError):
    """The command line asked for something that cannot be done."""

    exit_code = 2


class ConfigError(UsageError):
    """The configuration file is malformed or has an unknown key or a wrong type."""


class SourceError(UsageError):
    """An expected-schema source (models, migrations, snapshot) cannot be read."""


class MigrationError(SourceError):
    """A migration file failed when applied to a scratch database."""

    def __init__(
        self,
        message: str,
        *,
        path: str,
        line: int | None = None,
        column: int | None = None,
        sqlstate: str | None = None,
    ) -> None:
        super().__init__(message)
        self.path = path
        self.line = line
        self.column = column
        self.sqlstate = sqlstate


class PrivilegeError(UsageError):
    """The database role lacks a privilege the command needs; ``grant`` is the statement that gives it."""

    def __init__(self, message: str, *, grant: str | None = None) -> None:
        super().__init__(message)
        self.grant = grant


class DatabaseUnreachable(PgwardenError):
    """A database could not be reached or refused the login."""

    exit_code = 3

    def __init__(self, message: str, *, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class ScratchError(PgwardenError):
    """No throwaway PostgreSQL could be provided."""

    exit_code = 3
