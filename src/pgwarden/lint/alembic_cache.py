"""Alembic lint results kept between runs, like SQL lint's (:mod:`.cache`).

The key holds every file the findings depend on: the revision files and ``env.py`` under the script
folder (``env.py`` may rename the version table), the ``alembic.ini`` or ``pyproject.toml`` named,
plus the installed Alembic and SQLAlchemy versions (their offline SQL is what is linted), the rules
and options, and pgwarden's own code. A hit neither imports Alembic nor renders anything.
"""

from __future__ import annotations

import importlib.metadata
import os
from collections.abc import Sequence
from pathlib import Path

from .._alembic_env import env_file
from ..findings import Finding
from .engine import Settings

__all__ = ["lint_alembic_cached", "sources"]


def sources(where: Path) -> list[Path]:
    """The files the lint of the Alembic environment at ``where`` depends on, in a stable order."""
    found: list[Path] = [where] if where.is_file() else []
    env = env_file(where)
    folder = env.parent if env is not None else where if where.is_dir() else None
    if folder is not None:
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
            found += [Path(dirpath) / n for n in sorted(filenames) if n.endswith((".py", ".ini", ".toml"))]
    return found


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def lint_alembic_cached(where: Path, settings: Settings, *, no_cache: bool = False) -> list[Finding]:
    """``lint_alembic(where, settings)``, or the findings of an earlier run with the same key."""

    def lint(_files: Sequence[Path], given: Settings) -> list[Finding]:
        from .alembic import lint_alembic  # imports Alembic: only on a miss

        return lint_alembic(where, given)

    if no_cache:
        return lint([], settings)
    from .cache import lint_cached

    extra = {"alembic": _version("alembic"), "sqlalchemy": _version("sqlalchemy"), "where": str(where)}
    return lint_cached([where], settings, lint, files=sources(where), extra=extra)
