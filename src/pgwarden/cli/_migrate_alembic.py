"""``pgwarden migrate status|up|test`` when ``migrations`` names an Alembic environment."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import findings as findings_module
from ..config import Config
from ..db import connect
from ..errors import UsageError
from ..findings import Finding
from ..formats import render
from ..migrate.alembic_scripts import is_alembic
from ..migrate.alembic_source import AlembicSource, edited_findings, position_findings
from ..migrate.consistency import finding
from ..migrate.errors import DataLossRefused
from ..migrate.settings import from_config
from ..migrate.source import show_path
from ..urls import describe
from ._state import State, progress, write_json

__all__ = ["configured", "refuse", "status", "test", "up"]


def configured(state: State, **flags: Any) -> tuple[Config, AlembicSource] | None:
    """The config and the Alembic environment ``migrations`` names, or ``None`` for a folder of SQL files."""
    cfg = state.config(**flags)
    if cfg.migrations is None or not is_alembic(cfg.migrations):
        return None
    return cfg, AlembicSource(cfg.migrations)


def refuse(migrations: Path) -> None:
    """For the commands that work on SQL migrations only (verify, baseline, repair, new)."""
    if is_alembic(migrations):
        raise UsageError(
            f"{show_path(migrations)} is an Alembic environment: this command is for SQL migrations "
            "(`migrate status`, `up` and `test` work on Alembic revisions)."
        )


def status(state: State, cfg: Config, source: AlembicSource, fmt: str) -> int:
    """Applied, edited, pending and unknown revisions, what each changes, and the heads (read only)."""
    from ..migrate.alembic_status import read_status

    url = cfg.direct_db_url()
    assert url is not None
    with connect(url, timeout=cfg.connect_timeout) as conn:
        conn.read_only = True
        st = read_status(source, conn)
        conn.rollback()
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
        tail = f"  ({r.file})" if r.state == "pending" else f"  {when}  {took}".rstrip()
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
    state: State, cfg: Config, source: AlembicSource, overrides: dict[str, Any], sql_only: bool, fmt: str
) -> int:
    """Alembic's upgrade to every head under pgwarden's lock, data guard and timeouts."""
    if sql_only:
        raise UsageError(
            "--to and --dry-run are for SQL migrations; an Alembic chain is applied to its heads."
        )
    settings = from_config(cfg).with_overrides(**overrides)
    url = cfg.direct_db_url()
    assert url is not None
    result = source.up(
        url, settings=settings, progress=progress(state, fmt), connect_timeout=cfg.connect_timeout
    )
    found = _failure(result.error)
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "applied": [vars(s) for s in result.applied],
                "pending_before": result.pending_before,
                "waited_s": round(result.waited, 3),
                "findings": [f.to_dict() for f in found],
                "ok": result.ok,
            },
        )
    elif fmt == "text":
        total = sum(s.duration_ms for s in result.applied)
        state.out.write(
            f"pgwarden migrate up: {describe(url)}: applied {len(result.applied)} of {result.pending_before} "
            f"pending Alembic revision(s) in {total} ms"
            + (f" after waiting {result.waited:.1f} s for the lock" if result.waited >= 1 else "")
            + ".\n"
        )
        for s in result.applied:
            state.out.write(f"  {s.filename:<48} {s.duration_ms:>7} ms\n")
        if found:
            render(found, "text", state.out, color=state.color)
    else:
        render(found, fmt, state.out)
    return 0 if result.ok else 1


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
