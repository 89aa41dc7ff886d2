"""The table Alembic keeps its heads in: ``alembic_version`` unless ``env.py`` names another.

``env.py`` may pass ``version_table=`` and ``version_table_schema=`` to
``context.configure(...)``. pgwarden never runs ``env.py``: it reads those keywords from the
file's syntax tree (a string literal, or a module-level name bound to one). A value the syntax
does not tell (read from settings at run time) leaves Alembic's default in place.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from psycopg import sql

from .._alembic_env import env_file

__all__ = ["VersionTable", "version_table"]


@dataclass(frozen=True)
class VersionTable:
    name: str = "alembic_version"
    schema: str | None = None
    """``None``: the first schema on the connection's ``search_path``, as Alembic does."""

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name) if self.schema else sql.Identifier(self.name)

    @property
    def label(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name

    @property
    def patterns(self) -> tuple[str, ...]:
        """``ignore`` patterns that keep this table out of drift, and its schema: a schema made to hold
        Alembic's bookkeeping is no more drift than the table (tables in it are still compared)."""
        return (f"{self.schema}.{self.name}", self.schema) if self.schema else (f"*.{self.name}",)

    def configure(self) -> dict[str, Any]:
        """Keywords for Alembic's ``EnvironmentContext.configure``."""
        return {"version_table": self.name, "version_table_schema": self.schema}


def version_table(where: Path) -> VersionTable:
    """The version table of the Alembic environment ``where`` (``alembic.ini``, script folder or pyproject)."""
    env = env_file(where)
    if env is None:
        return VersionTable()
    try:
        seen = env.stat()
    except OSError:
        return VersionTable()
    return _read(env.resolve(), seen.st_mtime_ns, seen.st_size)


@lru_cache(maxsize=16)
def _read(env: Path, mtime_ns: int, size: int) -> VersionTable:
    """Cached per file version: the chain is read several times per command."""
    try:
        tree = ast.parse(env.read_text(encoding="utf-8"), filename=str(env))
    except (SyntaxError, OSError, UnicodeDecodeError, ValueError):
        return VersionTable()  # a broken env.py is reported where the chain is read
    constants: dict[str, str] = {}
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    constants[target.id] = node.value.value
    found: dict[str, str] = {}
    for call in ast.walk(tree):
        if not (isinstance(call, ast.Call) and _is_configure(call.func)):
            continue
        for keyword in call.keywords:
            if keyword.arg in ("version_table", "version_table_schema") and keyword.arg not in found:
                value = _text(keyword.value, constants)
                if value is not None:
                    found[keyword.arg] = value
    return VersionTable(found.get("version_table", "alembic_version"), found.get("version_table_schema"))


def _is_configure(func: ast.expr) -> bool:
    return isinstance(func, ast.Attribute) and func.attr == "configure"


def _text(value: ast.expr, constants: dict[str, str]) -> str | None:
    if isinstance(value, ast.Constant) and isinstance(value.value, str):
        return value.value
    if isinstance(value, ast.Name):
        return constants.get(value.id)
    return None
