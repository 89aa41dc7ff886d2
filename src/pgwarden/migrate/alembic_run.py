"""Running Alembic revisions: on a scratch database, or on the live one under pgwarden's migration lock.

pgwarden never runs the project's ``env.py`` (it builds its URL from settings, ``.env``
files or ``DB_HOST`` parts, often with an async engine): it gives Alembic's
``EnvironmentContext`` a connection of its own, so only the revisions' ``upgrade()``
runs, one transaction per revision, each recorded in ``alembic_version`` as Alembic
does. ``downgrade()`` is never called. Every statement a revision emits passes pgwarden's
data guard first; a failure names the revision file, the line of the operation and the
server's message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import psycopg
from psycopg import sql

from ..db import connect
from ..errors import MigrationError
from . import guard_rows
from .alembic_scripts import Chain, Revision, quiet_stdout
from .alembic_table import version_table
from .apply import server_message
from .errors import DataLossRefused
from .source import show_path

if TYPE_CHECKING:
    from .lock import MigrationLock

__all__ = ["Applied", "run_chain", "sa_connection"]

Progress = Callable[[str], None]
Record = Callable[[psycopg.Connection[Any], Revision, int, list[str]], None]
"""Called in each revision's transaction with the milliseconds it took and the statements it ran."""


def preload() -> None:
    """Import Alembic's script reader and runtime (~0.08 s), for a caller with a moment to spare before
    it runs revisions (waiting for its scratch server). Without Alembic installed nothing is imported:
    reading the chain says so."""
    try:
        import alembic.runtime.environment  # noqa: F401
        import alembic.script  # noqa: F401
    except ImportError:
        return


@dataclass
class Applied:
    revisions: list[tuple[Revision, int]] = field(default_factory=list)
    """Each revision applied, with its milliseconds."""


@contextmanager
def sa_connection(url: str, *, timeout: float = 5.0, what: str = "database") -> Iterator[Any]:
    """A SQLAlchemy connection over a psycopg connection pgwarden opened (its URL rules and errors)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    engine = create_engine(
        "postgresql+psycopg://", creator=lambda: connect(url, timeout=timeout, what=what), poolclass=NullPool
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def run_chain(
    conn: Any,
    chain: Chain,
    *,
    target: str | tuple[str, ...] = "heads",
    guarded: bool = True,
    allow_data_loss: bool = False,
    fence: MigrationLock | None = None,
    say: Progress | None = None,
    into: Applied | None = None,
    record: Record | None = None,
    failure_note: str | None = None,
) -> Applied:
    """Upgrade the database behind the SQLAlchemy connection ``conn`` to ``target``, one transaction per revision.

    ``fence`` (the lock this migrator holds) is checked in each revision's transaction just before it
    commits, then ``record`` writes pgwarden's own row for the revision: both in one round trip.
    ``MigrationError`` (``DataLossRefused`` for the guard) names the failing revision; the
    revisions before it stay applied (and listed in ``into`` when given). ``failure_note`` ends a
    failure's message (default: what a failure means on scratch, or on the live database when guarded).
    """
    from alembic.runtime.environment import EnvironmentContext
    from sqlalchemy import event

    say = say or (lambda _msg: None)
    driver: psycopg.Connection[Any] = conn.connection.driver_connection
    applied = into if into is not None else Applied()
    state: dict[str, Any] = {"started": time.monotonic(), "statements": []}

    def upgrade(rev: Any, context: Any) -> Any:
        return chain.script._upgrade_revs(target, rev)

    def done(*, ctx: Any, step: Any, heads: Any, run_args: Any) -> None:
        revision = chain.get(step.up_revision_id or "")
        took = round((time.monotonic() - state["started"]) * 1000)
        live = fence is not None or record is not None  # on scratch there is nothing of pgwarden's to send
        with driver.pipeline() if live and psycopg.Pipeline.is_supported() else nullcontext():
            fenced = fence.fence_send(driver) if fence is not None else None
            if revision is not None and record is not None:
                record(driver, revision, took, state["statements"])
        if fence is not None and fenced is not None:
            fence.fenced(fenced)  # the lock gone: raised before Alembic commits, so nothing of it stays
        if revision is not None:
            applied.revisions.append((revision, took))
            say(f"applied {revision.label} in {took} ms")
        state["started"] = time.monotonic()
        state["statements"] = []

    paths = {str(r.path): r for r in chain.revisions}

    def check(conn_: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
        if record is not None:
            state["statements"].append(statement)
        if not guarded or allow_data_loss:
            return
        revision = _running(paths)
        if revision is None or revision.destructive or _version_row(context, table.name):
            return
        from . import guard  # PostgreSQL's parser: only where a statement may lose rows (not on scratch)

        risks = guard.risks(statement)
        lost = guard_rows.losses(driver, risks) if risks else []
        if lost:
            line = _line_in(revision.path)
            what = "; ".join(f"{loss.what} loses {loss.rows_text} row(s)" for loss in lost)
            path = show_path(revision.path)
            raise DataLossRefused(
                f"{path}:{line}:1: revision {revision.label} refused: {what}, and the revision does not say it "
                "means to. It was rolled back and nothing after it ran. If these rows may go, add the comment "
                "`# pgwarden: destructive -- <why>` to the revision (or run `pgwarden migrate up "
                "--allow-data-loss`); otherwise change the operation",
                path=path,
                line=line,
                column=1,
                losses=lost,
                statement=statement,
            )

    table = version_table(chain.where)
    if table.schema and not guarded:
        # On scratch only: the live database has the schema already (Alembic would not make it).
        made = sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(table.schema))
        conn.exec_driver_sql(made.as_string(driver))
        conn.commit()
    event.listen(conn, "before_cursor_execute", check)
    try:
        with quiet_stdout(), EnvironmentContext(chain.config, chain.script, fn=upgrade) as env:
            # One transaction per revision on scratch too: a revision may use an enum value an
            # earlier one added, which PostgreSQL refuses inside the transaction that added it.
            env.configure(
                connection=conn,
                transaction_per_migration=True,
                on_version_apply=cast(Any, done),
                **table.configure(),
            )
            with env.begin_transaction():
                env.run_migrations()
    except MigrationError:
        raise
    except Exception as exc:
        note = failure_note if failure_note is not None else _SCRATCH if not guarded else _LIVE
        raise _failure(exc, chain, note) from None
    finally:
        event.remove(conn, "before_cursor_execute", check)
        if conn.in_transaction():
            conn.rollback()
    return applied


def _running(paths: dict[str, Revision]) -> Revision | None:
    """The revision whose ``upgrade()`` is on the stack right now (``paths``: revisions by file name)."""
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        found = paths.get(frame.f_code.co_filename)
        if found is not None:
            return found
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _version_row(context: Any, name: str) -> bool:
    """Whether SQLAlchemy compiled the statement from Alembic's own version table (the ``UPDATE`` or
    ``DELETE`` of its heads, which loses nothing): the guard need not parse it."""
    compiled = getattr(context, "compiled", None)
    target = getattr(getattr(compiled, "statement", None), "table", None)
    return getattr(target, "name", None) == name


def _line_in(path: Path) -> int:
    """Line of the innermost frame running in ``path`` (the ``op.*`` call being executed)."""
    import sys

    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == str(path):
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return 1


_SCRATCH = (
    "It fails on an empty scratch database, where pgwarden builds the schema the chain describes: a "
    "revision that needs existing rows must skip its data step when there are none"
)
_LIVE = "It was rolled back; the revisions before it stay applied"


def _failure(exc: BaseException, chain: Chain, note: str) -> MigrationError:
    """``MigrationError`` naming the revision file and line the failing operation was called from."""
    paths = {str(r.path): r for r in chain.revisions}
    revision: Revision | None = None
    line = 1
    tb = exc.__traceback__
    while tb is not None:
        found = paths.get(tb.tb_frame.f_code.co_filename)
        if found is not None:
            revision, line = found, tb.tb_lineno
        tb = tb.tb_next
    orig = getattr(exc, "orig", None)
    if isinstance(orig, psycopg.Error):
        reason, sqlstate = server_message(orig, context=True), orig.sqlstate
    else:
        lines = str(exc).strip().splitlines()
        reason, sqlstate = f"{type(exc).__name__}: {(lines[0] if lines else '').rstrip('.')}", None
    if revision is None:
        return MigrationError(f"Alembic upgrade failed: {reason}.", path=str(chain.where), sqlstate=sqlstate)
    path = show_path(revision.path)
    return MigrationError(
        f"{path}:{line}:1: revision {revision.label} failed: {reason}." + (f" {note}" if note else ""),
        path=path,
        line=line,
        column=1,
        sqlstate=sqlstate,
    )
