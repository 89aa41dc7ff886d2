"""Applying pending files under the migration lock: one transaction per file with its ledger row, or
statement by statement with recorded progress for ``no-transaction`` files."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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

__all__ = ["Step", "UpResult", "conflicts", "pending", "up"]

Progress = Callable[[str], None]
_LOCK_NOT_AVAILABLE = "55P03"


@dataclass
class Step:
    version: int
    filename: str
    duration_ms: int
    attempts: int = 1
    resumed_at: int | None = None
    """For a ``no-transaction`` file resumed after a partial run: the first statement run (0-based)."""


@dataclass
class UpResult:
    applied: list[Step] = field(default_factory=list)
    pending_before: int = 0
    waited: float = 0.0
    error: MigrationError | None = None
    failed: MigrationFile | None = None
    warnings: list[str] = field(default_factory=list)
    single_transaction: bool = False
    """All files ran in one transaction: a failure rolled back every one of them."""

    @property
    def ok(self) -> bool:
        return self.error is None


def pending(
    files: Sequence[MigrationFile], applied: dict[int, Applied], *, to: int | None = None
) -> list[MigrationFile]:
    """Files without a successful ledger row, up to version ``to``."""
    return [
        f
        for f in files
        if (to is None or f.version <= to) and not (f.version in applied and applied[f.version].success)
    ]


def conflicts(files: Sequence[MigrationFile], applied: dict[int, Applied]) -> list[str]:
    """Reasons not to run at all: an applied file edited since, or a pending file older than the newest applied."""
    reasons = []
    newest = max((v for v, a in applied.items() if a.success), default=None)
    for f in files:
        row = applied.get(f.version)
        if row and row.success and row.checksum != f.checksum:
            reasons.append(f"{show_path(f.path)} was edited after it was applied (checksum differs)")
        elif newest is not None and f.version < newest and not (row and row.success):
            reasons.append(f"{show_path(f.path)} is pending but older than applied version {newest}")
    return reasons


def up(
    url: str,
    files: Sequence[MigrationFile],
    *,
    to: int | None = None,
    settings: Settings | None = None,
    progress: Progress | None = None,
    connect_timeout: float = 5.0,
    single_transaction: bool = False,
) -> UpResult:
    """Apply every pending file (up to ``to``) under the migration lock; stop at the first failure.

    ``single_transaction``: all of them in one transaction, which one failure rolls back whole."""
    from .adopt import require_adopted

    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    result = UpResult(single_transaction=single_transaction)
    with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say) as (conn, waited):
        result.waited = waited
        held = lock.current(conn)
        assert held is not None and held.pooling is not None
        if not held.session_state:
            say(f"connected through {held.pooling.describe()}: the lock and timeouts use no session state")
        who = ledger.actor(settings.app_version)
        applied = ledger.read(conn)
        if not applied:  # a first run: another tool's ledger may say what is already there
            adopted = require_adopted(conn, files, who, settings.configured_ledger)
            if adopted is not None:
                say(f"adopted {adopted.tool}'s ledger {adopted.table}: its versions count as applied")
            ledger.ensure(conn)
            applied = ledger.read(conn, known=True)
        else:
            ledger.ensure(conn)  # rows there, but an older pgwarden may not have made every table
        reasons = conflicts(files, applied)
        if reasons:
            raise LedgerConflict(
                "Not migrating: "
                + "; ".join(reasons)
                + ". Run `pgwarden migrate verify` for details; restore the file, or record the "
                "decision with `pgwarden migrate repair`."
            )
        todo = pending(files, applied, to=to)
        result.pending_before = len(todo)
        if not todo:
            say("nothing to apply: the database is at the target version")
        # Through a pooler in transaction mode a session SET would land on a shared server
        # connection: the defaults are then set per file, inside its transaction.
        defaults = _defaults(conn, settings) if held.session_state else ()
        _reset(conn, defaults)
        local = None if held.session_state else settings
        if single_transaction:
            _apply_single(conn, todo, result, settings, who, held, defaults, say)
            return result
        for file in todo:
            say(f"applying {file.filename} …")
            try:
                step = _apply(conn, file, applied.get(file.version), settings, who, held, defaults, local)
            except MigrationError as exc:
                result.error, result.failed = exc, file
                say(f"failed {file.filename}: {exc}")
                break
            result.applied.append(step)
            say(f"applied {file.filename} in {step.duration_ms} ms")
    return result


def _apply_single(
    conn: psycopg.Connection[Any],
    todo: Sequence[MigrationFile],
    result: UpResult,
    settings: Settings,
    who: dict[str, Any],
    held: lock.MigrationLock,
    defaults: tuple[bytes, ...],
    say: Progress,
) -> None:
    from . import single

    single.refuse(todo)
    local = b"" if held.session_state else _local_defaults_sql(conn, settings)
    attempt = 0
    while todo:
        attempt += 1
        try:
            done = single.apply_all(
                conn,
                todo,
                who=who,
                held=held,
                start=local,
                between=defaults or (local,),
                check=lambda file, text, offset: guard_rows.refuse(conn, file, text, offset, settings),
                say=say,
            )
        except single.FileFailed as failed:
            _reset(conn, defaults)
            if failed.error.sqlstate == _LOCK_NOT_AVAILABLE and attempt <= settings.retries:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            started = time.monotonic() - failed.duration_ms / 1000
            _record_failure(conn, failed.file, who, started, str(failed.error), None, held)
            result.error, result.failed = failed.error, failed.file
            say(f"failed {failed.file.filename}: {failed.error}; every file of the run was rolled back")
            return
        except BaseException:
            _reset(conn, defaults)
            raise
        result.applied = [Step(f.version, f.filename, ms, attempts=attempt) for f, ms in done]
        say(f"applied {len(done)} file(s) in one transaction")
        return


def _apply(
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
        return _apply_statements(
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
                before=b"" if local is None else _local_defaults_sql(conn, local),
                # After the last statement, in the same round trip: the fence, the ledger row, the
                # runner's defaults back for the next file (in the transaction, so they hold after
                # it) and the COMMIT, which a lost lock stops.
                closing=_closing(conn, file, who, held, defaults),
                reset=False,
            )
            break
        except psycopg.Error as exc:
            if exc.sqlstate != lock.LOCK_LOST:
                raise
            _reset(conn, defaults)
            raise held.lost_error() from None
        except MigrationError as exc:
            _reset(conn, defaults)
            if exc.sqlstate == _LOCK_NOT_AVAILABLE and attempt <= settings.retries:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            _record_failure(conn, file, who, started, str(exc), None, held)
            raise
        except BaseException:
            _reset(conn, defaults)
            raise
    return Step(file.version, file.filename, _ms(started), attempts=attempt)


def _closing(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    who: dict[str, Any],
    held: lock.MigrationLock,
    defaults: tuple[bytes, ...],
) -> tuple[bytes, ...]:
    row = ledger.record_sql(
        version=file.version,
        name=file.name,
        checksum=file.checksum,
        duration_ms=None,  # the server's: the row goes out with the statements, before they ran
        applied_by=who,
        success=True,
    )
    return (held.fence_sql(), row.as_bytes(conn), *defaults)


def _apply_statements(
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
                    if exc.sqlstate == _LOCK_NOT_AVAILABLE and attempts <= settings.retries:
                        time.sleep(settings.backoff * 2 ** (attempts - 1))
                        attempts += 1
                        continue
                    _record_failure(conn, file, who, started, str(exc), index, held)
                    raise
            done = index + 1
            with conn.transaction():
                # Each statement's progress, so a rerun resumes after it; the last one marks the file applied.
                _record(conn, file, who, started, held, success=done == len(parts), done=done)
        if first >= len(parts):
            with conn.transaction():
                _record(conn, file, who, started, held, success=True, done=done)
    finally:
        _reset(conn, defaults)
    return Step(file.version, file.filename, _ms(started), attempts=attempts, resumed_at=first or None)


def _record(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    who: dict[str, Any],
    started: float,
    held: lock.MigrationLock,
    *,
    success: bool,
    done: int | None = None,
) -> None:
    """Record the file's progress in the transaction that made it, after checking the lock is still ours."""
    held.fence(conn)
    ledger.record(
        conn,
        version=file.version,
        name=file.name,
        checksum=file.checksum,
        duration_ms=_ms(started),
        applied_by=who,
        success=success,
        statements_done=done,
    )


def _record_failure(
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
        held.fence(conn)
        ledger.record(
            conn,
            version=file.version,
            name=file.name,
            checksum=file.checksum,
            duration_ms=_ms(started),
            applied_by=who,
            success=False,
            error=error,
            statements_done=done,
        )


def _defaults(conn: psycopg.Connection[Any], settings: Settings) -> tuple[bytes, ...]:
    """Statements that undo whatever a file set for the session and restore the runner's settings."""
    statements = [
        sql.SQL("RESET ALL"),
        # A file and its ledger row commit together; that commit must survive a server crash
        # even where the server runs with synchronous_commit off.
        sql.SQL("SET synchronous_commit = on"),
        sql.SQL("SET lock_timeout = {}").format(sql.Literal(settings.lock_timeout)),
        sql.SQL("SET statement_timeout = {}").format(sql.Literal(settings.statement_timeout)),
    ]
    if conn.info.server_version >= 140000:
        # A migrator killed mid-statement must not keep its transaction (and the lock) for long.
        statements.append(sql.SQL("SET client_connection_check_interval = '1s'"))
    return tuple(statement.as_bytes(conn) for statement in statements)


def _local_defaults_sql(conn: psycopg.Connection[Any], settings: Settings) -> bytes:
    """The runner's defaults for one transaction only (through a pooler in transaction mode)."""
    return (
        sql.SQL(
            "SELECT pg_catalog.set_config('synchronous_commit', 'on', true), "
            "pg_catalog.set_config('lock_timeout', {}, true), pg_catalog.set_config('statement_timeout', {}, true)"
        )
        .format(sql.Literal(settings.lock_timeout), sql.Literal(settings.statement_timeout))
        .as_bytes(conn)
    )


def _reset(conn: psycopg.Connection[Any], defaults: tuple[bytes, ...]) -> None:
    """The runner's settings back, in one round trip."""
    if defaults and not conn.closed and not conn.broken:
        conn.execute(b"; ".join(defaults))


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
