"""Migrations: files on disk, the ledger, one migrator at a time, the runner, verify and the schema gate."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .source import DIRECTIVES, MigrationFile, discover, parse, statements

if TYPE_CHECKING:
    from .consistency import verify
    from .ready import ensure_ready
    from .runner import Step, UpResult, up

__all__ = [
    "DIRECTIVES",
    "MigrationFile",
    "Step",
    "UpResult",
    "discover",
    "ensure_ready",
    "parse",
    "statements",
    "up",
    "verify",
]

# The runner, the schema gate and verify load on first use: `import pgwarden.migrate` (for the
# file parser) should not pay for the lock, the ledger and the data guard.
_LAZY = {
    "ensure_ready": "ready",
    "Step": "runner",
    "UpResult": "runner",
    "up": "runner",
    "verify": "consistency",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(f"{__name__}.{module}"), name)
