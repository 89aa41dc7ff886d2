"""``migrate up --dry-run``: apply pending files in a transaction that is rolled back, and show what they change."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from ..catalog import inspect
from ..db import connect
from ..diff import diff, render_sql
from ..errors import MigrationError
from ..scratch import Scratch
from . import ledger, lock
from .runner import Step, pending
from .settings import Settings
from .source import MigrationFile, statements

__all__ = ["DryRun", "dry_run"]


@dataclass
class DryRun:
    steps: list[Step] = field(default_factory=list)
    schema_sql: str = ""
    """The schema change the pending files make, as SQL (empty when none)."""
    skipped: list[str] = field(default_factory=list)
    """``no-transaction`` files, which cannot run inside the rolled-back transaction on the target."""
    error: MigrationError | None = None
    where: str = "target"


def dry_run(
    url: str,
    files: Sequence[MigrationFile],
    *,
    to: int | None = None,
    settings: Settings | None = None,
    scratch: Scratch | None = None,
    progress: Callable[[str], None] | None = None,
    connect_timeout: float = 5.0,
) -> DryRun:
    """Run pending files on the target inside a rolled-back transaction, or on a scratch copy of its schema."""
    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    if scratch is not None:
        with connect(url, timeout=connect_timeout, what="database") as conn:
            conn.read_only = True
            todo = pending(files, ledger.read(conn), to=to)
            live = inspect(conn)
            conn.rollback()
        copy = scratch.create_database("dry_run")
        try:
            with connect(copy, autocommit=True, what="scratch database") as conn:
                setup = render_sql(diff(live, inspect(conn)), allow_destructive=True)
                if setup.strip():
                    conn.execute(setup.encode("utf-8"))
                result = _run(conn, todo, say, transactional_only=False)
                result.where = "scratch copy"
                return result
        finally:
            scratch.drop_database(copy)
    with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say) as (conn, _):
        todo = pending(files, ledger.read(conn), to=to)
        with conn.transaction(force_rollback=True):
            return _run(conn, todo, say, transactional_only=True)


def _run(
    conn: psycopg.Connection[Any],
    todo: Sequence[MigrationFile],
    say: Callable[[str], None],
    *,
    transactional_only: bool,
) -> DryRun:
    result = DryRun()
    before = inspect(conn)
    for file in todo:
        if transactional_only and not file.transactional:
            result.skipped.append(file.filename)
            say(f"skipped {file.filename}: no-transaction files cannot run in a rolled-back transaction")
            continue
        started = time.monotonic()
        try:
            if file.transactional:
                with conn.transaction():
                    _statements(conn, file)
            else:
                _statements(conn, file)
        except MigrationError as exc:
            result.error = exc
            say(f"failed {file.filename}: {exc}")
            break
        step = Step(file.version, file.filename, round((time.monotonic() - started) * 1000))
        result.steps.append(step)
        say(f"would apply {file.filename} ({step.duration_ms} ms)")
    result.schema_sql = render_sql(diff(inspect(conn), before), allow_destructive=True)
    return result


def _statements(conn: psycopg.Connection[Any], file: MigrationFile) -> None:
    for offset, text in statements(file):
        try:
            conn.execute(text.encode("utf-8"))
        except psycopg.Error as exc:
            from ..contract.migrations import failure  # loads SQLAlchemy: only when needed

            raise failure(file, exc, offset=offset, statement=text) from None
