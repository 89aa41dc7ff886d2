"""The longer parts of ``pgwarden migrate``: failure findings, ``up --dry-run`` output, ``baseline``'s import."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import click
from psycopg import Connection, IsolationLevel

from .. import formats
from ..db import read_only_transaction
from ..errors import UsageError
from ..findings import Finding, Severity
from ..migrate import ledger
from ..migrate.adopt import detect, import_foreign
from ..migrate.already import Adoption, adoption
from ..migrate.already import finding as already_finding
from ..migrate.consistency import finding
from ..migrate.errors import DataLossRefused
from ..migrate.ledger import Applied
from ..migrate.runner import UpResult, conflicts, pending
from ..migrate.settings import Settings
from ..migrate.source import MigrationFile
from ..urls import describe
from ._state import State, progress, write_json

__all__ = [
    "dry_run_command",
    "failure_findings",
    "import_ledger",
    "proposal",
    "refuse_unrecorded",
    "look_before_up",
    "unrecorded_findings",
]


_ALREADY_EXISTS = {"42P07", "42710", "42701", "42P06", "42723", "42P04"}
"""duplicate_table, duplicate_object, duplicate_column, duplicate_schema, duplicate_function, duplicate_database."""


def failure_findings(result: UpResult) -> list[Finding]:
    if result.error is None or result.failed is None:
        return []
    error = result.error
    if isinstance(error, DataLossRefused):
        return [
            finding(
                "data_loss_refused",
                f"{error.path}:{error.line}:{error.column}",
                f"{result.failed.filename} was refused and rolled back"
                + (" with every file of the run" if result.single_transaction else "")
                + ": "
                + "; ".join(f"{loss.what} would lose {loss.rows_text} row(s)" for loss in error.losses)
                + ".",
                "If these rows may go, add `-- pgwarden: destructive -- <why>` to the comment block at the top "
                "of the file (or run `pgwarden migrate up --allow-data-loss`); otherwise change the statement "
                "(rename the table or column instead of dropping it, or add a WHERE).",
                version=result.failed.version,
                statement=error.statement.strip(),
                losses=[{"what": loss.what, "table": loss.table, "rows": loss.rows} for loss in error.losses],
            )
        ]
    rolled_back = (
        "failed; every file of the run was rolled back (--single-transaction)"
        if result.single_transaction
        else "failed and was rolled back"
    )
    return [
        finding(
            "failed_migration",
            f"{error.path}:{error.line}:{error.column}",
            f"{result.failed.filename} {rolled_back}: {str(error).split(': ', 1)[-1]}",
            ("" if result.single_transaction else "Earlier files stay applied, later ones pending. ")
            + (
                "The database already has what the file creates: if it was built before pgwarden's ledger, "
                "`pgwarden migrate baseline` says which version it matches, to record with "
                "`pgwarden migrate baseline --version V`; else fix the file and run `pgwarden migrate up` again."
                if error.sqlstate in _ALREADY_EXISTS
                else "Fix the file and run `pgwarden migrate up` again."
            ),
            version=result.failed.version,
            sqlstate=error.sqlstate,
        )
    ]


def dry_run_command(
    state: State,
    url: str,
    files: Sequence[MigrationFile],
    to: int | None,
    settings: Settings,
    dev_url: str | None,
    fmt: str,
) -> int:
    from ..migrate.dryrun import dry_run
    from ..scratch import open_scratch

    say = progress(state, fmt)
    with open_scratch(dev_url) as scratch:
        result = dry_run(url, files, to=to, settings=settings, scratch=scratch, progress=say)
    refused = [f for f in result.files if f.refused]
    if fmt == "json":
        write_json(
            state.out,
            {
                "database": describe(url),
                "where": result.where,
                "files": [vars(f) for f in result.destructive_first],
                "would_refuse": [f.filename for f in refused],
                "schema_sql": result.schema_sql,
                "error": str(result.error) if result.error else None,
            },
        )
    else:
        state.out.write(
            f"pgwarden migrate up --dry-run: {len(result.files)} pending file(s) run on a {result.where} of "
            f"{describe(url)}'s schema; the live database was only read.\n"
        )
        for f in result.destructive_first:
            verdict = (
                "REFUSED by the data guard"
                if f.refused
                else (f"destructive, marked: {f.marker}" if f.losses and f.marker else "")
            )
            state.out.write(f"  {f.filename:<40} {f.duration_ms:>7} ms  {verdict}\n".rstrip() + "\n")
            for loss in f.losses:
                rows = f"~{loss['rows']:,} (estimate)" if loss["estimated"] else f"{loss['rows']:,}"
                state.out.write(f"      {loss['what']}: {rows} row(s) at stake\n")
            for line in f.schema_sql.strip().splitlines():
                state.out.write(f"      {line}\n")
        if refused:
            state.out.write(
                f"`pgwarden migrate up` would stop at {refused[0].filename}: add `-- pgwarden: destructive -- <why>` "
                "to its top comment if the rows may go, or change the statement.\n"
            )
        if result.error:
            state.out.write(f"  error: {result.error}\n")
    return 1 if result.error or refused else 0


def proposal(conn: Any, files: Sequence[MigrationFile], dev_url: str | None) -> str:
    """Which version to baseline at: the one whose prefix of the chain builds the live schema."""
    from ..catalog import inspect
    from ..migrate.propose import LEDGER_PATTERNS, propose
    from ..scratch import open_scratch

    live = inspect(conn, ignore=LEDGER_PATTERNS)
    with open_scratch(dev_url) as scratch:
        found = propose(files, live, scratch)
    if found.version is not None:
        name = next(f.filename for f in files if f.version == found.version)
        return (
            f"the live schema is what the migrations build up to version {found.version} ({name}): "
            f"run `pgwarden migrate baseline --version {found.version}`."
        )
    why = f" (the chain stops on a scratch database: {found.failed})" if found.failed else ""
    if found.closest is None:
        return f"no prefix of the migrations could be compared with the live schema{why}: pass --version V."
    return (
        f"no prefix of the migrations builds the live schema{why}; the closest is version {found.closest}, "
        f"{found.differences} difference(s) away (`pgwarden check` lists them): fix the schema or the files, "
        "or pass --version V."
    )


def import_ledger(
    conn: Any,
    files: Sequence[MigrationFile],
    settings: Settings,
    who: dict[str, Any],
    proposal: Callable[[], str],
) -> tuple[list[int], str]:
    """Import the one foreign ledger of the database, or say precisely why not."""
    found = detect(conn, settings.configured_ledger)
    broken = [f for f in found if f.problem]
    if broken:
        raise UsageError(
            f"Cannot import: {broken[0].problem}. Name the ledger and its version or file-name column with "
            "`foreign_ledger` and `foreign_ledger_column` under [migrate]."
        )
    importable = [f for f in found if f.importable]
    if not importable:
        raise UsageError(
            "No other tool's ledger to import (aerich, goose_db_version, schema_migrations, _sqlx_migrations, "
            "flyway_schema_history, applied_migrations, or `foreign_ledger` under [migrate])"
            + (f"; {found[0].table} is Alembic's" if found else "")
            + f"; {proposal()}"
        )
    if len(importable) > 1:
        names = ", ".join(f"{f.table} ({f.tool})" for f in importable)
        raise UsageError(
            f"Several ledgers to import ({names}): name the one to import with `foreign_ledger` under [migrate]."
        )
    if ledger.read(conn):
        raise UsageError("The pgwarden ledger already has rows: nothing is imported over them.")
    only = importable[0]
    marked = import_foreign(conn, files, only, who)
    source = f"imported from {only.table} ({only.tool})"
    if only.dirty:
        source += f"; version(s) {', '.join(map(str, only.dirty))} failed or dirty there: recorded as failed, they run again"
    return [v for v in marked if v not in only.dirty], source


def unrecorded_findings(
    conn: Any, files: Sequence[MigrationFile], settings: Settings, dev_url: str | None
) -> list[Finding]:
    """For ``status`` with an empty ledger: PW212 when the schema already holds files, built before it."""
    from ..scratch import LazyScratch  # a scratch server only if the schema must be compared

    with LazyScratch(dev_url) as lazy:
        held = adoption(conn, files, lazy, settings.configured_ledger)
    return [already_finding(held)] if held else []


def look_before_up(
    conn: Connection[Any],
    files: Sequence[MigrationFile],
    to: int | None,
    settings: Settings,
    dev_url: str | None,
) -> Adoption | bool:
    """Before ``up`` takes the lock (read-only, on the idle autocommit connection ``up`` goes on
    with): the files a schema built before the ledger already holds, else whether there is nothing
    to do (every file up to ``to`` recorded applied, none edited since), so a deploy with nothing to
    apply neither probes for a pooler nor takes the lock."""
    # A ledger with rows (every deploy but the first) is read in two round trips and no
    # transaction: its rows come from one statement, one snapshot.
    applied = ledger.read(conn)
    if applied:
        return _nothing_to_do(files, applied, to)
    # One snapshot for the ledger and the tables: another instance may commit its first file
    # (tables and ledger row together) between two READ COMMITTED reads, which would look like
    # tables built without a ledger.
    with read_only_transaction(conn, isolation=IsolationLevel.REPEATABLE_READ):
        applied = ledger.read(conn)
        if applied:
            return _nothing_to_do(files, applied, to)
        from ..scratch import LazyScratch  # a first deploy: a scratch server only if tables are there

        with LazyScratch(dev_url) as lazy:
            return adoption(conn, files, lazy, settings.configured_ledger) or False


def _nothing_to_do(files: Sequence[MigrationFile], applied: dict[int, Applied], to: int | None) -> bool:
    return not conflicts(files, applied) and not pending(files, applied, to=to)


def refuse_unrecorded(
    state: State, url: str, held: Adoption, files: Sequence[MigrationFile], fmt: str
) -> int:
    """``up`` refuses to run a file whose objects the database already has, and says how to record it."""
    first = files[0].filename
    found = [already_finding(held, refused=first, severity=Severity.ERROR)]
    if fmt == "json":
        write_json(
            state.out,
            {"database": describe(url), "applied": [], "findings": [f.to_dict() for f in found], "ok": False},
        )
    elif fmt == "text":
        state.out.write(f"pgwarden migrate up: {describe(url)}: applied 0 files; {first} was not run.\n")
        formats.render(found, "text", state.out, color=state.color)
    else:
        formats.render(found, fmt, state.out)
    return 1


def sql_version(text: str | None) -> int | None:
    """``--to`` for SQL migrations: a file's version number."""
    if text is None or text.strip().isdigit():
        return None if text is None else int(text)
    raise UsageError(
        f"--to {text}: SQL migrations are named by number; pass the version of a file (e.g. --to 3)."
    )


single_transaction_option = click.option(
    "--single-transaction",
    is_flag=True,
    help="Apply all pending files and their ledger rows in ONE transaction: one failure rolls back every "
    "file of the run. Refused when a pending file cannot run in a transaction (CREATE INDEX CONCURRENTLY, "
    "`-- pgwarden: no-transaction`).",
)


lock_wait_option = click.option(
    "--lock-wait",
    type=click.FloatRange(min=0),
    help="Seconds to wait while another migrator holds the lock (default 300, `migrate.lock_wait`).",
)


def check_to(to: int | None, files: Sequence[MigrationFile], folder: object) -> None:
    """``UsageError`` when ``--to`` names no file of ``folder``."""
    if to is not None and all(f.version != to for f in files):
        known = f"{files[0].version} to {files[-1].version}" if files else "none"
        raise UsageError(
            f"--to {to}: no migration file in {folder} has version {to} (versions there: "
            f"{known}); pass the version of an existing file."
        )


def refuse_single_for_alembic(single_transaction: bool) -> None:
    if single_transaction:
        raise UsageError("--single-transaction is for SQL files: Alembic's env.py decides its transactions.")
