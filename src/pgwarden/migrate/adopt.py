"""Databases that predate pgwarden: recognise foreign ledgers, import them, or baseline at a version."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

from . import ledger
from .errors import LedgerConflict
from .source import MigrationFile

__all__ = ["Foreign", "baseline", "detect", "import_foreign", "require_adopted"]

_LEADING_VERSION = re.compile(r"([0-9]+)")

_TABLES = """
SELECT n.nspname, c.relname,
       array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE c.relkind IN ('r', 'p') AND c.relname = ANY(%s)
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgwarden')
GROUP BY n.nspname, c.relname
ORDER BY n.nspname, c.relname
"""


@dataclass(frozen=True)
class Foreign:
    """A ledger another tool (or a hand-written runner) left in the database."""

    tool: str
    """``applied_migrations``, ``dbmate``, ``golang-migrate``, ``flyway`` or ``alembic``."""
    table: str
    versions: dict[int, bool] = field(default_factory=dict)
    """Version -> whether it completed (``False`` for golang-migrate's dirty version, Flyway failures)."""
    revision: str | None = None
    """Alembic's current revision, which pgwarden reports and never runs."""

    @property
    def importable(self) -> bool:
        return self.tool != "alembic"


def detect(conn: psycopg.Connection[Any]) -> list[Foreign]:
    """Every foreign ledger in the database, read without changing anything."""
    rows = conn.execute(
        _TABLES, (["applied_migrations", "schema_migrations", "flyway_schema_history", "alembic_version"],)
    ).fetchall()
    found: list[Foreign] = []
    for schema, table, columns in rows:
        cols = set(columns or [])
        name = sql.Identifier(schema, table)
        label = f"{schema}.{table}"
        if table == "applied_migrations" and "filename" in cols:
            found.append(Foreign("applied_migrations", label, _filenames(conn, name)))
        elif table == "schema_migrations" and "version" in cols:
            found.append(_schema_migrations(conn, name, label, dirty="dirty" in cols))
        elif table == "flyway_schema_history" and {"version", "success"} <= cols:
            query = sql.SQL("SELECT version, success FROM {} WHERE version IS NOT NULL").format(name)
            versions = {int(v): bool(ok) for v, ok in conn.execute(query) if _is_int(str(v))}
            found.append(Foreign("flyway", label, versions))
        elif table == "alembic_version" and "version_num" in cols:
            query = sql.SQL("SELECT string_agg(version_num, ', ') FROM {}").format(name)
            row = conn.execute(query).fetchone()
            found.append(Foreign("alembic", label, revision=row[0] if row else None))
    return found


def _is_int(text: str) -> bool:
    return text.isdigit()


def _filenames(conn: psycopg.Connection[Any], name: sql.Identifier) -> dict[int, bool]:
    versions: dict[int, bool] = {}
    for (filename,) in conn.execute(sql.SQL("SELECT filename::text FROM {}").format(name)):
        match = _LEADING_VERSION.match(filename or "")
        if match:
            versions[int(match.group(1))] = True
    return versions


def _schema_migrations(
    conn: psycopg.Connection[Any], name: sql.Identifier, label: str, *, dirty: bool
) -> Foreign:
    if dirty:
        # golang-migrate keeps one row: the current version, and whether it stopped half-way.
        query = sql.SQL("SELECT version::text, dirty FROM {}").format(name)
        rows = [(str(v), bool(d)) for v, d in conn.execute(query)]
        versions = {int(v): not d for v, d in rows if _is_int(v)}
        return Foreign("golang-migrate", label, versions)
    query = sql.SQL("SELECT version::text FROM {}").format(name)
    return Foreign("dbmate", label, {int(v): True for (v,) in conn.execute(query) if _is_int(str(v))})


def require_adopted(conn: psycopg.Connection[Any]) -> None:
    """Refuse to run version 1 onto a database another tool already migrated."""
    if ledger.exists(conn):
        return
    foreign = detect(conn)
    if not foreign:
        return
    names = ", ".join(f"{f.table} ({f.tool})" for f in foreign)
    if all(not f.importable for f in foreign):
        advice = (
            "pgwarden does not run Alembic: record where the database stands with "
            "`pgwarden migrate baseline --version V`"
        )
    else:
        advice = (
            "import it with `pgwarden migrate baseline` (or mark a version with "
            "`pgwarden migrate baseline --version V`)"
        )
    raise LedgerConflict(
        f"The database has no pgwarden ledger but was migrated by another tool: {names}. Running every file "
        f"from the first would redo what it did; {advice}, then run `pgwarden migrate up` again."
    )


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
    versions = dict(foreign.versions)
    if foreign.tool == "golang-migrate" and versions:
        current, clean = next(iter(versions.items()))
        versions = {f.version: True for f in files if f.version < current}
        versions[current] = clean
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
    marked = [f for f in files if f.version <= version and f.version not in existing]
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
            conn, "baseline", version=version, detail={"marked": [f.version for f in marked]}, who=who
        )
    return [f.version for f in marked]
