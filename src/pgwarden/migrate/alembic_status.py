"""Each Alembic revision's state for ``migrate status``: applied, edited, pending or unknown, and what it changes.

*Edited* means the file's checksum differs from the one pgwarden recorded when it applied
(or stamped) the revision: changed by hand after it ran, which Alembic cannot see because
``alembic_version`` keeps no checksums. *Pending* is simply not applied yet. What a revision
changes comes from pgwarden's record of the statements it ran, else from the SQL Alembic's
offline mode renders for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import psycopg

from . import alembic_ledger
from .alembic_offline_cache import cached_offline_changes
from .alembic_source import AlembicSource, edited
from .source import show_path
from .source_api import Migration, Position

__all__ = ["RevisionState", "Status", "read_status"]


@dataclass(frozen=True)
class RevisionState:
    id: str
    name: str
    file: str
    state: str
    """``applied``, ``edited``, ``pending`` or ``unknown`` (in the database, not in the scripts)."""
    changes: list[str] = field(default_factory=list)
    changes_from: str = ""
    """``applied`` (recorded when pgwarden ran it), ``offline`` (Alembic's rendered SQL) or empty."""
    applied_at: datetime | None = None
    duration_ms: int | None = None
    recorded: str | None = None
    """How pgwarden knows it: ``applied`` or ``stamped``; ``None`` when applied by Alembic alone."""

    def to_dict(self) -> dict[str, Any]:
        found = dict(vars(self))
        found["applied_at"] = self.applied_at.isoformat() if self.applied_at else None
        return found


@dataclass
class Status:
    position: Position
    revisions: list[RevisionState]
    recorded: dict[str, alembic_ledger.Recorded]
    offline_error: str | None = None
    """Why offline mode could not render the chain (a revision reading the database), if it could not."""

    @property
    def edited(self) -> list[RevisionState]:
        return [r for r in self.revisions if r.state == "edited"]


def read_status(source: AlembicSource, conn: psycopg.Connection[Any]) -> Status:
    """Where the database stands, per revision (reads only, in two round trips)."""
    position, recorded = source.ledgers(conn) or (source.position_at(()), {})
    changed = {m.id for m in edited(position, recorded)}
    needs_offline = bool(position.pending) or any(
        m.id not in recorded or recorded[m.id].how != "applied" for m in position.applied
    )
    offline, why = cached_offline_changes(source.read, lambda: source.chain) if needs_offline else ({}, None)

    def state(m: Migration, what: str) -> RevisionState:
        row = recorded.get(m.id) if what != "pending" else None
        if row is not None and row.how == "applied":
            changes, origin = row.changes, "applied"
        else:
            changes, origin = offline.get(m.id, []), "offline" if m.id in offline else ""
        return RevisionState(
            m.id,
            m.name,
            show_path(m.path),
            what,
            changes,
            origin,
            row.applied_at if row else None,
            row.duration_ms if row and row.how == "applied" else None,
            row.how if row else None,
        )

    revisions = [state(m, "edited" if m.id in changed else "applied") for m in position.applied]
    revisions += [state(m, "pending") for m in position.pending]
    revisions += [RevisionState(rev, "", "", "unknown") for rev in position.unknown]
    return Status(position, revisions, recorded, why)
