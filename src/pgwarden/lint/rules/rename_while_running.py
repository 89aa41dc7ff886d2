"""rename-while-running: renaming a column or table breaks the code version still running."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import existing, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("RenameStmt"):
        if stmt.tag != "RenameStmt":
            continue
        kind = stmt.node.get("renameType")
        table = relation_name(stmt.node.get("relation"))
        new = stmt.node.get("newname")
        if kind == "OBJECT_COLUMN" and existing(source, stmt, table):
            old = stmt.node.get("subname")
            message = (
                f"Renaming {table}.{old} to {new} breaks the previous code version while it still runs: "
                f"its queries fail with `column {old} does not exist`."
            )
        elif kind == "OBJECT_TABLE" and existing(source, stmt, table):
            message = f"Renaming {table} to {new} breaks the previous code version while it still runs: its queries fail with `relation does not exist`."
        else:
            continue
        yield Hit(stmt, message, offset=stmt.start, evidence={"table": table, "new_name": new})


RULE = Rule(
    id="rename-while-running",
    severity=Severity.ERROR,
    problem="During a deploy the old code (or stale bytecode) keeps running against the new schema: every query using the old name fails.",
    help="Expand/contract: add the new column, write both, backfill, switch reads, drop the old one later; or keep the column and map the model attribute to the old name.",
    bad="ALTER TABLE conversations RENAME COLUMN started_at TO created_at;",
    good="ALTER TABLE conversations ADD COLUMN IF NOT EXISTS created_at timestamptz;",
    check=check,
    tags=frozenset({"RenameStmt"}),
)
