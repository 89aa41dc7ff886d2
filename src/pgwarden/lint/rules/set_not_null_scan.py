"""set-not-null-scan: SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, existing, relation_name, size_note


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        for cmd in alter_cmds(stmt):
            table = relation_name(stmt.node.get("relation"))
            if cmd.get("subtype") == "AT_SetNotNull" and existing(source, stmt, table):
                yield Hit(
                    stmt,
                    f"SET NOT NULL on {table}.{cmd.get('name')} scans every row while reads and writes wait{size_note(source, table)}.",
                    offset=stmt.start,
                    evidence={"table": table, "column": cmd.get("name")},
                )


RULE = Rule(
    id="set-not-null-scan",
    severity=Severity.WARNING,
    problem="ALTER COLUMN … SET NOT NULL checks every row while holding an ACCESS EXCLUSIVE lock.",
    help="Add CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL (PostgreSQL 12+ skips the scan) and drop the check.",
    bad="ALTER TABLE jobs ALTER COLUMN chat_id SET NOT NULL;",
    good="ALTER TABLE jobs ADD CONSTRAINT jobs_chat_id_nn CHECK (chat_id IS NOT NULL) NOT VALID;",
    check=check,
)
