"""``pgwarden migrate status|up|test`` when ``migrations`` names an Alembic environment."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import findings as findings_module
from .. import phases
from ..config import Config
from ..db import connect, read_only_transaction
from ..errors import UsageError
from ..findings import Finding
from ..formats import render
from ..migrate.alembic_scripts import is_alembic
from ..migrate.consistency import finding
from ..migrate.errors import DataLossRefused
from ..migrate.settings import from_config
from ..migrate.source import show_path
from ..urls import describe
from ._migrate_summary import write_up
from ._state import State, progress, write_json

if TYPE_CHECKING:  # imported once ``configured`` has found an Alembic environment
    from ..migrate.alembic_source import AlembicSource

__all__ = ["baseline", "configured", "dry_run", "refuse", "status", "test", "up"]


def configured(state: State, read_only: bool = False, **flags: Any) -> tuple[Config, AlembicSource] | None:
    """The config and the Alembic environment ``migrations`` names, or ``None`` for a folder of SQL files.
    ``read_only`` (status): a chain of plain literals is read without importing Alembic."""
    cfg = state.config(**flags)
    if cfg.migrations is None or not is_alembic(cfg.migrations):
        return None
    from ..migrate.alembic_source import AlembicSource

    return cfg, AlembicSource(cfg.migrations, read_only=read_only)


def refuse(migrations: Path) -> None:
    """For the commands that work on SQL migrations only (repair's SQL-file flags)."""
    if is_alembic(migrations):
        raise UsageError(
            f"{show_path(migrations)} is an Alembic environment: this command is for SQL migrations "
            "(`migrate status`, `up`, `verify`, `repair --accept-edit`, `baseline`, `test` and `new` work on "
            "Alembic revisions)."
        )


def status(state: State, cfg: Config, source: AlembicSource, fmt: str) -> int:
    """Applied, edited, pending and unknown revisions, what each changes, and the heads (read only)."""
    from ..migrate.alembic_source import edited_findings, position_findings
    from ..migrate.alembic_status import read_status

    url = cfg.direct_db_url()
    assert url is not None
    with connect(url, timeout=cfg.connect_timeout, autocommit=True) as conn, read_only_transaction(conn):
        st = read_status(source, conn)
    position = st.position
    found = position_findings(position) + edited_findings(position, st.recorded)
    code = 1 if position.unknown or st.edited else 0
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "alembic": position.to_dict(),
                "revisions": [r.to_dict() for r in st.revisions],
                "offline_error": st.offline_error,
                "findings": [f.to_dict() for f in found],
            },
        )
        return code
    out = state.out
    out.write(f"pgwarden migrate status: {describe(url)}, Alembic {show_path(source.where)}\n")
    at = ", ".join(position.current) or "no revision (alembic_version is empty or absent)"
    out.write(f"  database at: {at}\n  heads:       {', '.join(position.heads)}\n")
    for r in st.revisions:
        when = f"{r.applied_at:%Y-%m-%d %H:%M:%S}" if r.applied_at else ""
        took = f"{r.duration_ms} ms" if r.duration_ms is not None else ""
        if r.state == "unknown":
            out.write(
                f"  {r.id:>14}  unknown  the scripts do not have this revision: newer code migrated the database\n"
            )
            continue
        how = "stamped " if r.recorded == "stamped" else ""
        tail = f"  ({r.file})" if r.state == "pending" else f"  {how}{when}  {took}".rstrip()
        out.write(f"  {r.id:>14}  {r.state:<8} {r.name}{tail}\n")
        if r.state == "edited":
            out.write(
                "                  the file changed after it was applied: the database ran another text\n"
            )
        if r.changes:
            out.write(f"                  changes: {', '.join(r.changes)}\n")
    counts = {s: sum(r.state == s for r in st.revisions) for s in ("applied", "edited", "pending", "unknown")}
    out.write(
        "  " + ", ".join(f"{n} {s}" for s, n in counts.items() if n or s in ("applied", "pending")) + "\n"
    )
    unrecorded = [r for r in st.revisions if r.state == "applied" and r.recorded is None]
    if unrecorded:
        out.write(
            f"  note: {len(unrecorded)} revision(s) were applied without pgwarden (plain `alembic upgrade`): "
            "their checksums are unknown, so an edit to them cannot be seen.\n"
        )
    if st.offline_error:
        out.write(f"  note: Alembic's offline mode could not render the chain ({st.offline_error}).\n")
    if len(position.heads) > 1:
        out.write(
            f"  note: {len(position.heads)} heads; `migrate up` applies all of them (merge them with `alembic merge`).\n"
        )
    return code


def up(
    state: State,
    cfg: Config,
    source: AlembicSource,
    overrides: dict[str, Any],
    fmt: str,
    to: str | None = None,
) -> int:
    """Alembic's upgrade to every head (or ``to`` and no further) under pgwarden's lock, data guard and timeouts."""
    settings = from_config(cfg).with_overrides(**overrides)
    url = cfg.direct_db_url()
    assert url is not None
    result = source.up(
        url, settings=settings, progress=progress(state, fmt), connect_timeout=cfg.connect_timeout, to=to
    )
    phases.mark(f"applied {len(result.applied)} of {result.pending_before} pending Alembic revision(s)")
    return write_up(state, url, result, _failure(result.error), fmt, what="Alembic revision(s)", width=48)


def _failure(error: Exception | None) -> list[Finding]:
    if error is None:
        return []
    where = f"{getattr(error, 'path', '')}:{getattr(error, 'line', 1)}:{getattr(error, 'column', 1)}"
    reason = str(error).split(": ", 1)[-1]
    if isinstance(error, DataLossRefused):
        return [
            finding(
                "data_loss_refused",
                where,
                reason + ".",
                "If these rows may go, add `# pgwarden: destructive -- <why>` to the revision file (or run "
                "`pgwarden migrate up --allow-data-loss`); otherwise change the operation (rename instead of drop).",
                statement=error.statement.strip(),
                losses=[{"what": loss.what, "table": loss.table, "rows": loss.rows} for loss in error.losses],
            )
        ]
    return [
        finding(
            "failed_migration",
            where,
            reason + ".",
            "Earlier revisions stay applied, later ones pending. Fix the revision and run `pgwarden migrate up` again.",
            sqlstate=getattr(error, "sqlstate", None),
        )
    ]


def test(state: State, cfg: Config, source: AlembicSource, legacy: Path | None, fmt: str) -> int:
    """The chain on an empty database and on each legacy schema must build the same schema (and the models')."""
    from ..migrate.converge_source import converge_source
    from ..migrate.legacy import find_legacy
    from ..scratch import LazyScratch

    starts = find_legacy(legacy) if legacy else []
    with LazyScratch(cfg.dev_url) as lazy:
        model_schema = None
        if cfg.models:
            from ..contract.configured import load_configured_models

            model_schema = load_configured_models(cfg, lazy()).schema
        outcome = converge_source(
            source, lazy(), legacy=starts, models=model_schema, schemas=cfg.schemas, ignore=cfg.ignore
        )
    if not source.migrations():
        raise UsageError(f"{show_path(source.where)} holds no Alembic revisions.")
    title = (
        f"pgwarden migrate test: {len(source.migrations())} Alembic revision(s) onto an empty database"
        + (f" and {len(starts)} legacy schema(s)" if starts else "")
    )
    render(outcome.findings, fmt, state.out, color=state.color, title=title, extra={"runs": outcome.runs})
    return findings_module.exit_code(outcome.findings)


def baseline(
    state: State, cfg: Config, source: AlembicSource, revision: str | None, wait: float, fmt: str
) -> int:
    """Stamp a database made before Alembic at ``revision`` once its schema is checked to be there, or
    (no ``revision``) say which revision the live schema is at."""
    from ..diff import to_findings
    from ..migrate import ledger, lock
    from ..migrate.alembic_adopt import differences_at, known, live_schema, locate, stamp
    from ..migrate.alembic_source import current_revisions
    from ..scratch import open_scratch

    url = cfg.direct_db_url()
    assert url is not None
    chain = source.chain
    if revision in ("head", "heads"):
        if len(chain.heads) != 1:
            raise UsageError(f"--revision head: the chain has {len(chain.heads)} heads; name one revision.")
        revision = chain.heads[0]
    if revision is not None:
        known(chain, revision)
    with lock.migrator(url, wait=wait, timeout=cfg.connect_timeout, say=progress(state, fmt)) as (conn, _):
        current = current_revisions(conn, source.table)
        if current and not _forward(chain, current, revision):
            raise UsageError(
                f"The database is already at Alembic revision {', '.join(current)} ({source.table.label}): baseline is "
                "for a database Alembic never recorded, or for a revision after that one whose changes the database "
                "already has (`--revision REV`); `pgwarden migrate status` shows where it stands."
            )
        live = live_schema(conn, cfg.schemas, chain)
        with open_scratch(cfg.dev_url) as scratch:
            if revision is None:
                found = locate(chain, live, scratch, cfg.schemas)
            else:
                changes = differences_at(chain, revision, live, scratch, cfg.schemas)
        if revision is None:
            return _proposal(state, found, fmt)
        if changes:
            differ = to_findings(changes)
            title = (
                f"pgwarden migrate baseline: the live schema is not what the chain builds up to {revision} "
                f"({len(changes)} difference(s), below as live against the chain); nothing stamped"
            )
            render(differ, fmt, state.out, color=state.color, title=title, extra={"stamped": []})
            return 1
        who = ledger.actor(from_config(cfg).app_version)
        done = stamp(url, chain, revision, who, cfg.connect_timeout, since=tuple(current))
    if fmt == "json":
        write_json(state.out, {"database": describe(url), "stamped": done.revisions, "revision": revision})
    else:
        state.out.write(
            f"pgwarden migrate baseline: the live schema is what the chain builds up to {revision}: stamped it "
            f"({len(done.revisions)} revision(s) counted as applied, none run); `migrate up` applies the rest.\n"
        )
    return 0


def _at_stake(url: str, pending: list[Any], cfg: Config) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """Per pending revision, the rows its destructive statements put at stake on live (read only)."""
    from ..migrate.dryrun import at_stake

    found: dict[str, list[tuple[int, dict[str, Any]]]] = {}
    with connect(url, timeout=cfg.connect_timeout) as conn:
        conn.read_only = True
        for e in pending:
            for line, text in e.statements:
                found.setdefault(e.revision.id, []).extend((line, loss) for loss in at_stake(conn, text))
        conn.rollback()
    return found


def _refused(revision: Any, stake: dict[str, list[tuple[int, dict[str, Any]]]], cfg: Config) -> bool:
    settings = from_config(cfg)
    guarded = settings.data_guard and not settings.allow_data_loss and not revision.destructive
    return bool(stake.get(revision.id)) and guarded


def _forward(chain: Any, current: tuple[str, ...], revision: str | None) -> bool:
    """Whether ``revision`` comes after every revision the database is at (a revision recorded by hand:
    ``check --record-migration``), so stamping it moves the database forward, as ``alembic stamp`` does."""
    if revision is None or any(chain.get(c) is None for c in current):
        return False
    return set(current) <= chain.applied((revision,)) and revision not in chain.applied(current)


def _proposal(state: State, found: Any, fmt: str) -> int:
    if found.revision is not None:
        text = (
            f"the live schema is what the chain builds up to {found.revision}: run "
            f"`pgwarden migrate baseline --revision {found.revision}`."
        )
    else:
        why = f" (the chain stops on a scratch database: {found.failed})" if found.failed else ""
        text = (
            f"no revision of the chain builds the live schema{why}; the closest is {found.closest}, "
            f"{found.differences} difference(s) away (`pgwarden migrate baseline --revision {found.closest}` "
            "lists them): fix the schema or the revisions."
        )
    if fmt == "json":
        write_json(state.out, {"proposal": text, "revision": found.revision, "stamped": []})
    else:
        state.out.write(f"pgwarden migrate baseline: {text}\n")
    return 0 if found.revision is not None else 1


def dry_run(state: State, cfg: Config, source: AlembicSource, fmt: str, to: str | None = None) -> int:
    """The SQL Alembic would run for the pending revisions (offline mode) and what lint finds in them,
    those revisions run on a scratch copy of the live schema; the live database is only read.
    With ``to``, only the revisions up to and including it are shown, linted and run on the copy; a
    revision the database has gone past is refused (exit 2) as ``up --to`` refuses it."""
    from ..lint.alembic_against import lint_alembic_against
    from ..lint.settings import settings_from
    from ..migrate.alembic_sql import emitted

    url = cfg.direct_db_url()
    assert url is not None
    against = lint_alembic_against(source.where, settings_from(cfg), url, dev_url=cfg.dev_url, to=to)
    pending = emitted(source.chain, against.current, against.to)
    stake = _at_stake(url, pending, cfg)
    found = against.findings
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "current": list(against.current),
                "to": list(against.to) if against.to else None,
                "pending": [
                    {
                        "id": e.revision.id,
                        "name": e.revision.message,
                        "file": show_path(e.revision.path),
                        "sql": [{"line": line, "sql": text} for line, text in e.statements],
                        "at_stake": [{"line": line, **loss} for line, loss in stake.get(e.revision.id, [])],
                        "refused": _refused(e.revision, stake, cfg),
                    }
                    for e in pending
                ],
                "findings": [f.to_dict() for f in found],
            },
        )
        return findings_module.exit_code(found)
    if fmt != "text":
        render(found, fmt, state.out)
        return findings_module.exit_code(found)
    out = state.out
    at = ", ".join(against.current) or "no revision"
    out.write(
        f"pgwarden migrate up --dry-run: {describe(url)} at {at}: {len(pending)} pending Alembic revision(s)"
        + (f" up to {', '.join(against.to)}" if against.to else "")
        + "; nothing was applied.\n"
    )
    for e in pending:
        out.write(f"\n-- {e.revision.label}: {show_path(e.revision.path)}\n")
        for line, text in e.statements:
            out.write(f"-- line {line}\n{text.rstrip()}\n")
        for line, loss in stake.get(e.revision.id, []):
            rows = f"~{loss['rows']:,} (estimate)" if loss["estimated"] else f"{loss['rows']:,}"
            out.write(f"-- at stake, line {line}: {loss['what']} holding {rows} row(s)\n")
        if _refused(e.revision, stake, cfg):
            out.write(
                "-- `migrate up` would refuse this revision (the data guard): if the rows may go, add "
                "`# pgwarden: destructive -- REASON` to the file\n"
            )
    out.write("\n")
    from ..lint.report import render_text  # the lint layout: line:column and the revision's source line

    render_text(
        found, out, color=state.color, title="lint of the pending revisions, on a copy of the live schema"
    )
    return findings_module.exit_code(found)
