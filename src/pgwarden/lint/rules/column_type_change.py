"""column-type-change: ALTER COLUMN … TYPE usually rewrites the table and breaks running clients."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, existing, relation_name, size_note


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") != "AT_AlterColumnType":
                continue
            table = relation_name(stmt.node.get("relation"))
            if existing(source, stmt, table):
                yield Hit(
                    stmt,
                    f"Changing the type of {table}.{cmd.get('name')} may rewrite the table under an ACCESS EXCLUSIVE lock{size_note(source, table)}.",
                    offset=stmt.start,
                    evidence={"table": table, "column": cmd.get("name")},
                )


RULE = Rule(
    id="column-type-change",
    severity=Severity.WARNING,
    problem="Most column type changes rewrite the table and every index on it while reads and writes wait, and running code may not expect the new type.",
    help="Add a column of the new type, write both, backfill in batches, switch reads, then drop the old column in a later release.",
    bad="ALTER TABLE jobs ALTER COLUMN user_id TYPE bigint;",
    good="ALTER TABLE jobs ADD COLUMN user_id_new bigint;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
