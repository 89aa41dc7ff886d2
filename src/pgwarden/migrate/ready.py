"""``ensure_ready``: the schema gate an application passes before it starts serving."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import psycopg

from ..config import load as load_config
from ..db import connect, read_only_transaction
from ..errors import UsageError
from ..findings import Severity
from . import guard_rows, lock
from .adopt import effective
from .alembic_scripts import is_alembic
from .consistency import verify
from .errors import LockWaitExceeded, NotReady, PendingMigrations
from .runner import UpResult, pending, up
from .settings import Settings
from .source import MigrationFile, discover

__all__ = ["ensure_ready", "ready_on"]

T = TypeVar("T")


def ensure_ready(
    url: str,
    migrations: str | Path | None = None,
    *,
    apply: bool = False,
    timeout: float = 300.0,
    settings: Settings | None = None,
) -> UpResult | None:
    """Return once the database has every file of ``migrations`` applied, else raise.

    ``migrations`` may also name an Alembic environment (``alembic.ini`` or its script
    folder): then every head must be in ``alembic_version``. It defaults to the folder the configuration (``pgwarden.toml`` or
    ``[tool.pgwarden]``, found from the working directory) names.

    With ``apply`` the pending files are applied (one instance does it, the others
    wait for the lock and find nothing left). Without it, waits while another
    instance migrates and raises ``PendingMigrations`` when files remain pending
    and nobody is applying them. ``NotReady`` also covers failed runs and applied
    files edited since; ``LockWaitExceeded`` a migrator that takes longer than ``timeout``.
    """
    if migrations is None:
        cfg = load_config()
        if cfg.migrations is None:
            raise UsageError(
                "ensure_ready() needs the migrations folder: pass it, or set `migrations` in "
                f"{cfg.path or 'pgwarden.toml (or [tool.pgwarden] in pyproject.toml)'}."
            )
        migrations = cfg.migrations
    where = Path(migrations)
    settings = settings or Settings()
    if apply:
        return _apply(url, where, timeout, settings)
    with connect(url, autocommit=True, what="database") as conn:
        ready_on(conn, where, timeout=timeout, settings=settings)
    return None


def ready_on(
    conn: psycopg.Connection[Any],
    migrations: Path,
    *,
    timeout: float = 300.0,
    settings: Settings | None = None,
) -> None:
    """``ensure_ready`` without ``apply``, on ``conn`` (an idle autocommit connection to the
    database): a caller that reads the database next (the runtime's gate, its contract check)
    logs in once."""
    settings = settings or Settings()
    if is_alembic(migrations):
        _alembic_at_heads(conn, migrations, timeout)
        return
    files = discover(migrations)

    def refusal(todo: Sequence[MigrationFile]) -> str:
        names = ", ".join(f.filename for f in todo[:5]) + (" …" if len(todo) > 5 else "")
        return (
            f"The database is not ready: {len(todo)} migration(s) pending ({names}) and no migrator "
            f"is running. {_advice(conn, todo, settings)}"
        )

    _wait_for_migrator(
        conn, timeout, lambda: pending(files, effective(conn, files, settings.configured_ledger)), refusal
    )
    _raise_on_errors(conn, files)


def _apply(url: str, where: Path, timeout: float, settings: Settings) -> UpResult:
    """``ensure_ready(..., apply=True)``: the pending files or revisions applied under the lock."""
    if is_alembic(where):
        from .alembic_source import AlembicSource  # imports Alembic: only for Alembic projects

        result = AlembicSource(where).up(url, settings=settings.with_overrides(lock_wait=timeout))
        if result.error is not None:
            raise NotReady(f"The database is not ready: {result.error}")
        return result
    files = discover(where)
    result = up(url, files, settings=settings.with_overrides(lock_wait=timeout))
    if result.error is not None:
        raise NotReady(f"The database is not ready: {result.error}")
    _raise_on_errors(url, files)
    return result


def _alembic_at_heads(conn: psycopg.Connection[Any], where: Path, timeout: float) -> None:
    """The gate for an Alembic chain: ``alembic_version`` at every head, else pending revisions named."""
    from .alembic_source import AlembicSource  # imports Alembic: only for Alembic projects

    source = AlembicSource(where)

    def still_pending() -> Sequence[Any]:
        position = source.position(conn)
        if position.unknown:
            raise NotReady(
                f"The database is not ready: it is at Alembic revision {', '.join(position.unknown)}, which "
                f"{where.name} does not know (newer code migrated it). Deploy the code that has that revision."
            )
        return position.pending

    def refusal(todo: Sequence[Any]) -> str:
        names = ", ".join(f"{m.id} ({m.name})" for m in todo[:5])
        return (
            f"The database is not ready: {len(todo)} Alembic revision(s) pending ({names}"
            + (" …" if len(todo) > 5 else "")
            + ") and no migrator is running. Run `pgwarden migrate up`, or set `auto_migrate = true`."
        )

    _wait_for_migrator(conn, timeout, still_pending, refusal)


def _wait_for_migrator(
    conn: psycopg.Connection[Any],
    timeout: float,
    still_pending: Callable[[], Sequence[T]],
    refusal: Callable[[Sequence[T]], str],
) -> None:
    """Return once ``still_pending()`` is empty, waiting up to ``timeout`` while another process
    holds the migration lock; ``PendingMigrations`` (``refusal`` of what is pending) when none does."""
    deadline = time.monotonic() + timeout
    while todo := still_pending():
        holder = lock.holder(conn)
        if holder is None:
            # A migrator may have finished (and let go of the lock) between the two reads.
            todo = still_pending()
            if not todo:
                return
            raise PendingMigrations(refusal(todo))
        if time.monotonic() >= deadline:
            raise LockWaitExceeded(
                f"The database is not ready after {timeout:.0f} s: {holder.describe()} is still migrating."
            )
        time.sleep(0.2)


def _advice(conn: Any, todo: Sequence[MigrationFile], settings: Settings) -> str:
    """Run `migrate up` -- unless the data guard would refuse a pending file: then say that instead."""
    for file in todo:
        lost = guard_rows.would_refuse(conn, file, settings)
        if lost:
            what = "; ".join(f"{loss.what} would lose {loss.rows_text} row(s)" for loss in lost[:3])
            return (
                f"`pgwarden migrate up` would refuse {file.filename}: {what}. If the rows may go, add "
                "`-- pgwarden: destructive -- <why>` to that file's top comment; otherwise change the file."
            )
    return "Run `pgwarden migrate up`, or call ensure_ready(..., apply=True)."


def _raise_on_errors(db: str | psycopg.Connection[Any], files: Sequence[MigrationFile]) -> None:
    """``NotReady`` when the ledger says a file failed or was edited after it was applied, read on
    ``db``: a URL (a connection of its own) or an idle autocommit connection (a read-only
    transaction on it)."""
    if isinstance(db, str):
        found = verify(db, files)
    else:
        with read_only_transaction(db):
            found = verify(db, files)
    problems = [f for f in found if f.severity is Severity.ERROR]
    if problems:
        raise NotReady(
            "The database is not ready: " + "; ".join(f"{f.object}: {f.message}" for f in problems[:3])
        )
