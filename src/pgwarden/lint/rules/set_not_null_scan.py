"""set-not-null-scan: SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, existing, relation_name, size_note
from ._validate import validated_checks


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            table = relation_name(stmt.node.get("relation"))
            if cmd.get("subtype") != "AT_SetNotNull" or not existing(source, stmt, table):
                continue
            # The documented fix: a validated CHECK (c IS NOT NULL) lets PostgreSQL 12+ skip the scan.
            if source.postgres_version >= 12 and (table, cmd.get("name")) in validated_checks(source, stmt):
                continue
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
    good=(
        "-- pgwarden: no-transaction\n"
        "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_chat_id_nn;\n"
        "ALTER TABLE jobs ADD CONSTRAINT jobs_chat_id_nn CHECK (chat_id IS NOT NULL) NOT VALID;\n"
        "ALTER TABLE jobs VALIDATE CONSTRAINT jobs_chat_id_nn;\n"
        "ALTER TABLE jobs ALTER COLUMN chat_id SET NOT NULL;\n"
        "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_chat_id_nn;"
    ),
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
