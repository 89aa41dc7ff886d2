"""Alembic revisions as a migration source: the chain, its schema on a scratch database, position and ``up``."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from ..errors import MigrationError, SourceError, UsageError
from ..findings import Finding
from . import alembic_ledger, ledger, lock
from .alembic_fastchain import FastChain
from .alembic_fastchain import read as read_fast
from .alembic_run import Applied, run_chain, sa_connection
from .alembic_scripts import Chain, Revision, load_chain
from .alembic_table import VersionTable, version_table
from .consistency import finding
from .runner import Step, UpResult
from .settings import Settings
from .source import show_path
from .source_api import Migration, Position, Progress

__all__ = [
    "AlembicSource",
    "ancestors",
    "current_revisions",
    "edited",
    "edited_findings",
    "position_findings",
    "refuse_past",
    "resolve_target",
]


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
        self.table: VersionTable = version_table(where)
        """Where Alembic keeps the heads (``env.py``'s ``version_table``/``version_table_schema``)."""
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

    def position(self, conn: psycopg.Connection[Any], chain: Chain | FastChain | None = None) -> Position:
        """Where the database stands in ``chain`` (default: the chain as read for looking)."""
        return self.position_at(current_revisions(conn, self.table), chain)

    def position_at(self, current: tuple[str, ...], chain: Chain | FastChain | None = None) -> Position:
        """Where a database whose version table holds ``current`` stands in ``chain``."""
        chain = chain or self.read
        known = [c for c in current if chain.get(c) is not None]
        unknown = [c for c in current if chain.get(c) is None]
        done = ancestors(chain, known)
        return Position(
            applied=[_migration(r) for r in chain.revisions if r.id in done],
            pending=[_migration(r) for r in chain.revisions if r.id not in done],
            unknown=unknown,
            current=list(current),
            heads=list(chain.heads),
        )

    def at_heads(self, conn: psycopg.Connection[Any]) -> bool:
        """Whether the database is already at every head: asked before ``up`` takes the lock (read-only,
        no Alembic import when the revision files are plain literals), so a deploy with nothing to
        apply neither probes for a pooler nor takes the lock. Two round trips and no transaction:
        the version table's rows come from one statement."""
        position = self.position(conn)
        return bool(position.current) and not position.unknown and not position.pending

    def up(
        self,
        url: str,
        *,
        settings: Settings,
        progress: Progress | None = None,
        connect_timeout: float = 5.0,
        to: str | None = None,
    ) -> UpResult:
        """Upgrade to every head, or to ``to`` (an id, a unique prefix, ``head`` or a branch label) and no further."""
        # One connection for the look and the run: a deploy that applies revisions logs in once.
        with lock.connection(url, timeout=connect_timeout) as opened:
            return self._up(opened, url, settings, progress, connect_timeout, to)

    def _up(
        self,
        opened: psycopg.Connection[Any],
        url: str,
        settings: Settings,
        progress: Progress | None,
        connect_timeout: float,
        to: str | None,
    ) -> UpResult:
        say = progress or (lambda _msg: None)
        result = UpResult()
        if to is None and self.at_heads(opened):
            say("nothing to apply: the database is at Alembic's head")
            return result
        wanted = self.target(to) if to is not None else None
        with lock.migrator(url, wait=settings.lock_wait, timeout=connect_timeout, say=say, conn=opened) as (
            conn,
            waited,
        ):
            result.waited = waited
            held = lock.current(conn)
            assert held is not None
            position = self.position(conn, self.chain)  # the chain as Alembic reads it runs the revisions
            if position.unknown:
                raise SourceError(
                    f"The database is at Alembic revision {', '.join(position.unknown)}, which {show_path(self.where)} "
                    "does not know: it was migrated by newer code (a stale deploy?). Deploy the code that has "
                    "that revision; nothing was applied."
                )
            pending = position.pending
            if wanted is not None:
                pending = _pending_to(self.chain, position, to or "", wanted)
            result.pending_before = len(pending)
            if not pending:
                say("nothing to apply: the database is at " + (to if to else "Alembic's head"))
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
                    statements=statements,  # put into words when read (status), not here
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
                        target=to or "heads",
                        guarded=settings.data_guard,
                        allow_data_loss=settings.allow_data_loss,
                        fence=held,
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

    def target(self, to: str, flag: str = "--to") -> tuple[str, ...]:
        """The revision ids ``--to`` names, resolved as Alembic does; ``UsageError`` when it names none."""
        return resolve_target(self.chain, self.where, to, flag)

    def ledger_tables(self, conn: psycopg.Connection[Any]) -> tuple[str, ...]:
        return (self.table.identifier.as_string(conn), "pgwarden.alembic_revisions")

    def verify(self, conn: psycopg.Connection[Any], present: Sequence[bool] | None = None) -> list[Finding]:
        read = self.ledgers(conn, present)
        if read is None:
            return []
        position, recorded = read
        return position_findings(position) + edited_findings(position, recorded)

    def ledgers(
        self, conn: psycopg.Connection[Any], present: Sequence[bool] | None = None
    ) -> tuple[Position, dict[str, alembic_ledger.Recorded]] | None:
        """Where the database stands and pgwarden's records of the revisions it applied or stamped;
        ``None`` when Alembic's version table does not exist. Two round trips (one when the caller
        asked ``present``, whether each of :meth:`ledger_tables` exists): which tables exist, then
        the rows of both."""
        if present is None:
            row = conn.execute(
                b"SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL", self.ledger_tables(conn)
            ).fetchone()
            assert row is not None
            present = row
        if not present[0]:
            return None
        with conn.pipeline() if psycopg.Pipeline.is_supported() else nullcontext():
            versions = conn.execute(_versions_query(self.table))
            ours = conn.execute(alembic_ledger.ROWS) if present[1] else None
        position = self.position_at(tuple(r[0] for r in versions.fetchall()))
        return position, alembic_ledger.recorded(ours.fetchall()) if ours is not None else {}


def resolve_target(chain: Chain, where: Path, to: str, flag: str = "--to") -> tuple[str, ...]:
    """The revision ids ``to`` names in ``chain`` (an id, a unique prefix, ``head`` or a branch label), resolved
    as Alembic does; ``UsageError`` when it names none, several heads or an ambiguous prefix."""
    from .alembic_scripts import quiet_stdout

    try:
        with quiet_stdout():
            found = chain.script.get_revisions(to)
    except Exception as exc:  # Alembic's ResolutionError family: unknown, ambiguous, several heads
        reason = str(exc).strip().rstrip(".")
        raise UsageError(
            f"{flag} {to}: {reason} in {show_path(where)}; pass a revision id, a unique prefix of one, "
            "`head` or a branch label (`alembic heads` lists them)."
        ) from None
    ids = tuple(s.revision for s in found if s is not None)
    if not ids:
        raise UsageError(f"{flag} {to}: names no revision in {show_path(where)}; pass a revision id.")
    return ids


def ancestors(chain: Chain | FastChain, revisions: list[str] | tuple[str, ...]) -> set[str]:
    """The revisions a database at ``revisions`` has applied, one at a time: Alembic refuses a set where one
    is an ancestor of another, and a version table edited by hand may hold such a set."""
    done: set[str] = set()
    for rev in revisions:
        if rev not in done:
            done |= chain.applied((rev,))
    return done


def _pending_to(chain: Chain, position: Position, to: str, wanted: tuple[str, ...]) -> list[Migration]:
    """The pending revisions up to and including ``wanted``; ``UsageError`` when the database is past it."""
    refuse_past(to, wanted, {m.id for m in position.applied}, tuple(position.current))
    needed = chain.applied(wanted)
    return [m for m in position.pending if m.id in needed]


def refuse_past(to: str, wanted: tuple[str, ...], done: set[str], current: tuple[str, ...]) -> None:
    """``UsageError`` when ``--to`` names a revision the database at ``current`` (having applied ``done``)
    has gone past: reaching it would take a downgrade. At the current revision itself: nothing to do."""
    behind = [w for w in wanted if w in done and w not in current]
    if behind:
        raise UsageError(
            f"--to {to}: the database is already past revision {', '.join(behind)} (it is at "
            f"{', '.join(current)}); pgwarden never runs downgrade(): use `alembic downgrade` "
            "yourself if you mean to go back. Nothing was applied."
        )


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


def _has_table(conn: psycopg.Connection[Any], table: VersionTable) -> bool:
    name = table.identifier.as_string(conn)
    row = conn.execute(b"SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
    return bool(row and row[0])


def current_revisions(conn: psycopg.Connection[Any], table: VersionTable | None = None) -> tuple[str, ...]:
    """The revisions Alembic's version table holds (none when the table does not exist)."""
    table = table or VersionTable()
    if not _has_table(conn, table):
        return ()
    return tuple(row[0] for row in conn.execute(_versions_query(table)).fetchall())


def _versions_query(table: VersionTable) -> sql.Composed:
    return sql.SQL("SELECT version_num FROM {} ORDER BY version_num").format(table.identifier)


def _migration(revision: Revision) -> Migration:
    return Migration(revision.id, revision.message, revision.path, revision.checksum)
