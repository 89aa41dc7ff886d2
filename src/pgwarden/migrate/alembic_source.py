"""Alembic revisions as a migration source: the chain, its schema on a scratch database, position and ``up``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..errors import MigrationError, SourceError
from ..findings import Finding
from . import alembic_ledger, ledger, lock
from .alembic_fastchain import FastChain
from .alembic_fastchain import read as read_fast
from .alembic_run import Applied, run_chain, sa_connection
from .alembic_scripts import Chain, Revision, load_chain
from .consistency import finding
from .runner import Step, UpResult
from .settings import Settings
from .source import show_path
from .source_api import Migration, Position, Progress
from .touched import touched

__all__ = ["AlembicSource", "current_revisions", "edited", "edited_findings", "position_findings"]

_VERSIONS = b"SELECT version_num FROM alembic_version ORDER BY version_num"


class AlembicSource:
    """An Alembic environment; ``alembic_version`` is its ledger, exactly as Alembic keeps it."""

    kind = "alembic"

    def __init__(self, where: Path, *, read_only: bool = False) -> None:
        self.where = where
        self._chain: Chain | None = None
        # Read-only callers (the cache key, where a database stands) need no Alembic import when
        # the revision files are plain literals; running them always goes through Alembic.
        fast = read_fast(where) if read_only else None
        self.read: Chain | FastChain = fast if fast is not None else self.chain
        if not self.read.revisions:
            raise SourceError(
                f"Alembic environment {show_path(where)} holds no revisions: add one with `alembic revision`."
            )

    @property
    def chain(self) -> Chain:
        """The chain as Alembic reads it (imports Alembic; read on first use)."""
        if self._chain is None:
            self._chain = load_chain(self.where)
        return self._chain

    def migrations(self) -> list[Migration]:
        return [_migration(r) for r in self.read.revisions]

    def build(self, url: str) -> None:
        with sa_connection(url, what="scratch database") as conn:
            run_chain(conn, self.chain, guarded=False)

    def position(self, conn: psycopg.Connection[Any]) -> Position:
        current = current_revisions(conn)
        known = [c for c in current if self.read.get(c) is not None]
        unknown = [c for c in current if self.read.get(c) is None]
        done = self.read.applied(tuple(known))
        return Position(
            applied=[_migration(r) for r in self.read.revisions if r.id in done],
            pending=[_migration(r) for r in self.read.revisions if r.id not in done],
            unknown=unknown,
            current=list(current),
            heads=list(self.read.heads),
        )

    def up(
        self, url: str, *, settings: Settings, progress: Progress | None = None, connect_timeout: float = 5.0
    ) -> UpResult:
        say = progress or (lambda _msg: None)
        result = UpResult()
        with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say) as (conn, waited):
            result.waited = waited
            held = lock.current(conn)
            assert held is not None
            position = self.position(conn)
            if position.unknown:
                raise SourceError(
                    f"The database is at Alembic revision {', '.join(position.unknown)}, which {show_path(self.where)} "
                    "does not know: it was migrated by newer code (a stale deploy?). Deploy the code that has "
                    "that revision; nothing was applied."
                )
            result.pending_before = len(position.pending)
            if not position.pending:
                say("nothing to apply: the database is at Alembic's head")
                return result
            alembic_ledger.ensure(conn)
            who = ledger.actor(settings.app_version)

            def record(
                driver: psycopg.Connection[Any], rev: Revision, ms: int, statements: list[str]
            ) -> None:
                alembic_ledger.record(
                    driver,
                    revision=rev.id,
                    file=show_path(rev.path),
                    checksum=rev.checksum,
                    duration_ms=ms,
                    applied_by=who,
                    changes=touched(statements),
                )

            applied = Applied()
            with sa_connection(url, timeout=connect_timeout) as sa:
                if held.session_state:
                    # Direct connection: the runner's timeouts for the whole session (through a
                    # transaction pooler a session SET would land on a shared server connection).
                    sa.exec_driver_sql(
                        "SELECT pg_catalog.set_config('lock_timeout', %(l)s, false), "
                        "pg_catalog.set_config('statement_timeout', %(s)s, false)",
                        {"l": settings.lock_timeout, "s": settings.statement_timeout},
                    )
                    sa.commit()
                try:
                    run_chain(
                        sa,
                        self.chain,
                        guarded=settings.data_guard,
                        allow_data_loss=settings.allow_data_loss,
                        fence=held.fence,
                        say=say,
                        into=applied,
                        record=record,
                    )
                except MigrationError as exc:
                    result.error = exc
                    say(f"failed: {exc}")
            index = {r.id: i + 1 for i, r in enumerate(self.chain.revisions)}
            result.applied = [Step(index[r.id], r.path.name, ms) for r, ms in applied.revisions]
        return result

    def verify(self, conn: psycopg.Connection[Any]) -> list[Finding]:
        if not _has_table(conn):
            return []
        position = self.position(conn)
        return position_findings(position) + edited_findings(position, alembic_ledger.read(conn))


def edited(position: Position, recorded: dict[str, alembic_ledger.Recorded]) -> list[Migration]:
    """Applied revisions whose file changed since pgwarden applied (or stamped) them."""
    return [m for m in position.applied if m.id in recorded and recorded[m.id].checksum != m.checksum]


def edited_findings(position: Position, recorded: dict[str, alembic_ledger.Recorded]) -> list[Finding]:
    """``checksum_mismatch`` per revision edited after it was applied: the database ran another text."""
    return [
        finding(
            "checksum_mismatch",
            show_path(m.path),
            f"Alembic revision {m.id} ({m.name}) was edited after it was applied: the database ran a different "
            "text, and Alembic will not run it again.",
            "Undo the edit and put the change in a new revision (`alembic revision`). If the edit changes nothing "
            "the database needs (a comment), forget the recorded checksum with the fix SQL.",
            fix_sql=_forget(m.id),
            revision=m.id,
            applied_checksum=recorded[m.id].checksum,
            file_checksum=m.checksum,
            applied_at=str(recorded[m.id].applied_at),
        )
        for m in edited(position, recorded)
    ]


def position_findings(position: Position) -> list[Finding]:
    """Pending revisions (in order) and revisions the database has that the scripts do not know."""
    found = [
        finding(
            "database_ahead",
            f"alembic_version {rev}",
            f"The database is at Alembic revision {rev}, which the revision scripts do not know: this code is "
            "older than the schema it runs against (a stale deploy?).",
            "Deploy the code that carries this revision, or check that `migrations` names the right Alembic "
            "environment.",
            revision=rev,
            heads=position.heads,
        )
        for rev in position.unknown
    ]
    found += [
        finding(
            "pending_migration",
            show_path(m.path),
            f"Alembic revision {m.id} ({m.name}) has not been applied.",
            "Run `pgwarden migrate up` (Alembic's upgrade under pgwarden's lock and data guard).",
            revision=m.id,
            current=position.current,
        )
        for m in position.pending
    ]
    return found


def _forget(revision: str) -> str:
    return (
        sql.SQL("DELETE FROM pgwarden.alembic_revisions WHERE revision = {};")
        .format(sql.Literal(revision))
        .as_string(None)
    )


def _has_table(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute(b"SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    return bool(row and row[0])


def current_revisions(conn: psycopg.Connection[Any]) -> tuple[str, ...]:
    """The revisions ``alembic_version`` holds (none when the table does not exist)."""
    if not _has_table(conn):
        return ()
    return tuple(row[0] for row in conn.execute(_VERSIONS).fetchall())


def _migration(revision: Revision) -> Migration:
    return Migration(revision.id, revision.message, revision.path, revision.checksum)
