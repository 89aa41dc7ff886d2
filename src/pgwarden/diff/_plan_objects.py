"""Statements for schemas, extensions, enums, domains, sequences and functions."""

from __future__ import annotations

import re
from dataclasses import replace

from psycopg import sql

from ..catalog.model import Function
from . import _ddl as ddl
from ._ddl import Q
from ._plan import Phase, Plan
from .changes import (
    ColumnUse,
    DomainChange,
    EnumChange,
    ExtensionChange,
    FunctionChange,
    SchemaChange,
    SequenceChange,
)

_OLD_SUFFIX = "__pgwarden_old"
_MOVE_SUFFIX = "__pgwarden_move"
_WORDS = re.compile(r"[\s,()]+|\[\]")


def schema(plan: Plan, c: SchemaChange) -> None:
    if c.expected is not None:
        plan.add(Phase.CREATE_SCHEMA, sql.SQL("CREATE SCHEMA {};").format(sql.Identifier(c.expected)))
    elif c.actual is not None:
        plan.add(
            Phase.DROP_SCHEMA,
            sql.SQL("DROP SCHEMA {};").format(sql.Identifier(c.actual)),
            f"drops schema {c.actual}",
        )


def extension(plan: Plan, c: ExtensionChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.EXTENSION, ddl.create_extension(e))
    elif a is not None and e is None:
        plan.add(
            Phase.DROP_EXTENSION,
            sql.SQL("DROP EXTENSION {};").format(sql.Identifier(a.name)),
            f"drops extension {a.name} with its objects and any data they hold",
        )
    elif e is not None and a is not None:
        name = sql.Identifier(e.name)
        if e.schema != a.schema:
            plan.add(
                Phase.EXTENSION,
                sql.SQL("ALTER EXTENSION {} SET SCHEMA {};").format(name, sql.Identifier(e.schema)),
            )
        if e.version != a.version:
            plan.add(
                Phase.EXTENSION,
                sql.SQL("ALTER EXTENSION {} UPDATE TO {};").format(name, sql.Literal(e.version)),
            )


def enum(plan: Plan, c: EnumChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.TYPE, ddl.create_enum(e))
    elif a is not None and e is None:
        plan.add(Phase.DROP_TYPE, sql.SQL("DROP TYPE {};").format(sql.Identifier(a.schema, a.name)))
    elif e is not None and a is not None:
        if c.recreate:
            _recreate_type(
                plan, e.schema, e.name, ddl.create_enum(e), c.uses, "text", f"recreates enum {e.qualname}"
            )
        else:
            plan.add(Phase.ENUM_VALUE, ddl.add_enum_values(e, a))


def domain(plan: Plan, c: DomainChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.TYPE, ddl.create_domain(e))
    elif a is not None and e is None:
        plan.add(Phase.DROP_TYPE, sql.SQL("DROP DOMAIN {};").format(sql.Identifier(a.schema, a.name)))
    elif e is not None and a is not None:
        if c.recreate:
            _recreate_type(
                plan, e.schema, e.name, ddl.create_domain(e), c.uses, a.type, f"recreates domain {e.qualname}"
            )
        else:
            plan.add(Phase.TYPE, ddl.alter_domain(e, a))


def _recreate_type(
    plan: Plan, schema: str, name: str, create: Q, uses: tuple[ColumnUse, ...], via: str, why: str
) -> None:
    """Rename the old type away, create the new one, convert every column, drop the old one."""
    old = name[: 63 - len(_OLD_SUFFIX)] + _OLD_SUFFIX
    out: list[Q] = [
        sql.SQL("ALTER TYPE {} RENAME TO {};").format(sql.Identifier(schema, name), sql.Identifier(old)),
        create,
    ]
    for u in uses:
        t = sql.Identifier(u.schema, u.table)
        array = "[]" if u.type.endswith("[]") else ""
        if u.default is not None:
            out.append(ddl.alter_column(t, u.column, sql.SQL("DROP DEFAULT")))
        out.append(
            ddl.alter_column(
                t,
                u.column,
                sql.SQL("TYPE {} USING {}::{}::{}").format(
                    ddl.raw(u.type), sql.Identifier(u.column), ddl.raw(via + array), ddl.raw(u.type)
                ),
            )
        )
        if u.default is not None:
            out.append(ddl.alter_column(t, u.column, sql.SQL("SET DEFAULT {}").format(ddl.raw(u.default))))
    out.append(sql.SQL("DROP TYPE {};").format(sql.Identifier(schema, old)))
    plan.add(Phase.TYPE, out, f"{why}: values it no longer has make the conversion fail")


def sequence(plan: Plan, c: SequenceChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.SEQUENCE, ddl.create_sequence(e))
        if e.owned_by:
            plan.add(Phase.SEQUENCE_OWNER, ddl.sequence_owner(e))
    elif a is not None and e is None:
        plan.add(
            Phase.DROP_SEQUENCE,
            sql.SQL("DROP SEQUENCE IF EXISTS {};").format(sql.Identifier(a.schema, a.name)),
            f"drops sequence {a.qualname} and its current value",
        )
    elif e is not None and a is not None:
        if c.kind == "probable_rename":
            rename_relation(plan, "SEQUENCE", a.schema, a.name, e.schema, e.name, c.taken)
        elif c.kind == "sequence_mismatch":
            if ddl.sequence_options(e).as_string() != ddl.sequence_options(a).as_string():
                narrower = _narrower(e.min_value, a.min_value, e.max_value, a.max_value)
                plan.add(
                    Phase.SEQUENCE,
                    ddl.alter_sequence(e, restart=narrower),
                    f"restarts sequence {e.qualname} at {e.start}: new values may collide with existing rows"
                    if narrower
                    else None,
                )
            if e.owned_by != a.owned_by:
                if a.owned_by:
                    # Released before the drops: dropping the column (or table) that owns it
                    # would drop the sequence too.
                    plan.add(Phase.RENAME, ddl.sequence_owner(replace(e, owned_by=None)))
                if e.owned_by:
                    plan.add(Phase.SEQUENCE_OWNER, ddl.sequence_owner(e))


def rename_relation(
    plan: Plan,
    what: str,
    schema: str,
    name: str,
    new_schema: str,
    new_name: str,
    taken: frozenset[str] = frozenset(),
) -> None:
    """``RENAME TO`` and ``SET SCHEMA``, through a name in between that ``taken`` does not hold.

    Renamed first in the old schema when the new name is free there, else moved first when
    the old name is free in the new schema, else through a temporary name.
    """
    out: list[Q] = []
    if schema == new_schema or name == new_name:
        if schema != new_schema:
            out.append(_set_schema(what, schema, name, new_schema))
        if name != new_name:
            out.append(_rename(what, new_schema, name, new_name))
    elif f"{schema}.{new_name}" not in taken:
        out += [_rename(what, schema, name, new_name), _set_schema(what, schema, new_name, new_schema)]
    elif f"{new_schema}.{name}" not in taken:
        out += [_set_schema(what, schema, name, new_schema), _rename(what, new_schema, name, new_name)]
    else:
        through = name[: 63 - len(_MOVE_SUFFIX)] + _MOVE_SUFFIX
        out += [
            _rename(what, schema, name, through),
            _set_schema(what, schema, through, new_schema),
            _rename(what, new_schema, through, new_name),
        ]
    plan.add(Phase.RENAME, out)


def _rename(what: str, schema: str, name: str, new_name: str) -> Q:
    return sql.SQL("ALTER {} {} RENAME TO {};").format(
        sql.SQL(what), sql.Identifier(schema, name), sql.Identifier(new_name)
    )


def _set_schema(what: str, schema: str, name: str, new_schema: str) -> Q:
    return sql.SQL("ALTER {} {} SET SCHEMA {};").format(
        sql.SQL(what), sql.Identifier(schema, name), sql.Identifier(new_schema)
    )


def function(plan: Plan, c: FunctionChange) -> None:
    e, a = c.expected, c.actual
    if a is not None and (e is None or c.replace_impossible):
        plan.add(Phase.DROP_LATE_FUNCTION if e is None else Phase.DROP_FUNCTION, ddl.drop_function(a))
    if e is None:
        return
    if not e.definition:
        plan.add(
            Phase.FUNCTION,
            sql.SQL("-- {} {} cannot be scripted from the catalog: create it by hand").format(
                sql.SQL(e.kind), ddl.function_target(e)
            ),
        )
        return
    if e.language == "sql" and not plan.check_bodies_off:
        # As pg_dump does: a SQL body may read tables and call functions created further down.
        plan.check_bodies_off = True
        plan.add(Phase.EARLY_FUNCTION, sql.SQL("SET check_function_bodies = off;"))
    plan.add(_function_phase(plan, e), ddl.create_function(e))


def _function_phase(plan: Plan, f: Function) -> Phase:
    """Before the tables, so that defaults, checks and indexes can call it, unless it cannot be.

    A signature naming a table or view created by the script needs that relation's row
    type; a SQL-standard body (``BEGIN ATOMIC``) is always checked against the tables.
    """
    words = set(_WORDS.split(f"{f.arguments} {f.returns or ''}"))
    if words & plan.created_views:
        return Phase.LATE_FUNCTION
    if words & plan.created_tables or "BEGIN ATOMIC" in f.definition:
        return Phase.FUNCTION
    return Phase.EARLY_FUNCTION


def _narrower(e_min: int | None, a_min: int | None, e_max: int | None, a_max: int | None) -> bool:
    """The new bounds may exclude the current value, which only a RESTART can fix."""
    raises_min = e_min is not None and (a_min is None or e_min > a_min)
    lowers_max = e_max is not None and (a_max is None or e_max < a_max)
    return raises_min or lowers_max
