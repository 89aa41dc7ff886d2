"""Applying pending files under the migration lock: one transaction per file with its ledger row
(consecutive ones sent in one round trip, ``batch.py``), or statement by statement with recorded
progress for ``no-transaction`` files (``file_run.py``); or all in one transaction."""

from __future__ import annotations

import functools
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ..errors import MigrationError
from . import guard_rows, ledger, lock
from .batch import apply_files
from .errors import LedgerConflict
from .file_run import (
    LOCK_NOT_AVAILABLE,
    Step,
    apply_file,
    ledger_row,
    local_defaults_sql,
    record_failure,
    reset,
    session_defaults,
)
from .ledger import Applied
from .settings import Settings
from .source import MigrationFile, show_path

__all__ = ["Step", "UpResult", "conflicts", "pending", "up"]

Progress = Callable[[str], None]


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
    conn: psycopg.Connection[Any] | None = None,
) -> UpResult:
    """Apply every pending file (up to ``to``) under the migration lock; stop at the first failure.

    ``single_transaction``: all of them in one transaction, which one failure rolls back whole.
    ``conn``: an idle connection from ``lock.connection`` to use instead of a new one."""
    from .adopt import require_adopted

    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    result = UpResult(single_transaction=single_transaction)
    with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say, conn=conn) as (
        conn,
        waited,
    ):
        result.waited = waited
        held = lock.current(conn)
        assert held is not None and held.pooling is not None
        if not held.session_state:
            say(f"connected through {held.pooling.describe()}: the lock and timeouts use no session state")
        who = ledger.actor(settings.app_version)
        there, complete = ledger.presence(conn)  # an older pgwarden may not have made every table
        applied = ledger.read(conn, present=True) if there else {}
        if not applied:  # a first run: another tool's ledger may say what is already there
            adopted = require_adopted(conn, files, who, settings.configured_ledger)
            if adopted is not None:  # imported into the ledger it made: its versions are rows now
                say(f"adopted {adopted.tool}'s ledger {adopted.table}: its versions count as applied")
                applied, complete = ledger.read(conn, present=True), True
        if not complete:
            ledger.create(conn)
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
        defaults = session_defaults(conn, settings) if held.session_state else ()
        reset(conn, defaults)
        local = None if held.session_state else settings
        run = _Run(conn, result, settings, who, held, defaults, say)
        if single_transaction:
            _apply_single(run, todo)
            return result
        index = 0
        while index < len(todo) and result.ok:
            file = todo[index]
            if file.transactional and psycopg.Pipeline.is_supported():
                index += _apply_batch(run, todo[index:])
                continue
            say(f"applying {file.filename} …")
            try:
                step = apply_file(conn, file, applied.get(file.version), settings, who, held, defaults, local)
            except MigrationError as exc:
                result.error, result.failed = exc, file
                say(f"failed {file.filename}: {exc}")
                break
            result.applied.append(step)
            say(f"applied {file.filename} in {step.duration_ms} ms")
            index += 1
    return result


@dataclass
class _Run:
    """One run of ``up`` under the lock: where its files go and what it says."""

    conn: psycopg.Connection[Any]
    result: UpResult
    settings: Settings
    who: dict[str, Any]
    held: lock.MigrationLock
    defaults: tuple[bytes, ...]
    """The runner's session settings restored after each file (none through a transaction pooler)."""
    say: Progress


_BATCH = 32
"""Transactional files sent in one round trip at most: progress is said batch by batch."""


def _apply_batch(run: _Run, todo: Sequence[MigrationFile]) -> int:
    """The transactional files at the head of ``todo`` (up to ``_BATCH``), each in its own transaction
    with its fenced ledger row, in one round trip; retried from a file that waited too long for a
    lock, as a file alone is. How many files it committed; ``run.result`` says the failure, if any."""
    conn, settings, held = run.conn, run.settings, run.held
    batch = list(itertools.takewhile(lambda f: f.transactional, todo[:_BATCH]))
    attempt, committed = 1, 0
    while batch:
        run.say(_applying(batch))
        started = time.monotonic()
        outcome = apply_files(
            conn,
            batch,
            check=lambda file: functools.partial(guard_rows.refuse, conn, file, settings=settings),
            before=b"" if held.session_state else local_defaults_sql(conn, settings),
            row=lambda file: ledger_row(conn, file, run.who),
            fence=held.fence_sql(),
            after=run.defaults,
        )
        for file, ms in outcome.done:
            run.result.applied.append(Step(file.version, file.filename, ms, attempts=attempt))
            run.say(f"applied {file.filename} in {ms} ms")
            started += ms / 1000
            attempt = 1
        committed += len(outcome.done)
        batch = batch[len(outcome.done) :]
        failed, exc = outcome.failed, outcome.error
        if exc is None:
            break
        reset(conn, run.defaults)
        if isinstance(exc, psycopg.Error) or failed is None:
            if isinstance(exc, psycopg.Error) and exc.sqlstate == lock.LOCK_LOST:
                raise held.lost_error() from None
            raise exc
        if exc.sqlstate == LOCK_NOT_AVAILABLE and attempt <= settings.retries:
            time.sleep(settings.backoff * 2 ** (attempt - 1))
            attempt += 1
            continue
        record_failure(conn, failed, run.who, started, str(exc), None, held)
        run.result.error, run.result.failed = exc, failed
        run.say(f"failed {failed.filename}: {exc}")
        break
    return committed


def _applying(batch: Sequence[MigrationFile]) -> str:
    if len(batch) == 1:
        return f"applying {batch[0].filename} …"
    return (
        f"applying {batch[0].filename} to {batch[-1].filename} "
        f"({len(batch)} files in one round trip, each in its own transaction) …"
    )


def _apply_single(run: _Run, todo: Sequence[MigrationFile]) -> None:
    from . import single

    conn, settings, held = run.conn, run.settings, run.held
    single.refuse(todo)
    local = b"" if held.session_state else local_defaults_sql(conn, settings)
    attempt = 0
    while todo:
        attempt += 1
        try:
            done = single.apply_all(
                conn,
                todo,
                who=run.who,
                held=held,
                start=local,
                between=run.defaults or (local,),
                check=lambda file, text, offset: guard_rows.refuse(conn, file, text, offset, settings),
                say=run.say,
            )
        except single.FileFailed as failed:
            reset(conn, run.defaults)
            if failed.error.sqlstate == LOCK_NOT_AVAILABLE and attempt <= settings.retries:
                time.sleep(settings.backoff * 2 ** (attempt - 1))
                continue
            started = time.monotonic() - failed.duration_ms / 1000
            record_failure(conn, failed.file, run.who, started, str(failed.error), None, held)
            run.result.error, run.result.failed = failed.error, failed.file
            run.say(
                f"failed {failed.file.filename}: {str(failed.error).rstrip('.')}; every file of the run was rolled back"
            )
            return
        except BaseException:
            reset(conn, run.defaults)
            raise
        run.result.applied = [Step(f.version, f.filename, ms, attempts=attempt) for f, ms in done]
        run.say(f"applied {len(done)} file(s) in one transaction")
        return
