"""Comparing two schemas: typed changes, findings with fixes, and migration scripts in dependency order."""

from __future__ import annotations

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
from .render import fix_sql, plan, render_sql

__all__ = [
    "CLASSIC_SUFFIX",
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
