"""``migrate up --dry-run``: pending files run on a scratch copy of the live schema, never on the live database.

The live database is only read (one READ ONLY transaction): its ledger, its schema, and
for each statement the data guard would look at, the rows at stake: counted exactly
when the table is small, else estimated from ``pg_class.reltuples``. The scratch copy
holds the schema only, so what a file does to rows is told from those figures.
"""

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
from . import apply as executor
from . import guard, guard_rows
from .adopt import effective
from .runner import pending
from .settings import Settings
from .source import MigrationFile, statements

__all__ = ["DryRun", "FileEffect", "dry_run"]

_SMALL_PAGES = 1280
"""Tables up to 10 MB are counted exactly; larger ones estimated from the statistics."""


@dataclass
class FileEffect:
    filename: str
    version: int
    duration_ms: int = 0
    schema_sql: str = ""
    """What the file changes in the schema, as SQL."""
    losses: list[dict[str, Any]] = field(default_factory=list)
    """Rows at stake per destructive statement: ``what``, ``rows``, ``estimated``."""
    refused: bool = False
    """Whether ``up`` would refuse the file (rows at stake, no marker, the guard on)."""
    marker: str | None = None


@dataclass
class DryRun:
    files: list[FileEffect] = field(default_factory=list)
    schema_sql: str = ""
    """The schema change all pending files make together (empty when none)."""
    error: MigrationError | None = None
    where: str = "scratch copy"

    @property
    def destructive_first(self) -> list[FileEffect]:
        return sorted(self.files, key=lambda f: (not f.losses, f.version))


def dry_run(
    url: str,
    files: Sequence[MigrationFile],
    *,
    to: int | None = None,
    settings: Settings | None = None,
    scratch: Scratch,
    progress: Callable[[str], None] | None = None,
    connect_timeout: float = 5.0,
) -> DryRun:
    """What ``up`` would do: the live database read only, the files run on ``scratch``."""
    settings = settings or Settings()
    say = progress or (lambda _msg: None)
    with connect(url, timeout=connect_timeout, what="database") as conn:
        conn.read_only = True
        todo = pending(files, effective(conn, files, settings.configured_ledger), to=to)
        live = inspect(conn)
        effects = [_at_stake(conn, file, settings) for file in todo]
        conn.rollback()
    result = DryRun(files=effects)
    copy = scratch.create_database("dry_run")
    try:
        with connect(copy, autocommit=True, what="scratch database") as conn:
            setup = render_sql(diff(live, inspect(conn)), allow_destructive=True)
            if setup.strip():
                conn.execute(setup.encode("utf-8"))
            first = inspect(conn)
            for file, effect in zip(todo, effects, strict=True):
                before = inspect(conn)
                started = time.monotonic()
                try:
                    _apply(conn, file)
                except MigrationError as exc:
                    result.error = exc
                    say(f"failed {file.filename}: {exc}")
                    break
                effect.duration_ms = round((time.monotonic() - started) * 1000)
                effect.schema_sql = render_sql(diff(inspect(conn), before), allow_destructive=True)
                say(f"would apply {file.filename} ({effect.duration_ms} ms)")
            result.schema_sql = render_sql(diff(inspect(conn), first), allow_destructive=True)
    finally:
        scratch.drop_database(copy)
    return result


def _at_stake(conn: psycopg.Connection[Any], file: MigrationFile, settings: Settings) -> FileEffect:
    effect = FileEffect(file.filename, file.version, marker=file.destructive)
    for _offset, text in statements(file):
        risks = guard.risks(text)
        if not risks:
            continue
        for risk in risks:
            effect.losses.extend(_estimate(conn, risk))
    effect.refused = bool(effect.losses) and settings.data_guard and not file.destructive
    effect.refused = effect.refused and not settings.allow_data_loss
    return effect


def at_stake(conn: psycopg.Connection[Any], text: str) -> list[dict[str, Any]]:
    """Rows each destructive operation in the SQL ``text`` puts at stake on the live database (read only):
    ``what``, ``table``, ``rows``, ``estimated``; nothing for a table that does not exist (yet)."""
    return [loss for risk in guard.risks(text) for loss in _estimate(conn, risk)]


def _estimate(conn: psycopg.Connection[Any], risk: guard.Risk) -> list[dict[str, Any]]:
    """Rows ``risk`` puts at stake on the live database: exact for small tables, else from statistics."""
    row = None
    if not risk.action.startswith("DROP SCHEMA"):
        name = guard_rows.regclass_text(conn, risk)
        row = conn.execute(guard_rows.query("guard_size"), {"name": name}).fetchone()
    if row is None or row[1] < _SMALL_PAGES or row[0] < 0:
        return [
            {"what": loss.what, "table": loss.table, "rows": loss.rows, "estimated": False}
            for loss in guard_rows.losses(conn, [risk])
        ]
    what = f"{risk.action} {row[2]}" + (f".{risk.column}" if risk.column else "")
    return [{"what": what, "table": row[2], "rows": int(row[0]), "estimated": True}] if row[0] > 0 else []


def _apply(conn: psycopg.Connection[Any], file: MigrationFile) -> None:
    try:
        executor.apply(conn, file)
    except psycopg.Error as exc:  # apply() raises MigrationError; this is a broken connection
        raise MigrationError(str(exc), path=file.filename) from None
