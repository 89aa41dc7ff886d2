"""primary-key-without-index: ADD PRIMARY KEY (or a serial primary key column) builds its index under lock."""

from __future__ import annotations

from collections.abc import Iterator

from ...findings import Severity
from ..model import Hit, Rule, Source
from ..nodes import added_constraints


def check(source: Source) -> Iterator[Hit]:
    for stmt, table, con in added_constraints(source, "CONSTR_PRIMARY"):
        if con.get("indexname"):
            continue
        yield Hit(
            stmt,
            f"Adding a primary key to {table} builds a unique index while reads and writes wait.",
            offset=stmt.at(con.get("location")),
            evidence={"table": table},
        )


RULE = Rule(
    id="primary-key-without-index",
    severity=Severity.WARNING,
    problem="ADD PRIMARY KEY (also ADD COLUMN id serial PRIMARY KEY) builds its index and fills the column under an ACCESS EXCLUSIVE lock.",
    help="Create a unique index CONCURRENTLY first, then ADD CONSTRAINT … PRIMARY KEY USING INDEX.",
    bad="ALTER TABLE jobs ADD PRIMARY KEY (id);",
    good="ALTER TABLE jobs ADD CONSTRAINT jobs_pkey PRIMARY KEY USING INDEX jobs_id_idx;",
    check=check,
    tags=frozenset({"AlterTableStmt"}),
)
