"""Expected-schema sources: a live database, SQLAlchemy models, a migrations folder, a snapshot file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .expected import ALL_OBJECT_TYPES, MODEL_OBJECT_TYPES, Expected, SourceKind

# Eager, unlike the loaders below: importing the submodule `resolve` (as the commands do) would
# otherwise leave the package attribute naming the module instead of the function.
from .resolve import resolve

if TYPE_CHECKING:
    from .database import load as load_database
    from .migrations import load as load_migrations
    from .models import load as load_models
    from .snapshot import load as load_snapshot

# Each loader is imported when first asked for: the models loader imports SQLAlchemy (~0.2 s), the
# migrations one the executor and the schema cache; `diff` between two databases needs neither.
_LAZY = {
    "load_database": (".database", "load"),
    "load_migrations": (".migrations", "load"),
    "load_models": (".models", "load"),
    "load_snapshot": (".snapshot", "load"),
}


def __getattr__(name: str) -> object:
    if name in _LAZY:
        from importlib import import_module

        module, attr = _LAZY[name]
        return getattr(import_module(module, __name__), attr)
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
