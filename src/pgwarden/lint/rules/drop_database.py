"""drop-database: a migration must never drop a database."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("DropdbStmt"):
        if stmt.tag == "DropdbStmt":
            yield Hit(
                stmt,
                f"DROP DATABASE {stmt.node.get('dbname')} destroys every table in it.",
                offset=stmt.start,
            )


RULE = Rule(
    id="drop-database",
    severity=Severity.ERROR,
    problem="DROP DATABASE in a migration deletes all data irrecoverably.",
    help="Drop databases by hand, after a verified backup, never from a migration.",
    bad="DROP DATABASE bot;",
    good="CREATE TABLE IF NOT EXISTS archive_marker (id bigint);",
    check=check,
    tags=frozenset({"DropdbStmt"}),
)
