"""The one migration-file executor: a file's statements and timeouts, errors located in the file.

The runner (under the lock, with the ledger), the convergence test, the dry run, the
baseline proposal, lint's simulation and the migrations schema source all run a file
through :func:`apply`; the runner's resumable ``no-transaction`` path uses its parts
(:func:`timeouts`, :func:`run`) so a statement fails the same way everywhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from ..db import roll_back_open
from ..errors import MigrationError
from .source import MigrationFile, show_path, statements

__all__ = [
    "Check",
    "StatementFailed",
    "apply",
    "failure",
    "line_column",
    "run",
    "run_all",
    "server_message",
    "timeouts",
]

Check = Callable[[str, int], None]
"""Called before each statement with its text and offset; raises to stop the file (the data guard)."""


class StatementFailed(MigrationError):
    """A statement of a migration file failed on the server; ``statement`` is its text."""

    def __init__(self, error: MigrationError, statement: str) -> None:
        super().__init__(
            str(error), path=error.path, line=error.line, column=error.column, sqlstate=error.sqlstate
        )
        self.statement = statement


def apply(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    *,
    check: Check | None = None,
    before: bytes = b"",
    closing: Sequence[bytes] = (),
    reset: bool = True,
) -> None:
    """Run ``file`` on an autocommit connection, in one transaction unless it says ``no-transaction``.

    A transactional file goes to the server in one round trip (:func:`run_all`): ``BEGIN``,
    ``before`` (SQL run first in its transaction: the runner's defaults through a pooler), its
    statements, ``closing`` (single statements, values quoted in them: the runner's fenced ledger
    row) and ``COMMIT``. A failure still names the statement that failed, even when the server gives
    no position (``CREATE INDEX`` on a missing column); if ``closing`` fails, the ``COMMIT`` after it
    does not run and the file is rolled back. With ``reset``, session settings the file makes (``SET
    search_path``) are reset afterwards, as if each file ran on a connection of its own; the runner
    restores its own defaults instead.
    """
    try:
        if file.transactional:
            _apply_transaction(conn, file, check, before, closing)
        else:
            timeouts(conn, file, local=False)
            for offset, text in statements(file):
                if check is not None:
                    check(text, offset)
                run(conn, file, text, offset)
    finally:
        if reset and not conn.closed and not conn.broken:
            conn.execute("RESET ALL")


def _apply_transaction(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    check: Check | None,
    before: bytes,
    closing: Sequence[bytes],
) -> None:
    # BEGIN and COMMIT by hand, sent with the statements: psycopg's transaction block sends its own.
    if conn.info.transaction_status != TransactionStatus.IDLE:  # that COMMIT would end the caller's
        raise RuntimeError(f"{show_path(file.path)}: apply() needs a connection outside any transaction")
    try:
        opening = (b"BEGIN", before) if before else (b"BEGIN",)
        run_all(conn, file, check, opening=opening, closing=(*closing, b"COMMIT"))
    except BaseException:
        roll_back_open(conn)
        raise


def run_all(
    conn: psycopg.Connection[Any],
    file: MigrationFile,
    check: Check | None = None,
    *,
    opening: Sequence[bytes] = (),
    closing: Sequence[bytes] = (),
) -> None:
    """The statements of ``file`` inside the caller's transaction, with the file's own timeouts for it.

    ``opening`` (``BEGIN``, settings) is sent first and ``closing`` (ledger row, ``COMMIT``) last,
    single statements each. Everything goes in one pipeline: a file of any length costs one round
    trip (plus one before each statement whose rows the data guard counts), where one statement at
    a time cost one each; a database a few milliseconds away feels that. The server stops at the
    first error and skips the rest: the statement that failed is the first one without a result,
    named with its line as when statements were sent one at a time.
    """
    if not psycopg.Pipeline.is_supported():  # libpq older than 14: one round trip per statement
        for command in opening:
            conn.execute(command)
        timeouts(conn, file, local=True)
        for offset, text in statements(file):
            if check is not None:
                check(text, offset)
            run(conn, file, text, offset)
        if closing:
            conn.execute(b"; ".join(closing))
        return
    sent: list[tuple[psycopg.Cursor[Any], int, str | None]] = []
    sending: tuple[int, str | None] = (0, None)  # a statement's own error can come back before its cursor
    try:
        with conn.pipeline():
            sent.extend((conn.execute(command), 0, None) for command in opening)
            sent.extend((cursor, 0, None) for cursor in timeouts(conn, file, local=True))
            for offset, text in statements(file):
                if check is not None:
                    check(text, offset)  # its own queries (if any) wait for the statements before it
                sending = (offset, text)
                # Bytes without parameters: psycopg sends them untouched, with no placeholder processing.
                sent.append((conn.execute(text.encode("utf-8")), offset, text))
                sending = (0, None)
            sent.extend((conn.execute(command), 0, None) for command in closing)
    except psycopg.Error as exc:
        offset, statement = next(((o, t) for cursor, o, t in sent if cursor.pgresult is None), sending)
        if statement is None:  # the opening, a timeout, the guard's own query or the closing
            raise
        raise StatementFailed(failure(file, exc, offset=offset, statement=statement), statement) from None


def timeouts(conn: psycopg.Connection[Any], file: MigrationFile, *, local: bool) -> list[psycopg.Cursor[Any]]:
    """The file's own ``lock-timeout`` and ``statement-timeout``, for its transaction or (``local=False``) the session."""
    return [
        conn.execute("SELECT pg_catalog.set_config(%s, %s, %s)", (setting, value, local))
        for setting, value in (
            ("lock_timeout", file.lock_timeout),
            ("statement_timeout", file.statement_timeout),
        )
        if value is not None
    ]


def run(conn: psycopg.Connection[Any], file: MigrationFile, text: str, offset: int) -> None:
    """One statement of ``file`` starting at ``offset``; ``StatementFailed`` naming its line when the server refuses it."""
    try:
        # Bytes without parameters: psycopg sends them untouched, with no placeholder processing.
        conn.execute(text.encode("utf-8"))
    except psycopg.Error as exc:
        raise StatementFailed(failure(file, exc, offset=offset, statement=text), text) from None


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
    from pglast import parser  # only when a DO block failed: the scanner's import is not paid otherwise

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
