"""Statements for tables, their columns, constraints, indexes, triggers and policies."""

from __future__ import annotations

from importlib import resources

from psycopg import sql

from ..catalog.model import Column, Table
from . import _ddl as ddl
from ._ddl import Q
from ._deps import topological
from ._names import quoted, split_qualname
from ._parts import attachments_only
from ._plan import Phase, Plan
from ._plan_objects import rename_relation
from ._plan_parts import drop_index
from ._plan_parts import plan as plan_parts
from ._plan_settings import set_identity_options, table_replica_identity
from ._retype import column_type
from .changes import (
    ColumnChange,
    ConstraintChange,
    IndexChange,
    PolicyChange,
    TableChange,
    TriggerChange,
)


def _needs(t: Table) -> set[str]:
    """Tables that must exist before ``t``: its partitioned parent and the tables it references."""
    return {t.partition_of or "", *t.inherits} | {c.references or "" for c in t.constraints}


def table(plan: Plan, c: TableChange) -> None:
    """A rename, a comment or an option of a table that exists on both sides."""
    e, a = c.expected, c.actual
    if e is None or a is None:
        return
    t = sql.Identifier(e.schema, e.name)
    if c.kind == "probable_rename":
        rename_relation(plan, "TABLE", a.schema, a.name, e.schema, e.name, c.taken)
    elif c.kind == "comment_mismatch" and e.qualname not in plan.recreated_tables:
        plan.add(Phase.COMMENT, ddl.comment_on("TABLE", t, e.comment))
    elif c.kind == "table_options_mismatch" and not c.recreate:
        actual_parent = plan.table_renames.get(a.partition_of or "", a.partition_of)
        if (e.partition_of, e.partition_bound) != (actual_parent, a.partition_bound):
            if actual_parent:
                plan.add(Phase.DROP_TABLE, _detach(actual_parent, e))
            if e.partition_of:
                plan.add(
                    Phase.ATTACH,
                    sql.SQL("ALTER TABLE {} ATTACH PARTITION {} {};").format(
                        ddl.ident(e.partition_of), t, ddl.raw(e.partition_bound or "DEFAULT")
                    ),
                )
        if e.inherits != a.inherits:
            _inherits(plan, t, e, a)
        if e.unlogged != a.unlogged:
            plan.add(
                Phase.TABLE,
                sql.SQL("ALTER TABLE {} SET {};").format(t, sql.SQL("UNLOGGED" if e.unlogged else "LOGGED")),
            )
        if e.rls_enabled != a.rls_enabled or e.rls_forced != a.rls_forced:
            plan.add(Phase.POLICY, ddl.rls(t, e, a))
        table_replica_identity(plan, t, e, a)


def _detach(parent: str, partition: Table) -> Q:
    """``DETACH PARTITION``, then drop the constraints and indexes the parent had given it."""
    template = (
        resources.files(__package__).joinpath("sql").joinpath("detach_partition.sql").read_text("utf-8")
    )
    body = "\n".join(line for line in template.splitlines() if not line.startswith("--"))
    return sql.SQL(body).format(
        parent=sql.Literal(quoted(*split_qualname(parent))),
        partition=sql.Literal(quoted(partition.schema, partition.name)),
    )


def _inherits(plan: Plan, t: Q, e: Table, a: Table) -> None:
    """NO INHERIT before columns are dropped; INHERIT once the child has every column of the parent."""
    before = [plan.table_renames.get(p, p) for p in a.inherits]
    for parent in before:
        if parent not in e.inherits:
            plan.add(Phase.NO_INHERIT, sql.SQL("ALTER TABLE {} NO INHERIT {};").format(t, ddl.ident(parent)))
    for parent in e.inherits:
        if parent not in before:
            plan.add(Phase.ATTACH, sql.SQL("ALTER TABLE {} INHERIT {};").format(t, ddl.ident(parent)))


def drop_tables(plan: Plan, tables: list[Table]) -> None:
    """One ``DROP TABLE`` for them all: the server then resolves what holds between them.

    Partitions, foreign keys between the dropped tables and the constraints a partition
    inherits from a parent's foreign key all depend on each other; dropped one by one in any
    order, some statement would find another still standing on its table.
    """
    if not tables:
        return
    names: list[Q] = []
    out: list[Q] = []
    reasons: list[str] = []
    for t in reversed(topological(tables, key=lambda t: t.qualname, needs=_needs)):
        names.append(sql.Identifier(t.schema, t.name))
        recreate = plan.recreated_tables.get(plan.table_renames.get(t.qualname, t.qualname))
        if recreate is not None:
            # Keep the sequences of serial columns: they outlive the table they move to.
            out += [
                sql.SQL("ALTER SEQUENCE {} OWNED BY NONE;").format(ddl.raw(seq))
                for col in t.columns
                for seq in ddl.sequences_in(col.default)
            ]
        reasons.append(f"{'recreates' if recreate is not None else 'drops'} table {t.qualname}")
    out.append(sql.SQL("DROP TABLE {};").format(sql.SQL(", ").join(names)))
    plan.add(
        Phase.DROP_TABLE, out, f"{'; '.join(reasons)}: {'its' if len(names) == 1 else 'their'} rows are lost"
    )


def create_tables(plan: Plan, changes: list[TableChange]) -> None:
    """Missing and recreated tables, parents and referenced tables first, with everything they hold."""
    by_name = {c.expected.qualname: c for c in changes if c.expected is not None}
    tables = [c.expected for c in changes if c.expected is not None]
    for t in topological(tables, key=lambda t: t.qualname, needs=_needs):
        c = by_name[t.qualname]
        why = f"recreates table {t.qualname}: its rows are lost" if c.recreate else None
        _create_table(plan, t, c.parent, why)


def _create_table(plan: Plan, t: Table, parent: Table | None, why: str | None) -> None:
    name = sql.Identifier(t.schema, t.name)
    plan.add(Phase.TABLE, ddl.create_table(t), why)
    if t.partition_of and parent is not None:
        plan.add(Phase.COLUMN, _partition_columns(name, t, parent), why)
    for con in ddl.later_constraints(t):
        phase = Phase.FOREIGN_KEY if con.kind == "foreign_key" else Phase.CONSTRAINT
        plan.add(phase, ddl.add_constraint(name, con.name, con.definition), why)
    for index in t.indexes:
        if index.constraint is None:
            plan.add(Phase.INDEX, ddl.create_index(index), why)
    if why is not None:
        plan.add(
            Phase.SEQUENCE_OWNER,
            [
                sql.SQL("ALTER SEQUENCE {} OWNED BY {};").format(
                    ddl.raw(seq), sql.Identifier(t.schema, t.name, col.name)
                )
                for col in t.columns
                for seq in ddl.sequences_in(col.default)
            ],
            why,
        )
    table_replica_identity(plan, name, t, None, why)
    for tr in t.triggers:
        plan.add(Phase.TRIGGER, ddl.create_trigger(tr, name), why)
    if t.rls_enabled or t.rls_forced:
        plan.add(Phase.POLICY, ddl.rls(name, t), why)
    for p in t.policies:
        plan.add(Phase.POLICY, ddl.create_policy(p, name), why)
    comments: list[Q] = []
    if t.comment is not None:
        comments.append(ddl.comment_on("TABLE", name, t.comment))
    comments += [
        ddl.comment_on("COLUMN", sql.Identifier(t.schema, t.name, col.name), col.comment)
        for col in t.columns
        if col.comment is not None
    ]
    plan.add(Phase.COMMENT, comments, why)


def columns(plan: Plan, group: list[ColumnChange]) -> None:
    """All the changes of one column, as one ordered set of statements."""
    first = group[0]
    t = sql.Identifier(first.schema, first.table)
    kinds = {c.kind for c in group}
    e, a = first.expected, first.actual
    if "missing_column" in kinds and e is not None:
        plan.add(
            Phase.COLUMN,
            sql.SQL("ALTER TABLE {} ADD COLUMN {};").format(t, ddl.column_definition(e)),
            order=-first.depth,
        )
        if e.comment is not None:
            plan.add(Phase.COMMENT, ddl.comment_on("COLUMN", _column_ident(first, e), e.comment))
        return
    if "extra_column" in kinds and a is not None:
        # ONLY: a child that keeps the column keeps its values; the others drop their copies themselves.
        plan.add(
            Phase.DROP_COLUMN,
            sql.SQL("ALTER TABLE {}{} DROP COLUMN {};").format(
                sql.SQL("ONLY " if first.only else ""), t, sql.Identifier(a.name)
            ),
            f"drops column {first.table_qualname}.{a.name} and its data",
            order=first.depth,
        )
        return
    if e is None or a is None:
        return
    if "probable_rename" in kinds:
        plan.add(
            Phase.RENAME,
            sql.SQL("ALTER TABLE {} RENAME COLUMN {} TO {};").format(
                t, sql.Identifier(a.name), sql.Identifier(e.name)
            ),
        )
    if "comment_mismatch" in kinds:
        plan.add(Phase.COMMENT, ddl.comment_on("COLUMN", _column_ident(first, e), e.comment))
    alter = kinds & {
        "type_mismatch",
        "nullability_mismatch",
        "default_mismatch",
        "identity_mismatch",
        "collation_mismatch",
    }
    if alter:
        statements, why = _alter_column(t, e, a, alter, first.table_qualname, only=first.only)
        plan.add(Phase.COLUMN, statements, why, order=first.depth)


def in_table(plan: Plan, c: ConstraintChange | IndexChange | TriggerChange | PolicyChange) -> None:
    t = sql.Identifier(c.schema, c.table)
    e, a = c.expected, c.actual
    if isinstance(c, ConstraintChange):
        if a is not None and e is not None and c.kind == "probable_rename":
            plan.add(
                Phase.RENAME,
                sql.SQL("ALTER TABLE {} RENAME CONSTRAINT {} TO {};").format(
                    t, sql.Identifier(a.name), sql.Identifier(e.name)
                ),
            )
        elif c.kind == "constraint_not_validated" and e is not None:
            plan.add(
                Phase.VALIDATE,
                sql.SQL("ALTER TABLE {} VALIDATE CONSTRAINT {};").format(t, sql.Identifier(e.name)),
            )
        else:
            qual = f"{c.schema}.{c.table}"
            if (
                c.actual is not None
                and (qual, c.actual.name) not in plan.attaching | plan.cascaded_constraints
            ):
                ca = c.actual
                phase = Phase.DROP_FOREIGN_KEY if ca.kind == "foreign_key" else Phase.DROP_CONSTRAINT
                plan.add(phase, ddl.drop_constraint(t, ca.name))
            if c.expected is not None and (qual, c.expected.name) not in plan.attaching:
                ce = c.expected
                phase = Phase.FOREIGN_KEY if ce.kind == "foreign_key" else Phase.CONSTRAINT
                plan.add(phase, ddl.add_constraint(t, ce.name, ce.definition))
    elif isinstance(c, IndexChange):
        if c.actual is not None and c.expected is not None and c.kind == "probable_rename":
            plan.add(
                Phase.RENAME,
                sql.SQL("ALTER INDEX {} RENAME TO {};").format(
                    sql.Identifier(c.schema, c.actual.name), sql.Identifier(c.expected.name)
                ),
            )
        elif attachments_only(c):
            plan_parts(plan, c)
        elif c.kind == "invalid_index" and c.expected is not None:
            phase = Phase.VIEW_INDEX if c.on_view else Phase.INDEX
            plan.add(phase, sql.SQL("REINDEX INDEX {};").format(sql.Identifier(c.schema, c.expected.name)))
        else:
            if c.actual is not None and (f"{c.schema}.{c.table}", c.actual.name) not in plan.attaching:
                plan.add(Phase.DROP_INDEX, drop_index(plan, c.schema, c.actual.name))
            if c.expected is not None:
                plan.add(Phase.VIEW_INDEX if c.on_view else Phase.INDEX, ddl.create_index(c.expected))
    elif isinstance(c, TriggerChange):
        te, ta = c.expected, c.actual
        if te is not None and ta is not None and te.definition == ta.definition:
            plan.add(Phase.TRIGGER, ddl.trigger_state(te, t))
            return
        if ta is not None:
            plan.add(Phase.DROP_TRIGGER, ddl.drop_trigger(ta.name, t))
        if te is not None:
            plan.add(Phase.TRIGGER, ddl.create_trigger(te, t))
    else:
        pe, pa = c.expected, c.actual
        if pa is not None:
            plan.add(Phase.DROP_POLICY, ddl.drop_policy(pa.name, t))
        if pe is not None:
            plan.add(Phase.POLICY, ddl.create_policy(pe, t))


def _column_ident(c: ColumnChange, column: Column) -> Q:
    return sql.Identifier(c.schema, c.table, column.name)


def _partition_columns(name: Q, t: Table, parent: Table) -> list[Q]:
    """A partition's own defaults and NOT NULLs, where they differ from what it inherits."""
    out: list[Q] = []
    for col in t.columns:
        inherited = parent.column(col.name)
        if inherited is None:
            continue
        if col.default != inherited.default:
            action = (
                sql.SQL("SET DEFAULT {}").format(ddl.raw(col.default))
                if col.default is not None
                else sql.SQL("DROP DEFAULT")
            )
            out.append(ddl.alter_column(name, col.name, action))
        if col.nullable != inherited.nullable:
            out.append(
                ddl.alter_column(name, col.name, sql.SQL("DROP NOT NULL" if col.nullable else "SET NOT NULL"))
            )
    return out


def _alter_column(
    t: Q, e: Column, a: Column, kinds: set[str], table: str, *, only: bool = False
) -> tuple[list[Q], str | None]:
    """The ALTER COLUMN steps from ``a`` to ``e``, in an order the server accepts.

    Identity is dropped before NOT NULL can be, defaults go before a type change (they
    may not cast) and before identity is added, and come back last. A parent's default
    stops at the parent (``only``): a child's own default would be overwritten, and each
    child's differing default is a change of its own.
    """
    out: list[Q] = []
    own = sql.SQL("ONLY {}").format(t) if only else t
    if e.generated != a.generated or e.virtual != a.virtual:
        if e.generated is None and not a.virtual:
            out.append(ddl.alter_column(t, e.name, sql.SQL("DROP EXPRESSION")))
            a = Column(a.name, a.type, a.nullable, None, a.identity, None, a.collation, a.comment)
        else:
            # A column cannot become generated, change its expression or switch between stored and
            # virtual in place; a virtual one cannot DROP EXPRESSION (it has no values to keep).
            why = (
                None
                if a.generated is not None and e.generated is not None
                else f"replaces column {table}.{a.name} by a {'generated' if e.generated else 'plain'} column"
            )
            return [
                sql.SQL("ALTER TABLE {} DROP COLUMN {};").format(t, sql.Identifier(a.name)),
                sql.SQL("ALTER TABLE {} ADD COLUMN {};").format(t, ddl.column_definition(e)),
            ], why
    if a.identity is not None and e.identity is None:
        out.append(ddl.alter_column(t, e.name, sql.SQL("DROP IDENTITY")))
    # Only what the changes name: a child's type follows its parent's change, not its own.
    retype = bool(kinds & {"type_mismatch", "collation_mismatch"}) and (
        e.type != a.type or e.collation != a.collation
    )
    add_identity = e.identity is not None and a.identity is None
    drop_default = a.default is not None and ("default_mismatch" in kinds or retype or add_identity)
    if drop_default:
        out.append(ddl.alter_column(own, e.name, sql.SQL("DROP DEFAULT")))
    if retype:
        out.append(
            column_type(t, e, using=e.type != a.type and e.generated is None, from_type=a.type, table=table)
        )
    if e.nullable != a.nullable and "nullability_mismatch" in kinds:
        out.append(ddl.alter_column(t, e.name, sql.SQL("DROP NOT NULL" if e.nullable else "SET NOT NULL")))
    if add_identity:
        out.append(
            ddl.alter_column(
                t,
                e.name,
                sql.SQL("ADD {}").format(ddl.identity_clause(e)),
            )
        )
    elif e.identity is not None and a.identity is not None and e.identity != a.identity:
        out.append(
            ddl.alter_column(t, e.name, sql.SQL("SET GENERATED {}").format(sql.SQL(e.identity.upper())))
        )
    if e.identity is not None and a.identity is not None and e.identity_options != a.identity_options:
        out.append(ddl.alter_column(t, e.name, set_identity_options(e)))
    if e.default is not None and (drop_default or "default_mismatch" in kinds) and e.generated is None:
        out.append(ddl.alter_column(own, e.name, sql.SQL("SET DEFAULT {}").format(ddl.raw(e.default))))
    return out, None
