"""Migration tools' ledger tables: bookkeeping that lives in the database, never schema drift.

Alembic keeps its heads in ``alembic_version`` (or a table ``env.py`` names), aerich, Flyway and
others keep theirs in tables of their own. A source that builds them leaves them out
(``Expected.bookkeeping``); a live database still has them, and reporting one as an extra table
would offer ``DROP TABLE``, after which its tool re-runs every migration.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from pathlib import Path

from ..diff import Change
from ..migrate.foreign import KNOWN_TABLES

__all__ = ["is_ledger", "not_ledgers", "version_table_patterns"]


def version_table_patterns(migrations: Path | None) -> tuple[str, ...]:
    """The ``ignore`` pattern of the table an Alembic ``env.py`` keeps its heads in (it may rename it)."""
    from ..migrate.alembic_scripts import is_alembic  # only for a configured migrations folder
    from ..migrate.alembic_table import version_table

    if migrations is None or not is_alembic(migrations):
        return ()
    return version_table(migrations).patterns


def is_ledger(obj: str, patterns: Iterable[str]) -> bool:
    """Whether ``obj`` (``schema.table`` or something in it) is a ledger table one side leaves out."""
    table = ".".join(obj.split(".")[:2])
    return any(fnmatch.fnmatchcase(table, p) for p in patterns)


def not_ledgers(changes: list[Change]) -> list[Change]:
    """Without other migration tools' ledgers (``aerich``, ``schema_migrations``, …) found only live."""

    def ledger_object(change: Change) -> bool:
        if not change.kind.startswith("extra_"):
            return False
        parts = change.object.split(".")
        name = parts[1] if len(parts) > 1 else parts[0]
        return any(name == t or name.startswith(f"{t}_") for t in KNOWN_TABLES)

    return [c for c in changes if not ledger_object(c)]
