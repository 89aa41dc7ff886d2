"""Migrations: the files on disk (``source``); the runner, ledger and lock build on it."""

from __future__ import annotations

from .source import DIRECTIVES, MigrationFile, discover, parse, statements

__all__ = ["DIRECTIVES", "MigrationFile", "discover", "parse", "statements"]
