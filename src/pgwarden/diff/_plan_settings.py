"""Statements for relation settings: replica identity, view and storage options, identity options."""

from __future__ import annotations

from psycopg import sql

from ..catalog._settings import default_identity_options
from ..catalog.model import Column, Table, View
from ._ddl import Q
from ._plan import Phase, Plan


def replica_identity(name: Q, t: Table) -> Q:
    """``ALTER TABLE .. REPLICA IDENTITY ..``: after the indexes, since it may name one."""
    if t.replica_identity == "index" and t.replica_index:
        how: Q = sql.SQL("USING INDEX {}").format(sql.Identifier(t.replica_index))
    else:
        how = sql.SQL((t.replica_identity or "default").upper())
    return sql.SQL("ALTER TABLE {} REPLICA IDENTITY {};").format(name, how)


def table_replica_identity(plan: Plan, name: Q, e: Table, a: Table | None, why: str | None = None) -> None:
    if (e.replica_identity, e.replica_index) != (
        (a.replica_identity, a.replica_index) if a else (None, None)
    ):
        plan.add(Phase.VALIDATE, replica_identity(name, e), why)


def _split(option: str) -> tuple[str, str]:
    key, _, value = option.partition("=")
    return key, value


def view_options(plan: Plan, e: View, a: View) -> None:
    """``ALTER [MATERIALIZED] VIEW .. SET (..) / RESET (..)`` from ``a``'s options to ``e``'s."""
    what = sql.SQL("MATERIALIZED VIEW" if e.materialized else "VIEW")
    name = sql.Identifier(e.schema, e.name)
    wanted = dict(map(_split, e.options))
    present = dict(map(_split, a.options))
    reset = sorted(present.keys() - wanted.keys())
    changed = sorted(k for k, v in wanted.items() if present.get(k) != v)
    out: list[Q] = []
    if reset:
        out.append(
            sql.SQL("ALTER {} {} RESET ({});").format(what, name, sql.SQL(", ").join(map(sql.SQL, reset)))
        )
    if changed:
        items = [sql.SQL("{}={}").format(sql.SQL(k), sql.Literal(wanted[k])) for k in changed]
        out.append(sql.SQL("ALTER {} {} SET ({});").format(what, name, sql.SQL(", ").join(items)))
    plan.add(Phase.VIEW, out)


def set_identity_options(e: Column) -> Q:
    """``SET INCREMENT BY .. SET START WITH ..``: every option, so the ones dropped go back to default."""
    increment = next(
        (int(o.split()[-1]) for o in e.identity_options if o.startswith("INCREMENT BY ")),
        1,
    )
    defaults = {_key(o): o for o in default_identity_options(e.type, increment)}
    defaults.update({_key(o): o for o in e.identity_options})
    return sql.SQL(" ").join(sql.SQL("SET {}").format(sql.SQL(o)) for o in defaults.values())


def _key(option: str) -> str:
    return "CYCLE" if option.endswith("CYCLE") else option.split()[0]
