"""Expected-schema sources: a live database, SQLAlchemy models, a migrations folder, a snapshot file."""

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


# The loaders import ``Expected`` from here, so they come after it.
from .database import load as load_database  # noqa: E402
from .migrations import load as load_migrations  # noqa: E402
from .resolve import resolve  # noqa: E402
from .snapshot import load as load_snapshot  # noqa: E402


def __getattr__(name: str) -> object:
    # The models loader imports SQLAlchemy (~0.2 s): only commands that read models pay for it.
    if name == "load_models":
        from .models import load

        return load
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "ALL_OBJECT_TYPES",
    "MODEL_OBJECT_TYPES",
    "Expected",
    "SourceKind",
    "load_database",
    "load_migrations",
    "load_models",
    "load_snapshot",
    "resolve",
]
