"""Statements for views and materialized views, created after the views they read."""

from __future__ import annotations

from collections.abc import Mapping

from psycopg import sql

from ..catalog.model import View
from . import _ddl as ddl
from ._ddl import Q
from ._deps import topological, view_references
from ._plan import Phase, Plan
from ._plan_settings import view_options
from .changes import ViewChange


def views(
    plan: Plan,
    changes: list[ViewChange],
    rebuilt: dict[str, tuple[View, View | None]],
    replaced: Mapping[str, View] | None = None,
) -> None:
    """View changes, the views ``rebuilt`` (actual, expected) around the rebuild of what they
    read, and the views ``replaced`` in place (expected) to follow a name to its new relation."""
    create: dict[str, tuple[View, str | None, bool]] = {}
    drop: dict[str, tuple[View, str | None]] = {}
    for c in changes:
        e, a = c.expected, c.actual
        if c.kind == "comment_mismatch" and e is not None:
            continue
        if e is None and a is not None:
            why = f"drops materialized view {a.qualname} and its data" if a.materialized else None
            drop[a.qualname] = (a, why)
        elif a is None and e is not None:
            create[e.qualname] = (e, None, False)
        elif e is not None and a is not None:
            if c.recreate:
                why = (
                    f"recreates materialized view {a.qualname}: it is filled again from its query"
                    if a.materialized or e.materialized
                    else None
                )
                drop[a.qualname] = (a, why)
                create[e.qualname] = (e, why, False)
                for dep in c.dependents:
                    drop.setdefault(dep.qualname, (dep, None))
                    create.setdefault(dep.qualname, (dep, None, False))
            elif (e.definition, e.columns) == (a.definition, a.columns):
                view_options(plan, e, a)  # only the options differ: ALTER, not CREATE OR REPLACE
            elif e.qualname not in create:
                create[e.qualname] = (e, None, True)
    for a, e in rebuilt.values():
        why = (
            f"recreates materialized view {a.qualname}: it is filled again from its query"
            if a.materialized
            else None
        )
        drop.setdefault(a.qualname, (a, why))
        if e is not None and (e.qualname not in create or create[e.qualname][2]):
            create[e.qualname] = (e, why, False)
    for e in (replaced or {}).values():
        create.setdefault(e.qualname, (e, None, True))
    for c in changes:
        if c.kind == "comment_mismatch" and c.expected is not None and _keeps_comment(create, c.expected):
            plan.add(Phase.COMMENT, _view_comment(c.expected))
        if (
            c.kind == "view_options_mismatch"
            and c.expected
            and c.actual
            and c.expected.qualname not in create
        ):
            view_options(plan, c.expected, c.actual)

    def needs(v: View) -> frozenset[str]:
        return view_references(v.definition)

    ordered = topological([v for v, _ in drop.values()], key=lambda v: v.qualname, needs=needs)
    for v in reversed(ordered):
        plan.add(Phase.DROP_VIEW, ddl.drop_view(v), drop[v.qualname][1])
    for v in topological([v for v, _, _ in create.values()], key=lambda v: v.qualname, needs=needs):
        _, why, replace = create[v.qualname]
        plan.add(Phase.VIEW, ddl.create_view(v, replace=replace), why)
        if replace:
            continue
        name = sql.Identifier(v.schema, v.name)
        for tr in v.triggers:
            plan.add(Phase.TRIGGER, ddl.create_trigger(tr, name), why)
        if v.materialized:
            plan.add(Phase.VIEW_INDEX, [ddl.create_index(i) for i in v.indexes if i.constraint is None], why)
        if v.comment is not None:
            plan.add(Phase.COMMENT, _view_comment(v), why)


def _keeps_comment(create: dict[str, tuple[View, str | None, bool]], v: View) -> bool:
    """A view not created here, or replaced in place (``CREATE OR REPLACE`` keeps the old comment)."""
    return v.qualname not in create or create[v.qualname][2]


def _view_comment(v: View) -> Q:
    return ddl.comment_on(
        "MATERIALIZED VIEW" if v.materialized else "VIEW", sql.Identifier(v.schema, v.name), v.comment
    )
