"""Column type positions shared by the type-hygiene rules: CREATE TABLE, ADD COLUMN, ALTER … TYPE."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Node, Source, Statement
from ..nodes import alter_cmds, column_defs

_CACHE: list[tuple[Source, list[tuple[Statement, str, Node]]]] = []


def column_types(source: Source) -> list[tuple[Statement, str, Node]]:
    """``(statement, column name, TypeName)`` for every column type declared (computed once per file)."""
    if _CACHE and _CACHE[0][0] is source:
        return _CACHE[0][1]
    found = list(_column_types(source))
    _CACHE[:] = [(source, found)]
    return found


def _column_types(source: Source) -> Iterator[tuple[Statement, str, Node]]:
    for stmt in source.statements:
        if stmt.tag not in ("CreateStmt", "AlterTableStmt"):
            continue
        for col in column_defs(stmt):
            if col.get("typeName"):
                yield stmt, str(col.get("colname", "")), col["typeName"]
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") == "AT_AlterColumnType":
                tn = cmd.get("def", {}).get("ColumnDef", {}).get("typeName")
                if tn:
                    yield stmt, str(cmd.get("name", "")), tn
