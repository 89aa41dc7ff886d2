"""What stands on a relation being rebuilt: views that read it, foreign keys that reference it.

A table dropped and created again (its kind or partition key changes) cannot be dropped while a
view reads it or another table's foreign key references it; a column cannot change type under a
view, nor under a foreign key whose other side keeps the old type. Those dependents are found
from the model's own references (the parse of each view, each foreign key's target), attached
to the change, and the planner drops them before and creates them again after.

A table renamed or moved keeps its views (they read it by OID and follow it); but a kept view
whose expected definition still names the old name must read whatever the script puts there:
it is given its definition again once that exists (``CREATE OR REPLACE``, or dropped and
created when its columns change, with the views that read it).
"""

from __future__ import annotations

from dataclasses import replace

from ..catalog.model import Constraint, Schema, View
from ._deps import view_references
from .changes import Change, ColumnChange, Dependents, TableChange

_RETYPE = ("type_mismatch", "collation_mismatch")


def with_dependents(expected: Schema, actual: Schema, changes: list[Change]) -> list[Change]:
    """``changes`` with ``dependents`` set on table rebuilds and column type changes."""
    if not any(_rebuilds(c) or _renames(c) for c in changes):
        return changes
    readers: dict[str, list[View]] = {}
    for v in actual.views:
        for ref in view_references(v.definition):
            readers.setdefault(ref, []).append(v)
    out: list[Change] = []
    for c in changes:
        old = _renames(c)
        if old is not None:
            out.append(_repointed(expected, readers, c, old))
            continue
        target = _rebuilds(c)
        if target is None:
            out.append(c)
            continue
        column = c.actual.name if isinstance(c, ColumnChange) and c.actual is not None else None
        found = Dependents(
            views=_views(expected, readers, target),
            foreign_keys=_foreign_keys(expected, actual, target, column),
        )
        if found.views or found.foreign_keys:
            assert isinstance(c, (TableChange, ColumnChange))
            c = replace(c, dependents=found)
        out.append(c)
    return out


def _rebuilds(c: Change) -> str | None:
    """The actual qualified name of the relation ``c`` rebuilds, if any."""
    if isinstance(c, TableChange) and c.recreate and c.actual is not None:
        return c.actual.qualname
    if isinstance(c, ColumnChange) and c.kind in _RETYPE and c.actual is not None:
        return c.table_qualname
    return None


def _renames(c: Change) -> str | None:
    """The actual qualified name of the table ``c`` renames or moves, if any."""
    if isinstance(c, TableChange) and c.kind == "probable_rename" and c.actual is not None:
        return c.actual.qualname
    return None


def _repointed(expected: Schema, readers: dict[str, list[View]], c: Change, old: str) -> Change:
    """``c`` with the kept views that must follow ``old`` to the relation the script puts there."""
    replaced: list[View] = []
    dropped: dict[str, tuple[View, View | None]] = {}
    for a in readers.get(old, ()):
        e = expected.view_map.get(a.qualname)
        if e is None or old not in view_references(e.definition):
            continue
        if e.materialized or a.materialized or e.columns[: len(a.columns)] != a.columns:
            # CREATE OR REPLACE cannot: the view and those reading it are created anew.
            dropped.setdefault(a.qualname, (a, e))
            for pair in _views(expected, readers, a.qualname):
                dropped.setdefault(pair[0].qualname, pair)
        else:
            replaced.append(e)
    if not (replaced or dropped):
        return c
    assert isinstance(c, TableChange)
    found = Dependents(views=tuple(dropped[k] for k in sorted(dropped)), replaced=tuple(replaced))
    return replace(c, dependents=found)


def _views(
    expected: Schema, readers: dict[str, list[View]], target: str
) -> tuple[tuple[View, View | None], ...]:
    """Actual views reading ``target``, directly or through each other, with their expected versions."""
    found: dict[str, View] = {}
    todo = [target]
    while todo:
        for v in readers.get(todo.pop(), ()):
            if v.qualname not in found:
                found[v.qualname] = v
                todo.append(v.qualname)
    return tuple((found[k], expected.view_map.get(k)) for k in sorted(found))


def _foreign_keys(
    expected: Schema, actual: Schema, target: str, column: str | None
) -> tuple[tuple[str, str, Constraint, Constraint | None], ...]:
    """Foreign keys referencing ``target`` from other tables; for a column change, also its own."""
    out: list[tuple[str, str, Constraint, Constraint | None]] = []
    for t in actual.tables:
        for con in t.constraints:
            if con.kind != "foreign_key":
                continue
            theirs = con.references == target and (t.qualname != target or column is not None)
            own = column is not None and t.qualname == target and column in con.columns
            if theirs or own:
                et = expected.table(t.qualname)
                out.append((t.schema, t.name, con, et.constraint_map.get(con.name) if et else None))
    return tuple(out)
