"""Migration linter: PostgreSQL's grammar (pglast), pure rules, ignores by comment, schema-aware mode.

The names below are imported on first use: a warm ``pgwarden lint`` answered from the cache
(``lean``) imports neither the rules nor pglast.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .engine import ENGINE_CODES, Settings, collect_files, lint_file, lint_paths, lint_text
    from .model import Hit, Rule, Source, Statement, TableFacts
    from .rules import ALL_RULES, RULES_BY_ID

__all__ = [
    "ALL_RULES",
    "ENGINE_CODES",
    "RULES_BY_ID",
    "Hit",
    "Rule",
    "Settings",
    "Source",
    "Statement",
    "TableFacts",
    "collect_files",
    "lint_file",
    "lint_paths",
    "lint_text",
]

_WHERE = {
    "ALL_RULES": "rules",
    "RULES_BY_ID": "rules",
    "ENGINE_CODES": "engine",
    "Settings": "engine",
    "collect_files": "engine",
    "lint_file": "engine",
    "lint_paths": "engine",
    "lint_text": "engine",
    "Hit": "model",
    "Rule": "model",
    "Source": "model",
    "Statement": "model",
    "TableFacts": "model",
}


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
