"""Severity of a change: the code's default, raised or lowered where the change itself says more."""

from __future__ import annotations

from ..catalog.model import Constraint
from ..findings import Severity
from ._tables import constraint_definition
from .changes import (
    Change,
    ColumnChange,
    ConstraintChange,
    EnumChange,
    FunctionChange,
    IndexChange,
)
from .kind_changes import DefaultPrivilegeChange

E, W, INFO = Severity.ERROR, Severity.WARNING, Severity.INFO


def severity(change: Change, default: Severity) -> Severity:
    if isinstance(change, ColumnChange):
        return _column(change, default)
    if isinstance(change, IndexChange):
        index = change.expected or change.actual
        if change.kind == "missing_index" and index is not None and index.unique:
            return E  # uniqueness and ON CONFLICT in the code rely on it
        if change.kind == "extra_index" and index is not None and index.unique:
            return W  # it may reject rows the code expects to insert
        if change.kind == "probable_rename":
            return INFO  # only the name differs
        return default
    if change.kind == "probable_rename" and change.object_type not in ("table", "column"):
        return INFO  # a constraint or sequence name: nothing breaks
    if isinstance(change, ConstraintChange) and change.kind == "constraint_mismatch":
        e, a = change.expected, change.actual
        if e is not None and a is not None and a.validated and not e.validated and _same_rule(e, a):
            return INFO  # the database checks existing rows too: stricter than expected, nothing breaks
        return default
    if isinstance(change, FunctionChange) and change.kind == "function_changed" and change.replace_impossible:
        return E  # callers expecting the result type break
    if isinstance(change, DefaultPrivilegeChange):
        return W  # nothing fails now: the next new object gets other grants
    if isinstance(change, EnumChange) and change.extra_labels:
        return W  # every value the code writes is accepted; only rows holding the new labels surprise it
    return default


def _same_rule(e: Constraint, a: Constraint) -> bool:
    return constraint_definition(e) == constraint_definition(a)


def _column(change: ColumnChange, default: Severity) -> Severity:
    e, a = change.expected, change.actual
    if change.kind == "extra_column" and a is not None:
        # The code does not know the column, so its INSERTs leave it out.
        needs_value = not a.nullable and a.default is None and a.identity is None and a.generated is None
        return E if needs_value else W
    if e is None or a is None:
        return default
    if change.kind == "nullability_mismatch":
        return E if e.nullable and not a.nullable else W
    if change.kind == "default_mismatch":
        # The code leaves the column out of INSERTs and counts on the server default.
        relied_on = e.default is not None and a.default is None and not a.nullable and a.identity is None
        return E if relied_on else default
    if change.kind == "identity_mismatch":
        generates = e.identity is not None or e.generated is not None
        relied_on = generates and a.identity is None and a.generated is None and a.default is None
        return E if relied_on and not a.nullable else default
    return default
