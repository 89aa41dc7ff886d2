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
from . import guard, guard_rows, ledger, lock
from .errors import DataLossRefused, LedgerConflict
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
) -> UpResult:
    """Apply every pending file (up to ``to``) under the migration lock; stop at the first failure."""
    from .adopt import require_adopted

    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    result = UpResult()
    with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say) as (conn, waited):
        result.waited = waited
        held = lock.current(conn)
        assert held is not None and held.pooling is not None
        if not held.session_state:
            say(f"connected through {held.pooling.describe()}: the lock and timeouts use no session state")
        who = ledger.actor(settings.app_version)
        adopted = require_adopted(conn, files, who, settings.configured_ledger)
        if adopted is not None:
            say(f"adopted {adopted.tool}'s ledger {adopted.table}: its versions count as applied")
        ledger.ensure(conn)
        applied = ledger.read(conn)
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
        defaults = _defaults(conn, settings) if held.session_state else b""
        _reset(conn, defaults)
        local = None if held.session_state else settings
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


def _apply(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    previous: Applied | None,
    settings: Settings,
    who: dict[str, Any],
    held: lock.MigrationLock,
    defaults: bytes,
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
                check=lambda text, offset: _guard(conn, file, text, offset, settings),
                before=None if local is None else lambda c: _local_defaults(c, local),
                after=lambda c: _record(c, file, who, started, held, success=True),
                reset=False,
            )
            break
        except MigrationError as exc:
            if exc.sqlstate == _LOCK_NOT_AVAILABLE and attempt <= settings.retries:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            _record_failure(conn, file, who, started, str(exc), None, held)
            raise
        finally:
            _reset(conn, defaults)
    return Step(file.version, file.filename, _ms(started), attempts=attempt)


def _apply_statements(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    parts: list[tuple[int, str]],
    previous: Applied | None,
    settings: Settings,
    who: dict[str, Any],
    started: float,
    defaults: bytes,
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
                    _guard(conn, file, text, offset, settings)
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


def _defaults(conn: psycopg.Connection[Any], settings: Settings) -> bytes:
    """One round trip that undoes whatever a file set for the session and restores the runner's settings."""
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
    return sql.SQL("; ").join(statements).as_string(conn).encode("utf-8")


def _local_defaults(conn: psycopg.Connection[Any], settings: Settings) -> None:
    """The runner's defaults for this transaction only (through a pooler in transaction mode)."""
    conn.execute(
        b"SELECT pg_catalog.set_config('synchronous_commit', 'on', true), "
        b"pg_catalog.set_config('lock_timeout', %s, true), pg_catalog.set_config('statement_timeout', %s, true)",
        (settings.lock_timeout, settings.statement_timeout),
    )


def _guard(
    conn: psycopg.Connection[Any], file: MigrationFile, text: str, offset: int, settings: Settings
) -> None:
    """Refuse ``text`` when it would lose rows the file does not say it means to lose."""
    if not settings.data_guard or settings.allow_data_loss or file.destructive:
        return
    risks = guard.risks(text)
    if not risks:
        return
    lost = guard_rows.losses(conn, risks)
    if not lost:
        return
    path = show_path(file.path)
    start = offset + len(text) - len(text.lstrip())
    line, column = guard.line_of(file.sql, start)
    what = "; ".join(f"{loss.what} loses {loss.rows_text} row(s)" for loss in lost)
    shown = " ".join(text.split())
    shown = shown if len(shown) <= 80 else shown[:77] + "..."
    raise DataLossRefused(
        f"{path}:{line}:{column}: refused `{shown}`: {what}, and the file does not say it means to. "
        + (
            "The file was rolled back and nothing after it ran. "
            if file.transactional
            else "Its earlier statements stay applied (no-transaction file); nothing after it ran. "
        )
        + "If these rows may go, add "
        "`-- pgwarden: destructive -- <why>` to the comment block at the top of the file (or run "
        "`pgwarden migrate up --allow-data-loss`); otherwise change the statement",
        path=path,
        line=line,
        column=column,
        losses=lost,
        statement=text,
    )


def _reset(conn: psycopg.Connection[Any], defaults: bytes) -> None:
    if defaults and not conn.closed and not conn.broken:
        conn.execute(defaults)


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
