"""Statements around a rebuild: the dependents a table rebuild or a column type change needs out of the way."""

from __future__ import annotations

from collections.abc import Sequence

from psycopg import sql

from ..catalog.model import View
from . import _ddl as ddl
from ._plan import Phase, Plan
from .changes import Change, ColumnChange, ConstraintChange, TableChange


def rebuild(plan: Plan, changes: Sequence[Change]) -> dict[str, tuple[View, View | None]]:
    """Drop and re-add the foreign keys; return the views to drop and create again (by actual name).

    A foreign key of a table that is itself dropped goes with it; one that has a change of its
    own is planned by that change.
    """
    gone = {
        c.actual.qualname
        for c in changes
        if isinstance(c, TableChange) and c.actual is not None and (c.kind == "extra_table" or c.recreate)
    }
    planned = {
        (c.schema, c.table, side.name)
        for c in changes
        if isinstance(c, ConstraintChange)
        for side in (c.expected, c.actual)
        if side is not None
    }
    views: dict[str, tuple[View, View | None]] = {}
    done: set[tuple[str, str, str]] = set()
    for c in changes:
        deps = c.dependents if isinstance(c, (TableChange, ColumnChange)) else None
        if deps is None:
            continue
        for a, e in deps.views:
            views.setdefault(a.qualname, (a, e))
        for schema, table, ac, ec in deps.foreign_keys:
            key = (schema, table, ac.name)
            if f"{schema}.{table}" in gone or key in planned or key in done:
                continue
            done.add(key)
            t = sql.Identifier(schema, table)
            plan.add(Phase.DROP_FOREIGN_KEY, ddl.drop_constraint(t, ac.name))
            if ec is not None:
                plan.add(Phase.FOREIGN_KEY, ddl.add_constraint(t, ec.name, ec.definition))
    return views


def repointed(changes: Sequence[Change]) -> dict[str, View]:
    """Kept views given their definition again (``CREATE OR REPLACE``) after a rename, by name."""
    out: dict[str, View] = {}
    for c in changes:
        if isinstance(c, TableChange) and c.dependents is not None:
            out.update((v.qualname, v) for v in c.dependents.replaced)
    return out
