"""Connecting to PostgreSQL with a timeout, and turning connection failures into one clear sentence."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING

import psycopg
from psycopg import IsolationLevel, sql
from psycopg.abc import Params
from psycopg.pq import TransactionStatus

from .errors import DatabaseUnreachable, UsageError
from .privileges import remember_role
from .urls import describe, redact, to_libpq

if TYPE_CHECKING:
    from .pooling import Pooling


def connect(
    url: str,
    *,
    timeout: float = 5.0,
    autocommit: bool = False,
    application_name: str = "pgwarden",
    what: str = "database",
) -> psycopg.Connection:
    """Open a connection or raise ``DatabaseUnreachable`` naming the host and what to do."""
    dsn = to_libpq(url, what=f"{what} URL")
    try:
        conn = psycopg.connect(
            dsn,
            connect_timeout=max(1, round(timeout)),
            autocommit=autocommit,
            application_name=application_name,
            # No server-side prepared statements: behind a pooler in transaction mode the next
            # statement may run on another server connection, where the prepared one is missing
            # (or one of the same name from another client exists).
            prepare_threshold=None,
        )
    except psycopg.OperationalError as exc:
        raise DatabaseUnreachable(explain(exc, url, what=what), sqlstate=exc.sqlstate) from None
    except psycopg.ProgrammingError as exc:  # malformed conninfo
        raise DatabaseUnreachable(
            f"Cannot use the {what} URL {redact(url)}: {_first_line(str(exc))}. "
            "Write it as postgresql://user:password@host:5432/dbname."
        ) from None
    except UnicodeError:  # the host is no valid DNS name (an empty label, e.g. "." or "a..b")
        raise UsageError(
            f"The host in the {what} URL {describe(url)} is not a valid host name. "
            "Check the part after `@` (a `@` or `/` in the password must be percent-encoded)."
        ) from None
    remember_role(conn.info.user)
    return conn


def pooling(url: str, *, timeout: float = 5.0, what: str = "database", asked: bool = False) -> Pooling:
    """What sits between us and PostgreSQL at ``url`` (one short connection on a direct one, two
    otherwise; nothing written). ``asked``: ``pooling.direct`` already said it cannot tell, on
    another connection to ``url``: the probe, without asking again."""
    from .pooling import direct, probe  # not on the path of a command that only reads

    with connect(url, timeout=timeout, autocommit=True, what=what) as first:
        found = None if asked else direct(first)
        if found is not None:
            return found
        with connect(url, timeout=timeout, autocommit=True, what=what) as second:
            return probe(first, second)


@contextmanager
def read_only(url: str, *, timeout: float = 5.0, what: str = "database") -> Iterator[psycopg.Connection]:
    """A connection inside a READ ONLY transaction that is always rolled back."""
    conn = connect(url, timeout=timeout, what=what)
    try:
        # The first statement opens the transaction as BEGIN READ ONLY: no round trip of its own
        # (each costs a remote database's latency).
        conn.read_only = True
        yield conn
    finally:
        try:
            conn.rollback()
        finally:
            conn.close()


@contextmanager
def read_only_transaction(
    conn: psycopg.Connection, *, isolation: IsolationLevel | None = None
) -> Iterator[psycopg.Connection]:
    """A READ ONLY transaction on ``conn`` (an autocommit connection), always rolled back;
    ``isolation``: its level (default: the connection's), when it is not inside the caller's.

    For a command that reads several times: one connection, one transaction per read, instead of
    a connection per read (each costs the server a new backend and the client a login).
    """
    if conn.info.transaction_status != TransactionStatus.IDLE:  # inside the caller's: a savepoint
        with conn.transaction(force_rollback=True):
            conn.execute("SET TRANSACTION READ ONLY")
            yield conn
        return
    # BEGIN READ ONLY in one round trip instead of BEGIN, then SET TRANSACTION READ ONLY.
    previous = conn.read_only, conn.isolation_level
    conn.read_only = True
    if isolation is not None:
        conn.isolation_level = isolation
    try:
        with conn.transaction(force_rollback=True):
            yield conn
    finally:
        conn.read_only, conn.isolation_level = previous


Text = str | bytes | sql.SQL | sql.Composed
Statement = Text | tuple[Text, Params]
"""A statement for ``read_only_reading``: the query, or the query and its parameters."""


@contextmanager
def read_only_reading(
    conn: psycopg.Connection, statements: Sequence[Statement], *, only: bool = False
) -> Iterator[list[psycopg.Cursor]]:
    """A READ ONLY transaction on ``conn`` (an autocommit connection, outside any transaction), always
    rolled back, opened in the round trip that runs ``statements``: the block gets their cursors, the
    rows ready, and may read on in the transaction. ``read_only_transaction`` then a statement each
    would wait for the server once for the ``BEGIN`` and once per statement (each wait costs a remote
    database's latency). The first failing statement's error is raised, the transaction rolled back.

    ``only``: ``statements`` are all the transaction reads, so its ``ROLLBACK`` goes in the same
    round trip and the block reads nothing more from ``conn`` in it."""
    if not psycopg.Pipeline.is_supported():  # libpq older than 14: one round trip each
        with read_only_transaction(conn):
            yield [conn.execute(*_parts(s)) for s in statements]
        return
    try:
        with conn.pipeline():
            conn.execute(b"BEGIN READ ONLY")
            cursors = [conn.execute(*_parts(s)) for s in statements]
            if only:  # skipped by the server when a statement before it fails: then rolled back below
                conn.execute(b"ROLLBACK")
        yield cursors
    finally:
        roll_back_open(conn)


def _parts(statement: Statement) -> tuple[Text, Params | None]:
    return statement if isinstance(statement, tuple) else (statement, None)


SCHEMA_LOCK = (1886877541, 0)
"""``pg_advisory_xact_lock`` key taken by every transaction that creates pgwarden's own tables.

Transaction-scoped, so it holds through a pooler in transaction mode: concurrent first runs
(migrators, instances) create the schema one after the other instead of racing on
``CREATE SCHEMA IF NOT EXISTS`` (which is not atomic in PostgreSQL)."""


def create_own_tables(conn: psycopg.Connection, script: str) -> None:
    """Run ``script`` (pgwarden's ``CREATE … IF NOT EXISTS``, no parameters) in a transaction holding
    :data:`SCHEMA_LOCK`, on an autocommit connection: one message, one round trip (a transaction
    block of its own would wait for ``BEGIN``, the lock and ``COMMIT`` one by one)."""
    lock = "SELECT pg_catalog.pg_advisory_xact_lock({}, {})".format(*SCHEMA_LOCK)
    # The script may end in a comment: the COMMIT goes on a line of its own.
    try:
        conn.execute(f"BEGIN;\n{lock};\n{script}\n;\nCOMMIT".encode())
    except BaseException:
        roll_back_open(conn)
        raise


def write_at_once(conn: psycopg.Connection, send: Callable[[psycopg.Connection], object]) -> bool:
    """The statements ``send(conn)`` sends, in one transaction and one round trip, on an autocommit
    connection outside any transaction (one by one where libpq lacks pipeline mode). False, with
    nothing written, when a table they name does not exist: asking first would cost a round trip."""
    try:
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            conn.execute(b"BEGIN")
            send(conn)
            conn.execute(b"COMMIT")
    except psycopg.errors.UndefinedTable:
        roll_back_open(conn)
        return False
    except BaseException:
        roll_back_open(conn)
        raise
    return True


def roll_back_open(conn: psycopg.Connection) -> None:
    """``ROLLBACK`` the transaction a failure left open on an autocommit connection (a ``BEGIN`` sent
    by hand), when the connection is still usable."""
    if not conn.closed and not conn.broken and conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute(b"ROLLBACK")


def explain(exc: psycopg.OperationalError, url: str, *, what: str = "database") -> str:
    """One sentence for a failed connection, without the password."""
    target = describe(url)
    raw = _first_line(str(exc))
    low = str(exc).lower()
    state = exc.sqlstate
    if state == "28P01" or "password authentication failed" in low:
        return (
            f"The {what} at {target} rejected the password: check the user and password "
            "in the URL (or the environment variable it comes from)."
        )
    if state == "3D000" or ("database" in low and "does not exist" in low):
        return f"The {what} {target} does not exist on that server: create it or fix the database name in the URL."
    if state == "28000" or "no pg_hba.conf entry" in low or "role" in low and "does not exist" in low:
        return f"The {what} at {target} refused the login ({raw}): check the user name and pg_hba.conf."
    if "timeout expired" in low or "timed out" in low:
        return (
            f"Could not reach the {what} at {target} within the connect timeout: check that the host "
            "and port are right and that the server is up and reachable from here."
        )
    if "could not translate host name" in low or "name or service not known" in low:
        return f"Cannot resolve the host of the {what} at {target}: check the host name in the URL."
    if "connection refused" in low or "no such file or directory" in low:
        return (
            f"Could not connect to the {what} at {target}: connection refused. Is PostgreSQL running "
            "and listening on that host and port?"
        )
    return f"Could not connect to the {what} at {target}: {raw}."


def _first_line(text: str) -> str:
    for line in text.strip().splitlines():
        if line.strip():
            return line.strip().rstrip(".")
    return "unknown error"
