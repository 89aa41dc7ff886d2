"""Several transactional files in one round trip: each in its own transaction sent back to back
(:func:`apply_files`), or all of them in one (:func:`apply_together`, ``--single-transaction``).

The server runs a pipeline's statements in order and, after an error, skips everything up to the
pipeline's end: the files before a failing one are committed (their ``COMMIT`` ran), the failing
one is rolled back, and the files after it never start. That is what applying them one at a time
does, in one round trip for the lot instead of one per file, which a database in another place
feels. A statement whose rows the data guard counts still waits for everything sent before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from ..db import roll_back_open
from ..errors import MigrationError
from .apply import Check, StatementFailed, failure, timeouts
from .source import MigrationFile, show_path, statements

__all__ = ["Outcome", "apply_files", "apply_together"]


@dataclass
class Outcome:
    done: list[tuple[MigrationFile, int]] = field(default_factory=list)
    """Each file done (committed, or for :func:`apply_together` run), in order, with its
    milliseconds on the server (its ledger row's)."""
    failed: MigrationFile | None = None
    """The file that did not get done: the rest after it never ran."""
    error: psycopg.Error | MigrationError | None = None
    """Why: ``StatementFailed`` naming its line, the data guard's refusal, or the server's error for
    what the runner sent around the statements (the lock's fence, a timeout it refused)."""


@dataclass
class _Sent:
    file: MigrationFile
    cursors: list[tuple[psycopg.Cursor[Any], int, str | None]] = field(default_factory=list)
    sending: tuple[int, str] | None = None
    """The statement being sent: its own error can come back before its cursor does."""
    row: psycopg.Cursor[Any] | None = None
    last: psycopg.Cursor[Any] | None = None
    """The file's last statement: with its result, the file is done."""


def apply_files(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    *,
    check: Callable[[MigrationFile], Check],
    before: bytes,
    row: Callable[[MigrationFile], bytes],
    fence: bytes,
    after: Sequence[bytes],
) -> Outcome:
    """Send ``files`` on an idle autocommit connection, each as ``BEGIN``, ``before`` (when given),
    its timeouts, its statements (each passed to ``check(file)`` first), ``row(file)`` (a statement
    returning the file's milliseconds: its ledger row), ``fence``, ``after`` and ``COMMIT``."""
    _require_idle(conn, files)
    opening = (b"BEGIN", before) if before else (b"BEGIN",)
    return _pipelined(conn, files, check, lambda _file: opening, row, (fence, *after, b"COMMIT"), ())


def apply_together(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    *,
    check: Callable[[MigrationFile], Check],
    start: Sequence[bytes],
    mark: bytes,
    row: Callable[[MigrationFile], bytes],
    between: Sequence[bytes],
    end: Sequence[bytes],
) -> Outcome:
    """Send ``start`` (``BEGIN``, settings), then each of ``files`` as ``mark`` (its start, for its
    row's time), its timeouts, its statements, ``row(file)`` and ``between``, then ``end`` (the
    fence, ``COMMIT``), on an idle autocommit connection: one transaction, one round trip. On a
    failure everything is rolled back (``done`` lists the files that had run before it)."""
    _require_idle(conn, files)
    return _pipelined(conn, files, check, lambda _file: (mark,), row, between, (start, end))


def _require_idle(conn: psycopg.Connection[Any], files: Sequence[MigrationFile]) -> None:
    if conn.info.transaction_status != TransactionStatus.IDLE:  # a COMMIT sent would end the caller's
        raise RuntimeError(
            f"{show_path(files[0].path)}: the batch needs a connection outside any transaction"
        )


def _pipelined(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    check: Callable[[MigrationFile], Check],
    opening: Callable[[MigrationFile], Sequence[bytes]],
    row: Callable[[MigrationFile], bytes],
    closing: Sequence[bytes],
    around: tuple[Sequence[bytes], Sequence[bytes]] | tuple[()],
) -> Outcome:
    sent: list[_Sent] = []
    try:
        # Without pipeline mode (libpq older than 14) the same statements go one at a time.
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            for command in around[0] if around else ():
                conn.execute(command)
            for file in files:
                part = _Sent(file)
                sent.append(part)
                _send(conn, part, check(file), opening(file), row(file), closing)
            for command in around[1] if around else ():
                conn.execute(command)
    except (psycopg.Error, MigrationError) as exc:
        roll_back_open(conn)
        return _failed(sent, exc)
    except BaseException:
        roll_back_open(conn)
        raise
    return Outcome([(part.file, _ms(part.row)) for part in sent])


def _send(
    conn: psycopg.Connection[Any],
    part: _Sent,
    check: Check,
    opening: Sequence[bytes],
    row: bytes,
    closing: Sequence[bytes],
) -> None:
    file, cursors = part.file, part.cursors
    cursors.extend((conn.execute(command), 0, None) for command in opening)
    cursors.extend((cursor, 0, None) for cursor in timeouts(conn, file, local=True))
    for offset, text in statements(file):
        check(text, offset)  # its own queries (if any) wait for everything sent before it
        part.sending = (offset, text)
        # Bytes without parameters: psycopg sends them untouched, with no placeholder processing.
        cursors.append((conn.execute(text.encode("utf-8")), offset, text))
        part.sending = None
    part.row = part.last = conn.execute(row)
    cursors.append((part.row, 0, None))
    for command in closing:
        part.last = conn.execute(command)
        cursors.append((part.last, 0, None))


def _failed(sent: list[_Sent], exc: psycopg.Error | MigrationError) -> Outcome:
    """The files before the first one that did not get done, that one, and why; ``error`` alone when
    every file was done (what failed came after them: the fence, the ``COMMIT``)."""
    outcome = Outcome(error=exc)
    for part in sent:
        if part.last is not None and part.last.pgresult is not None:
            outcome.done.append((part.file, _ms(part.row)))
            continue
        outcome.failed = part.file
        if isinstance(exc, psycopg.Error):
            # The statement that failed is the first one without a result; one the runner sent
            # around the file's statements (the fence, a timeout) is raised as the server said it.
            without = ((o, t) for cursor, o, t in part.cursors if cursor.pgresult is None)
            offset, text = next(without, part.sending or (0, None))
            if text is not None:
                outcome.error = StatementFailed(failure(part.file, exc, offset=offset, statement=text), text)
        return outcome
    return outcome


def _ms(row: psycopg.Cursor[Any] | None) -> int:
    found = row.fetchone() if row is not None else None
    assert found is not None, "the ledger row returns the file's milliseconds"
    return int(found[0])
