"""``migrate up --single-transaction``: every pending file and its ledger row in one transaction.

Under the same migration lock as the per-file runner; the lock is fenced once, in the round trip
that commits. One failure rolls back every file and every ledger row of the run (the failed
file's error is then recorded in a transaction of its own, as the per-file runner does). Files
that cannot run inside a transaction are refused before anything runs.
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg

from ..errors import MigrationError, UsageError
from . import batch, ledger, lock
from .source import MigrationFile, show_path, statements

__all__ = ["FileFailed", "apply_all", "blocker", "refuse"]

Guard = Callable[[MigrationFile, str, int], None]
"""The data guard: raises to refuse a statement of a file."""

# Words a statement needs before it can be one a transaction block refuses; only then is it parsed.
_MAYBE = re.compile(
    r"\b(?:concurrently|vacuum|database|tablespace|system|begin|start|commit|end|rollback|abort|"
    r"prepare|cluster)\b",
    re.IGNORECASE,
)


def blocker(file: MigrationFile) -> str | None:
    """Why ``file`` cannot run inside the run's transaction, or None."""
    if not file.transactional:
        return (
            "it is marked to run outside a transaction (`-- pgwarden: no-transaction` or its tool's marker)"
        )
    for _offset, text in statements(file):
        if _MAYBE.search(text):
            found = _refused(text)
            if found:
                return f"it holds `{found}`, which PostgreSQL refuses inside a transaction block"
    return None


def _refused(text: str) -> str | None:
    from pglast import ast, parse_sql  # only for statements that name one of the words above
    from pglast.parser import ParseError

    try:
        parsed = parse_sql(text)
    except ParseError:
        return None  # the server reports the syntax error when the statement runs
    for raw in parsed:
        stmt = raw.stmt
        if isinstance(stmt, (ast.IndexStmt, ast.DropStmt)) and stmt.concurrent:
            return "CREATE INDEX CONCURRENTLY" if isinstance(stmt, ast.IndexStmt) else "DROP … CONCURRENTLY"
        if isinstance(stmt, ast.ReindexStmt) and any(
            isinstance(p, ast.DefElem) and p.defname == "concurrently" for p in stmt.params or ()
        ):
            return "REINDEX CONCURRENTLY"
        if isinstance(stmt, ast.AlterTableStmt) and any(
            isinstance(c, ast.AlterTableCmd) and isinstance(c.def_, ast.PartitionCmd) and c.def_.concurrent
            for c in stmt.cmds or ()
        ):
            return "DETACH PARTITION … CONCURRENTLY"
        simple = {
            ast.VacuumStmt: "VACUUM",
            ast.CreatedbStmt: "CREATE DATABASE",
            ast.DropdbStmt: "DROP DATABASE",
            ast.AlterSystemStmt: "ALTER SYSTEM",
            ast.CreateTableSpaceStmt: "CREATE TABLESPACE",
            ast.DropTableSpaceStmt: "DROP TABLESPACE",
            ast.TransactionStmt: "BEGIN/COMMIT",
        }
        for kind, name in simple.items():
            if isinstance(stmt, kind):
                return name
        if isinstance(stmt, ast.ClusterStmt) and stmt.relation is None:
            return "CLUSTER without a table"
    return None


def refuse(todo: Sequence[MigrationFile]) -> None:
    """``UsageError`` naming the first pending file that cannot run in one transaction."""
    for file in todo:
        reason = blocker(file)
        if reason:
            raise UsageError(
                f"--single-transaction: {show_path(file.path)} cannot run inside the run's transaction: "
                f"{reason}; apply the files before it with --to, then this one without --single-transaction."
            )


def apply_all(
    conn: psycopg.Connection[Any],
    todo: Sequence[MigrationFile],
    *,
    who: dict[str, Any],
    held: lock.MigrationLock,
    start: bytes,
    between: Sequence[bytes],
    check: Guard,
    say: Callable[[str], None],
) -> list[tuple[MigrationFile, int]]:
    """Run ``todo`` in one transaction with a ledger row each; (file, milliseconds) of each, committed.

    ``start`` is SQL sent first in the transaction, ``between`` statements restoring the runner's
    settings, sent after each file's ledger row (a file's ``SET`` must not reach the next file).
    Everything, the fence and the ``COMMIT`` included, goes in one round trip; each row is timed by
    the server from its file's start. Raises ``FileFailed`` after rolling everything back.
    """
    if len(todo) == 1:
        say(f"running {todo[0].filename} …")
    else:
        say(f"running {todo[0].filename} to {todo[-1].filename} ({len(todo)} files) in one transaction …")
    started = time.monotonic()
    outcome = batch.apply_together(
        conn,
        todo,
        check=lambda file: functools.partial(check, file),
        start=(b"BEGIN", start) if start else (b"BEGIN",),
        mark=ledger.FILE_START,
        row=lambda file: ledger.record_sql(
            version=file.version,
            name=file.name,
            checksum=file.checksum,
            duration_ms=ledger.SINCE_FILE_START,
            applied_by=who,
            success=True,
            returning=True,
        ).as_bytes(conn),
        between=between,
        end=(held.fence_sql(), b"COMMIT"),
    )
    exc = outcome.error
    if exc is None:
        return outcome.done
    if isinstance(exc, MigrationError) and outcome.failed is not None:
        ran = sum(ms for _, ms in outcome.done)
        raise FileFailed(exc, outcome.failed, max(0, _ms(started) - ran))
    if isinstance(exc, psycopg.Error) and exc.sqlstate == lock.LOCK_LOST:
        raise held.lost_error() from None
    raise exc


class FileFailed(Exception):
    """A file of a single-transaction run failed; the whole run was rolled back."""

    def __init__(self, error: MigrationError, file: MigrationFile, duration_ms: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.file = file
        self.duration_ms = duration_ms


def _ms(started: float) -> int:
    return round((time.monotonic() - started) * 1000)
