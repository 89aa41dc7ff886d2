"""pgwarden: keeps a Python service and its PostgreSQL database honest with each other.

The names in ``__all__`` are the library's public API (docs/api.md is generated from their
docstrings by ``tools/api_docs.py``); everything else may change between releases. They are
imported on first use, so ``import pgwarden`` stays cheap: ``pgwarden run``'s guardian does not
pay for SQLAlchemy, aiogram or the health server unless it uses them.

::

    import pgwarden

    result = pgwarden.run_check(pgwarden.load_config())      # CheckResult; .findings: list[Finding]
    pgwarden.ensure_ready(url, "migrations", apply=True)     # the schema gate, before serving

    async with pgwarden.Warden.from_config() as w:           # one active instance
        await pgwarden.run_polling(dp, bot, warden=w)        # aiogram; run_application for PTB
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .checks import run_invariants
    from .config import Config
    from .config import load as load_config
    from .errors import ConfigError, DatabaseUnreachable, PgwardenError, ScratchError, SourceError, UsageError
    from .findings import Finding, Severity
    from .integrations.aiogram import run_polling
    from .integrations.telegram import run_application
    from .migrate.errors import LockWaitExceeded, NotReady, PendingMigrations
    from .migrate.ready import ensure_ready
    from .orchestrator import CheckResult, run_check
    from .runtime.warden import Demotion, Warden

__version__ = "0.1.0"

__all__ = [
    "CheckResult",
    "Config",
    "ConfigError",
    "DatabaseUnreachable",
    "Demotion",
    "Finding",
    "LockWaitExceeded",
    "NotReady",
    "PendingMigrations",
    "PgwardenError",
    "ScratchError",
    "Severity",
    "SourceError",
    "UsageError",
    "Warden",
    "__version__",
    "ensure_ready",
    "load_config",
    "run_application",
    "run_check",
    "run_invariants",
    "run_polling",
]

# name -> (module, attribute): where each public name lives.
_WHERE = {
    "CheckResult": ("orchestrator", "CheckResult"),
    "Config": ("config", "Config"),
    "ConfigError": ("errors", "ConfigError"),
    "DatabaseUnreachable": ("errors", "DatabaseUnreachable"),
    "Demotion": ("runtime.warden", "Demotion"),
    "Finding": ("findings", "Finding"),
    "LockWaitExceeded": ("migrate.errors", "LockWaitExceeded"),
    "NotReady": ("migrate.errors", "NotReady"),
    "PendingMigrations": ("migrate.errors", "PendingMigrations"),
    "PgwardenError": ("errors", "PgwardenError"),
    "ScratchError": ("errors", "ScratchError"),
    "Severity": ("findings", "Severity"),
    "SourceError": ("errors", "SourceError"),
    "UsageError": ("errors", "UsageError"),
    "Warden": ("runtime.warden", "Warden"),
    "ensure_ready": ("migrate.ready", "ensure_ready"),
    "load_config": ("config", "load"),
    "run_application": ("integrations.telegram", "run_application"),
    "run_check": ("orchestrator", "run_check"),
    "run_invariants": ("checks", "run_invariants"),
    "run_polling": ("integrations.aiogram", "run_polling"),
}


def __getattr__(name: str) -> Any:
    where = _WHERE.get(name)
    if where is None:
        raise AttributeError(f"module 'pgwarden' has no attribute {name!r}")
    module, attribute = where
    value = getattr(importlib.import_module(f".{module}", __name__), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
