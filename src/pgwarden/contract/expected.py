"""``Expected``: the schema one source says the database should have, and what that source covers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from ..catalog.model import OBJECT_TYPES, Schema

SourceKind = Literal["database", "models", "migrations", "snapshot"]

ALL_OBJECT_TYPES: frozenset[str] = frozenset(OBJECT_TYPES)
"""Every object type a ``Schema`` holds."""

MODEL_OBJECT_TYPES: frozenset[str] = frozenset(
    {"schema", "table", "column", "index", "constraint", "enum", "sequence"}
)
"""What SQLAlchemy models can describe; the diff must not call the rest "extra"."""


@dataclass(frozen=True)
class Expected:
    """The schema one source says the database should have, and what that source can speak about."""

    label: str
    """How messages name the source: ``app.db:Base``, ``migrations``, ``bot@host:5432/app``."""
    kind: SourceKind
    schema: Schema
    attributes: Mapping[str, str] = field(default_factory=dict, hash=False)
    """``schema.table.column`` -> ``ModelClass.attr`` (models only), for fixes that edit the model."""
    covers: frozenset[str] = ALL_OBJECT_TYPES
    """Object types this source describes; objects of other types are neither missing nor extra."""
