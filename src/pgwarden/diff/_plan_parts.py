"""Statements for the attachments of partition indexes that ``_parts.compare`` found different."""

from __future__ import annotations

from collections.abc import Sequence
from importlib import resources

from psycopg import sql

from ..catalog.model import Index, IndexPart, Table
from . import _ddl as ddl
from ._names import quoted
from ._parts import attachments_only
from ._plan import Phase, Plan
from .changes import Change, IndexChange, TableChange

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


def name_created(p: Plan, changes: Sequence[Change]) -> None:
    """Expected names for the partitions' indexes the server creates itself.

    A new partitioned index (with a new partitioned table, or alone) and a new partition get
    their partitions' indexes from the server, named by it: each is renamed as expected.
    """
    seen: set[tuple[str, str]] = set()
    for c in changes:
        for table, index, only in _created(c):
            for part in index.attached:
                key = (f"{table.schema}.{index.name}", part.table)
                if (only is None or part.table == only) and key not in seen:
                    seen.add(key)
                    p.add(Phase.ATTACH_INDEX, _rename(table.schema, index.name, part))


def _created(c: Change) -> list[tuple[Table, Index, str | None]]:
    """(partitioned table, its index, only this partition or all) whose partitions' indexes the script creates."""
    if isinstance(c, TableChange) and c.expected is not None and (c.kind == "missing_table" or c.recreate):
        out: list[tuple[Table, Index, str | None]] = []
        if c.expected.kind == "partitioned":
            out += [(c.expected, i, None) for i in c.expected.indexes]
        if c.parent is not None:
            out += [(c.parent, i, c.expected.qualname) for i in c.parent.indexes]
        return out
    if (
        isinstance(c, IndexChange)
        and c.expected is not None
        and c.kind in ("missing_index", "index_mismatch")
        and not attachments_only(c)
    ):
        return [(Table(schema=c.schema, name=c.table), c.expected, None)]
    return []


def _rename(schema: str, parent: str, part: IndexPart) -> sql.Composable:
    template = (
        resources.files(__package__).joinpath("sql").joinpath("rename_attached_index.sql").read_text("utf-8")
    )
    body = "\n".join(line for line in template.splitlines() if not line.startswith("--"))
    part_schema, part_table = part.table.split(".", 1)
    return sql.SQL(body).format(
        parent=sql.Literal(quoted(schema, parent)),
        partition=sql.Literal(quoted(part_schema, part_table)),
        name=sql.Literal(part.name),
        target=sql.Literal(quoted(part_schema, part.name)),
        schema=sql.Literal(part_schema),
    )
