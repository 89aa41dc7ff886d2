"""``pgwarden migrate``: status, up, verify, baseline, repair, test and new for SQL migrations (and Alembic)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .. import findings as findings_module
from .. import formats, phases
from ..config import Config
from ..db import connect
from ..errors import UsageError
from ..migrate import discover, ledger, lock
from ..migrate.adopt import effective
from ..migrate.already import Adoption
from ..migrate.consistency import verify as verify_ledger
from ..migrate.errors import AlreadyBaselined
from ..migrate.runner import UpResult
from ..migrate.runner import up as run_up
from ..migrate.settings import Settings, from_config
from ..migrate.source import MigrationFile, show_path
from ..urls import describe
from . import _migrate_alembic
from . import _migrate_parts as parts
from ._migrate_parts import dry_run_command, failure_findings, import_ledger, proposal
from ._migrate_summary import write_up
from ._state import State, db_option, dev_url_option, format_option, progress, write_json

__all__ = ["migrate"]

migrations_option = click.option(
    "--migrations",
    type=click.Path(),
    help="Folder of NNN_name.sql migrations, or an Alembic environment (its alembic.ini or script folder).",
)
lock_wait_option = parts.lock_wait_option


def _setup(state: State, **flags: Any) -> tuple[Config, list[MigrationFile], Settings]:
    cfg = state.config(**flags)
    if cfg.migrations is None:
        raise UsageError(f"No migrations folder: pass --migrations DIR or set `migrations` in {cfg.where}.")
    _migrate_alembic.refuse(cfg.migrations)
    return cfg, discover(cfg.migrations), from_config(cfg)


@click.group()
def migrate() -> None:
    """Apply SQL migrations safely: a ledger with checksums, one migrator at a time, atomic files.

    Files are NNN_description.sql in the migrations folder; a leading comment may say
    `-- pgwarden: no-transaction`, `-- pgwarden: lock-timeout=5s statement-timeout=10min`
    or `-- pgwarden: rerunnable`. The ledger lives in the `pgwarden` schema.
    """


@migrate.command()
@db_option
@migrations_option
@format_option
@click.pass_obj
def status(state: State, database_url: str | None, migrations: str | None, fmt: str) -> int:
    """Show every version: applied, pending, failed, partial, edited or missing (read-only)."""
    from ..migrate.status import lines

    alembic = _migrate_alembic.configured(state, True, database_url=database_url, migrations=migrations)
    if alembic is not None:
        return _migrate_alembic.status(state, *alembic, fmt)
    cfg, files, settings = _setup(state, database_url=database_url, migrations=migrations)
    url = cfg.direct_db_url()
    assert url is not None
    with connect(url, timeout=cfg.connect_timeout) as conn:
        conn.read_only = True
        recorded = ledger.read(conn)
        # While pgwarden's ledger is empty, the one importable foreign ledger speaks for it.
        applied = effective(conn, files, settings.configured_ledger, applied=recorded)
        found = verify_ledger(conn, files, settings, applied=recorded)
        found += [] if applied else parts.unrecorded_findings(conn, files, settings, cfg.dev_url)
        conn.rollback()
    rows = lines(files, applied)
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "migrations": [r.to_dict() for r in rows],
                "findings": [f.to_dict() for f in found],
            },
        )
        return _status_code(rows)
    state.out.write(f"pgwarden migrate status: {describe(url)}, {show_path(cfg.migrations or Path())}\n")
    for r in rows:
        when = f"{r.applied_at:%Y-%m-%d %H:%M:%S}" if r.applied_at else ""
        took = f"{r.duration_ms} ms" if r.duration_ms is not None else ""
        state.out.write(
            f"  {r.version:>14}  {r.state:<8} {r.name:<32} {when:<19} {took:>9}  {r.applied_by}\n"
        )
    states = ("applied", "pending", "failed", "partial", "edited", "missing")
    counts = {s: sum(r.state == s for r in rows) for s in states}
    state.out.write(
        "  " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) + "\n" if rows else "  no migrations\n"
    )
    for f in found:
        if f.kind in ("foreign_ledger", "unrecorded_migrations"):
            state.out.write(f"  note: {f.message} {f.hint}\n")
    downs = [f for f in files if f.down]
    if downs:
        state.out.write(
            f"  note: {len(downs)} file(s) carry a down part ({downs[0].filename}: {downs[0].down}); "
            "pgwarden runs the up part only.\n"
        )
    return _status_code(rows)


def _status_code(rows: Sequence[Any]) -> int:
    """1 when a file failed, stopped part-way or was edited after it was applied: `migrate up` would not pass."""
    return 1 if any(r.state in ("failed", "partial", "edited") for r in rows) else 0


@migrate.command()
@db_option
@migrations_option
@click.option(
    "--to", "to_text", metavar="VERSION", help="Apply up to this version (Alembic: a revision) only."
)
@lock_wait_option
@click.option(
    "--dry-run",
    is_flag=True,
    help="Run pending files on a scratch copy of the live schema (never on the live database); show each "
    "file's effect, destructive ones first with the rows at stake.",
)
@click.option(
    "--on-scratch", is_flag=True, hidden=True, help="Kept for old scripts: --dry-run always uses scratch."
)
@click.option(
    "--allow-data-loss",
    is_flag=True,
    help="Let statements that drop rows run without `-- pgwarden: destructive -- REASON` in their file.",
)
@parts.single_transaction_option
@dev_url_option
@format_option
@click.pass_obj
def up(
    state: State,
    database_url: str | None,
    migrations: str | None,
    to_text: str | None,
    lock_wait: float | None,
    dry_run: bool,
    on_scratch: bool,
    allow_data_loss: bool,
    single_transaction: bool,
    dev_url: str | None,
    fmt: str,
) -> int:
    """Apply pending migrations, each file in one transaction with its ledger row (or all in one).

    Several instances may run this at once: one applies, the others wait for the lock
    (--lock-wait) and then find the database at the target. A statement that would lose
    rows (DROP TABLE, DROP COLUMN, TRUNCATE, DELETE/UPDATE without WHERE, a narrowing type
    change) is refused unless its file says `-- pgwarden: destructive -- REASON`.
    """
    # Read for looking first: a deploy whose database is at the head imports no Alembic.
    alembic = _migrate_alembic.configured(
        state, not dry_run, database_url=database_url, migrations=migrations, dev_url=dev_url
    )
    if alembic is not None:
        parts.refuse_single_for_alembic(single_transaction)
        overrides = {"lock_wait": lock_wait, "allow_data_loss": allow_data_loss or None}
        if dry_run:
            return _migrate_alembic.dry_run(state, *alembic, fmt, to=to_text)
        return _migrate_alembic.up(state, *alembic, overrides, fmt, to=to_text)
    to = parts.sql_version(to_text)
    cfg, files, settings = _setup(state, database_url=database_url, migrations=migrations, dev_url=dev_url)
    settings = settings.with_overrides(lock_wait=lock_wait, allow_data_loss=allow_data_loss or None)
    url = cfg.direct_db_url()
    assert url is not None
    say = progress(state, fmt)
    if on_scratch and not dry_run:
        raise click.UsageError("--on-scratch goes with --dry-run.")
    parts.check_to(to, files, cfg.migrations)
    if dry_run:
        return dry_run_command(state, url, files, to, settings, cfg.dev_url, fmt)
    # One connection for the look and the run: a deploy that applies files logs in once.
    with lock.connection(url, timeout=cfg.connect_timeout) as conn:
        found = parts.look_before_up(conn, files, to, settings, cfg.dev_url)
        phases.mark(f"connected, the ledger read against {len(files)} file(s)")
        if isinstance(found, Adoption):
            return parts.refuse_unrecorded(state, url, found, files, fmt)
        if found:
            say("nothing to apply: the database is at the target version")
            return write_up(
                state, url, UpResult(single_transaction=single_transaction), [], fmt, what="file(s)", width=40
            )
        result = run_up(
            url,
            files,
            to=to,
            settings=settings,
            progress=say,
            connect_timeout=cfg.connect_timeout,
            single_transaction=single_transaction,
            conn=conn,
        )
        phases.mark(f"applied {len(result.applied)} of {result.pending_before} pending file(s)")
    return write_up(state, url, result, failure_findings(result), fmt, what="file(s)", width=40)


@migrate.command()
@db_option
@migrations_option
@format_option
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too (pending files, a newer database).")
@click.pass_obj
def verify(state: State, database_url: str | None, migrations: str | None, fmt: str, strict: bool) -> int:
    """Compare the ledger with the folder: edited, missing, unknown, out-of-order, failed (read-only)."""
    if alembic := _migrate_alembic.configured(state, database_url=database_url, migrations=migrations):
        from . import _migrate_alembic_ledger

        return _migrate_alembic_ledger.verify(state, *alembic, fmt, strict)
    cfg, files, settings = _setup(state, database_url=database_url, migrations=migrations)
    url = cfg.direct_db_url()
    assert url is not None
    found = verify_ledger(url, files, settings)
    formats.render(
        found,
        fmt,
        state.out,
        color=state.color,
        title=f"pgwarden migrate verify: {describe(url)}",
        extra={"database": describe(url)},
    )
    return findings_module.exit_code(found, strict=strict)


@migrate.command()
@db_option
@migrations_option
@click.option(
    "--version", "version", type=int, help="Mark every file up to VERSION applied without running it."
)
@click.option(
    "--revision",
    metavar="REV",
    help="Alembic: stamp REV (and its ancestors) applied without running them, once the live schema is "
    "checked to be what the chain builds up to REV.",
)
@lock_wait_option
@dev_url_option
@format_option
@click.pass_obj
def baseline(
    state: State,
    database_url: str | None,
    migrations: str | None,
    version: int | None,
    revision: str | None,
    lock_wait: float | None,
    dev_url: str | None,
    fmt: str,
) -> int:
    """Adopt a database made before pgwarden: import another tool's ledger, or mark files up to --version.

    With no ledger to import, says which version the live schema matches (the chain applied
    file by file to a scratch database and compared with it). For Alembic, --revision REV
    stamps a database made before Alembic; without it, says which revision the schema is at.
    """
    from ..migrate.adopt import baseline as baseline_versions

    alembic = _migrate_alembic.configured(
        state, database_url=database_url, migrations=migrations, dev_url=dev_url
    )
    if alembic is not None:
        wait = from_config(alembic[0]).with_overrides(lock_wait=lock_wait).lock_wait
        return _migrate_alembic.baseline(state, *alembic, revision, wait, fmt)
    if revision is not None:
        raise UsageError("--revision is for Alembic revisions; SQL migrations take --version V.")
    cfg, files, settings = _setup(state, database_url=database_url, migrations=migrations, dev_url=dev_url)
    url = cfg.direct_db_url()
    assert url is not None
    wait = settings.with_overrides(lock_wait=lock_wait).lock_wait
    who = ledger.actor(settings.app_version)
    with lock.migrator(url, wait=wait, timeout=cfg.connect_timeout, say=progress(state, fmt)) as (conn, _):
        ledger.ensure(conn)
        if version is not None:
            try:
                marked, source = baseline_versions(conn, files, version, who), f"baseline at {version}"
            except AlreadyBaselined as exc:
                marked, source = [], str(exc)
        else:
            marked, source = import_ledger(
                conn, files, settings, who, lambda: proposal(conn, files, cfg.dev_url)
            )
    if fmt == "json":
        write_json(state.out, {"database": describe(url), "marked": marked, "how": source})
    else:
        done = f"{len(marked)} version(s) marked applied" if marked else "nothing marked"
        state.out.write(f"pgwarden migrate baseline: {source}: {done}.\n")
    return 0


@migrate.command()
@db_option
@migrations_option
@click.option(
    "--mark-applied", "mark_applied", type=int, metavar="V", help="Record V as applied (its file's checksum)."
)
@click.option("--mark-unapplied", "mark_unapplied", type=int, metavar="V", help="Remove V from the ledger.")
@click.option("--clear", "clear", type=int, metavar="V", help="Clear a failed or partial run of V.")
@click.option("--accept-edit", metavar="REV", help="Alembic: re-record the checksum of edited revision REV.")
@lock_wait_option
@format_option
@click.pass_obj
def repair(
    state: State,
    database_url: str | None,
    migrations: str | None,
    mark_applied: int | None,
    mark_unapplied: int | None,
    clear: int | None,
    accept_edit: str | None,
    lock_wait: float | None,
    fmt: str,
) -> int:
    """Settle the ledger by hand; every change is kept in pgwarden.migration_audit."""
    if alembic := _migrate_alembic.configured(state, database_url=database_url, migrations=migrations):
        from . import _migrate_alembic_ledger

        sql_flags = any(v is not None for v in (mark_applied, mark_unapplied, clear))
        return _migrate_alembic_ledger.repair(state, *alembic, accept_edit, sql_flags, lock_wait, fmt)
    chosen = [
        (a, v)
        for a, v in (("mark-applied", mark_applied), ("mark-unapplied", mark_unapplied), ("clear", clear))
        if v is not None
    ]
    if len(chosen) != 1:
        raise click.UsageError("Give exactly one of --mark-applied V, --mark-unapplied V, --clear V.")
    action, version = chosen[0]
    cfg, files, settings = _setup(state, database_url=database_url, migrations=migrations)
    url = cfg.direct_db_url()
    assert url is not None
    wait = settings.with_overrides(lock_wait=lock_wait).lock_wait
    with lock.migrator(url, wait=wait, timeout=cfg.connect_timeout, say=progress(state, fmt)) as (conn, _):
        ledger.ensure(conn)
        from ..migrate.repair import repair as repair_ledger

        done = repair_ledger(conn, files, action, version, ledger.actor(settings.app_version))
    if fmt == "json":
        write_json(state.out, {"database": describe(url), "action": action, "version": version, "done": done})
    else:
        state.out.write(f"pgwarden migrate repair: {done}.\n")
    return 0


@migrate.command(name="test")
@migrations_option
@click.option(
    "--legacy",
    type=click.Path(file_okay=False),
    help="Folder of legacy schemas: pg_dump --schema-only .sql or snapshot .json.",
)
@click.option("--models", metavar="MODULE:ATTR", help="Also compare with SQLAlchemy models.")
@dev_url_option
@format_option
@click.pass_obj
def test_command(
    state: State,
    migrations: str | None,
    legacy: str | None,
    models: str | None,
    dev_url: str | None,
    fmt: str,
) -> int:
    """Convergence test on scratch databases: empty start, each legacy schema, rerunnable files twice."""
    from ..migrate.converge import converge
    from ..migrate.legacy import find_legacy
    from ..scratch import LazyScratch

    alembic = _migrate_alembic.configured(state, migrations=migrations, dev_url=dev_url, models=models)
    if alembic is not None:
        return _migrate_alembic.test(state, *alembic, Path(legacy) if legacy else None, fmt)
    cfg, files, _ = _setup(state, migrations=migrations, dev_url=dev_url, models=models)
    starts = find_legacy(Path(legacy)) if legacy else []
    with LazyScratch(cfg.dev_url) as lazy:
        model_schema = None
        if cfg.models:
            # the same loader as check: the declared extensions are created first, so model
            # defaults that call extension functions load here too
            from ..contract.configured import load_configured_models

            model_schema = load_configured_models(cfg, lazy()).schema
        outcome = converge(
            files, lazy(), legacy=starts, models=model_schema, schemas=cfg.schemas, ignore=cfg.ignore
        )
    downs = sum(1 for f in files if f.down)
    title = (
        f"pgwarden migrate test: {len(files)} file(s) onto an empty database"
        + (f" and {len(starts)} legacy schema(s)" if starts else "")
        + (f"; up parts only, {downs} file(s) carry a down part that is not run" if downs else "")
    )
    formats.render(
        outcome.findings, fmt, state.out, color=state.color, title=title, extra={"runs": outcome.runs}
    )
    return findings_module.exit_code(outcome.findings)


@migrate.command()
@click.argument("name")
@migrations_option
@click.pass_obj
def new(state: State, name: str, migrations: str | None) -> int:
    """Create the next migration file, NNN_NAME.sql (or an Alembic revision, prefilled from the models)."""
    from ..migrate.status import new_file
    from . import _migrate_alembic_new

    if (made := _migrate_alembic_new.new(state, name, migrations=migrations)) is not None:
        return made
    cfg, files, _ = _setup(state, migrations=migrations)
    assert cfg.migrations is not None
    path = new_file(cfg.migrations, files, name)
    state.out.write(f"{show_path(path)}\n")
    return 0
