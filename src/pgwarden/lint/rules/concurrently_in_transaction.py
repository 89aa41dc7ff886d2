"""concurrently-in-transaction: CONCURRENTLY operations fail inside a transaction block."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source, Statement
from ..nodes import alter_cmds, in_transaction

_KINDS = frozenset({"IndexStmt", "DropStmt", "ReindexStmt", "AlterTableStmt"})
"""The statements that have a CONCURRENTLY form."""


def _concurrent(stmt: Statement) -> bool:
    if stmt.tag in ("IndexStmt", "DropStmt"):
        return bool(stmt.node.get("concurrent"))
    if stmt.tag == "ReindexStmt":
        return any(p.get("DefElem", {}).get("defname") == "concurrently" for p in stmt.node.get("params", ()))
    return any(
        c.get("subtype") == "AT_DetachPartition"
        and c.get("def", {}).get("PartitionCmd", {}).get("concurrent")
        for c in alter_cmds(stmt)
    )


def check(source: Source) -> Iterator[Hit]:
    flags = in_transaction(source)
    for stmt, in_tx in zip(source.statements, flags, strict=True):
        if (in_tx or stmt.in_block) and stmt.tag in _KINDS and _concurrent(stmt):
            where = "a DO block" if stmt.in_block else "a transaction"
            yield Hit(
                stmt,
                f"This CONCURRENTLY statement runs inside {where}, where PostgreSQL refuses it: the migration fails.",
                offset=stmt.start,
            )


RULE = Rule(
    id="concurrently-in-transaction",
    severity=Severity.ERROR,
    problem="CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY and DETACH … CONCURRENTLY cannot run in a transaction block; the runner wraps each file in one.",
    help="Put the statement in its own file that starts with `-- pgwarden: no-transaction`, and remove BEGIN/COMMIT around it.",
    bad="CREATE INDEX CONCURRENTLY jobs_chat_id_idx ON jobs (chat_id);",
    good="-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_chat_id_idx ON jobs (chat_id);",
    check=check,
    tags=_KINDS,
)
