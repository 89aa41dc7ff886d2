"""unique-constraint-without-index: ADD UNIQUE builds an index under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import added_constraints


def check(source: Source) -> Iterator[Hit]:
    for stmt, table, con in added_constraints(source, "CONSTR_UNIQUE"):
        if con.get("indexname"):
            continue
        yield Hit(
            stmt,
            f"Adding a UNIQUE constraint to {table} builds its index while reads and writes wait.",
            offset=stmt.at(con.get("location")),
            evidence={"table": table},
        )


RULE = Rule(
    id="unique-constraint-without-index",
    severity=Severity.WARNING,
    problem="ADD CONSTRAINT … UNIQUE builds a unique index while holding an ACCESS EXCLUSIVE lock.",
    help="CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT … UNIQUE USING INDEX (instant).",
    bad="ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);",
    good="ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
