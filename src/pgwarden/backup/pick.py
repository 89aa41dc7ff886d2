"""Choosing backups in a directory: by id (or a unique prefix of one), the newest, the newest verified."""

from __future__ import annotations

from pathlib import Path

from .errors import BackupNotFound
from .manifest import Entry, Manifest, scan

__all__ = ["get", "newest", "newest_verified"]


def get(directory: Path, backup_id: str, *, damaged: bool = False) -> Entry:
    """The complete backup ``backup_id`` (or the one it is a unique prefix of); ``BackupNotFound`` otherwise.

    With ``damaged``, a backup whose archive lost its recorded size is returned too (for verify to report).
    """
    entries = scan(directory)
    exact = [e for e in entries if e.id == backup_id]
    matches = exact or [e for e in entries if e.id.startswith(backup_id)]
    if len(matches) > 1:
        raise BackupNotFound(
            f"{backup_id!r} matches {len(matches)} backups in {directory} "
            f"({', '.join(e.id for e in matches[:5])}): give more of the id."
        )
    if not matches:
        known = [e.id for e in entries if e.complete][-5:]
        listing = f" The newest: {', '.join(reversed(known))}." if known else " It holds no backups."
        raise BackupNotFound(
            f"No backup {backup_id!r} in {directory}: run `pgwarden backup list` to see the ids.{listing}"
        )
    entry = matches[0]
    if not entry.complete and not (damaged and entry.damaged):
        raise BackupNotFound(
            f"Backup {entry.id} in {directory} is incomplete ({entry.problem}) and cannot be used; "
            "`pgwarden backup prune` removes such leftovers."
        )
    return entry


def newest(directory: Path, *, dbname: str | None = None) -> Entry | None:
    """The newest complete backup (of database ``dbname`` when given)."""
    found = [e for e in scan(directory) if e.complete and _of(e, dbname)]
    return found[-1] if found else None


def newest_verified(directory: Path, *, dbname: str | None = None) -> Manifest | None:
    """The manifest of the newest complete backup that passed verification, if any."""
    found = [e for e in scan(directory) if e.status == "verified" and _of(e, dbname)]
    return found[-1].manifest if found else None


def _of(entry: Entry, dbname: str | None) -> bool:
    return dbname is None or (entry.manifest is not None and entry.manifest.dbname == dbname)
