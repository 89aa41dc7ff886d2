"""Column type positions shared by the type-hygiene rules: CREATE TABLE, ADD COLUMN, ALTER … TYPE."""

from __future__ import annotations

from collections.abc import Iterator

from ..model import Node, Source, Statement
from ..nodes import column_defs, type_name

COLUMN_TAGS = frozenset({"CreateStmt", "AlterTableStmt"})
"""The statements that declare column types: the kinds the type-hygiene rules report on."""

_CACHE: list[tuple[Source, list[tuple[Statement, str, Node, str]]]] = []


def column_types(source: Source) -> list[tuple[Statement, str, Node, str]]:
    """``(statement, column name, TypeName, type_name(TypeName))`` for every column type declared.

    Computed once per file: five rules read it.
    """
    if _CACHE and _CACHE[0][0] is source:
        return _CACHE[0][1]
    found = list(_column_types(source))
    _CACHE[:] = [(source, found)]
    return found


def _column_types(source: Source) -> Iterator[tuple[Statement, str, Node, str]]:
    for stmt in source.statements:
        if stmt.tag == "CreateStmt":
            for col in column_defs(stmt):
                if col.get("typeName"):
                    yield stmt, str(col.get("colname", "")), col["typeName"], type_name(col["typeName"])
        elif stmt.tag == "AlterTableStmt" and stmt.cmds:
            for col in column_defs(stmt):
                if col.get("typeName"):
                    yield stmt, str(col.get("colname", "")), col["typeName"], type_name(col["typeName"])
            for cmd in stmt.cmds:
                if cmd.get("subtype") == "AT_AlterColumnType":
                    tn = cmd.get("def", {}).get("ColumnDef", {}).get("typeName")
                    if tn:
                        yield stmt, str(cmd.get("name", "")), tn, type_name(tn)
