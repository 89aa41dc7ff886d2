"""Databases that predate pgwarden: recognise foreign ledgers, import them, or baseline at a version."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from . import ledger
from .errors import AlreadyBaselined, LedgerConflict
from .foreign import Foreign, detect, versions_up_to
from .ledger import Applied
from .source import MigrationFile

__all__ = ["Foreign", "baseline", "detect", "effective", "import_foreign", "require_adopted"]


def require_adopted(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile] = (),
    who: dict[str, Any] | None = None,
    configured: tuple[str, str] | None = None,
) -> Foreign | None:
    """Adopt the one clean foreign ledger of a database whose pgwarden ledger the caller found
    without rows, or refuse to run.

    Running version 1 onto a database another tool migrated would redo what it did. One
    importable ledger whose entries are all complete and all have files is imported (with
    ``who`` and an audit row; call with the lock held) and returned; anything else raises.
    """
    foreign = detect(conn, configured)
    if not foreign:
        return None
    names = ", ".join(f"{f.table} ({f.tool})" for f in foreign)
    broken = [f for f in foreign if f.problem]
    if broken:
        raise LedgerConflict(
            f"Not migrating: {broken[0].problem}; name the ledger and its version or file-name column with "
            "`foreign_ledger` and `foreign_ledger_column` under [migrate], or baseline with "
            "`pgwarden migrate baseline --version V`."
        )
    importable = [f for f in foreign if f.importable]
    if len(importable) == 1 and who is not None and files:
        only = importable[0]
        dirty = [v for v, ok in versions_up_to(only, [f.version for f in files]).items() if not ok]
        if dirty:
            raise LedgerConflict(
                f"Not migrating: {only.table} ({only.tool}) marks version(s) {', '.join(map(str, sorted(dirty)))} "
                "as failed or dirty, so what the database holds is unknown: check those files' changes by hand, "
                "then import with `pgwarden migrate baseline` (failed versions run again) or mark a version "
                "with `pgwarden migrate baseline --version V`."
            )
        ledger.ensure(conn)
        import_foreign(conn, files, only, who)
        return only
    if all(not f.importable for f in foreign):
        advice = (
            "these SQL files are not the Alembic revisions: point `migrations` at the project's alembic.ini "
            "to migrate with them (docs/alembic.md), or record where the database stands with "
            "`pgwarden migrate baseline --version V`"
        )
    else:
        advice = (
            "import one with `pgwarden migrate baseline` (or mark a version with "
            "`pgwarden migrate baseline --version V`)"
        )
    raise LedgerConflict(
        f"The database has no pgwarden ledger but was migrated by another tool: {names}. Running every file "
        f"from the first would redo what it did; {advice}, then run `pgwarden migrate up` again."
    )


def effective(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    configured: tuple[str, str] | None = None,
    *,
    applied: dict[int, Applied] | None = None,
) -> dict[int, Applied]:
    """The pgwarden ledger, or (while it is empty) what the one importable foreign ledger says, as rows
    (``applied``: the ledger's rows when the caller has just read them)."""
    applied = ledger.read(conn) if applied is None else applied
    if applied:
        return applied
    importable = [f for f in detect(conn, configured) if f.importable]
    if len(importable) != 1:
        return applied
    only = importable[0]
    by_version = {f.version: f for f in files}
    return {
        v: Applied(
            v,
            by_version[v].name,
            by_version[v].checksum,
            None,
            0,
            {"tool": only.tool, "table": only.table},
            ok,
        )
        for v, ok in versions_up_to(only, list(by_version)).items()
        if v in by_version
    }


def import_foreign(
    conn: psycopg.Connection[Any], files: Sequence[MigrationFile], foreign: Foreign, who: dict[str, Any]
) -> list[int]:
    """Copy ``foreign``'s versions into the pgwarden ledger (with the lock held); return them.

    golang-migrate records only the current version, so every file up to it counts
    as applied. Checksums are the files' current ones: the foreign tool kept none
    pgwarden can compare with.
    """
    if not foreign.importable:
        raise LedgerConflict(
            f"{foreign.table} is Alembic's (revision {foreign.revision}); its revisions are not pgwarden "
            "versions: use `pgwarden migrate baseline --version V`."
        )
    by_version = {f.version: f for f in files}
    versions = versions_up_to(foreign, list(by_version))
    unknown = sorted(v for v in versions if v not in by_version)
    if unknown:
        raise LedgerConflict(
            f"{foreign.table} records versions with no file in the migrations folder: "
            f"{', '.join(map(str, unknown[:10]))}. Point --migrations at the folder that built this database."
        )
    imported = sorted(versions)
    with conn.transaction():
        for version in imported:
            file = by_version[version]
            ok = versions[version]
            ledger.record(
                conn,
                version=version,
                name=file.name,
                checksum=file.checksum,
                duration_ms=0,
                applied_by={**who, "imported_from": foreign.table},
                success=ok,
                error=None if ok else f"{foreign.tool} marked this version as failed or dirty",
            )
        ledger.audit(
            conn,
            "import",
            version=None,
            detail={"from": foreign.table, "tool": foreign.tool, "versions": imported},
            who=who,
        )
    return imported


def baseline(
    conn: psycopg.Connection[Any], files: Sequence[MigrationFile], version: int, who: dict[str, Any]
) -> list[int]:
    """Mark every file up to ``version`` as applied without running it (with the lock held)."""
    if not any(f.version == version for f in files):
        raise LedgerConflict(
            f"No migration file has version {version}: baseline at the version of a file in the folder."
        )
    existing = ledger.read(conn)
    # A failed or partial run of a version is replaced: the person says the database is past it.
    marked = [
        f
        for f in files
        if f.version <= version and not (f.version in existing and existing[f.version].success)
    ]
    if not marked:
        raise AlreadyBaselined(
            f"Nothing to mark: every file up to version {version} is already recorded as applied "
            "(`pgwarden migrate status` lists them)."
        )
    with conn.transaction():
        for file in marked:
            ledger.record(
                conn,
                version=file.version,
                name=file.name,
                checksum=file.checksum,
                duration_ms=0,
                applied_by={**who, "baseline": version},
                success=True,
            )
        ledger.audit(
            conn,
            "baseline",
            version=version,
            detail={
                "marked": [f.version for f in marked],
                "replaced_failed": [f.version for f in marked if f.version in existing],
            },
            who=who,
        )
    return [f.version for f in marked]
