"""``migrate baseline`` for Alembic: adopt a database made before Alembic at a revision, without running it.

Stamping is Alembic's own (``alembic_version`` written exactly as ``alembic stamp`` does),
but only after the live schema was compared with the schema the chain builds up to that
revision on a scratch database: a database that is not at that revision is never told it
is. The stamped revisions are recorded in ``pgwarden.alembic_revisions`` with their
checksums, so a later edit of them shows in ``migrate status``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

import psycopg

from ..catalog import Schema, inspect
from ..db import connect
from ..diff import Change, diff
from ..errors import MigrationError, UsageError
from ..scratch import Scratch
from . import alembic_ledger
from .alembic_run import run_chain, sa_connection
from .alembic_scripts import Chain, quiet_stdout
from .alembic_table import version_table
from .propose import LEDGER_PATTERNS
from .source import show_path

__all__ = ["Located", "differences_at", "known", "locate", "stamp"]


@dataclass
class Located:
    revision: str | None
    """The newest revision whose chain builds the live schema; ``None`` when none does."""
    closest: str | None = None
    differences: int = 0
    failed: str | None = None
    """The chain stopped on the scratch database here (a revision that needs rows, say)."""


@dataclass
class Stamped:
    revisions: list[str] = field(default_factory=list)
    """Every revision now counted as applied (the stamped one and its ancestors)."""


def live_schema(
    conn: psycopg.Connection[Any], schemas: tuple[str, ...] = (), chain: Chain | None = None
) -> Schema:
    """The live schema without any tool's ledger tables (``alembic_version``, or the chain's own version table)."""
    return inspect(conn, schemas=schemas, ignore=_ledgers(chain))


def _ledgers(chain: Chain | None) -> tuple[str, ...]:
    if chain is None:
        return tuple(LEDGER_PATTERNS)
    return (*LEDGER_PATTERNS, *version_table(chain.where).patterns)


def differences_at(
    chain: Chain, revision: str, live: Schema, scratch: Scratch, schemas: tuple[str, ...] = ()
) -> list[Change]:
    """How ``live`` differs from what the chain builds up to ``revision`` (empty: it is at that revision)."""
    known(chain, revision)
    url = scratch.create_database("alembic_baseline")
    try:
        with sa_connection(url, what="scratch database") as sa:
            run_chain(sa, chain, target=revision, guarded=False)
        with connect(url, what="scratch database") as conn:
            expected = inspect(conn, schemas=schemas, ignore=_ledgers(chain))
    finally:
        scratch.drop_database(url)
    return diff(expected, live)


def locate(chain: Chain, live: Schema, scratch: Scratch, schemas: tuple[str, ...] = ()) -> Located:
    """Which revision the live schema is at: the chain applied one revision at a time and compared."""
    url = scratch.create_database("alembic_locate")
    found = Located(None)
    best: tuple[int, str] | None = None
    try:
        with sa_connection(url, what="scratch database") as sa:
            for revision in chain.revisions:
                try:
                    run_chain(sa, chain, target=revision.id, guarded=False)
                except MigrationError as exc:
                    found.failed = str(exc)
                    break
                with connect(url, what="scratch database") as conn:
                    count = len(diff(inspect(conn, schemas=schemas, ignore=_ledgers(chain)), live))
                if count == 0:
                    found.revision = revision.id
                if best is None or count <= best[0]:
                    best = (count, revision.id)
    finally:
        scratch.drop_database(url)
    if found.revision is None and best is not None:
        found.differences, found.closest = best
    return found


def stamp(
    url: str,
    chain: Chain,
    revision: str,
    who: dict[str, Any],
    timeout: float = 5.0,
    since: tuple[str, ...] = (),
) -> Stamped:
    """Write ``alembic_version`` at ``revision`` as ``alembic stamp`` does, and record the revisions stamped.

    The caller holds the migration lock and has checked the schema (:func:`differences_at`).
    ``since``: the revisions the database is at already; theirs and their ancestors' records stay.
    """
    from alembic.runtime.environment import EnvironmentContext

    known(chain, revision)

    def to(rev: Any, context: Any) -> Any:
        return chain.script._stamp_revs(revision, rev)

    with sa_connection(url, timeout=timeout) as sa:
        with quiet_stdout(), EnvironmentContext(chain.config, chain.script, fn=to) as env:
            env.configure(connection=sa, **version_table(chain.where).configure())
            with env.begin_transaction():
                env.run_migrations()
        sa.commit()
    done = chain.applied((revision,))
    before = chain.applied(since)
    stamped = [r for r in chain.revisions if r.id in done and r.id not in before]
    with connect(url, timeout=timeout) as conn:
        alembic_ledger.ensure(conn)
        with conn.transaction():
            for r in stamped:
                alembic_ledger.record(
                    cast(Any, conn),
                    revision=r.id,
                    file=show_path(r.path),
                    checksum=r.checksum,
                    duration_ms=0,
                    applied_by=who,
                    changes=[],
                    how="stamped",
                )
    return Stamped([r.id for r in stamped])


def known(chain: Chain, revision: str) -> None:
    if chain.get(revision) is None:
        ids = ", ".join(r.id for r in chain.revisions[-3:])
        raise UsageError(
            f"--revision {revision}: {show_path(chain.where)} has no such revision (the newest: {ids}); "
            "pass the full id of an existing revision."
        )
