"""drop-index-without-concurrently: DROP INDEX locks the whole table."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("DropStmt"):
        if (
            stmt.tag == "DropStmt"
            and stmt.node.get("removeType") == "OBJECT_INDEX"
            and not stmt.node.get("concurrent")
        ):
            yield Hit(
                stmt,
                "DROP INDEX without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table: reads and writes wait.",
                offset=stmt.start,
            )


RULE = Rule(
    id="drop-index-without-concurrently",
    severity=Severity.WARNING,
    problem="DROP INDEX locks its table against reads and writes while it waits for running queries.",
    help="Use DROP INDEX CONCURRENTLY IF EXISTS in a file marked `-- pgwarden: no-transaction`.",
    bad="DROP INDEX jobs_chat_id_idx;",
    good="-- pgwarden: no-transaction\nDROP INDEX CONCURRENTLY IF EXISTS jobs_chat_id_idx;",
    check=check,
    tags=frozenset({"DropStmt"}),
)
