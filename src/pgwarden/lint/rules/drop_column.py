"""drop-column: dropping a column breaks code that still reads or writes it."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") == "AT_DropColumn":
                table = relation_name(stmt.node.get("relation"))
                yield Hit(
                    stmt,
                    f"Dropping {table}.{cmd.get('name')} breaks every running instance that still selects or inserts it.",
                    offset=stmt.start,
                    evidence={"table": table, "column": cmd.get("name")},
                )


RULE = Rule(
    id="drop-column",
    severity=Severity.WARNING,
    problem="The previous code version keeps running during a deploy; a query naming a dropped column fails with `column does not exist`.",
    help=(
        "Stop using the column in code first (release 1), drop it in a later migration (release 2)."
        " When the rows may go, say so at the top of the file with `-- pgwarden: destructive -- <why>`: `pgwarden migrate up` refuses a file that would lose rows without it (PW211)."
    ),
    bad="ALTER TABLE conversations DROP COLUMN started_at;",
    good="ALTER TABLE conversations ADD COLUMN created_at timestamptz;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
