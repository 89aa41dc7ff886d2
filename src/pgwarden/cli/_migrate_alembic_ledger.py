"""``pgwarden migrate verify`` and ``migrate repair --accept-edit`` for an Alembic environment."""

from __future__ import annotations

from .. import findings as findings_module
from .. import formats
from ..config import Config
from ..db import connect
from ..errors import UsageError
from ..findings import Finding
from ..migrate import ledger, lock
from ..migrate.alembic_source import AlembicSource, ancestors
from ..migrate.consistency import finding
from ..migrate.settings import from_config
from ..urls import describe
from ._state import State, progress, write_json

__all__ = ["repair", "verify"]


def verify(state: State, cfg: Config, source: AlembicSource, fmt: str, strict: bool) -> int:
    """Applied revisions' recorded checksums against their files, and the version table a set of heads."""
    url = cfg.direct_db_url()
    assert url is not None
    with connect(url, timeout=cfg.connect_timeout) as conn:
        conn.read_only = True
        found = source.verify(conn) + _not_heads(source, tuple(source.position(conn).current))
        conn.rollback()
    formats.render(
        found,
        fmt,
        state.out,
        color=state.color,
        title=f"pgwarden migrate verify: {describe(url)}, Alembic version table {source.table.label}",
        extra={"database": describe(url)},
    )
    return findings_module.exit_code(found, strict=strict)


def _not_heads(source: AlembicSource, current: tuple[str, ...]) -> list[Finding]:
    """A version-table row that is an ancestor of another row: Alembic keeps only heads there."""
    known = [c for c in current if source.chain.get(c) is not None]
    found = []
    for rev in known:
        below = ancestors(source.chain, [c for c in known if c != rev])
        if rev in below:
            found.append(
                finding(
                    "failed_migration",
                    f"{source.table.label} {rev}",
                    f"{source.table.label} holds revision {rev} next to a revision built on it: Alembic keeps only "
                    "heads there, so a stamp or upgrade stopped half-way or the table was edited by hand.",
                    f"Remove the row of {rev} from {source.table.label} (the later revision already implies it).",
                    revision=rev,
                    current=list(current),
                )
            )
    return found


def repair(
    state: State,
    cfg: Config,
    source: AlembicSource,
    revision: str | None,
    sql_flags: bool,
    lock_wait: float | None,
    fmt: str,
) -> int:
    """Re-record the checksum of an applied revision whose file was edited (PW201), under the lock."""
    from ..migrate.alembic_accept import accept_edit

    if revision is None or sql_flags:
        raise UsageError(
            "For an Alembic environment, `migrate repair` takes --accept-edit REV only (--mark-applied, "
            "--mark-unapplied and --clear are for SQL migrations; `migrate baseline` stamps a revision)."
        )
    wait = from_config(cfg).with_overrides(lock_wait=lock_wait).lock_wait
    ids = source.target(revision, flag="--accept-edit")
    if len(ids) != 1:
        raise UsageError(f"--accept-edit {revision}: names {len(ids)} revisions; name one revision.")
    rev = source.chain.get(ids[0])
    assert rev is not None
    url = cfg.direct_db_url()
    assert url is not None
    who = ledger.actor(from_config(cfg).app_version)
    with lock.migrator(url, wait=wait, timeout=cfg.connect_timeout, say=progress(state, fmt)) as (conn, _):
        applied = {m.id for m in source.position(conn).applied}
        old = accept_edit(conn, rev, applied, who)
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "action": "accept-edit",
                "revision": rev.id,
                "from": old,
                "to": rev.checksum,
            },
        )
    else:
        state.out.write(
            f"pgwarden migrate repair: accepted the edit to Alembic revision {rev.label}: its recorded checksum is "
            f"now the file's ({old[:12]} -> {rev.checksum[:12]}); the change is kept in pgwarden.migration_audit.\n"
        )
    return 0
