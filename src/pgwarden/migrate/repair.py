"""``migrate repair``: settle the ledger by hand, each change with an audit row (no more ``DELETE FROM``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from . import ledger
from .errors import LedgerConflict
from .source import MigrationFile

__all__ = ["ACTIONS", "repair"]

ACTIONS = ("mark-applied", "mark-unapplied", "clear")


def repair(
    conn: psycopg.Connection[Any],
    files: Sequence[MigrationFile],
    action: str,
    version: int,
    who: dict[str, Any],
) -> str:
    """Apply one repair ``action`` to ``version`` (with the migration lock held); return what was done."""
    rows = ledger.read(conn)
    row = rows.get(version)
    file = next((f for f in files if f.version == version), None)
    with conn.transaction():
        if action == "mark-applied":
            if file is None:
                raise LedgerConflict(f"No migration file has version {version}: nothing to mark applied.")
            ledger.record(
                conn,
                version=version,
                name=file.name,
                checksum=file.checksum,
                duration_ms=row.duration_ms if row else 0,
                applied_by={**who, "repair": action},
                success=True,
            )
            done = f"marked {file.filename} applied with its current checksum"
        elif action == "mark-unapplied":
            if row is None:
                raise LedgerConflict(f"Version {version} is not in the ledger: nothing to mark unapplied.")
            ledger.forget(conn, version)
            done = f"marked version {version} ({row.name}) unapplied: `migrate up` runs it again"
        elif action == "clear":
            if row is None or row.success:
                raise LedgerConflict(
                    f"Version {version} has no failed or partial run to clear"
                    + (" (it is applied; use --mark-unapplied)." if row else ".")
                )
            ledger.forget(conn, version)
            done = f"cleared the failed run of version {version} ({row.name}): `migrate up` starts it afresh"
        else:
            raise LedgerConflict(f"Unknown repair action {action!r}; known: {', '.join(ACTIONS)}.")
        before = None
        if row is not None:
            before = {
                "success": row.success,
                "checksum": row.checksum,
                "statements_done": row.statements_done,
            }
        ledger.audit(conn, action, version=version, detail={"before": before, "done": done}, who=who)
    return done
