"""A migrations folder as a schema source: every file applied in version order to a scratch database."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psycopg
from pglast import parser

from ..catalog import inspect
from ..db import connect
from ..errors import MigrationError, SourceError
from ..migrate.source import MigrationFile, discover, show_path, statements
from ..scratch import Scratch
from . import Expected

__all__ = ["apply", "load", "server_message"]


def load(
    folder: Path,
    scratch: Scratch,
    *,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Expected:
    """The schema the migrations in ``folder`` build on an empty database; ``MigrationError`` if one fails."""
    files = discover(folder)
    if not files:
        raise SourceError(
            f"Migrations folder {show_path(folder)} holds no migration files (NNN_description.sql): "
            "add them or fix `migrations` in the config."
        )
    url = scratch.create_database("migrations")
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            for file in files:
                apply(conn, file)
            schema = inspect(conn, schemas=schemas, ignore=ignore)
    finally:
        scratch.drop_database(url)
    return Expected(label=show_path(folder), kind="migrations", schema=schema)


def apply(conn: psycopg.Connection[Any], file: MigrationFile) -> None:
    """Run one file on an autocommit connection, in one transaction unless it says ``no-transaction``.

    Statements are sent one at a time, which tells which one failed even when the
    server gives no position (``CREATE INDEX`` on a missing column). Session
    settings the file makes (``SET search_path``) are reset afterwards, as if each
    file ran on a connection of its own.
    """
    parts = statements(file)
    try:
        if file.transactional:
            with conn.transaction():
                _timeouts(conn, file, local=True)
                for offset, text in parts:
                    _run(conn, file, text, offset)
        else:
            _timeouts(conn, file, local=False)
            for offset, text in parts:
                _run(conn, file, text, offset)
    finally:
        if not conn.closed:
            conn.execute("RESET ALL")


def _timeouts(conn: psycopg.Connection[Any], file: MigrationFile, *, local: bool) -> None:
    for setting, value in (
        ("lock_timeout", file.lock_timeout),
        ("statement_timeout", file.statement_timeout),
    ):
        if value is not None:
            conn.execute("SELECT pg_catalog.set_config(%s, %s, %s)", (setting, value, local))


def _run(conn: psycopg.Connection[Any], file: MigrationFile, text: str, offset: int) -> None:
    try:
        # Bytes without parameters: psycopg sends them untouched, with no placeholder processing.
        conn.execute(text.encode("utf-8"))
    except psycopg.Error as exc:
        raise failure(file, exc, offset=offset, statement=text) from None


def failure(file: MigrationFile, exc: psycopg.Error, *, offset: int, statement: str = "") -> MigrationError:
    """``MigrationError`` for ``exc``, raised by ``statement``, which starts at character ``offset`` of ``file``.

    The location is the server's error position when it gives one, else the line
    a ``DO`` block failed at, else the start of the statement.
    """
    position = exc.diag.statement_position
    if position and position.isdigit():
        index = offset + int(position) - 1
    else:
        index = offset + _plpgsql_line_start(statement, exc.diag.context or "")
    path = show_path(file.path)
    line, column = line_column(file.sql, index)
    message = f"{path}:{line}:{column}: {server_message(exc, context=not position)}."
    return MigrationError(message, path=path, line=line, column=column, sqlstate=exc.sqlstate)


_INLINE_LINE = re.compile(r"PL/pgSQL function inline_code_block line (\d+)")


def _plpgsql_line_start(statement: str, context: str) -> int:
    """Offset in ``statement`` of the line a failing ``DO`` block reports, else 0."""
    found = _INLINE_LINE.findall(context)
    if not found:
        return 0
    try:
        body = next((tok for tok in parser.scan(statement) if tok.name == "SCONST"), None)
    except parser.ParseError:
        return 0
    if body is None:
        return 0
    # PL/pgSQL counts lines from the one holding the opening dollar quote.
    index = body.start
    for _ in range(int(found[-1]) - 1):
        index = statement.find("\n", index) + 1
        if index == 0:
            return 0
    while index < len(statement) and statement[index] in " \t":
        index += 1
    return index


def line_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of the character at 0-based ``index``."""
    index = max(0, min(index, len(text)))
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def server_message(exc: psycopg.Error, *, context: bool = False) -> str:
    """The server's message, SQLSTATE, DETAIL and HINT (and CONTEXT's first line when asked)."""
    diag = exc.diag
    lines = str(exc).strip().splitlines()
    text = (diag.message_primary or (lines[0] if lines else type(exc).__name__)).rstrip(".")
    if exc.sqlstate:
        text += f" (SQLSTATE {exc.sqlstate})"
    if diag.message_detail:
        text += f". DETAIL: {diag.message_detail.strip().rstrip('.')}"
    if diag.message_hint:
        text += f". HINT: {diag.message_hint.strip().rstrip('.')}"
    if context and diag.context:
        lines = [line.strip() for line in diag.context.strip().splitlines() if line.strip()]
        text += f". CONTEXT: {'; '.join(lines[:3]).rstrip('.')}"
    return text
