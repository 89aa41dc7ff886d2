"""``migrate test``: the chain applied to an empty database and to each legacy schema must converge.

Every run happens on a scratch database: (a) the whole chain onto an empty
database, (b) onto each legacy schema (``pg_dump --schema-only`` output or a
pgwarden snapshot), (c) every ``rerunnable`` file a second time. The schemas
are compared with each other (and with the models when given); each failure or
divergence is a finding naming the migration, the legacy schema and the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import psycopg
from pglast import ast, parse_sql
from pglast.parser import ParseError
from pglast.visitors import Visitor
from psycopg import sql

from ..catalog import Schema, inspect
from ..db import connect
from ..diff import diff, to_findings
from ..errors import MigrationError
from ..findings import Finding
from ..scratch import Scratch
from . import apply as executor
from .consistency import finding
from .legacy import Legacy, restore
from .source import MigrationFile, show_path

__all__ = ["Outcome", "converge"]


@dataclass
class Outcome:
    findings: list[Finding] = field(default_factory=list)
    runs: list[dict[str, Any]] = field(default_factory=list)
    """One entry per start (``empty``, each legacy schema): files applied, seconds, ok."""


@dataclass(frozen=True)
class _Failure:
    file: MigrationFile
    error: MigrationError
    statement: str
    before: Schema
    """The schema just before the failing file ran (its transaction rolled back)."""


def converge(
    files: Sequence[MigrationFile],
    scratch: Scratch,
    *,
    legacy: Sequence[Legacy] = (),
    models: Schema | None = None,
    schemas: Sequence[str] = (),
    ignore: Sequence[str] = (),
) -> Outcome:
    """Run the convergence test; findings only, never an exception for a failing migration."""
    outcome = Outcome()
    scope = {"schemas": schemas, "ignore": ignore}
    url = scratch.create_database("converge_empty")
    try:
        with connect(url, autocommit=True, what="scratch database") as conn:
            failed = _chain(conn, files, scope)
            outcome.runs.append({"start": "empty", "ok": failed is None})
            if failed is not None:
                outcome.findings.append(_failed(failed, "an empty database", None))
                return outcome
            baseline = inspect(conn, **scope)
            outcome.findings.extend(_rerun(conn, files, baseline, scope))
    finally:
        scratch.drop_database(url)
    if models is not None:
        outcome.findings.extend(_divergence(models, baseline, "the models", "empty database"))
    for start in legacy:
        url = scratch.create_database("converge_legacy")
        try:
            with connect(url, autocommit=True, what="scratch database") as conn:
                restore(conn, start)
                failed = _chain(conn, files, scope)
                outcome.runs.append({"start": start.label, "ok": failed is None})
                if failed is not None:
                    outcome.findings.append(_failed(failed, f"legacy schema {start.label}", baseline))
                    continue
                result = inspect(conn, **scope)
        finally:
            scratch.drop_database(url)
        outcome.findings.extend(
            _divergence(baseline, result, "an empty database", f"legacy schema {start.label}")
        )
    return outcome


def _chain(
    conn: psycopg.Connection[Any], files: Sequence[MigrationFile], scope: dict[str, Any]
) -> _Failure | None:
    for file in files:
        problem = _apply(conn, file)
        if problem is not None:
            error, statement = problem
            return _Failure(file, error, statement, inspect(conn, **scope))
    return None


def _apply(conn: psycopg.Connection[Any], file: MigrationFile) -> tuple[MigrationError, str] | None:
    """Apply ``file`` like the runner does (its timeouts included); the error and failing statement, or ``None``."""
    try:
        executor.apply(conn, file)
    except executor.StatementFailed as exc:
        return exc, exc.statement
    return None


def _failed(failed: _Failure, start: str, baseline: Schema | None) -> Finding:
    error = failed.error
    where = f"{error.path}:{error.line}:{error.column}"
    fixes = _missing_columns(failed, baseline) if baseline is not None and error.sqlstate == "42703" else []
    hint = (
        f"Make {failed.file.filename} work on {start}: "
        + (
            "add the columns an older table lacks before the statement that uses them (fix SQL)."
            if fixes
            else "guard the statement, or bring the older objects up to date before it."
        )
        + " Then run `pgwarden migrate test` again."
    )
    reason = str(error).split(": ", 1)[-1].rstrip(".")
    return finding(
        "legacy_migration_failure",
        where,
        f"{failed.file.filename} fails on {start}: {reason}.",
        hint,
        fix_sql="\n".join(fixes) or None,
        migration=failed.file.filename,
        start=start,
        statement=failed.statement.strip(),
        sqlstate=error.sqlstate,
    )


class _Names(Visitor):
    """Tables and column names a statement mentions."""

    def __init__(self) -> None:
        self.tables: list[tuple[str | None, str]] = []
        self.columns: set[str] = set()

    def visit_RangeVar(self, ancestors: Any, node: ast.RangeVar) -> None:
        if node.relname:
            self.tables.append((node.schemaname, node.relname))

    def visit_IndexElem(self, ancestors: Any, node: ast.IndexElem) -> None:
        if node.name:
            self.columns.add(node.name)

    def visit_ColumnRef(self, ancestors: Any, node: ast.ColumnRef) -> None:
        last = node.fields[-1] if node.fields else None
        if isinstance(last, ast.String) and last.sval:
            self.columns.add(last.sval)


def _missing_columns(failed: _Failure, baseline: Schema) -> list[str]:
    """``ADD COLUMN IF NOT EXISTS`` for columns the chain gives a table that its legacy version lacks."""
    names = _Names()
    try:
        names(parse_sql(failed.statement))
    except ParseError:
        return []
    expected = {(t.schema, t.name): t for t in baseline.tables}
    actual = {(t.schema, t.name): t for t in failed.before.tables}
    fixes: list[str] = []
    for schema, name in names.tables:
        key = next((k for k in expected if k[1] == name and (schema is None or k[0] == schema)), None)
        if key is None or key not in actual:
            continue
        have = {c.name for c in actual[key].columns}
        lacking = [c for c in expected[key].columns if c.name not in have]
        # The columns the statement uses first: they are what makes it fail.
        lacking.sort(key=lambda c: c.name not in names.columns)
        for column in lacking:
            fixes.append(
                sql.SQL("ALTER TABLE {} ADD COLUMN IF NOT EXISTS {} {};")
                .format(sql.Identifier(*key), sql.Identifier(column.name), sql.SQL(column.type))
                .as_string()
            )
    return fixes


def _rerun(
    conn: psycopg.Connection[Any], files: Sequence[MigrationFile], baseline: Schema, scope: dict[str, Any]
) -> list[Finding]:
    found: list[Finding] = []
    for file in files:
        if not file.rerunnable:
            continue
        problem = _apply(conn, file)
        where = show_path(file.path)
        if problem is not None:
            error, statement = problem
            found.append(
                finding(
                    "not_rerunnable",
                    f"{error.path}:{error.line}:{error.column}",
                    f"{file.filename} is declared rerunnable but fails when run a second time: "
                    f"{str(error).split(': ', 1)[-1].rstrip('.')}.",
                    "Guard each statement (IF NOT EXISTS, CREATE OR REPLACE, ON CONFLICT DO NOTHING) or "
                    "drop the `-- pgwarden: rerunnable` directive.",
                    migration=file.filename,
                    statement=statement.strip(),
                    sqlstate=error.sqlstate,
                )
            )
            continue
        changes = diff(baseline, inspect(conn, **scope))
        if changes:
            found.append(
                finding(
                    "not_rerunnable",
                    where,
                    f"{file.filename} is declared rerunnable but a second run changes the schema "
                    f"({len(changes)} difference(s), e.g. {to_findings(changes[:1])[0].message})",
                    "Make the file idempotent or drop the `-- pgwarden: rerunnable` directive.",
                    migration=file.filename,
                    changes=[f.object for f in to_findings(changes)],
                )
            )
    return found


def _divergence(expected: Schema, actual: Schema, left: str, right: str) -> list[Finding]:
    found = []
    for f in to_findings(diff(expected, actual)):
        found.append(
            replace(
                f,
                code="PW209",
                kind="schema_divergence",
                source="migrate",
                message=f"The chain on {right} does not converge with {left}: {f.message}",
                hint=f"Make the migrations bring {right} to the same schema ({f.kind}). {f.hint}".strip(),
                evidence={**f.evidence, "difference": f.kind, "start": right, "compared_with": left},
            )
        )
    return found
