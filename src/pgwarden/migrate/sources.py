"""The migration-source seam: a folder of SQL files or an Alembic environment, behind one interface.

Each source can list its migrations (id, name, file, checksum), build its schema on an
empty scratch database, tell where a database stands (applied, pending, unknown) and
apply what is pending under pgwarden's migration lock. The SQL folder is the runner and
ledger of this package; Alembic revisions are :mod:`.alembic_source`. Callers pick one
with :func:`open_source` and never branch on the kind again.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psycopg

from ..db import connect
from ..errors import SourceError
from ..findings import Finding
from .alembic_scripts import is_alembic
from .source import discover, show_path
from .source_api import Migration, MigrationSource, Position, Progress

if TYPE_CHECKING:
    from .runner import UpResult
    from .settings import Settings

__all__ = ["Migration", "MigrationSource", "Position", "SqlFolder", "open_source"]


class SqlFolder:
    """A folder of ``NNN_description.sql`` files with pgwarden's ledger."""

    kind = "sql"

    def __init__(self, where: Path) -> None:
        self.where = where
        self.files = discover(where)

    def migrations(self) -> list[Migration]:
        return [Migration(f"{f.version:03d}", f.name, f.path, f.checksum) for f in self.files]

    def build(self, url: str) -> None:
        from .apply import apply

        with connect(url, autocommit=True, what="scratch database") as conn:
            for file in self.files:
                apply(conn, file)

    def position(self, conn: psycopg.Connection[Any]) -> Position:
        from .adopt import effective
        from .runner import pending

        applied = effective(conn, self.files, None)
        todo = pending(self.files, applied)
        known = {f.version for f in self.files}
        by_version = {m.id: m for m in self.migrations()}
        done = [by_version[f"{f.version:03d}"] for f in self.files if f not in todo]
        newest = max((v for v, a in applied.items() if a.success), default=None)
        return Position(
            applied=done,
            pending=[by_version[f"{f.version:03d}"] for f in todo],
            unknown=[f"{v:03d}" for v, a in sorted(applied.items()) if a.success and v not in known],
            current=[] if newest is None else [f"{newest:03d}"],
            heads=[f"{self.files[-1].version:03d}"] if self.files else [],
        )

    def up(
        self, url: str, *, settings: Settings, progress: Progress | None = None, connect_timeout: float = 5.0
    ) -> UpResult:
        from .runner import up

        return up(url, self.files, settings=settings, progress=progress, connect_timeout=connect_timeout)

    def ledger_tables(self, conn: psycopg.Connection[Any]) -> tuple[str, ...]:
        return ("pgwarden.migrations",)

    def verify(self, conn: psycopg.Connection[Any], present: Sequence[bool] | None = None) -> list[Finding]:
        from . import adopt, consistency, ledger

        applied = ledger.read(conn, present=None if present is None else present[0])
        if not applied and not adopt.detect(conn):
            return []
        return consistency.verify(conn, self.files, applied=applied)


def open_source(where: Path, *, read_only: bool = False) -> MigrationSource:
    """The source at ``where``: an Alembic environment (``alembic.ini``, ``pyproject.toml`` with
    ``[tool.alembic]``, or a script folder), else a folder of SQL files.

    ``read_only``: the caller lists migrations and positions but applies nothing, so an Alembic
    chain of plain literals is read without importing Alembic (it is imported when first needed)."""
    if is_alembic(where):
        from .alembic_source import AlembicSource

        return AlembicSource(where, read_only=read_only)
    if where.is_file():
        raise SourceError(
            f"{show_path(where)} is a file: `migrations` names a folder of NNN_description.sql files, "
            "an Alembic script folder or an alembic.ini."
        )
    return SqlFolder(where)
