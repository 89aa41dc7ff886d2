"""Several transactional files in one round trip, each in its own transaction, sent back to back.

The server runs a pipeline's statements in order and, after an error, skips everything up to the
pipeline's end: the files before a failing one are committed (their ``COMMIT`` ran), the failing
one is rolled back, and the files after it never start. That is what applying them one at a time
does, in one round trip for the lot instead of one per file, which a database in another place
feels. A statement whose rows the data guard counts still waits for everything sent before it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg.pq import TransactionStatus

from ..db import roll_back_open
from ..errors import MigrationError
from .apply import Check, StatementFailed, failure, timeouts
from .source import MigrationFile, show_path, statements

__all__ = ["Outcome", "apply_files"]


@dataclass
class Outcome:
    committed: list[tuple[MigrationFile, int]] = field(default_factory=list)
    """Each file committed, in order, with its milliseconds on the server (its ledger row's)."""
    failed: MigrationFile | None = None
    """The file that did not commit: the rest of the batch after it never ran."""
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
    commit: psycopg.Cursor[Any] | None = None


def apply_files(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    *,
    check: Callable[[MigrationFile], Check],
    before: bytes,
    fence: bytes,
    row: Callable[[MigrationFile], bytes],
    after: Sequence[bytes],
) -> Outcome:
    """Send ``files`` (transactional ones) on an idle autocommit connection: for each, ``BEGIN``,
    ``before`` (when given), its timeouts, its statements (each passed to ``check(file)`` first),
    ``fence``, ``row(file)`` (a statement returning the file's milliseconds: its ledger row),
    ``after`` (single statements) and ``COMMIT``. Needs libpq's pipeline mode (14+)."""
    if conn.info.transaction_status != TransactionStatus.IDLE:
        raise RuntimeError(
            f"{show_path(files[0].path)}: apply_files() needs a connection outside any transaction"
        )
    sent: list[_Sent] = []
    try:
        with conn.pipeline():
            for file in files:
                part = _Sent(file)
                sent.append(part)
                _send(conn, part, check(file), before, fence, row(file), after)
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
    before: bytes,
    fence: bytes,
    row: bytes,
    after: Sequence[bytes],
) -> None:
    file, cursors = part.file, part.cursors
    cursors.extend((conn.execute(command), 0, None) for command in (b"BEGIN", before) if command)
    cursors.extend((cursor, 0, None) for cursor in timeouts(conn, file, local=True))
    for offset, text in statements(file):
        check(text, offset)  # its own queries (if any) wait for everything sent before it
        part.sending = (offset, text)
        # Bytes without parameters: psycopg sends them untouched, with no placeholder processing.
        cursors.append((conn.execute(text.encode("utf-8")), offset, text))
        part.sending = None
    cursors.append((conn.execute(fence), 0, None))
    part.row = conn.execute(row)
    cursors.append((part.row, 0, None))
    cursors.extend((conn.execute(command), 0, None) for command in after)
    part.commit = conn.execute(b"COMMIT")


def _failed(sent: list[_Sent], exc: psycopg.Error | MigrationError) -> Outcome:
    """The files before the first one that did not commit, that one, and why."""
    outcome = Outcome()
    for part in sent:
        if part.commit is not None and part.commit.pgresult is not None:
            outcome.committed.append((part.file, _ms(part.row)))
            continue
        outcome.failed, outcome.error = part.file, exc
        if isinstance(exc, psycopg.Error):
            # The statement that failed is the first one without a result; one the runner sent
            # around the file's statements (the fence, a timeout) is raised as the server said it.
            without = ((o, t) for cursor, o, t in part.cursors if cursor.pgresult is None)
            offset, text = next(without, part.sending or (0, None))
            if text is not None:
                outcome.error = StatementFailed(failure(part.file, exc, offset=offset, statement=text), text)
        return outcome
    raise AssertionError("a batch failed, yet every file of it committed") from exc


def _ms(row: psycopg.Cursor[Any] | None) -> int:
    found = row.fetchone() if row is not None else None
    assert found is not None, "the ledger row returns the file's milliseconds"
    return int(found[0])
