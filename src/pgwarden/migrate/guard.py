"""The data guard's pure half: which statements can lose rows, read from PostgreSQL's own parser.

A statement is at risk when it drops or truncates a table, drops a column, deletes
or updates without ``WHERE``, drops a schema with ``CASCADE``, or changes a column's
type. Whether rows are really at stake is the live half's question
(``guard_rows``): it counts them inside the migration's transaction.

Not seen here (said in docs/migrate-formats.md): statements inside ``DO`` blocks and
functions, and ``DELETE``/``UPDATE`` inside a ``WITH`` clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream

__all__ = ["Risk", "line_of", "risks"]

# Cheap test before parsing: most statements of a migration cannot lose rows.
_MAYBE = re.compile(r"\b(?:drop|truncate|delete|update|type)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Risk:
    action: str
    """``DROP TABLE``, ``DROP SCHEMA … CASCADE``, ``TRUNCATE``, ``DROP COLUMN``, ``DELETE without WHERE``,
    ``UPDATE without WHERE`` or ``ALTER COLUMN … TYPE``."""
    schema: str | None
    """As written; ``None`` when the name is unqualified (resolved by ``search_path`` at run time)."""
    name: str
    """The table (or, for ``DROP SCHEMA``, the schema)."""
    column: str | None = None
    new_type: str | None = None
    """For a type change: the new type as SQL."""
    using: str | None = None
    """For a type change: the ``USING`` expression as SQL, if any."""

    @property
    def label(self) -> str:
        table = f"{self.schema}.{self.name}" if self.schema else self.name
        return f"{table}.{self.column}" if self.column else table


def risks(text: str) -> list[Risk]:
    """What ``text`` (one statement) may destroy; empty when nothing or when it does not parse."""
    if not _MAYBE.search(text):
        return []
    try:
        parsed = parse_sql(text)
    except ParseError:
        return []  # the server reports the syntax error when the statement runs
    found: list[Risk] = []
    for raw in parsed:
        found.extend(_of(raw.stmt))
    return found


def _of(stmt: ast.Node | None) -> list[Risk]:
    if isinstance(stmt, ast.DropStmt):
        return _drop(stmt)
    if isinstance(stmt, ast.TruncateStmt):
        return [_rel("TRUNCATE", r) for r in stmt.relations or ()]
    if isinstance(stmt, ast.DeleteStmt) and stmt.whereClause is None and stmt.relation is not None:
        return [_rel("DELETE without WHERE", stmt.relation)]
    if isinstance(stmt, ast.UpdateStmt) and stmt.whereClause is None and stmt.relation is not None:
        return [_rel("UPDATE without WHERE", stmt.relation)]
    if isinstance(stmt, ast.AlterTableStmt) and stmt.objtype == ObjectType.OBJECT_TABLE:
        return _alter(stmt)
    return []


def _drop(stmt: ast.DropStmt) -> list[Risk]:
    found: list[Risk] = []
    if stmt.removeType == ObjectType.OBJECT_TABLE:
        for obj in stmt.objects or ():
            names = [n.sval for n in obj]
            found.append(Risk("DROP TABLE", names[-2] if len(names) > 1 else None, names[-1]))
    elif stmt.removeType == ObjectType.OBJECT_SCHEMA and stmt.behavior == 1:  # DROP_CASCADE
        for obj in stmt.objects or ():
            found.append(Risk("DROP SCHEMA … CASCADE", None, obj.sval))
    return found


def _alter(stmt: ast.AlterTableStmt) -> list[Risk]:
    rel = stmt.relation
    if rel is None or not rel.relname:
        return []
    found: list[Risk] = []
    for cmd in stmt.cmds or ():
        if cmd.subtype == AlterTableType.AT_DropColumn:
            found.append(Risk("DROP COLUMN", rel.schemaname, rel.relname, column=cmd.name))
        elif (
            cmd.subtype == AlterTableType.AT_AlterColumnType
            and isinstance(cmd.def_, ast.ColumnDef)
            and cmd.def_.typeName is not None
        ):
            using = cmd.def_.raw_default
            found.append(
                Risk(
                    "ALTER COLUMN … TYPE",
                    rel.schemaname,
                    rel.relname,
                    column=cmd.name,
                    new_type=RawStream()(cmd.def_.typeName),
                    using=RawStream()(using) if using is not None else None,
                )
            )
    return found


def _rel(action: str, rel: ast.RangeVar) -> Risk:
    return Risk(action, rel.schemaname, rel.relname or "")


def line_of(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in ``text``."""
    start = text.rfind("\n", 0, offset) + 1
    return text.count("\n", 0, offset) + 1, offset - start + 1
