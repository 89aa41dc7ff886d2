"""``[[expect.constraints]]``: the constraint exists with the declared kind, and is validated."""

from __future__ import annotations

from psycopg import sql

from ...catalog.model import Schema
from ...errors import ConfigError
from ...expectations import ExpectConstraint
from ...findings import Finding
from ._common import as_evidence, drift_finding, no_table, split_name

_CONSTRAINT_KINDS = {
    "primary_key": "primary_key",
    "pk": "primary_key",
    "unique": "unique",
    "foreign_key": "foreign_key",
    "fk": "foreign_key",
    "check": "check",
    "exclusion": "exclusion",
    "exclude": "exclusion",
}


def check_constraint(expect: ExpectConstraint, schema: Schema) -> list[Finding]:
    nsp, table_name = split_name(expect.table, expect.schema)
    qual_table = f"{nsp}.{table_name}"
    obj = f"{qual_table}.{expect.name}"
    declared = as_evidence(expect)
    kind = None
    if expect.kind is not None:
        kind = _CONSTRAINT_KINDS.get(expect.kind.lower().replace(" ", "_").replace("-", "_"))
        if kind is None:
            raise ConfigError(
                f"[[expect.constraints]] {obj}: `kind` must be one of primary_key, unique, foreign_key, "
                f"check, exclusion; got {expect.kind!r}."
            )
    table = schema.table(qual_table)
    if table is None:
        what = f"Constraint {expect.name}"
        return [no_table("missing_constraint", obj, what, qual_table, "constraints", declared)]
    found = table.constraint_map.get(expect.name)
    if found is None:
        return [
            drift_finding(
                "missing_constraint",
                obj,
                f"Constraint {expect.name} on {qual_table} does not exist, so the rule it enforces is not "
                "enforced.",
                "Add it in a migration (ALTER TABLE ... ADD CONSTRAINT ... NOT VALID, then VALIDATE CONSTRAINT).",
                expected=declared,
                actual=sorted(table.constraint_map) or None,
            )
        ]
    facts = {
        "name": found.name,
        "kind": found.kind,
        "definition": found.definition,
        "validated": found.validated,
    }
    if kind is not None and found.kind != kind:
        return [
            drift_finding(
                "constraint_mismatch",
                obj,
                f"Constraint {expect.name} on {qual_table} is a {found.kind.replace('_', ' ')} constraint, "
                f"not a {kind.replace('_', ' ')} constraint as declared.",
                "Re-create it in a migration, or fix `kind` in [[expect.constraints]].",
                expected=declared,
                actual=facts,
            )
        ]
    if not found.validated:
        return [
            drift_finding(
                "constraint_not_validated",
                obj,
                f"Constraint {expect.name} on {qual_table} was added NOT VALID and never validated, so "
                "existing rows may break it.",
                "Validate it (the statement below scans the table without blocking writes).",
                fix=sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {}").format(
                    sql.Identifier(nsp, table_name), sql.Identifier(expect.name)
                ),
                expected=declared,
                actual=facts,
            )
        ]
    return []
