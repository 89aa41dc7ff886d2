"""What a migration's statements change, in words: ``create table users``, ``rename column a.b to c``.

Read from PostgreSQL's own parser (pglast), statements inside ``DO`` blocks included (the
statements PL/pgSQL runs as written; ``EXECUTE`` of a built string cannot be read and is said
as such). Pure: used for ``migrate status`` per Alembic revision, from the SQL a revision
ran (recorded when pgwarden applied it) or the SQL Alembic's offline mode renders.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from pglast import ast, parse_plpgsql, parse_sql
from pglast.enums import AlterTableType, ObjectType
from pglast.parser import ParseError

__all__ = ["touched"]

# SQLAlchemy's bound parameters (``%(name)s``, ``%s``) as PostgreSQL's, so the statement parses.
_PARAM = re.compile(r"%\(\w+\)s|%s")

_ALTER = {
    AlterTableType.AT_AddColumn: "add column",
    AlterTableType.AT_DropColumn: "drop column",
    AlterTableType.AT_AlterColumnType: "change type of",
    AlterTableType.AT_SetNotNull: "set not null on",
    AlterTableType.AT_DropNotNull: "drop not null on",
    AlterTableType.AT_ColumnDefault: "change default of",
}
_DROPPED = {
    ObjectType.OBJECT_TABLE: "table",
    ObjectType.OBJECT_INDEX: "index",
    ObjectType.OBJECT_VIEW: "view",
    ObjectType.OBJECT_TYPE: "type",
    ObjectType.OBJECT_SEQUENCE: "sequence",
    ObjectType.OBJECT_FUNCTION: "function",
    ObjectType.OBJECT_TRIGGER: "trigger",
    ObjectType.OBJECT_SCHEMA: "schema",
}

_ROWS: dict[type, str] = {
    ast.InsertStmt: "insert into",
    ast.UpdateStmt: "update",
    ast.DeleteStmt: "delete from",
}


def touched(statements: Iterable[str]) -> list[str]:
    """One phrase per change, in order, without repeats; Alembic's own ``alembic_version`` rows left out."""
    seen: dict[str, None] = {}
    for text in statements:
        for phrase in _phrases(text):
            if "alembic_version" not in phrase:
                seen.setdefault(phrase)
    return list(seen)


def _phrases(text: str) -> Iterator[str]:
    try:
        parsed = parse_sql(_PARAM.sub("$1", text))
    except ParseError:
        yield "a statement pgwarden cannot parse"
        return
    for raw in parsed:
        stmt = raw.stmt
        if isinstance(stmt, ast.DoStmt):
            yield from _do_block(text, raw)
        else:
            yield from _of(stmt)


def _do_block(text: str, raw: Any) -> Iterator[str]:
    start = raw.stmt_location or 0
    body = text[start : start + raw.stmt_len] if raw.stmt_len else text[start:]
    try:
        tree = parse_plpgsql(body)
    except ParseError:
        yield "a DO block pgwarden cannot parse"
        return
    for key, node in _walk(tree):
        if key == "PLpgSQL_stmt_execsql":
            query = node.get("sqlstmt", {}).get("PLpgSQL_expr", {}).get("query", "")
            yield from _phrases(query)
        elif key == "PLpgSQL_stmt_dynexecute":
            yield "EXECUTE of a built statement in a DO block (not read)"


def _walk(node: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, dict):
                yield key, value
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _name(rel: ast.RangeVar | None) -> str:
    if rel is None:
        return "?"
    return f"{rel.schemaname}.{rel.relname}" if rel.schemaname else str(rel.relname)


def _of(stmt: Any) -> Iterator[str]:
    if isinstance(stmt, ast.CreateStmt):
        yield f"create table {_name(stmt.relation)}"
    elif isinstance(stmt, ast.AlterTableStmt):
        table = _name(stmt.relation)
        for cmd in stmt.cmds or ():
            verb = _ALTER.get(cmd.subtype)
            if verb is not None:
                column = (
                    cmd.def_.colname if isinstance(cmd.def_, ast.ColumnDef) and not cmd.name else cmd.name
                )
                yield f"{verb} {table}.{column}"
            elif cmd.subtype == AlterTableType.AT_AddConstraint:
                name = getattr(cmd.def_, "conname", None)
                yield f"add constraint {name} on {table}" if name else f"add constraint on {table}"
            elif cmd.subtype == AlterTableType.AT_DropConstraint:
                yield f"drop constraint {cmd.name} on {table}"
            else:
                yield f"alter table {table}"
    elif isinstance(stmt, ast.RenameStmt):
        yield _rename(stmt)
    elif isinstance(stmt, ast.IndexStmt):
        yield f"create index {stmt.idxname or ''} on {_name(stmt.relation)}".replace("  ", " ")
    elif isinstance(stmt, ast.DropStmt):
        kind = _DROPPED.get(stmt.removeType, "object") if stmt.removeType is not None else "object"
        for obj in stmt.objects or ():
            names = (
                [getattr(n, "sval", "") for n in obj]
                if isinstance(obj, tuple)
                else [getattr(obj, "sval", "")]
            )
            yield f"drop {kind} {'.'.join(n for n in names if n) or '?'}"
    elif isinstance(stmt, ast.CreateEnumStmt):
        yield f"create type {'.'.join(n.sval for n in stmt.typeName or ())}"
    elif isinstance(stmt, ast.AlterEnumStmt):
        yield f"add value to type {'.'.join(n.sval for n in stmt.typeName or ())}"
    elif isinstance(stmt, (ast.InsertStmt, ast.UpdateStmt, ast.DeleteStmt)):
        yield f"{_ROWS[type(stmt)]} {_name(stmt.relation)}"
    elif isinstance(stmt, ast.CreateTrigStmt):
        yield f"create trigger {stmt.trigname} on {_name(stmt.relation)}"
    elif isinstance(stmt, ast.CreateFunctionStmt):
        yield f"create function {'.'.join(n.sval for n in stmt.funcname or ())}"
    elif isinstance(stmt, ast.ViewStmt):
        yield f"create view {_name(stmt.view)}"
    elif isinstance(stmt, ast.CreateSeqStmt):
        yield f"create sequence {_name(stmt.sequence)}"
    elif isinstance(stmt, ast.CreateExtensionStmt):
        yield f"create extension {stmt.extname}"
    elif isinstance(stmt, ast.CreateSchemaStmt):
        yield f"create schema {stmt.schemaname}"
    elif isinstance(stmt, (ast.TransactionStmt, ast.VariableSetStmt, ast.SelectStmt)):
        return
    elif stmt is not None:
        yield type(stmt).__name__.removesuffix("Stmt").lower()


def _rename(stmt: ast.RenameStmt) -> str:
    table = _name(stmt.relation)
    if stmt.renameType == ObjectType.OBJECT_COLUMN:
        return f"rename column {table}.{stmt.subname} to {stmt.newname}"
    if stmt.renameType in (ObjectType.OBJECT_TABLE, ObjectType.OBJECT_VIEW):
        return f"rename {table} to {stmt.newname}"
    if stmt.renameType == ObjectType.OBJECT_INDEX:
        return f"rename index {table} to {stmt.newname}"
    return f"rename to {stmt.newname}"
