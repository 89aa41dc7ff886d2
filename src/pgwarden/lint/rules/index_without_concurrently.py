"""index-without-concurrently: CREATE INDEX on an existing table blocks its writes."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import existing, relation_name, size_note, table_rows

_LARGE = 1_000_000


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("IndexStmt"):
        if stmt.tag != "IndexStmt" or stmt.node.get("concurrent"):
            continue
        table = relation_name(stmt.node.get("relation"))
        if not existing(source, stmt, table):
            continue
        rows = table_rows(source, table)
        if rows is not None and rows >= _LARGE:
            message = f"CREATE INDEX will block writes to {table}{size_note(source, table)} until the index is built."
        else:
            message = f"CREATE INDEX without CONCURRENTLY blocks writes to {table} until the index is built{size_note(source, table)}."
        yield Hit(
            stmt,
            message,
            offset=stmt.start,
            evidence={"table": table},
            severity=Severity.ERROR if rows is not None and rows >= _LARGE else None,
        )


RULE = Rule(
    id="index-without-concurrently",
    severity=Severity.WARNING,
    problem="CREATE INDEX takes a SHARE lock: every INSERT, UPDATE and DELETE on the table waits until the build ends.",
    help="Use CREATE INDEX CONCURRENTLY in a file marked `-- pgwarden: no-transaction`; a table created in the same file needs no CONCURRENTLY.",
    bad="CREATE INDEX jobs_chat_id_idx ON jobs (chat_id);",
    good="-- pgwarden: no-transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS jobs_chat_id_idx ON jobs (chat_id);",
    check=check,
    tags=frozenset({"IndexStmt"}),
)
