"""The data guard's parser-backed half: the statements PostgreSQL's parser (pglast) reads as losing rows.

Loaded by ``guard.risks`` only for a statement its cheap test lets through.
"""

from __future__ import annotations

from pglast import ast, parse_sql
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError
from pglast.stream import RawStream

from .guard_risk import Risk

__all__ = ["parsed_risks"]


def parsed_risks(text: str) -> list[Risk]:
    """What ``text`` may destroy, read from its syntax tree; empty when it does not parse."""
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
