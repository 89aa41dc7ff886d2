"""foreign-key-lock: adding a validated foreign key locks both tables during a full scan."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import added_constraints, relation_name
from ._validate import validated_in_same_transaction


def check(source: Source) -> Iterator[Hit]:
    for stmt, table, con in added_constraints(source, "CONSTR_FOREIGN"):
        if con.get("skip_validation"):
            continue
        target = relation_name(con.get("pktable"))
        yield Hit(
            stmt,
            f"Adding a foreign key from {table} to {target} scans {table} while writes to both tables wait.",
            offset=stmt.at(con.get("location")),
            evidence={"table": table, "references": target},
        )

    for stmt, table, name in validated_in_same_transaction(source, "CONSTR_FOREIGN"):
        yield Hit(
            stmt,
            f"Foreign key {name} is validated in the same transaction that added it NOT VALID: the lock taken by the ADD is held through the full scan of {table}, as if NOT VALID had not been written.",
            offset=stmt.start,
            evidence={"table": table, "constraint": name},
        )


RULE = Rule(
    id="foreign-key-lock",
    severity=Severity.WARNING,
    problem="A validated foreign key takes SHARE ROW EXCLUSIVE locks on both tables and checks every existing row first.",
    help="Add the foreign key NOT VALID, then VALIDATE CONSTRAINT in a separate transaction (a `no-transaction` file or the next migration); it only takes a light lock.",
    bad="ALTER TABLE jobs ADD CONSTRAINT jobs_user_fk FOREIGN KEY (user_id) REFERENCES users (id);",
    good=(
        "-- pgwarden: no-transaction\n"
        "ALTER TABLE jobs DROP CONSTRAINT IF EXISTS jobs_user_fk;\n"
        "ALTER TABLE jobs ADD CONSTRAINT jobs_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"
        "ALTER TABLE jobs VALIDATE CONSTRAINT jobs_user_fk;"
    ),
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
