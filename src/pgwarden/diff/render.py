"""``render_sql(changes)``: a migration script turning the actual schema into the expected one."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from ..catalog.model import Table
from . import _plan_kinds as kinds
from . import _plan_objects as objects
from . import _plan_tables as tables
from . import _plan_views as views
from ._order import functions_in_order
from ._plan import Plan, Statement
from ._plan_parts import name_created
from ._plan_rebuild import rebuild, repointed
from .changes import (
    Change,
    ColumnChange,
    ConstraintChange,
    DomainChange,
    EnumChange,
    ExtensionChange,
    FunctionChange,
    IndexChange,
    PolicyChange,
    SchemaChange,
    SequenceChange,
    TableChange,
    TriggerChange,
    ViewChange,
)
from .kind_changes import (
    CollationChange,
    CompositeTypeChange,
    DefaultPrivilegeChange,
    GrantChange,
    OwnerChange,
)


def plan(changes: Sequence[Change]) -> list[Statement]:
    """The statements for ``changes``, in dependency order, each knowing whether it loses data."""
    p = Plan(changes)
    to_create: list[TableChange] = []
    to_drop: list[Table] = []
    view_changes: list[ViewChange] = []
    columns: dict[tuple[str, str], list[ColumnChange]] = defaultdict(list)
    function_changes: list[FunctionChange] = []
    for c in changes:
        if isinstance(c, TableChange):
            if c.kind == "missing_table" or c.recreate:
                to_create.append(c)
            if (c.kind == "extra_table" or c.recreate) and c.actual is not None:
                to_drop.append(c.actual)
            if c.kind not in ("missing_table", "extra_table"):
                tables.table(p, c)
        elif isinstance(c, ViewChange):
            view_changes.append(c)
        elif isinstance(c, ColumnChange):
            if c.table_qualname not in p.recreated_tables:
                columns[(c.table_qualname, c.object)].append(c)
        elif isinstance(c, (ConstraintChange, IndexChange, TriggerChange, PolicyChange)):
            if c.table_qualname not in p.recreated_tables:
                tables.in_table(p, c)
        elif isinstance(c, SchemaChange):
            objects.schema(p, c)
        elif isinstance(c, ExtensionChange):
            objects.extension(p, c)
        elif isinstance(c, EnumChange):
            objects.enum(p, c)
        elif isinstance(c, DomainChange):
            objects.domain(p, c)
        elif isinstance(c, SequenceChange):
            objects.sequence(p, c)
        elif isinstance(c, FunctionChange):
            if c.kind != "comment_mismatch":
                function_changes.append(c)
            kinds.function_comment(p, c)
        elif isinstance(c, CollationChange):
            kinds.collation(p, c)
        elif isinstance(c, CompositeTypeChange):
            kinds.composite_type(p, c)
        elif isinstance(c, GrantChange):
            kinds.grant(p, c)
        elif isinstance(c, OwnerChange):
            kinds.owner(p, c)
        elif isinstance(c, DefaultPrivilegeChange):
            kinds.default_privilege(p, c)
    _functions(p, function_changes)
    tables.drop_tables(p, to_drop)
    tables.create_tables(p, to_create)
    name_created(p, changes)
    for group in columns.values():
        tables.columns(p, group)
    views.views(p, view_changes, rebuild(p, changes), repointed(changes))
    return p.statements()


def _functions(p: Plan, changes: list[FunctionChange]) -> None:
    """Created after the functions their bodies call; dropped before them (reverse order)."""
    gone = {c.actual.qualname: c for c in changes if c.expected is None and c.actual is not None}
    kept = {c.expected.qualname: c for c in changes if c.expected is not None}
    for f in reversed(functions_in_order(c.actual for c in gone.values() if c.actual is not None)):
        objects.function(p, gone[f.qualname])
    for f in functions_in_order(c.expected for c in kept.values() if c.expected is not None):
        objects.function(p, kept[f.qualname])


def render_sql(changes: Sequence[Change], *, allow_destructive: bool = False) -> str:
    """A script that turns ACTUAL into EXPECTED; an empty string when nothing differs.

    Order (see ``Phase``): new schemas; renames; drops of policies, triggers, views,
    functions being replaced, constraints (foreign keys first), indexes, columns and
    tables (children and referencing tables first); then extensions, enums and domains,
    sequences, functions (before the tables, so defaults and indexes can call them,
    unless their signature needs a new table's row type), tables in foreign-key order,
    columns, constraints, indexes, foreign keys, validations, sequence ownership, views
    after the views they read, triggers, policies and RLS, comments; last the drops of
    sequences, types, extensions and schemas, once no column uses them.

    Statements that lose data (dropping a table, a column, a sequence, a schema, a
    materialized view, recreating an enum) get a ``-- destructive: ..`` note, and are
    commented out line by line unless ``allow_destructive``.
    """
    lines: list[str] = []
    for statement in plan(changes):
        if statement.destructive:
            lines.append(f"-- destructive: {statement.destructive}")
            if not allow_destructive:
                lines += [f"-- {line}" if line else "--" for line in statement.sql.splitlines()]
                lines.append("")
                continue
        lines += [statement.sql, ""]
    return "\n".join(lines)


def fix_sql(change: Change) -> str | None:
    """The statements that fix one change, uncommented; ``None`` when none can."""
    text = "\n".join(s.sql for s in plan([change]))
    return text or None
