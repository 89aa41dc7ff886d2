"""The interface every migration source implements, and the values it hands back.

Kept apart from :mod:`.sources` (which picks a source and holds the SQL folder) so that a
source module such as :mod:`.alembic_source` depends on the interface only, not on its sibling.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import psycopg

from ..findings import Finding
from .source import show_path

if TYPE_CHECKING:
    from .runner import UpResult
    from .settings import Settings

__all__ = ["Migration", "MigrationSource", "Position", "Progress"]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Migration:
    """One migration of any source: ``id`` is the version (``"007"``) or the Alembic revision id."""

    id: str
    name: str
    path: Path
    checksum: str


@dataclass
class Position:
    """Where a database stands against a source."""

    applied: list[Migration] = field(default_factory=list)
    pending: list[Migration] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    """Ids the database records that the source does not know (a newer deploy, a deleted file)."""
    current: list[str] = field(default_factory=list)
    """The ids the database says it is at (Alembic's heads in ``alembic_version``; the newest version)."""
    heads: list[str] = field(default_factory=list)
    """The source's own heads (several for an Alembic chain with unmerged branches)."""

    def to_dict(self) -> dict[str, Any]:
        def show(ms: list[Migration]) -> list[dict[str, str]]:
            return [{"id": m.id, "name": m.name, "file": show_path(m.path)} for m in ms]

        return {
            "current": self.current,
            "heads": self.heads,
            "applied": show(self.applied),
            "pending": show(self.pending),
            "unknown": self.unknown,
        }


class MigrationSource(Protocol):
    kind: str
    """``sql`` or ``alembic``."""
    where: Path

    def migrations(self) -> list[Migration]:
        """Every migration, each after the ones it builds on."""
        ...

    def build(self, url: str) -> None:
        """Apply every migration to the empty scratch database at ``url``; ``MigrationError`` names the failing one."""
        ...

    def position(self, conn: psycopg.Connection[Any]) -> Position:
        """Where the database behind ``conn`` stands (read only)."""
        ...

    def up(
        self, url: str, *, settings: Settings, progress: Progress | None = None, connect_timeout: float = 5.0
    ) -> UpResult:
        """Apply what is pending under the migration lock, one transaction per migration."""
        ...

    def ledger_tables(self, conn: psycopg.Connection[Any]) -> tuple[str, ...]:
        """The tables ``verify`` reads, for a caller that asks whether they exist beforehand."""
        ...

    def verify(self, conn: psycopg.Connection[Any], present: Sequence[bool] | None = None) -> list[Finding]:
        """What the ledger says against the migrations (pending, unknown, edited); none for a database
        no migrator has recorded anything in (the drift findings already say what is missing).
        ``present``: whether each of :meth:`ledger_tables` exists, when the caller has asked."""
        ...
