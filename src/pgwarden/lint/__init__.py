"""Migration linter: PostgreSQL's grammar (pglast), pure rules, ignores by comment, schema-aware mode."""

from __future__ import annotations

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
