"""domain-check-constraint: CHECK constraints on domains are validated against every using column."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if stmt.tag == "CreateDomainStmt" and any(
            c.get("Constraint", {}).get("contype") == "CONSTR_CHECK" for c in stmt.node.get("constraints", ())
        ):
            yield Hit(
                stmt,
                "A domain with a CHECK constraint makes every later change of that check scan all columns of the domain.",
                offset=stmt.start,
            )
        elif stmt.tag == "AlterDomainStmt" and stmt.node.get("subtype") == "C":
            con = stmt.node.get("def", {}).get("Constraint", {})
            if not con.get("skip_validation"):
                yield Hit(
                    stmt,
                    "ALTER DOMAIN … ADD CONSTRAINT checks every column of the domain in every table while they are locked.",
                    offset=stmt.start,
                )


RULE = Rule(
    id="domain-check-constraint",
    severity=Severity.WARNING,
    problem="Domain CHECK constraints are hard to change safely: adding one validates every table column of that domain under lock.",
    help="Put CHECK constraints on the table columns (NOT VALID, then VALIDATE) instead of on domains.",
    bad="CREATE DOMAIN positive_int AS bigint CHECK (VALUE > 0);",
    good="CREATE TABLE prices (amount bigint CHECK (amount > 0));",
    check=check,
    tags=frozenset({"CreateDomainStmt", "AlterDomainStmt"}),
)
