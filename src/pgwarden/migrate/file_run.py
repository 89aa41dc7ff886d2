"""One pending file under the migration lock: its transaction (or, for a ``no-transaction`` file, its
statements one by one with recorded progress), its fenced ledger rows, retries after a lock wait,
and the runner's session settings around it. The runner (``runner.py``) chooses what runs when."""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from ..errors import MigrationError
from . import apply as executor
from . import guard_rows, ledger, lock
from .errors import LedgerConflict
from .ledger import Applied
from .settings import Settings
from .source import MigrationFile, show_path, statements

__all__ = [
    "LOCK_NOT_AVAILABLE",
    "Step",
    "apply_file",
    "closing_sql",
    "ledger_row",
    "local_defaults_sql",
    "ms",
    "record_failure",
    "reset",
    "session_defaults",
]

LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class Step:
    version: int
    filename: str
    duration_ms: int
    attempts: int = 1
    resumed_at: int | None = None
    """For a ``no-transaction`` file resumed after a partial run: the first statement run (0-based)."""


def apply_file(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    previous: Applied | None,
    settings: Settings,
    who: dict[str, Any],
    held: lock.MigrationLock,
    defaults: tuple[bytes, ...],
    local: Settings | None,
) -> Step:
    started = time.monotonic()
    if not file.transactional:
        return apply_statements(
            conn, file, statements(file), previous, settings, who, started, defaults, held
        )
    attempt = 0
    while True:
        attempt += 1
        try:
            executor.apply(
                conn,
                file,
                check=lambda text, offset: guard_rows.refuse(conn, file, text, offset, settings),
                before=b"" if local is None else local_defaults_sql(conn, local),
                # After the last statement, in the same round trip: the fence, the ledger row, the
                # runner's defaults back for the next file (in the transaction, so they hold after
                # it) and the COMMIT, which a lost lock stops.
                closing=closing_sql(conn, file, who, held, defaults),
                reset=False,
            )
            break
        except psycopg.Error as exc:
            if exc.sqlstate != lock.LOCK_LOST:
                raise
            reset(conn, defaults)
            raise held.lost_error() from None
        except MigrationError as exc:
            reset(conn, defaults)
            if exc.sqlstate == LOCK_NOT_AVAILABLE and attempt <= settings.retries:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            record_failure(conn, file, who, started, str(exc), None, held)
            raise
        except BaseException:
            reset(conn, defaults)
            raise
    return Step(file.version, file.filename, ms(started), attempts=attempt)


def closing_sql(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    who: dict[str, Any],
    held: lock.MigrationLock,
    defaults: tuple[bytes, ...],
) -> tuple[bytes, ...]:
    """What follows a file's statements in its transaction: the fence, its ledger row, the defaults."""
    return (held.fence_sql(), ledger_row(conn, file, who), *defaults)


def ledger_row(conn: psycopg.Connection[Any], file: MigrationFile, who: dict[str, Any]) -> bytes:
    """The file's ledger row, timed by the server from its ``BEGIN``, returning that time."""
    return ledger.record_sql(
        version=file.version,
        name=file.name,
        checksum=file.checksum,
        duration_ms=None,  # the server's: the row goes out with the statements, before they ran
        applied_by=who,
        success=True,
        returning=True,
    ).as_bytes(conn)


def apply_statements(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    parts: list[tuple[int, str]],
    previous: Applied | None,
    settings: Settings,
    who: dict[str, Any],
    started: float,
    defaults: tuple[bytes, ...],
    held: lock.MigrationLock,
) -> Step:
    first = 0
    if previous is not None and previous.statements_done:
        if previous.checksum != file.checksum:
            raise LedgerConflict(
                f"{show_path(file.path)} changed since its partial run ({previous.statements_done} of its "
                "statements completed): restore it, or clear the partial run with "
                f"`pgwarden migrate repair --clear {file.version}` after checking the database by hand."
            )
        first = previous.statements_done
    attempts = 1
    done = first
    try:
        if (
            held.session_state
        ):  # through a transaction pooler a session SET would outlive us on a shared connection
            executor.timeouts(conn, file, local=False)
        for index in range(first, len(parts)):
            offset, text = parts[index]
            held.renew()  # no transaction can fence these statements: renew, and stop if the lock is gone
            while True:
                try:
                    guard_rows.refuse(conn, file, text, offset, settings)
                    executor.run(conn, file, text, offset)
                    break
                except MigrationError as exc:
                    if exc.sqlstate == LOCK_NOT_AVAILABLE and attempts <= settings.retries:
                        time.sleep(settings.backoff * 2 ** (attempts - 1))
                        attempts += 1
                        continue
                    record_failure(conn, file, who, started, str(exc), index, held)
                    raise
            done = index + 1
            with conn.transaction():
                # Each statement's progress, so a rerun resumes after it; the last one marks the file applied.
                record(conn, file, who, started, held, success=done == len(parts), done=done)
        if first >= len(parts):
            with conn.transaction():
                record(conn, file, who, started, held, success=True, done=done)
    finally:
        reset(conn, defaults)
    return Step(file.version, file.filename, ms(started), attempts=attempts, resumed_at=first or None)


def record(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    who: dict[str, Any],
    started: float,
    held: lock.MigrationLock,
    *,
    success: bool,
    done: int | None = None,
    error: str | None = None,
) -> None:
    """Record the file's progress in the transaction that made it, after checking the lock is still ours."""
    held.fence(conn)
    ledger.record(
        conn,
        version=file.version,
        name=file.name,
        checksum=file.checksum,
        duration_ms=ms(started),
        applied_by=who,
        success=success,
        error=error,
        statements_done=done,
    )


def record_failure(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    who: dict[str, Any],
    started: float,
    error: str,
    done: int | None,
    held: lock.MigrationLock,
) -> None:
    if conn.closed or conn.broken:
        return
    # The failure itself is what the caller reports; a second one while recording it adds nothing.
    # Fenced like a success: a migrator that lost the lock must not mark another one's file failed.
    with contextlib.suppress(psycopg.Error, lock.LockLost), conn.transaction():
        record(conn, file, who, started, held, success=False, done=done, error=error)


def session_defaults(conn: psycopg.Connection[Any], settings: Settings) -> tuple[bytes, ...]:
    """Statements that undo whatever a file set for the session and restore the runner's settings."""
    values = [
        # A file and its ledger row commit together; that commit must survive a server crash
        # even where the server runs with synchronous_commit off.
        ("synchronous_commit", "on"),
        ("lock_timeout", settings.lock_timeout),
        ("statement_timeout", settings.statement_timeout),
    ]
    if conn.info.server_version >= 140000:
        # A migrator killed mid-statement must not keep its transaction (and the lock) for long.
        values.append(("client_connection_check_interval", "1s"))
    # One statement sets them all (each file's transaction ends with these: one statement less to run
    # per setting and file).
    setting = sql.SQL("SELECT {}").format(
        sql.SQL(", ").join(
            sql.SQL("pg_catalog.set_config({}, {}, false)").format(sql.Literal(name), sql.Literal(value))
            for name, value in values
        )
    )
    return (b"RESET ALL", setting.as_bytes(conn))


def local_defaults_sql(conn: psycopg.Connection[Any], settings: Settings) -> bytes:
    """The runner's defaults for one transaction only (through a pooler in transaction mode)."""
    return (
        sql.SQL(
            "SELECT pg_catalog.set_config('synchronous_commit', 'on', true), "
            "pg_catalog.set_config('lock_timeout', {}, true), pg_catalog.set_config('statement_timeout', {}, true)"
        )
        .format(sql.Literal(settings.lock_timeout), sql.Literal(settings.statement_timeout))
        .as_bytes(conn)
    )


def reset(conn: psycopg.Connection[Any], defaults: tuple[bytes, ...]) -> None:
    """The runner's settings back, in one round trip."""
    if defaults and not conn.closed and not conn.broken:
        conn.execute(b"; ".join(defaults))


def ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
