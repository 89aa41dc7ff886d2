"""non-robust-statement: outside a transaction, a retried migration fails on what already exists."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source, Statement
from ..nodes import alter_cmds, in_transaction


def _problem(stmt: Statement) -> str | None:
    node = stmt.node
    if stmt.tag == "CreateStmt" and node.get("oncommit") == "ONCOMMIT_DROP":
        return None  # a temporary table gone at commit: nothing is left for a retry to trip on
    if stmt.tag in ("CreateStmt", "IndexStmt") and not node.get("if_not_exists"):
        return "CREATE without IF NOT EXISTS"
    if stmt.tag == "RenameStmt":
        return "RENAME (the old name is gone once it ran)"
    if stmt.tag == "DropStmt" and not node.get("missing_ok"):
        return "DROP without IF EXISTS"
    for cmd in alter_cmds(stmt):
        sub = cmd.get("subtype")
        if sub == "AT_AddColumn" and not cmd.get("missing_ok"):
            return "ADD COLUMN without IF NOT EXISTS"
        if sub in ("AT_DropColumn", "AT_DropConstraint") and not cmd.get("missing_ok"):
            return "DROP without IF EXISTS"
        if sub == "AT_DetachPartition":
            return "DETACH PARTITION (the partition is no longer attached once it ran)"
        if sub == "AT_AddConstraint":
            return "ADD CONSTRAINT (which has no IF NOT EXISTS)"
    return None


def check(source: Source) -> Iterator[Hit]:
    dropped: set[str] = set()
    for stmt, in_tx in zip(source.statements, in_transaction(source), strict=True):
        for cmd in alter_cmds(stmt):
            if cmd.get("subtype") == "AT_DropConstraint" and cmd.get("missing_ok"):
                dropped.add(str(cmd.get("name")))
        if in_tx or stmt.in_block:
            continue
        problem = _problem(stmt)
        if problem is None:
            continue
        if problem.startswith("ADD CONSTRAINT"):
            names = {c.get("def", {}).get("Constraint", {}).get("conname") for c in alter_cmds(stmt)}
            if names and names <= dropped:
                continue
        yield Hit(
            stmt,
            f"{problem} outside a transaction: when the migration is retried after a failure, this statement fails.",
            offset=stmt.start,
        )


RULE = Rule(
    id="non-robust-statement",
    severity=Severity.WARNING,
    problem="A file that runs outside a transaction can stop half-way; re-running it then fails on the objects it already created or dropped.",
    help="Write IF NOT EXISTS / IF EXISTS; before ADD CONSTRAINT, DROP CONSTRAINT IF EXISTS the same name; run a RENAME or DETACH PARTITION inside a transaction, or in a DO block that checks the catalog first.",
    bad="-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY jobs_chat_id_idx ON jobs (chat_id);",
    good="-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_chat_id_idx ON jobs (chat_id);",
    check=check,
)
