"""required-column-without-default: a NOT NULL column without a default breaks running inserts."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, constraints, existing, relation_name, type_name

_FILLED = {"CONSTR_DEFAULT", "CONSTR_IDENTITY", "CONSTR_GENERATED"}
_SERIAL = {"serial", "serial4", "serial8", "bigserial", "smallserial", "serial2"}


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") != "AT_AddColumn" or "ColumnDef" not in cmd.get("def", {}):
                continue
            col = cmd["def"]["ColumnDef"]
            kinds = {c.get("contype") for c in constraints(col)}
            table = relation_name(stmt.node.get("relation"))
            if (
                ("CONSTR_NOTNULL" in kinds or "CONSTR_PRIMARY" in kinds)
                and not kinds & _FILLED
                and type_name(col.get("typeName")) not in _SERIAL
                and existing(source, stmt, table)
            ):
                yield Hit(
                    stmt,
                    f"Adding required column {table}.{col.get('colname')} without a default fails on existing rows and breaks inserts from running code.",
                    offset=stmt.at(col.get("location")),
                    evidence={"table": table, "column": col.get("colname")},
                )


RULE = Rule(
    id="required-column-without-default",
    severity=Severity.ERROR,
    problem="ADD COLUMN … NOT NULL without a default fails on a table with rows, and old code that inserts without the column breaks.",
    help="Add the column nullable (or with a constant default), backfill, then enforce NOT NULL once all code writes it.",
    bad="ALTER TABLE jobs ADD COLUMN chat_id bigint NOT NULL;",
    good="ALTER TABLE jobs ADD COLUMN chat_id bigint NOT NULL DEFAULT 0;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
