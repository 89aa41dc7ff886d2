"""Other tools' ledgers in the database: found by table and columns, read without changing anything.

Known: aerich (``aerich``), goose (``goose_db_version``), golang-migrate
(``schema_migrations(version, dirty)``), dbmate (``schema_migrations(version)``), sqlx
(``_sqlx_migrations``), Flyway (``flyway_schema_history``), hand-made runners keyed by file
name (``schema_migrations(filename)``, ``applied_migrations(filename)``) and Alembic
(``alembic_version``, reported, never run). A ledger named in the config
(``[migrate] foreign_ledger = "schema.table"``, ``foreign_ledger_column``) is read the same way.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg
from psycopg import sql

__all__ = ["KNOWN_TABLES", "Foreign", "detect"]

KNOWN_TABLES = (
    "aerich",
    "goose_db_version",
    "schema_migrations",
    "_sqlx_migrations",
    "flyway_schema_history",
    "applied_migrations",
    "alembic_version",
)
"""Tables other migration tools keep their ledger in: never drift, never offered for DROP."""

_LEADING_VERSION = re.compile(r"[VvUu]?([0-9]+)")

_TABLES = """
SELECT n.nspname, c.relname,
       array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0 AND NOT a.attisdropped)
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
WHERE c.relkind IN ('r', 'p')
  AND (c.relname = ANY(%(names)s) OR (n.nspname = %(schema)s AND c.relname = %(table)s))
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgwarden')
GROUP BY n.nspname, c.relname
ORDER BY n.nspname, c.relname
"""


@dataclass(frozen=True)
class Foreign:
    """A ledger another tool (or a hand-written runner) left in the database."""

    tool: str
    """``aerich``, ``goose``, ``golang-migrate``, ``dbmate``, ``sqlx``, ``flyway``, ``applied_migrations``,
    ``filename ledger``, ``configured``, ``alembic`` or ``unknown`` (a known name with columns pgwarden
    cannot read)."""
    table: str
    versions: dict[int, bool] = field(default_factory=dict)
    """Version -> whether it completed (``False`` for a dirty or failed entry)."""
    revision: str | None = None
    """Alembic's current revision, which pgwarden reports and never runs."""
    problem: str | None = None
    """For ``unknown``: why the table cannot be read, as one sentence."""

    @property
    def importable(self) -> bool:
        return self.tool not in ("alembic", "unknown")

    @property
    def dirty(self) -> list[int]:
        return sorted(v for v, ok in self.versions.items() if not ok)


def detect(conn: psycopg.Connection[Any], configured: tuple[str, str] | None = None) -> list[Foreign]:
    """Every foreign ledger in the database; ``configured`` is ``("schema.table", "column")`` from the config."""
    schema, table = _split(configured[0]) if configured else ("", "")
    rows = conn.execute(_TABLES, {"names": list(KNOWN_TABLES), "schema": schema, "table": table}).fetchall()
    found: list[Foreign] = []
    if configured and not any(s == schema and t == table for s, t, _ in rows):
        found.append(
            Foreign(
                "unknown",
                configured[0],
                problem=f"the configured foreign ledger {configured[0]} does not exist",
            )
        )
    for nsp, rel, columns in rows:
        cols = set(columns or [])
        name = sql.Identifier(nsp, rel)
        label = f"{nsp}.{rel}"
        if configured and (nsp, rel) == (schema, table):
            found.append(_configured(conn, name, label, cols, configured[1]))
        else:
            found.append(_known(conn, name, label, rel, cols))
    return found


def _split(qualified: str) -> tuple[str, str]:
    schema, dot, table = qualified.rpartition(".")
    return (schema if dot else "public"), table


def _known(
    conn: psycopg.Connection[Any], name: sql.Identifier, label: str, rel: str, cols: set[str]
) -> Foreign:
    if rel == "aerich" and "version" in cols:
        return Foreign("aerich", label, _by_name(conn, name, "version"))
    if rel == "goose_db_version" and {"version_id", "is_applied"} <= cols:
        return Foreign("goose", label, _goose(conn, name))
    if rel == "_sqlx_migrations" and {"version", "success"} <= cols:
        return Foreign("sqlx", label, _versions(conn, name, "version", "success"))
    if rel == "flyway_schema_history" and {"version", "success"} <= cols:
        return Foreign("flyway", label, _versions(conn, name, "version", "success"))
    if rel == "schema_migrations" and {"version", "dirty"} <= cols:
        return Foreign("golang-migrate", label, _golang(conn, name))
    if rel == "schema_migrations" and "version" in cols:
        return Foreign("dbmate", label, _versions(conn, name, "version", None))
    if rel in ("schema_migrations", "applied_migrations") and "filename" in cols:
        tool = "applied_migrations" if rel == "applied_migrations" else "filename ledger"
        return Foreign(tool, label, _by_name(conn, name, "filename"))
    if rel == "alembic_version" and "version_num" in cols:
        query = sql.SQL("SELECT string_agg(version_num::text, ', ') FROM {}").format(name)
        row = conn.execute(query).fetchone()
        return Foreign("alembic", label, revision=row[0] if row else None)
    return Foreign(
        "unknown",
        label,
        problem=f"{label} looks like a migration ledger but has columns pgwarden cannot read "
        f"({', '.join(sorted(cols)) or 'none'})",
    )


def _configured(
    conn: psycopg.Connection[Any], name: sql.Identifier, label: str, cols: set[str], column: str
) -> Foreign:
    if column not in cols:
        return Foreign(
            "unknown",
            label,
            problem=f"the configured foreign ledger {label} has no column {column} "
            f"(it has {', '.join(sorted(cols))})",
        )
    return Foreign("configured", label, _by_name(conn, name, column))


def _version(text: str | None) -> int | None:
    """The version a ledger entry names: ``7``, ``007_add.sql``, ``V7__add.sql``, ``0_20240101_init.sql``."""
    match = _LEADING_VERSION.match((text or "").strip())
    return int(match.group(1)) if match else None


def _by_name(conn: psycopg.Connection[Any], name: sql.Identifier, column: str) -> dict[int, bool]:
    query = sql.SQL("SELECT {}::text FROM {}").format(sql.Identifier(column), name)
    found = (_version(value) for (value,) in conn.execute(query))
    return {v: True for v in found if v is not None}


def _versions(
    conn: psycopg.Connection[Any], name: sql.Identifier, column: str, success: str | None
) -> dict[int, bool]:
    ok = sql.Identifier(success) if success else sql.SQL("true")
    query = sql.SQL("SELECT {}::text, {} FROM {} WHERE {} IS NOT NULL").format(
        sql.Identifier(column), ok, name, sql.Identifier(column)
    )
    versions: dict[int, bool] = {}
    for value, good in conn.execute(query):
        version = int(value) if str(value).isdigit() else None
        if version is not None:
            # A failed attempt followed by a successful one (Flyway after repair) counts as applied.
            versions[version] = versions.get(version, False) or bool(good)
    return versions


def _goose(conn: psycopg.Connection[Any], name: sql.Identifier) -> dict[int, bool]:
    # goose appends a row per up and per down: the newest row of a version says where it stands.
    query = sql.SQL(
        "SELECT DISTINCT ON (version_id) version_id, is_applied FROM {} WHERE version_id > 0 "
        "ORDER BY version_id, id DESC"
    ).format(name)
    return {int(v): True for v, applied in conn.execute(query) if applied}


def _golang(conn: psycopg.Connection[Any], name: sql.Identifier) -> dict[int, bool]:
    # golang-migrate keeps one row: the current version, and whether it stopped half-way.
    query = sql.SQL("SELECT version::text, dirty FROM {}").format(name)
    return {int(v): not d for v, d in conn.execute(query) if str(v).isdigit()}


def versions_up_to(foreign: Foreign, file_versions: Sequence[int]) -> dict[int, bool]:
    """``foreign``'s versions; golang-migrate's single row stands for every file up to it."""
    versions = dict(foreign.versions)
    if foreign.tool == "golang-migrate" and versions:
        current, clean = max(versions.items())
        versions = {v: True for v in file_versions if v < current}
        versions[current] = clean
    return versions
