"""The catalog: the ``Schema`` model and ``inspect()``, which reads it from a live database."""

from __future__ import annotations

from ._inspect import QUERIES, inspect, inspect_with_privileges
from ._share import TableShare
from .model import (
    Column,
    Constraint,
    Domain,
    Enum,
    Extension,
    Function,
    Index,
    IndexPart,
    Policy,
    Schema,
    Sequence,
    Table,
    Trigger,
    View,
)
from .normalize import body_hash, normalize_body

__all__ = [
    "QUERIES",
    "Column",
    "Constraint",
    "Domain",
    "Enum",
    "Extension",
    "Function",
    "Index",
    "IndexPart",
    "Policy",
    "Schema",
    "Sequence",
    "Table",
    "TableShare",
    "Trigger",
    "View",
    "body_hash",
    "inspect",
    "inspect_with_privileges",
    "normalize_body",
]
