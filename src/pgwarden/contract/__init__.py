"""Expected-schema sources: a live database, SQLAlchemy models, a migrations folder, a snapshot file."""

from __future__ import annotations

from .database import load as load_database
from .expected import ALL_OBJECT_TYPES, MODEL_OBJECT_TYPES, Expected, SourceKind
from .migrations import load as load_migrations
from .resolve import resolve
from .snapshot import load as load_snapshot


def __getattr__(name: str) -> object:
    # The models loader imports SQLAlchemy (~0.2 s), a heavy third-party library: only commands
    # that read models pay for it.
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
