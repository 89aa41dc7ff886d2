"""unique-constraint-without-index: ADD UNIQUE builds an index under an ACCESS EXCLUSIVE lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, constraints, existing, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        if not stmt.cmds:
            continue
        table = relation_name(stmt.node.get("relation"))
        for cmd in alter_cmds(stmt):
            cons = []
            if cmd.get("subtype") == "AT_AddConstraint":
                cons = [cmd.get("def", {}).get("Constraint", {})]
            elif cmd.get("subtype") == "AT_AddColumn" and "ColumnDef" in cmd.get("def", {}):
                cons = list(constraints(cmd["def"]["ColumnDef"]))
            for con in cons:
                if (
                    con.get("contype") == "CONSTR_UNIQUE"
                    and not con.get("indexname")
                    and existing(source, stmt, table)
                ):
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
)
