"""enum-value-without-position: ADD VALUE without BEFORE/AFTER appends at the end of the sort order."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import strings


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterEnumStmt"):
        if stmt.tag == "AlterEnumStmt" and stmt.node.get("newVal") and not stmt.node.get("newValNeighbor"):
            name = ".".join(strings(stmt.node.get("typeName")))
            yield Hit(
                stmt,
                f"Value '{stmt.node['newVal']}' is appended to the end of enum {name}: ORDER BY and < on the enum follow that position.",
                offset=stmt.start,
            )


RULE = Rule(
    id="enum-value-without-position",
    severity=Severity.WARNING,
    problem="Enum values sort in declaration order; appending a value without saying where it belongs silently changes ORDER BY and comparisons.",
    help="Say where the value goes: ALTER TYPE … ADD VALUE 'x' BEFORE 'y' (or AFTER).",
    bad="ALTER TYPE job_status ADD VALUE 'paused';",
    good="ALTER TYPE job_status ADD VALUE IF NOT EXISTS 'paused' AFTER 'running';",
    check=check,
    tags=frozenset({"AlterEnumStmt"}),
)
