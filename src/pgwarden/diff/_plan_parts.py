"""Statements for the attachments of partition indexes that ``_parts.compare`` found different."""

from __future__ import annotations

from psycopg import sql

from . import _ddl as ddl
from ._plan import Phase, Plan
from .changes import IndexChange

_CONSTRAINT_SQL = {"primary key": "PRIMARY KEY", "unique": "UNIQUE"}


def plan(p: Plan, c: IndexChange) -> None:
    """Renames and attachments that turn the actual attachments into the expected ones."""
    e, a = c.expected, c.actual
    assert e is not None and a is not None
    current = {part.table: part for part in a.attached}
    # The partition's unattached index of that name is a plain one (an extra index, not a constraint's).
    plain = {
        (f"{x.schema}.{x.table}", x.actual.name)
        for x in p.changes
        if isinstance(x, IndexChange) and x.kind == "extra_index" and x.actual is not None
    }
    parent = sql.Identifier(c.schema, e.name)
    for part in e.attached:
        if part in a.attached:
            continue
        schema = part.table.partition(".")[0]
        old = current.get(part.table)
        if old is not None:
            if old.constraint == part.constraint:
                rename = sql.SQL("ALTER INDEX {} RENAME TO {};")
                p.add(
                    Phase.RENAME, rename.format(sql.Identifier(schema, old.name), sql.Identifier(part.name))
                )
            continue  # an attached index cannot be detached: the finding stays
        if (part.table, part.name) not in p.attaching:
            continue  # the partition has no unattached index of that name: the finding stays
        statements: list[sql.Composable] = []
        if part.constraint in _CONSTRAINT_SQL and (part.table, part.name) in plain:
            statements.append(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {} USING INDEX {};").format(
                    sql.Identifier(*part.table.split(".", 1)),
                    sql.Identifier(part.name),
                    sql.SQL(_CONSTRAINT_SQL[part.constraint]),
                    sql.Identifier(part.name),
                )
            )
        statements.append(
            sql.SQL("ALTER INDEX {} ATTACH PARTITION {};").format(parent, sql.Identifier(schema, part.name))
        )
        p.add(Phase.ATTACH_INDEX, statements)


def drop_index(p: Plan, schema: str, name: str) -> sql.Composable:
    """``DROP INDEX``, with ``CASCADE`` only for a parent index whose partitions' constraints go too."""
    parts = p.cascading.get((schema, name))
    if not parts:
        return ddl.drop_index(schema, name)
    also = ", ".join(f"{part.table}.{part.name}" for part in parts).replace("\n", " ")
    return sql.SQL(
        "-- also drops the partitions' constraints attached to it: {}\nDROP INDEX {} CASCADE;"
    ).format(sql.SQL(also), sql.Identifier(schema, name))
