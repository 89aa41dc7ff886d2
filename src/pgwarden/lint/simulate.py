"""Schema-aware lint: build the target schema on a scratch database, run each file there, roll back."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import psycopg
from pglast import parser

from ..catalog.model import Schema
from ..db import connect, read_only
from ..errors import SourceError
from ..findings import Finding, Severity
from ..migrate.apply import apply as apply_migration
from ..migrate.apply import server_message
from ..migrate.source import discover, show_path
from ..scratch import open_scratch
from .engine import NEWEST_POSTGRES, OLDEST_POSTGRES, Settings, collect_files, lint_bytes
from .model import Statement, TableFacts
from .parse import parse_file

__all__ = ["lint_against"]

_TABLES_SQL = """
SELECT n.nspname, c.relname, c.reltuples::bigint,
       coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0), '{}')
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
GROUP BY 1, 2, 3
"""

# Statements a transaction cannot hold; the simulation skips them (their rules still ran).
_SKIP = {"TransactionStmt", "VacuumStmt", "CreatedbStmt", "DropdbStmt", "AlterSystemStmt"}


def _is_url(target: str) -> bool:
    return "://" in target or target.startswith("postgres")


def table_facts(conn: psycopg.Connection[Any], *, with_rows: bool) -> dict[str, TableFacts]:
    """Columns (and, from a live database, row estimates) of every user table, keyed ``schema.table``."""
    facts: dict[str, TableFacts] = {}
    for schema, table, rows, columns in conn.execute(_TABLES_SQL).fetchall():
        facts[f"{schema}.{table}"] = TableFacts(
            columns=frozenset(columns),
            rows=int(rows) if with_rows and rows is not None and rows >= 0 else None,
        )
    return facts


def _create(conn: psycopg.Connection[Any], schema: Schema) -> None:
    """Create ``schema``'s objects on the empty scratch database behind ``conn``."""
    from ..catalog import inspect
    from ..diff import compare, render

    ddl = render.render_sql(compare.diff(schema, inspect(conn)), allow_destructive=True)
    if ddl.strip():
        conn.execute(ddl.encode("utf-8"))


def _build(target: str, conn: psycopg.Connection[Any]) -> dict[str, TableFacts] | None:
    """Create the target schema on ``conn``; return live row estimates when the target is a database."""
    if _is_url(target):
        from ..contract import load_database

        with read_only(target) as live:
            facts = table_facts(live, with_rows=True)
        _create(conn, load_database(target).schema)
        return facts
    path = Path(target).expanduser()
    if path.is_dir():
        for file in discover(path):
            apply_migration(conn, file)
        return None
    if not path.is_file():
        raise SourceError(f"--against {target}: no such database URL, file or folder.")
    if path.suffix == ".json":
        from ..contract import load_snapshot

        _create(conn, load_snapshot(path).schema)
        return None
    try:
        conn.execute(path.read_text(encoding="utf-8").encode("utf-8"))
    except psycopg.Error as exc:
        raise SourceError(
            f"--against {show_path(path)} fails on a scratch database: {server_message(exc)}."
        ) from None
    except UnicodeDecodeError:
        raise SourceError(f"--against {show_path(path)} is not UTF-8 text: save it as UTF-8.") from None
    return None


def lint_against(
    paths: Sequence[Path], settings: Settings, target: str, *, dev_url: str | None = None
) -> list[Finding]:
    """Lint ``paths`` knowing the schema of ``target``, and report what the server rejects when each file runs."""
    files = collect_files(paths)
    findings: list[Finding] = []
    if _is_url(target):
        settings = replace(settings, postgres_version=_major(target, settings.postgres_version))
    with open_scratch(dev_url) as scratch:
        url = scratch.create_database("lint")
        try:
            with connect(url, autocommit=True, what="scratch database") as conn:
                live_rows = _build(target, conn)
                before = table_facts(conn, with_rows=False)
                facts = _merge(before, live_rows)
                with conn.transaction(force_rollback=True):
                    for path in files:
                        findings.extend(_one_file(conn, path, settings, facts))
                        facts = _merge(table_facts(conn, with_rows=False), live_rows)
        finally:
            scratch.drop_database(url)
    return findings


def _major(url: str, fallback: int) -> int:
    """The live server's major version: the advice must fit the server the migrations run on."""
    with read_only(url) as live:
        major = live.info.server_version // 10000
    return min(max(major, OLDEST_POSTGRES), NEWEST_POSTGRES) if major else fallback


def _merge(columns: Mapping[str, TableFacts], rows: Mapping[str, TableFacts] | None) -> dict[str, TableFacts]:
    if not rows:
        return dict(columns)
    return {k: TableFacts(v.columns, rows[k].rows if k in rows else None) for k, v in columns.items()}


def _one_file(
    conn: psycopg.Connection[Any], path: Path, settings: Settings, facts: Mapping[str, TableFacts]
) -> list[Finding]:
    shown = show_path(path)
    try:
        data = path.read_bytes().removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n")
        data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return lint_bytes(shown, path.read_bytes() if path.is_file() else b"", settings, facts)
    findings = lint_bytes(shown, data, settings, facts)
    if any(f.code == "syntax-error" for f in findings):
        return findings
    statements, _ = parse_file(data)
    error = _run(conn, data, [s for s in statements if not s.in_block])
    if error is not None:
        offset, message = error
        from .locator import Locator

        locator = Locator(shown, data)
        stmt = next((s for s in statements if s.start <= offset < s.start + s.length), None)
        findings.append(
            Finding(
                code="server-error",
                kind="server-error",
                severity=Severity.ERROR,
                object=locator.object(offset),
                message=f"PostgreSQL rejects this statement on the target schema: {message}.",
                hint="Make the statement work on that schema, e.g. add a missing column first with ADD COLUMN IF NOT EXISTS.",
                source="lint",
                evidence=locator.evidence(offset, stmt),
            )
        )
    return findings


def _run(conn: psycopg.Connection[Any], data: bytes, statements: list[Statement]) -> tuple[int, str] | None:
    """Run the statements in a savepoint kept on success (later files build on it); the first error."""
    try:
        with conn.transaction():
            for stmt in statements:
                if stmt.tag in _SKIP:
                    continue
                text = data[stmt.start : stmt.start + stmt.length].decode("utf-8")
                sent = _without_concurrently(text) if _concurrent(stmt) else text
                try:
                    conn.execute(sent.encode("utf-8"))
                except psycopg.Error as exc:
                    position = exc.diag.statement_position
                    offset = stmt.start
                    if position and sent == text:
                        offset += len(text[: max(int(position) - 1, 0)].encode("utf-8"))
                    elif exc.diag.message_primary:
                        offset += _named_column(text, exc.diag.message_primary)
                    raise _Failed(offset, server_message(exc)) from None
    except _Failed as failed:
        return failed.offset, failed.message
    return None


_MISSING_COLUMN = re.compile(r'column "([^"]+)" (?:named in key )?does not exist')


def _named_column(text: str, message: str) -> int:
    """Byte offset in ``text`` of the column a position-less error names (``CREATE INDEX`` gives none)."""
    match = _MISSING_COLUMN.search(message)
    if not match:
        return 0
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return 0
    for tok in tokens:
        if tok.name == "IDENT" and text[tok.start : tok.end + 1].strip('"').lower() == match[1].lower():
            return len(text[: tok.start].encode("utf-8"))
    return 0


class _Failed(Exception):
    def __init__(self, offset: int, message: str) -> None:
        super().__init__(message)
        self.offset = offset
        self.message = message


def _concurrent(stmt: Statement) -> bool:
    return bool(stmt.node.get("concurrent")) or stmt.tag in ("ReindexStmt", "AlterTableStmt")


def _without_concurrently(text: str) -> str:
    """The statement without its CONCURRENTLY keyword: same effect, but allowed in a transaction."""
    try:
        tokens = parser.scan(text)
    except parser.ParseError:
        return text
    for tok in tokens:
        if tok.name == "CONCURRENTLY":
            return text[: tok.start] + text[tok.end + 1 :]
    return text
