"""drop-not-null: code reading the column may not expect NULL."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") == "AT_DropNotNull":
                table = relation_name(stmt.node.get("relation"))
                yield Hit(
                    stmt,
                    f"Dropping NOT NULL on {table}.{cmd.get('name')} lets NULL reach code that assumes a value.",
                    offset=stmt.start,
                    evidence={"table": table, "column": cmd.get("name")},
                )


RULE = Rule(
    id="drop-not-null",
    severity=Severity.WARNING,
    problem="Running clients read the column as never NULL; once NULLs are allowed, they crash on the first one.",
    help="Make every reader NULL-safe first (release 1), then drop NOT NULL (release 2).",
    bad="ALTER TABLE jobs ALTER COLUMN chat_id DROP NOT NULL;",
    good="ALTER TABLE jobs ALTER COLUMN chat_id SET DEFAULT 0;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
