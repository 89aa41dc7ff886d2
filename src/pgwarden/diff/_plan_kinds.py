"""Statements for collations, composite types and function comments."""

from __future__ import annotations

from psycopg import sql

from ..catalog.kinds import Attribute, Collation, CompositeType, Grant
from . import _ddl as ddl
from ._ddl import Q
from ._plan import Phase, Plan
from .changes import FunctionChange
from .kind_changes import (
    CollationChange,
    CompositeTypeChange,
    DefaultPrivilegeChange,
    GrantChange,
    OwnerChange,
)

_OLD_SUFFIX = "__pgwarden_old"


def create_collation(c: Collation) -> Q:
    options: list[Q] = [sql.SQL("provider = {}").format(sql.SQL(c.provider))]
    if c.provider == "libc":
        options += [
            sql.SQL("lc_collate = {}").format(sql.Literal(c.lc_collate or "C")),
            sql.SQL("lc_ctype = {}").format(sql.Literal(c.lc_ctype or "C")),
        ]
    else:
        options.append(sql.SQL("locale = {}").format(sql.Literal(c.locale or "")))
    if not c.deterministic:
        options.append(sql.SQL("deterministic = false"))
    return sql.SQL("CREATE COLLATION {} ({});").format(
        sql.Identifier(c.schema, c.name), sql.SQL(", ").join(options)
    )


def collation(plan: Plan, c: CollationChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.TYPE, create_collation(e))
    elif a is not None and e is None:
        plan.add(Phase.DROP_TYPE, sql.SQL("DROP COLLATION {};").format(sql.Identifier(a.schema, a.name)))
    elif e is not None and a is not None:
        # CREATE COLLATION cannot replace, and columns hold on to the old one: it steps aside,
        # the new one is created, the columns move over, and the old one goes last.
        old = f"{a.name}{_OLD_SUFFIX}"
        plan.add(
            Phase.TYPE,
            [
                sql.SQL("ALTER COLLATION {} RENAME TO {};").format(
                    sql.Identifier(a.schema, a.name), sql.Identifier(old)
                ),
                create_collation(e),
            ],
        )
        plan.add(
            Phase.COLUMN,
            [
                sql.SQL("ALTER TABLE {} ALTER COLUMN {} TYPE {} COLLATE {};").format(
                    sql.Identifier(u.schema, u.table),
                    sql.Identifier(u.column),
                    ddl.raw(u.type),
                    sql.Identifier(e.schema, e.name),
                )
                for u in c.uses
            ],
        )
        plan.add(Phase.DROP_TYPE, sql.SQL("DROP COLLATION {};").format(sql.Identifier(a.schema, old)))


def _attribute(a: Attribute) -> Q:
    text = sql.SQL("{} {}").format(sql.Identifier(a.name), ddl.raw(a.type))
    if a.collation:
        text = sql.SQL("{} COLLATE {}").format(text, ddl.collation(a.collation))
    return text


def create_composite(t: CompositeType) -> Q:
    return sql.SQL("CREATE TYPE {} AS ({});").format(
        sql.Identifier(t.schema, t.name), sql.SQL(", ").join(_attribute(a) for a in t.attributes)
    )


def composite_type(plan: Plan, c: CompositeTypeChange) -> None:
    e, a = c.expected, c.actual
    if e is not None and a is None:
        plan.add(Phase.TYPE, create_composite(e))
    elif a is not None and e is None:
        plan.add(Phase.DROP_TYPE, sql.SQL("DROP TYPE {};").format(sql.Identifier(a.schema, a.name)))
    elif e is not None and a is not None:
        _alter_composite(plan, e, a)


def _alter_composite(plan: Plan, e: CompositeType, a: CompositeType) -> None:
    """Attributes keep their order: after the first one that differs in name, the actual ones are
    dropped and the expected ones added in order (appending one drops nothing)."""
    name = sql.Identifier(e.schema, e.name)
    same = 0
    while same < min(len(e.attributes), len(a.attributes)) and (
        e.attributes[same].name == a.attributes[same].name
    ):
        same += 1
    actions: list[Q] = []
    for ea, aa in zip(e.attributes[:same], a.attributes[:same], strict=True):
        if ea != aa:
            new_type: Q = ddl.raw(ea.type)
            if ea.collation:
                new_type = sql.SQL("{} COLLATE {}").format(new_type, ddl.collation(ea.collation))
            actions.append(sql.SQL("ALTER ATTRIBUTE {} TYPE {}").format(sql.Identifier(ea.name), new_type))
    dropped = a.attributes[same:]
    actions += [sql.SQL("DROP ATTRIBUTE {}").format(sql.Identifier(x.name)) for x in dropped]
    actions += [sql.SQL("ADD ATTRIBUTE {}").format(_attribute(x)) for x in e.attributes[same:]]
    why = (
        f"drops attributes {', '.join(x.name for x in dropped)} of composite type {e.qualname}"
        if dropped
        else None
    )
    plan.add(Phase.TYPE, sql.SQL("ALTER TYPE {} {};").format(name, sql.SQL(", ").join(actions)), why)


def function_comment(plan: Plan, c: FunctionChange) -> None:
    """The comment of a function both sides have, or of one the script creates or replaces."""
    e = c.expected
    if e is None or (c.kind != "comment_mismatch" and e.comment is None):
        return
    what = "PROCEDURE" if e.kind == "procedure" else "AGGREGATE" if e.kind == "aggregate" else "FUNCTION"
    plan.add(Phase.COMMENT, ddl.comment_on(what, ddl.function_target(e), e.comment))


_ON = {
    "schema": "SCHEMA",
    "table": "TABLE",
    "view": "TABLE",
    "materialized_view": "TABLE",
    "sequence": "SEQUENCE",
    "column": "TABLE",
    "routine": "ROUTINE",
    "type": "TYPE",
}
_ALTER = {**_ON, "view": "VIEW", "materialized_view": "MATERIALIZED VIEW"}


def _target(target: str, obj: str) -> Q:
    """The object as GRANT and ALTER name it; a routine keeps its argument types."""
    if target == "routine":
        head, _, args = obj.partition("(")
        return sql.SQL("{}({}").format(ddl.ident(head), ddl.raw(args))
    if target == "schema":
        return sql.Identifier(obj)
    return ddl.ident(obj)


def _grantee(role: str) -> Q:
    return sql.SQL("PUBLIC") if role == "PUBLIC" else sql.Identifier(role)


def _privilege(g: Grant) -> tuple[Q, Q]:
    """(privilege, ON target) of a grant; a column's privilege names the column."""
    if g.target == "column":
        table, _, column = g.object.rpartition(".")
        return (
            sql.SQL("{} ({})").format(sql.SQL(g.privilege), sql.Identifier(column)),
            sql.SQL("TABLE {}").format(ddl.ident(table)),
        )
    return sql.SQL(g.privilege), sql.SQL("{} {}").format(sql.SQL(_ON[g.target]), _target(g.target, g.object))


def grant(plan: Plan, c: GrantChange) -> None:
    if c.expected is not None:
        privilege, on = _privilege(c.expected)
        option = sql.SQL(" WITH GRANT OPTION") if c.expected.grantable else sql.SQL("")
        plan.add(
            Phase.PRIVILEGE,
            sql.SQL("GRANT {} ON {} TO {}{};").format(privilege, on, _grantee(c.expected.grantee), option),
        )
    elif c.actual is not None:
        # Before anything is granted: a changed grant option is a revoke, then a grant.
        privilege, on = _privilege(c.actual)
        plan.add(
            Phase.DROP_POLICY,
            sql.SQL("REVOKE {} ON {} FROM {};").format(privilege, on, _grantee(c.actual.grantee)),
        )


def default_privilege(plan: Plan, c: DefaultPrivilegeChange) -> None:
    """``ALTER DEFAULT PRIVILEGES``: grant what is missing (or undo a revoke), revoke what is extra."""
    d = c.expected or c.actual
    if d is None:
        return
    grant = (c.expected is not None) != d.revoked
    head = sql.SQL("ALTER DEFAULT PRIVILEGES FOR ROLE {}").format(sql.Identifier(d.role))
    if d.schema is not None:
        head = sql.SQL("{} IN SCHEMA {}").format(head, sql.Identifier(d.schema))
    on = sql.SQL(d.on.upper())
    if grant:
        option = sql.SQL(" WITH GRANT OPTION") if d.grantable else sql.SQL("")
        statement = sql.SQL("{} GRANT {} ON {} TO {}{};").format(
            head, sql.SQL(d.privilege), on, _grantee(d.grantee), option
        )
    else:
        statement = sql.SQL("{} REVOKE {} ON {} FROM {};").format(
            head, sql.SQL(d.privilege), on, _grantee(d.grantee)
        )
    # A changed grant option is a revoke and a grant: the revoke first.
    plan.add(Phase.PRIVILEGE, statement, order=0 if grant else -1)


def owner(plan: Plan, c: OwnerChange) -> None:
    e = c.expected
    if e is not None:
        plan.add(
            Phase.PRIVILEGE,
            sql.SQL("ALTER {} {} OWNER TO {};").format(
                sql.SQL(_ALTER[e.target]), _target(e.target, e.object), sql.Identifier(e.owner)
            ),
        )
