"""``migrate verify``: the ledger against the folder, as findings (also part of ``pgwarden check``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import psycopg

from .. import codes
from ..db import connect
from ..findings import Finding
from . import adopt, guard_rows, ledger
from .ledger import Applied
from .settings import Settings
from .source import MigrationFile, show_path

__all__ = ["finding", "verify", "verify_rows"]


def finding(
    kind: str, obj: str, message: str, hint: str, *, fix_sql: str | None = None, **evidence: Any
) -> Finding:
    """A ``source="migrate"`` finding with the code and severity registered for ``kind``."""
    return codes.finding(kind, obj, message, hint, source="migrate", fix_sql=fix_sql, evidence=evidence)


def verify(
    conn_or_url: psycopg.Connection[Any] | str,
    files: Sequence[MigrationFile],
    settings: Settings | None = None,
    *,
    applied: dict[int, Applied] | None = None,
) -> list[Finding]:
    """Findings about the ledger of the database against ``files``; reads only. ``applied``: the
    ledger's rows when the caller has just read them (in the same transaction)."""
    if isinstance(conn_or_url, str):
        with connect(conn_or_url, what="database") as conn:
            conn.read_only = True
            try:
                return _verify(conn, files, settings or Settings(), applied)
            finally:
                conn.rollback()
    return _verify(conn_or_url, files, settings or Settings(), applied)


def _verify(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    settings: Settings,
    applied: dict[int, Applied] | None,
) -> list[Finding]:
    found = _ledger_findings(conn, files, settings.configured_ledger, applied)
    return [_refusal(conn, f, files, settings) for f in found]


def _refusal(
    conn: psycopg.Connection[Any], found: Finding, files: Sequence[MigrationFile], settings: Settings
) -> Finding:
    """A pending file the data guard would refuse: say so, instead of advising `migrate up`."""
    if found.kind != "pending_migration":
        return found
    file = next(f for f in files if f.version == found.evidence["version"])
    lost = guard_rows.would_refuse(conn, file, settings)
    if not lost:
        return found
    what = "; ".join(f"{loss.what} would lose {loss.rows_text} row(s)" for loss in lost[:3])
    return replace(
        found,
        message=f"{file.filename} has not been applied, and `pgwarden migrate up` would refuse it: {what}.",
        hint="If the rows may go, add `-- pgwarden: destructive -- <why>` to the file's top comment (see PW211); "
        "otherwise change the file. Then run `pgwarden migrate up`.",
        evidence={**found.evidence, "would_lose": [{"what": x.what, "rows": x.rows} for x in lost]},
    )


def _ledger_findings(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    configured: tuple[str, str] | None,
    applied: dict[int, Applied] | None,
) -> list[Finding]:
    applied = ledger.read(conn) if applied is None else applied
    if not applied:
        foreign = adopt.detect(conn, configured)
        if foreign:
            found = [_foreign(f) for f in foreign]
            if len([f for f in foreign if f.importable]) == 1 and not any(f.problem for f in foreign):
                # What the foreign ledger says is applied; the rest is pending as usual.
                found += verify_rows(adopt.effective(conn, files, configured, applied=applied), files)
            return found
    return verify_rows(applied, files)


def verify_rows(applied: dict[int, Applied], files: Sequence[MigrationFile]) -> list[Finding]:
    """The pure part of ``verify``: ledger rows vs files."""
    found: list[Finding] = []
    by_version = {f.version: f for f in files}
    newest_file = max(by_version, default=0)
    newest_applied = max((v for v, a in applied.items() if a.success), default=None)
    for version, row in applied.items():
        file = by_version.get(version)
        label = f"{version}_{row.name}.sql"
        if file is None:
            if version > newest_file:
                found.append(
                    finding(
                        "database_ahead",
                        label,
                        f"The database has version {version} ({row.name}), newer than every file in the folder: "
                        "this code is older than the schema it runs against.",
                        "Deploy the code that carries this migration, or check that the folder is the right one.",
                        version=version,
                        newest_file=newest_file,
                    )
                )
            else:
                found.append(
                    finding(
                        "missing_migration_file",
                        label,
                        f"Version {version} ({row.name}) is applied but its file is not in the folder.",
                        "Restore the file from version control; if it was removed on purpose, record that "
                        f"with `pgwarden migrate repair --mark-unapplied {version}`.",
                        version=version,
                    )
                )
            continue
        where = show_path(file.path)
        if not row.success:
            partial = row.statements_done is not None
            what = f"stopped after statement {row.statements_done}" if partial else "failed"
            found.append(
                finding(
                    "failed_migration",
                    where,
                    f"{file.filename} {what} on its last run" + (f": {row.error}" if row.error else "."),
                    "Fix the file and run `pgwarden migrate up` again (a no-transaction file resumes after its "
                    f"last completed statement), or clear the run with `pgwarden migrate repair --clear {version}`.",
                    version=version,
                    statements_done=row.statements_done,
                    error=row.error,
                )
            )
        elif row.checksum != file.checksum:
            found.append(
                finding(
                    "checksum_mismatch",
                    where,
                    f"{file.filename} was edited after it was applied: the database ran a different text.",
                    "Restore the file as it was and put the change in a new migration; if the edit does not "
                    f"change the schema, accept it with `pgwarden migrate repair --mark-applied {version}`.",
                    version=version,
                    applied_checksum=row.checksum,
                    file_checksum=file.checksum,
                )
            )
    for file in files:
        if file.version in applied:
            continue
        where = show_path(file.path)
        if newest_applied is not None and file.version < newest_applied:
            found.append(
                finding(
                    "out_of_order_migration",
                    where,
                    f"{file.filename} is pending but older than applied version {newest_applied}: "
                    "it was probably merged after a newer file was deployed.",
                    "Give it a version after the newest applied one (rename the file), or apply it out of "
                    f"order on purpose with `pgwarden migrate repair --mark-applied {file.version}` after running it.",
                    version=file.version,
                    newest_applied=newest_applied,
                )
            )
        else:
            found.append(
                finding(
                    "pending_migration",
                    where,
                    f"{file.filename} has not been applied to the database.",
                    "Run `pgwarden migrate up` (see `pgwarden migrate up --dry-run` first).",
                    version=file.version,
                )
            )
    return found


def _foreign(foreign: adopt.Foreign) -> Finding:
    if foreign.problem:
        return finding(
            "foreign_ledger",
            foreign.table,
            f"A migration ledger cannot be read: {foreign.problem}.",
            "Name the ledger and its version or file-name column with `foreign_ledger` and "
            "`foreign_ledger_column` under [migrate], or baseline with `pgwarden migrate baseline --version V`.",
            tool=foreign.tool,
        )
    if foreign.importable and foreign.dirty:
        what = f"{len(foreign.versions)} version(s), failed or dirty: {', '.join(map(str, foreign.dirty))}"
        hint = (
            "Check what the failed version(s) left behind by hand; `pgwarden migrate baseline` then imports the "
            "ledger (failed versions run again), or `baseline --version V` marks a version."
        )
    elif foreign.importable:
        what = f"{len(foreign.versions)} version(s)"
        hint = (
            "`pgwarden migrate up` adopts it and runs only what is new (or import it first with "
            "`pgwarden migrate baseline`)."
        )
    else:
        what = f"revision {foreign.revision}"
        hint = (
            "Point `migrations` at the project's alembic.ini to check and migrate with its Alembic revisions "
            "(docs/alembic.md); or record where the database stands with `pgwarden migrate baseline --version V`."
        )
    return finding(
        "foreign_ledger",
        foreign.table,
        f"The database was migrated by {foreign.tool} ({foreign.table}, {what}) and has no pgwarden ledger.",
        hint,
        tool=foreign.tool,
        versions=sorted(foreign.versions),
        revision=foreign.revision,
    )
