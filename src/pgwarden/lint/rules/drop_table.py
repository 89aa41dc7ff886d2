"""drop-table: dropping a table breaks running code and loses its data."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import strings


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("DropStmt"):
        if stmt.tag == "DropStmt" and stmt.node.get("removeType") in ("OBJECT_TABLE", "OBJECT_MATVIEW"):
            names = [".".join(strings(o.get("List", {}).get("items"))) for o in stmt.node.get("objects", ())]
            yield Hit(
                stmt,
                f"Dropping {', '.join(names)} loses its rows and breaks code that still uses it.",
                offset=stmt.start,
                evidence={"tables": names},
            )


RULE = Rule(
    id="drop-table",
    severity=Severity.WARNING,
    problem="A dropped table takes its data with it, and running instances that query it fail.",
    help=(
        "Stop using the table in code first; drop it in a later release, after a backup you have restored once."
        " When the rows may go, say so at the top of the file with `-- pgwarden: destructive -- <why>`: `pgwarden migrate up` refuses a file that would lose rows without it (PW211)."
    ),
    bad="DROP TABLE legacy_jobs;",
    good="ALTER TABLE legacy_jobs RENAME TO legacy_jobs_unused_since_2024;",
    check=check,
    tags=frozenset({"DropStmt"}),
)
