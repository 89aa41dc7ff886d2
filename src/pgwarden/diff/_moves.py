"""Renames that also move a relation to another schema: which name in between is free.

``SET SCHEMA`` and ``RENAME TO`` are two statements, and the name the relation holds between
them (its new name in its old schema, or its old name in its new schema) may already belong to
another relation or type there. Which of the two the actual database uses is read here and
attached to the change; the planner goes through the free one, or a temporary name when both
are taken.
"""

from __future__ import annotations

from dataclasses import replace

from ..catalog.model import Schema
from .changes import Change, SequenceChange, TableChange


def with_moves(actual: Schema, changes: list[Change]) -> list[Change]:
    """``changes`` with ``taken`` set on the renames of tables and sequences that change schema."""
    if not any(_moves(c) for c in changes):
        return changes
    names = _names(actual)
    out: list[Change] = []
    for c in changes:
        if _moves(c):
            assert isinstance(c, (TableChange, SequenceChange)) and c.expected and c.actual
            a, e = c.actual, c.expected
            c = replace(c, taken=frozenset({f"{a.schema}.{e.name}", f"{e.schema}.{a.name}"} & names))
        out.append(c)
    return out


def _moves(c: Change) -> bool:
    if not isinstance(c, (TableChange, SequenceChange)) or c.kind != "probable_rename":
        return False
    e, a = c.expected, c.actual
    return e is not None and a is not None and e.schema != a.schema and e.name != a.name


def _names(s: Schema) -> set[str]:
    """Qualified names in use among relations (tables, views, sequences, indexes) and types.

    A table's row type shares its name, so an enum, a domain or a composite type blocks a
    table's name as surely as another table does.
    """
    names = {t.qualname for t in s.tables} | {v.qualname for v in s.views}
    names |= {f"{t.schema}.{i.name}" for t in s.tables for i in t.indexes}
    names |= {f"{v.schema}.{i.name}" for v in s.views for i in v.indexes}
    names |= {q.qualname for q in s.sequences} | {e.qualname for e in s.enums}
    names |= {d.qualname for d in s.domains} | {c.qualname for c in s.composite_types}
    return names
