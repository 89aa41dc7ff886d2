"""data-wipe: DELETE/UPDATE without WHERE, TRUNCATE, DROP … CASCADE."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import alter_cmds, existing, relation_name


def check(source: Source) -> Iterator[Hit]:
    for stmt in source.statements:
        node = stmt.node
        if stmt.tag in ("DeleteStmt", "UpdateStmt") and not node.get("whereClause"):
            table = relation_name(node.get("relation"))
            if existing(source, stmt, table):
                if stmt.tag == "DeleteStmt":
                    yield Hit(
                        stmt,
                        f"DELETE without WHERE removes every row of {table}.",
                        offset=stmt.start,
                        evidence={"table": table},
                    )
                else:
                    # A whole-table UPDATE is the usual backfill: it loses nothing it was not asked to.
                    yield Hit(
                        stmt,
                        f"UPDATE without WHERE rewrites every row of {table} in one transaction, locking them all; check that every row should change.",
                        offset=stmt.start,
                        evidence={"table": table},
                        severity=Severity.WARNING,
                    )
        elif stmt.tag == "TruncateStmt":
            tables = [relation_name(r.get("RangeVar")) for r in node.get("relations", ())]
            cascade = (
                " CASCADE also empties every table referencing them"
                if node.get("behavior") == "DROP_CASCADE"
                else ""
            )
            yield Hit(
                stmt,
                f"TRUNCATE empties {', '.join(tables)}{cascade}.",
                offset=stmt.start,
                evidence={"tables": tables},
            )
        elif stmt.tag == "DropStmt" and node.get("behavior") == "DROP_CASCADE":
            # Whether anything depends on it is not known here: a risk, not a certain loss.
            yield Hit(
                stmt,
                "DROP … CASCADE also drops every object that depends on it (views, foreign keys, triggers) without naming them.",
                offset=stmt.start,
                severity=Severity.WARNING,
            )
        else:
            for cmd in alter_cmds(stmt):
                if cmd.get("behavior") == "DROP_CASCADE" and cmd.get("subtype") in (
                    "AT_DropColumn",
                    "AT_DropConstraint",
                ):
                    yield Hit(
                        stmt,
                        "DROP … CASCADE also drops the views, constraints and indexes that depend on it.",
                        offset=stmt.start,
                        severity=Severity.WARNING,
                    )


RULE = Rule(
    id="data-wipe",
    severity=Severity.ERROR,
    problem="A statement that deletes or empties whole tables, or drops dependents it does not name, turns a migration into data loss.",
    help=(
        "Add a WHERE clause, drop the dependents explicitly by name, and take a backup you have restored before wiping data."
        " When the rows may go, say so at the top of the file with `-- pgwarden: destructive -- <why>`: `pgwarden migrate up` refuses a file that would lose rows without it (PW211)."
    ),
    bad="DELETE FROM jobs;",
    good="DELETE FROM jobs WHERE finished_at < now() - interval '90 days';",
    check=check,
    tags=frozenset({"DeleteStmt", "UpdateStmt", "TruncateStmt", "DropStmt", "AlterTableStmt"}),
)
