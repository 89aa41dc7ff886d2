"""The data guard's live half: count the rows a statement would lose, inside the migration's transaction.

Counted just before the statement runs, so earlier statements of the same file are
seen. Counts stop at ``CAP`` rows: that many is already reason enough to refuse,
and a bigger table is not scanned in full for the message.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import psycopg
from psycopg import sql

from .errors import DataLossRefused
from .settings import Settings
from .source import MigrationFile, show_path, statements

if TYPE_CHECKING:
    from .guard import Risk  # the parser-backed half: imported where a statement is parsed

__all__ = ["CAP", "Loss", "losses", "refuse", "would_refuse"]

CAP = 1_000_000


@dataclass(frozen=True)
class Loss:
    risk: Risk
    table: str
    """The table as the server resolved it: ``schema.table``."""
    rows: int
    """Rows lost (for a type change: rows whose value does not survive the new type); at most ``CAP``."""

    @property
    def rows_text(self) -> str:
        return f"at least {self.rows:,}" if self.rows >= CAP else f"{self.rows:,}"

    @property
    def what(self) -> str:
        """``DROP COLUMN public.users.phone``: the action and what it acts on."""
        target = f"{self.table}.{self.risk.column}" if self.risk.column else self.table
        return f"{self.risk.action} {target}"


@cache
def query(name: str) -> bytes:
    return resources.files(__package__).joinpath(f"queries/{name}.sql").read_bytes()


def losses(conn: psycopg.Connection[Any], risks: list[Risk]) -> list[Loss]:
    """Every risk of ``risks`` that would lose at least one row now."""
    found: list[Loss] = []
    for risk in risks:
        if risk.action.startswith("DROP SCHEMA"):
            for schema, table in conn.execute(query("guard_schema"), {"schema": risk.name}).fetchall():
                rows = _count(conn, sql.Identifier(schema, table), None)
                if rows:
                    found.append(Loss(risk, f"{schema}.{table}", rows))
            continue
        name = regclass_text(conn, risk)
        row = conn.execute(query("guard_table"), {"name": name}).fetchone()
        if row is None:
            continue  # no such table (yet): the statement fails or creates nothing to lose
        table = sql.Identifier(row[0], row[1])
        rows = _count(conn, table, _condition(conn, risk, name), cast=risk.new_type is not None)
        if rows:
            found.append(Loss(risk, f"{row[0]}.{row[1]}", rows))
    return found


def regclass_text(conn: psycopg.Connection[Any], risk: Risk) -> str:
    parts = (risk.schema, risk.name) if risk.schema else (risk.name,)
    return sql.Identifier(*parts).as_string(conn)


def _condition(conn: psycopg.Connection[Any], risk: Risk, name: str) -> sql.Composable | None:
    """Which rows lose something: every row, rows with a value in the column, or values a type change alters."""
    if risk.column is None:
        return None
    column = sql.Identifier(risk.column)
    if risk.action == "DROP COLUMN":
        return sql.SQL("{} IS NOT NULL").format(column)
    row = conn.execute(query("guard_column"), {"name": name, "column": risk.column}).fetchone()
    if row is None or risk.new_type is None:
        return None
    # A value is lost when the round trip old -> new -> old does not give it back (compared as text, which
    # every type has): varchar(50) -> varchar(10) loses the long values, numeric(10,2) -> integer the cents.
    # The new type and USING expression are the file's own SQL, which is about to run anyway.
    source = sql.SQL(risk.using) if risk.using else column
    return sql.SQL(
        "{col} IS NOT NULL AND ((({src})::{new})::{old})::text IS DISTINCT FROM {col}::text"
    ).format(col=column, src=source, new=sql.SQL(risk.new_type), old=sql.SQL(row[0]))


def _count(
    conn: psycopg.Connection[Any],
    table: sql.Identifier,
    condition: sql.Composable | None,
    *,
    cast: bool = False,
) -> int:
    where = sql.SQL(" WHERE {}").format(condition) if condition is not None else sql.SQL("")
    query = sql.SQL("SELECT count(*) FROM (SELECT 1 FROM {}{} LIMIT {}) AS s").format(
        table, where, sql.Literal(CAP)
    )
    if not cast:
        return _scalar(conn, query)
    # A value the new type cannot hold makes the ALTER itself fail: nothing is lost silently, so nothing counts.
    try:
        with conn.transaction():
            return _scalar(conn, query)
    except (psycopg.errors.DataError, psycopg.errors.ProgrammingError):
        return 0


def _scalar(conn: psycopg.Connection[Any], query: sql.Composed) -> int:
    row = conn.execute(query).fetchone()
    return int(row[0]) if row else 0


def would_refuse(conn: psycopg.Connection[Any], file: MigrationFile, settings: Settings) -> list[Loss]:
    """What the guard would refuse in pending ``file`` if it ran now (read-only; statements are not run).

    Counted against the database as it is, before the file's own earlier statements: a
    preview for the schema gate and ``check``, not the decision ``up`` takes.
    """
    if not settings.data_guard or file.destructive:
        return []
    from . import guard  # PostgreSQL's parser (pglast): only when a pending file is read

    found: list[Loss] = []
    for _offset, text in statements(file):
        risks = guard.risks(text)
        if risks:
            found.extend(losses(conn, risks))
    return found


def refuse(
    conn: psycopg.Connection[Any], file: MigrationFile, text: str, offset: int, settings: Settings
) -> None:
    """Refuse ``text`` when it would lose rows the file does not say it means to lose."""
    if not settings.data_guard or settings.allow_data_loss or file.destructive:
        return
    from . import guard  # PostgreSQL's parser: loaded by `up`, not by a read-only status or check

    risks = guard.risks(text)
    if not risks:
        return
    lost = losses(conn, risks)
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
