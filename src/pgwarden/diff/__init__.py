"""Comparing two schemas: typed changes, findings with fixes, and migration scripts in dependency order."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..catalog.model import OBJECT_TYPES, ObjectType
from ._column_messages import CLASSIC_SUFFIX
from .changes import (
    Change,
    ColumnChange,
    ColumnUse,
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
from .compare import diff
from .findings import to_findings
from .kind_changes import CollationChange, CompositeTypeChange, GrantChange, OwnerChange
from .model_code import STYLE_SUFFIX

if TYPE_CHECKING:
    from .render import fix_sql, plan, render_sql


def __getattr__(name: str) -> Any:
    """The fix-SQL renderer (``fix_sql``, ``plan``, ``render_sql``: some twenty modules) is loaded
    on first use, so a check that finds no drift does not import it."""
    if name in ("fix_sql", "plan", "render_sql"):
        from . import render

        return getattr(render, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "CLASSIC_SUFFIX",
    "STYLE_SUFFIX",
    "OBJECT_TYPES",
    "Change",
    "CollationChange",
    "ColumnChange",
    "ColumnUse",
    "CompositeTypeChange",
    "ConstraintChange",
    "DomainChange",
    "EnumChange",
    "ExtensionChange",
    "FunctionChange",
    "GrantChange",
    "IndexChange",
    "ObjectType",
    "OwnerChange",
    "PolicyChange",
    "SchemaChange",
    "SequenceChange",
    "TableChange",
    "TriggerChange",
    "ViewChange",
    "diff",
    "fix_sql",
    "plan",
    "render_sql",
    "to_findings",
]
