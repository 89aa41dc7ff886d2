"""constraint-without-not-valid: ADD CONSTRAINT … CHECK scans the table under a heavy lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, existing, relation_name, size_note
from ._validate import validated_in_same_transaction


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.of("AlterTableStmt"):
        for cmd in alter_cmds(stmt):
            con = cmd.get("def", {}).get("Constraint", {})
            if cmd.get("subtype") != "AT_AddConstraint" or con.get("contype") != "CONSTR_CHECK":
                continue
            table = relation_name(stmt.node.get("relation"))
            if not con.get("skip_validation") and existing(source, stmt, table):
                yield Hit(
                    stmt,
                    f"Adding CHECK constraint {con.get('conname') or ''} validates every row of {table} while writes wait{size_note(source, table)}.".replace(
                        "  ", " "
                    ),
                    offset=stmt.at(con.get("location")),
                    evidence={"table": table},
                )

    for stmt, table, name in validated_in_same_transaction(source, "CONSTR_CHECK"):
        yield Hit(
            stmt,
            f"CHECK constraint {name} is validated in the same transaction that added it NOT VALID: the lock taken by the ADD is held through the full scan of {table}, as if NOT VALID had not been written.",
            offset=stmt.start,
            evidence={"table": table, "constraint": name},
        )


RULE = Rule(
    id="constraint-without-not-valid",
    severity=Severity.WARNING,
    problem="ADD CONSTRAINT … CHECK reads the whole table to validate it, holding an ACCESS EXCLUSIVE lock; so does a NOT VALID one validated in the same transaction, which keeps that lock.",
    help="Add it NOT VALID (instant), then run ALTER TABLE … VALIDATE CONSTRAINT in a separate transaction (a `no-transaction` file or the next migration), which allows writes.",
    bad="ALTER TABLE jobs ADD CONSTRAINT jobs_price_positive CHECK (price > 0);",
    good=(
        "-- pgwarden: no-transaction\n"
        "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_price_positive;\n"
        "ALTER TABLE jobs ADD CONSTRAINT jobs_price_positive CHECK (price > 0) NOT VALID;\n"
        "ALTER TABLE jobs VALIDATE CONSTRAINT jobs_price_positive;"
    ),
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
