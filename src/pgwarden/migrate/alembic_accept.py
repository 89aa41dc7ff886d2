"""Accepting an edit to an applied Alembic revision: its recorded checksum becomes the file's.

The fix for ``PW201`` (a revision edited after it was applied) when the edit changes nothing
the database needs (a comment, a typo in a message). The row in ``pgwarden.alembic_revisions``
keeps its timing and changes; the old and new checksums go to ``pgwarden.migration_audit``.
"""

from __future__ import annotations

from typing import Any

import psycopg

from ..errors import UsageError
from . import alembic_ledger, ledger
from .alembic_scripts import Revision

__all__ = ["accept_edit"]

_UPDATE = b"UPDATE pgwarden.alembic_revisions SET checksum = %s WHERE revision = %s"


def accept_edit(
    conn: psycopg.Connection[Any], revision: Revision, applied: set[str], who: dict[str, Any]
) -> str:
    """Re-record ``revision``'s checksum (the caller holds the migration lock); returns the old one."""
    if revision.id not in applied:
        raise UsageError(
            f"--accept-edit {revision.id}: the revision is not applied to this database, so there is no edit "
            "to accept (`pgwarden migrate status` lists what is applied)."
        )
    recorded = alembic_ledger.read(conn).get(revision.id)
    if recorded is None:
        raise UsageError(
            f"--accept-edit {revision.id}: pgwarden has no checksum for it (it was applied by plain `alembic "
            "upgrade`), so there is nothing to re-record."
        )
    if recorded.checksum == revision.checksum:
        raise UsageError(
            f"--accept-edit {revision.id}: {revision.path.name} is unchanged since it was applied; nothing to accept."
        )
    ledger.ensure(conn)
    with conn.transaction():
        conn.execute(_UPDATE, (revision.checksum, revision.id))
        ledger.audit(
            conn,
            "alembic-accept-edit",
            version=None,
            detail={"revision": revision.id, "from": recorded.checksum, "to": revision.checksum},
            who=who,
        )
    return recorded.checksum
