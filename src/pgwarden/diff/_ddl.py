"""DDL for one object, composed with ``psycopg.sql``; server-deparsed fragments are inserted as printed."""

from __future__ import annotations

import re

from psycopg import sql

from ..catalog.model import (
    Column,
    Constraint,
    Domain,
    Enum,
    Extension,
    Function,
    Index,
    Policy,
    Sequence,
    Table,
    Trigger,
    View,
)
from ._names import split_qualname

Q = sql.Composable

_ENABLE = {
    "origin": "ENABLE TRIGGER",
    "disabled": "DISABLE TRIGGER",
    "replica": "ENABLE REPLICA TRIGGER",
    "always": "ENABLE ALWAYS TRIGGER",
}
_NEXTVAL = re.compile(r"nextval\('((?:[^']|'')+)'::regclass\)")


def ident(qualname: str) -> sql.Identifier:
    """``schema.name`` from a model as a quoted, qualified identifier."""
    return sql.Identifier(*split_qualname(qualname))


def raw(text: str) -> sql.SQL:
    """A fragment PostgreSQL printed itself (type, default, definition): safe to insert verbatim."""
    return sql.SQL(text)


def as_text(q: Q) -> str:
    return q.as_string()


def literal(value: str | None) -> Q:
    return sql.Literal(value) if value is not None else sql.SQL("NULL")


def collation(name: str) -> Q:
    return sql.Identifier(name)


# columns


def column_definition(c: Column) -> Q:
    """``name type [COLLATE ..] [GENERATED ..] [DEFAULT ..] [NOT NULL]`` as in CREATE/ADD COLUMN."""
    parts: list[Q] = [sql.Identifier(c.name), raw(c.type)]
    if c.collation:
        parts += [sql.SQL("COLLATE"), collation(c.collation)]
    if c.generated is not None:
        kind = "VIRTUAL" if c.virtual else "STORED"
        parts.append(sql.SQL("GENERATED ALWAYS AS ({}) {}").format(raw(c.generated), sql.SQL(kind)))
    elif c.identity is not None:
        parts.append(identity_clause(c))
    if c.default is not None and c.generated is None:
        parts += [sql.SQL("DEFAULT"), raw(c.default)]
    if not c.nullable:
        parts.append(sql.SQL("NOT NULL"))
    return sql.SQL(" ").join(parts)


def identity_clause(c: Column) -> Q:
    """``GENERATED .. AS IDENTITY [(sequence options)]``."""
    head = sql.SQL("GENERATED {} AS IDENTITY").format(sql.SQL((c.identity or "").upper()))
    if not c.identity_options:
        return head
    return sql.SQL("{} ({})").format(head, sql.SQL(" ").join(map(sql.SQL, c.identity_options)))


def alter_column(t: Q, column: str, action: Q) -> Q:
    return sql.SQL("ALTER TABLE {} ALTER COLUMN {} {};").format(t, sql.Identifier(column), action)


def sequences_in(default: str | None) -> list[str]:
    """Sequence names (as printed) a ``nextval(..)`` default uses."""
    return [m.replace("''", "'") for m in _NEXTVAL.findall(default or "")]


# tables


def create_table(t: Table) -> Q:
    """CREATE TABLE with columns and the constraints that can be declared inline.

    A partition is created ``PARTITION OF`` its parent and gets its columns from it;
    foreign keys and ``NOT VALID`` constraints are added by ALTER TABLE afterwards.
    """
    name = sql.Identifier(t.schema, t.name)
    unlogged = sql.SQL("UNLOGGED ") if t.unlogged else sql.SQL("")
    inline = [
        sql.SQL("CONSTRAINT {} {}").format(sql.Identifier(c.name), raw(c.definition))
        for c in inline_constraints(t)
    ]
    if t.partition_of:
        body = sql.SQL(" ({})").format(sql.SQL(", ").join(inline)) if inline else sql.SQL("")
        statement = sql.SQL("CREATE {}TABLE {} PARTITION OF {}{} {}").format(
            unlogged, name, ident(t.partition_of), body, raw(t.partition_bound or "DEFAULT")
        )
    else:
        # A child of INHERITS gets the columns it only inherits from its parents.
        items = [column_definition(c) for c in t.columns if not c.inherited] + inline
        statement = sql.SQL("CREATE {}TABLE {} (\n    {}\n)").format(
            unlogged, name, sql.SQL(",\n    ").join(items)
        )
        if t.inherits:
            parents = sql.SQL(", ").join(ident(p) for p in t.inherits)
            statement = sql.SQL("{} INHERITS ({})").format(statement, parents)
    if t.partition_key:
        statement = sql.SQL("{} PARTITION BY {}").format(statement, raw(t.partition_key))
    return sql.SQL("{};").format(statement)


def inline_constraints(t: Table) -> list[Constraint]:
    return [c for c in t.constraints if c.kind != "foreign_key" and c.validated]


def later_constraints(t: Table) -> list[Constraint]:
    return [c for c in t.constraints if c.kind == "foreign_key" or not c.validated]


def add_constraint(t: Q, name: str, definition: str) -> Q:
    return sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {};").format(t, sql.Identifier(name), raw(definition))


def drop_constraint(t: Q, name: str) -> Q:
    return sql.SQL("ALTER TABLE {} DROP CONSTRAINT {};").format(t, sql.Identifier(name))


def comment_on(what: str, target: Q, text: str | None) -> Q:
    return sql.SQL("COMMENT ON {} {} IS {};").format(sql.SQL(what), target, literal(text))


def rls(t: Q, table: Table, actual: Table | None = None) -> list[Q]:
    """ENABLE/FORCE ROW LEVEL SECURITY as ``table`` has it, where ``actual`` (if any) differs."""
    out: list[Q] = []
    was_enabled = actual.rls_enabled if actual is not None else False
    was_forced = actual.rls_forced if actual is not None else False
    if table.rls_enabled != was_enabled:
        verb = "ENABLE" if table.rls_enabled else "DISABLE"
        out.append(sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY;").format(t, sql.SQL(verb)))
    if table.rls_forced != was_forced:
        verb = "FORCE" if table.rls_forced else "NO FORCE"
        out.append(sql.SQL("ALTER TABLE {} {} ROW LEVEL SECURITY;").format(t, sql.SQL(verb)))
    return out


# indexes, triggers, policies


def create_index(i: Index) -> Q:
    # A partitioned table's index prints ``ON ONLY``, which would not reach the partitions.
    definition = i.definition.replace(" ON ONLY ", " ON ", 1)
    return sql.SQL("{};").format(raw(definition))


def drop_index(schema: str, name: str) -> Q:
    return sql.SQL("DROP INDEX {};").format(sql.Identifier(schema, name))


def create_trigger(tr: Trigger, t: Q) -> list[Q]:
    out: list[Q] = [sql.SQL("{};").format(raw(tr.definition))]
    if tr.enabled != "origin":
        out.append(trigger_state(tr, t))
    return out


def trigger_state(tr: Trigger, t: Q) -> Q:
    return sql.SQL("ALTER TABLE {} {} {};").format(t, sql.SQL(_ENABLE[tr.enabled]), sql.Identifier(tr.name))


def drop_trigger(name: str, t: Q) -> Q:
    return sql.SQL("DROP TRIGGER {} ON {};").format(sql.Identifier(name), t)


def create_policy(p: Policy, t: Q) -> Q:
    roles = sql.SQL(", ").join(sql.SQL("PUBLIC") if r == "public" else sql.Identifier(r) for r in p.roles)
    parts: list[Q] = [
        sql.SQL("CREATE POLICY {} ON {} AS {} FOR {} TO {}").format(
            sql.Identifier(p.name),
            t,
            sql.SQL("PERMISSIVE" if p.permissive else "RESTRICTIVE"),
            sql.SQL(p.command.upper()),
            roles if p.roles else sql.SQL("PUBLIC"),
        )
    ]
    if p.using is not None:
        parts.append(sql.SQL("USING ({})").format(raw(p.using)))
    if p.with_check is not None:
        parts.append(sql.SQL("WITH CHECK ({})").format(raw(p.with_check)))
    return sql.SQL("{};").format(sql.SQL(" ").join(parts))


def drop_policy(name: str, t: Q) -> Q:
    return sql.SQL("DROP POLICY {} ON {};").format(sql.Identifier(name), t)


# sequences


def sequence_options(s: Sequence) -> Q:
    parts: list[Q] = [
        sql.SQL("AS {}").format(raw(s.data_type)),
        sql.SQL("INCREMENT BY {}").format(sql.Literal(s.increment)),
        sql.SQL("MINVALUE {}").format(sql.Literal(s.min_value))
        if s.min_value is not None
        else sql.SQL("NO MINVALUE"),
        sql.SQL("MAXVALUE {}").format(sql.Literal(s.max_value))
        if s.max_value is not None
        else sql.SQL("NO MAXVALUE"),
        sql.SQL("START WITH {}").format(sql.Literal(s.start)),
        sql.SQL("CACHE {}").format(sql.Literal(s.cache)),
        sql.SQL("CYCLE" if s.cycle else "NO CYCLE"),
    ]
    return sql.SQL(" ").join(parts)


def create_sequence(s: Sequence) -> Q:
    return sql.SQL("CREATE SEQUENCE {} {};").format(sql.Identifier(s.schema, s.name), sequence_options(s))


def alter_sequence(s: Sequence, *, restart: bool = False) -> Q:
    options = sequence_options(s)
    if restart:
        options = sql.SQL("{} RESTART WITH {}").format(options, sql.Literal(s.start))
    return sql.SQL("ALTER SEQUENCE {} {};").format(sql.Identifier(s.schema, s.name), options)


def sequence_owner(s: Sequence) -> Q:
    target: Q = sql.SQL("NONE")
    if s.owned_by:
        table, _, column = s.owned_by.rpartition(".")
        target = sql.Identifier(*split_qualname(table), column)
    return sql.SQL("ALTER SEQUENCE {} OWNED BY {};").format(sql.Identifier(s.schema, s.name), target)


# types


def create_enum(e: Enum) -> Q:
    return sql.SQL("CREATE TYPE {} AS ENUM ({});").format(
        sql.Identifier(e.schema, e.name), sql.SQL(", ").join(sql.Literal(label) for label in e.labels)
    )


def add_enum_values(expected: Enum, actual: Enum) -> list[Q]:
    """``ADD VALUE .. BEFORE/AFTER`` for each new label, so the order ends up as expected."""
    have = set(actual.labels)
    out: list[Q] = []
    name = sql.Identifier(expected.schema, expected.name)
    for pos, label in enumerate(expected.labels):
        if label in have:
            continue
        previous = next((x for x in reversed(expected.labels[:pos]) if x in have), None)
        following = next((x for x in expected.labels[pos + 1 :] if x in have), None)
        if previous is not None:
            where: Q = sql.SQL(" AFTER {}").format(sql.Literal(previous))
        elif following is not None:
            where = sql.SQL(" BEFORE {}").format(sql.Literal(following))
        else:
            where = sql.SQL("")
        out.append(sql.SQL("ALTER TYPE {} ADD VALUE {}{};").format(name, sql.Literal(label), where))
        have.add(label)
    return out


def create_domain(d: Domain) -> Q:
    parts: list[Q] = [sql.SQL("CREATE DOMAIN {} AS {}").format(sql.Identifier(d.schema, d.name), raw(d.type))]
    if d.collation:
        parts += [sql.SQL("COLLATE"), collation(d.collation)]
    if d.default is not None:
        parts += [sql.SQL("DEFAULT"), raw(d.default)]
    if not d.nullable:
        parts.append(sql.SQL("NOT NULL"))
    for name, definition in d.constraints:
        parts.append(sql.SQL("CONSTRAINT {} {}").format(sql.Identifier(name), raw(definition)))
    return sql.SQL("{};").format(sql.SQL(" ").join(parts))


def alter_domain(expected: Domain, actual: Domain) -> list[Q]:
    name = sql.Identifier(expected.schema, expected.name)
    out: list[Q] = []
    if expected.default != actual.default:
        out.append(
            sql.SQL("ALTER DOMAIN {} SET DEFAULT {};").format(name, raw(expected.default))
            if expected.default is not None
            else sql.SQL("ALTER DOMAIN {} DROP DEFAULT;").format(name)
        )
    if expected.nullable != actual.nullable:
        out.append(
            sql.SQL("ALTER DOMAIN {} {} NOT NULL;").format(
                name, sql.SQL("DROP" if expected.nullable else "SET")
            )
        )
    want, have = dict(expected.constraints), dict(actual.constraints)
    for cname, definition in actual.constraints:
        if want.get(cname) != definition:
            out.append(sql.SQL("ALTER DOMAIN {} DROP CONSTRAINT {};").format(name, sql.Identifier(cname)))
    for cname, definition in expected.constraints:
        if have.get(cname) != definition:
            out.append(
                sql.SQL("ALTER DOMAIN {} ADD CONSTRAINT {} {};").format(
                    name, sql.Identifier(cname), raw(definition)
                )
            )
    return out


# views, functions, extensions


def create_view(v: View, *, replace: bool = False) -> Q:
    definition = v.definition.strip().removesuffix(";")
    columns = (
        sql.SQL(" ({})").format(sql.SQL(", ").join(sql.Identifier(c) for c in v.columns))
        if v.columns
        else sql.SQL("")
    )
    verb = (
        "CREATE MATERIALIZED VIEW"
        if v.materialized
        else "CREATE OR REPLACE VIEW"
        if replace
        else "CREATE VIEW"
    )
    return sql.SQL("{} {}{}{} AS\n{};").format(
        sql.SQL(verb), sql.Identifier(v.schema, v.name), columns, view_with(v), raw(definition)
    )


def view_with(v: View) -> Q:
    """``WITH (key=value, ..)`` of a view's reloptions (check_option, fillfactor, ..), or nothing."""
    if not v.options:
        return sql.SQL("")
    items = [
        sql.SQL("{}={}").format(sql.SQL(k), sql.Literal(val))
        for k, _, val in (o.partition("=") for o in v.options)
    ]
    return sql.SQL(" WITH ({})").format(sql.SQL(", ").join(items))


def drop_view(v: View) -> Q:
    return sql.SQL("DROP {} {};").format(
        sql.SQL("MATERIALIZED VIEW" if v.materialized else "VIEW"), sql.Identifier(v.schema, v.name)
    )


def function_target(f: Function) -> Q:
    return sql.SQL("{}({})").format(sql.Identifier(f.schema, f.name), raw(f.arguments))


def create_function(f: Function) -> Q:
    return sql.SQL("{};").format(raw(f.definition.strip().removesuffix(";")))


def drop_function(f: Function) -> Q:
    return sql.SQL("DROP {} {};").format(
        sql.SQL(
            "PROCEDURE" if f.kind == "procedure" else "AGGREGATE" if f.kind == "aggregate" else "FUNCTION"
        ),
        function_target(f),
    )


def create_extension(x: Extension) -> Q:
    return sql.SQL("CREATE EXTENSION IF NOT EXISTS {} WITH SCHEMA {} VERSION {};").format(
        sql.Identifier(x.name), sql.Identifier(x.schema), sql.Literal(x.version)
    )
