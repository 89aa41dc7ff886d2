"""``pgwarden backup``: create, list, verify, restore and prune backups that know their database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .. import findings as findings_module
from .. import formats
from ..backup import (
    VerifyResult,
    from_config,
    health,
    scan,
)
from ..backup import (
    create as create_backup,
)
from ..backup import (
    prune as prune_backups,
)
from ..backup import (
    restore as restore_backup,
)
from ..backup import (
    verify as verify_backup,
)
from ..backup.create import prepare_directory
from ..backup.errors import BackupDirError, RestoreRefused
from ..backup.manifest import Manifest, now_utc
from ..backup.report import age, entry_dict, size
from ..backup.settings import Settings
from ..config import Config
from ..orchestrator import copy_check
from ..urls import describe
from ._state import State, db_option, dev_url_option, format_option, progress, write_json

__all__ = ["backup"]

dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=True),
    help="Backup directory (default: `backup.dir` in the configuration).",
)


def _setup(state: State, directory: str | None, **flags: Any) -> tuple[Config, Settings, Path]:
    cfg = state.config(**flags)
    settings = from_config(cfg).with_overrides(dir=directory)
    return cfg, settings, settings.directory(cfg.where)


def _rows(m: Manifest) -> str:
    total = sum(t.rows for t in m.tables.values())
    approx = "" if all(t.exact for t in m.tables.values()) else "~"
    return f"{len(m.tables)} tables, {approx}{total:,} rows"


@click.group()
def backup() -> None:
    """Backups that know their database: pg_dump archives with a manifest, verified by restoring.

    A backup is DIR/ID.dump (pg_dump custom format) and DIR/ID.json (size, sha256, server
    version, cluster system_identifier, schema fingerprint, row counts). `verify` restores it
    into a scratch database and compares; `restore` uses the newest verified one by default.
    Settings live in [tool.pgwarden.backup]: dir, keep_daily, keep_weekly, schedule, max_age,
    exact_count_below.
    """


@backup.command()
@db_option
@dir_option
@click.option("--verify", "then_verify", is_flag=True, help="Verify the new backup at once (restore it).")
@dev_url_option
@format_option
@click.pass_obj
def create(
    state: State,
    database_url: str | None,
    directory: str | None,
    then_verify: bool,
    dev_url: str | None,
    fmt: str,
) -> int:
    """Dump the database with pg_dump (custom format) into the backup directory, with a manifest."""
    cfg, settings, folder = _setup(state, directory, database_url=database_url, dev_url=dev_url)
    url = cfg.direct_db_url()
    assert url is not None
    say = progress(state, fmt)
    manifest = create_backup(
        url, folder, settings=settings, connect_timeout=cfg.connect_timeout, progress=say
    )
    result = None
    if then_verify:
        result = verify_backup(
            folder,
            manifest.id,
            dev_url=cfg.dev_url,
            check=copy_check(cfg),
            connect_timeout=cfg.connect_timeout,
            progress=say,
        )
    if fmt == "text":
        state.out.write(
            f"pgwarden backup create: {manifest.database} -> {folder / manifest.file} "
            f"({size(manifest.size)}, {_rows(manifest)}) in {manifest.duration_s:.1f}s\n"
        )
        if result is not None:
            _write_verify_text(state, result)
        return _verify_exit(result)
    doc: dict[str, Any] = {"backup": manifest.to_dict(), "directory": str(folder)}
    if result is not None:
        doc["findings"] = [f.to_dict() for f in result.findings]
        doc["verified"] = result.verified
    if fmt == "json":
        write_json(state.out, doc)
    else:
        formats.render(result.findings if result else [], fmt, state.out)
    return _verify_exit(result)


@backup.command(name="list")
@db_option
@dir_option
@format_option
@click.pass_obj
def list_(state: State, database_url: str | None, directory: str | None, fmt: str) -> int:
    """Show every backup: verified, failed, unverified or incomplete, with its age.

    With --db (or $DATABASE_URL), also say why the backups are not healthy for that
    database: none verified, the newest verified too old (`backup.max_age`), made on
    another cluster, or the last scheduled run failed. Exit 1 then.
    """
    cfg, settings, folder = _setup(state, directory, database_url=database_url)
    if not folder.is_dir():
        # "0 backups" would read as "backups are configured and there are none": a typo says so
        raise BackupDirError(
            f"The backup directory {folder} does not exist: check --dir or `backup.dir`, "
            "or make the first backup with `pgwarden backup create`."
        )
    entries = scan(folder)
    url = cfg.db_url(required=False)
    problems = health(folder, url, settings, connect_timeout=cfg.connect_timeout) if url else []
    now = now_utc()
    if fmt == "json":
        write_json(
            state.out,
            {
                "directory": str(folder),
                "backups": [entry_dict(e, now) for e in reversed(entries)],
                "findings": [f.to_dict() for f in problems],
            },
        )
    elif fmt in ("github", "sarif"):
        formats.render(problems, fmt, state.out)
    else:
        complete = sum(e.complete for e in entries)
        state.out.write(f"pgwarden backup list: {folder} ({complete} complete backup(s))\n")
        width = max([len(e.id) for e in entries] + [10])
        if entries:
            state.out.write(f"  {'ID':<{width}} {'STATUS':<11} {'AGE':>7} {'SIZE':>8}  DATABASE\n")
        for e in reversed(entries):
            m = e.manifest
            if m is None or e.problem:
                state.out.write(f"  {e.id:<{width}} {e.status:<11} {'':>7} {'':>8}  {e.problem}\n")
                continue
            when = age((now - m.started).total_seconds())
            state.out.write(f"  {e.id:<{width}} {e.status:<11} {when:>7} {size(m.size):>8}  {m.database}\n")
        if url:
            if problems:
                formats.render(problems, "text", state.out, color=state.color)
            else:
                state.out.write(f"  backups are healthy for {describe(url)}\n")
    return findings_module.exit_code(problems)


@backup.command()
@click.argument("backup_id", required=False, metavar="[ID]")
@db_option
@dir_option
@dev_url_option
@format_option
@click.pass_obj
def verify(
    state: State,
    backup_id: str | None,
    database_url: str | None,
    directory: str | None,
    dev_url: str | None,
    fmt: str,
) -> int:
    """Restore a backup (default: the newest) into a scratch database and compare it with its manifest.

    Checks the archive's sha256, restores it with pg_restore, compares the schema
    fingerprint and the row counts, and runs the contract check and invariants on the copy
    when they are configured. The result is recorded in the manifest. With --db (or
    $DATABASE_URL) the backup's cluster identity is compared with that server's.
    """
    cfg, _, folder = _setup(state, directory, database_url=database_url, dev_url=dev_url)
    result = verify_backup(
        folder,
        backup_id,
        dev_url=cfg.dev_url,
        check=copy_check(cfg),
        live_url=cfg.db_url(required=False),
        connect_timeout=cfg.connect_timeout,
        progress=progress(state, fmt),
    )
    if fmt == "text":
        _write_verify_text(state, result)
    else:
        formats.render(
            result.findings,
            fmt,
            state.out,
            extra={
                "backup": result.manifest.id,
                "verified": result.verified,
                "seconds": round(result.seconds, 3),
            },
        )
    return _verify_exit(result)


def _write_verify_text(state: State, result: VerifyResult) -> None:
    m = result.manifest
    verdict = "verified" if result.verified else "FAILED verification"
    state.out.write(f"pgwarden backup verify: {m.id} {verdict} in {result.seconds:.1f}s ({_rows(m)})\n")
    if result.findings:
        formats.render(result.findings, "text", state.out, color=state.color)


def _verify_exit(result: VerifyResult | None) -> int:
    if result is None:
        return 0
    return 1 if not result.verified else findings_module.exit_code(result.findings)


@backup.command()
@click.option("--to", "to", required=True, metavar="URL", help="The database to restore into.")
@click.option("--backup", "backup_id", metavar="ID", help="Which backup (default: the newest verified).")
@dir_option
@click.option("--yes", is_flag=True, help="Confirm: restoring writes to the --to database.")
@click.option(
    "--force",
    is_flag=True,
    help="Restore into a database that is not empty, replacing what the backup holds.",
)
@click.option(
    "--no-owner", is_flag=True, help="Do not restore ownership and privileges (roles missing here)."
)
@format_option
@click.pass_obj
def restore(
    state: State,
    to: str,
    backup_id: str | None,
    directory: str | None,
    yes: bool,
    force: bool,
    no_owner: bool,
    fmt: str,
) -> int:
    """Restore a backup into the database --to, all or nothing (one transaction).

    Refuses a database that already holds tables, views, functions or schemas unless
    --force is given. Reports what it restored: the backup, every table and its rows.
    """
    cfg, _, folder = _setup(state, directory)
    if not yes:
        raise RestoreRefused(
            f"Restoring writes to {describe(to)}: pass --yes to confirm (and --backup ID to choose "
            "a backup other than the newest verified one)."
        )
    result = restore_backup(
        to,
        folder,
        backup_id,
        force=force,
        no_owner=no_owner,
        connect_timeout=cfg.connect_timeout,
        progress=progress(state, fmt),
    )
    m = result.manifest
    if fmt == "json":
        write_json(
            state.out,
            {
                "backup": m.id,
                "status": m.status,
                "started_at": m.started_at,
                "target": result.target,
                "rows": result.rows,
                "mismatched": result.mismatched,
                "seconds": round(result.seconds, 3),
            },
        )
    else:
        state.out.write(
            f"pgwarden backup restore: {m.id} ({m.status}, made {m.started_at} from {m.database}) "
            f"-> {result.target} in {result.seconds:.1f}s\n"
        )
        for table, rows in sorted(result.rows.items()):
            state.out.write(f"  {table:<50} {rows:>12,} rows\n")
        for table in result.mismatched:
            state.out.write(
                f"  warning: {table} has {result.rows.get(table)} rows, the backup recorded {m.tables[table].rows}\n"
            )
    return 1 if result.mismatched else 0


@backup.command()
@dir_option
@click.option(
    "--keep-daily", type=click.IntRange(min=0), help="Days to keep one backup of (`backup.keep_daily`, 7)."
)
@click.option(
    "--keep-weekly", type=click.IntRange(min=0), help="Weeks to keep one backup of (`backup.keep_weekly`, 4)."
)
@click.option("--dry-run", is_flag=True, help="Only say what would be deleted.")
@format_option
@click.pass_obj
def prune(
    state: State,
    directory: str | None,
    keep_daily: int | None,
    keep_weekly: int | None,
    dry_run: bool,
    fmt: str,
) -> int:
    """Delete backups beyond N daily and M weekly ones; the newest verified backup is always kept."""
    _, settings, folder = _setup(state, directory)
    settings = settings.with_overrides(keep_daily=keep_daily, keep_weekly=keep_weekly)
    if not dry_run:
        prepare_directory(folder)
    result = prune_backups(
        folder, keep_daily=settings.keep_daily, keep_weekly=settings.keep_weekly, dry_run=dry_run
    )
    plan = result.plan
    if fmt == "json":
        write_json(
            state.out,
            {
                "directory": str(folder),
                "dry_run": dry_run,
                "keep": plan.keep,
                "delete": plan.delete,
                "leftovers": result.leftovers,
                "freed": result.freed,
            },
        )
        return 0
    verb = "would delete" if dry_run else "deleted"
    state.out.write(
        f"pgwarden backup prune: {folder}: kept {len(plan.keep)}, {verb} {len(plan.delete)} backup(s)"
        + (f" and {len(result.leftovers)} leftover file(s)" if result.leftovers else "")
        + f", {size(result.freed)}\n"
    )
    for ident, why in sorted(plan.keep.items(), reverse=True):
        state.out.write(f"  keep    {ident:<44} {why}\n")
    for ident in plan.delete:
        state.out.write(f"  {'would delete' if dry_run else 'deleted':<7} {ident}\n")
    for name in result.leftovers:
        state.out.write(f"  {'would delete' if dry_run else 'deleted':<7} {name} (interrupted run)\n")
    return 0
