"""reindex-without-concurrently: REINDEX blocks writes (and reads that use the index)."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Node, Rule, Source


def _concurrent(params: list[Node]) -> bool:
    return any(p.get("DefElem", {}).get("defname") == "concurrently" for p in params)


_OLD = (
    " PostgreSQL {} has no REINDEX CONCURRENTLY: build a new index with CREATE INDEX CONCURRENTLY,"
    " then drop the old one CONCURRENTLY."
)


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("ReindexStmt"):
        if (
            stmt.tag == "ReindexStmt"
            # REINDEX SYSTEM has no CONCURRENTLY form: advice to add it would be wrong.
            and stmt.node.get("kind") != "REINDEX_OBJECT_SYSTEM"
            and not _concurrent(stmt.node.get("params", []))
            and not stmt.node.get("concurrent")
        ):
            yield Hit(
                stmt,
                "REINDEX without CONCURRENTLY blocks writes to the table and reads that need the index."
                + _OLD.format(source.postgres_version) * (source.postgres_version < 12),
                offset=stmt.start,
            )


RULE = Rule(
    id="reindex-without-concurrently",
    severity=Severity.WARNING,
    problem="REINDEX locks the table against writes, and the index against use, for the whole rebuild.",
    help="Use REINDEX (CONCURRENTLY) / REINDEX … CONCURRENTLY (PostgreSQL 12+) outside a transaction.",
    bad="REINDEX TABLE jobs;",
    good="-- pgwarden: no-transaction\nREINDEX TABLE CONCURRENTLY jobs;",
    check=check,
    tags=frozenset({"ReindexStmt"}),
)
