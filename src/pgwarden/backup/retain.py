"""``backup prune``: keep the newest backup of each of N days and M weeks, never the newest verified one.

``plan`` is pure (tested without files); ``prune`` applies it. Retention is per database
(a directory may hold backups of several). A failed backup never fills a day or week slot.
Leftovers of interrupted runs (temporary files, archives without a manifest) older than
an hour are removed too; younger ones may belong to a create still running.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .manifest import ARCHIVE_SUFFIX, MANIFEST_SUFFIX, TEMP_PREFIX, Entry, Manifest, scan

__all__ = ["Plan", "PruneResult", "plan", "prune"]

LEFTOVER_AGE = 3600.0


@dataclass
class Plan:
    keep: dict[str, str] = field(default_factory=dict)
    """Backup id -> why it is kept (``daily 2024-05-01``, ``weekly 2024-W18``, ``newest verified``)."""
    delete: list[str] = field(default_factory=list)


def plan(manifests: Sequence[Manifest], *, keep_daily: int, keep_weekly: int) -> Plan:
    """Which backups to keep and which to delete, newest first within each database."""
    result = Plan()
    by_db: dict[str, list[Manifest]] = {}
    for m in manifests:
        by_db.setdefault(m.dbname, []).append(m)
    for group in by_db.values():
        ordered = sorted(group, key=lambda m: (m.started, m.id), reverse=True)
        verified = [m for m in ordered if m.status == "verified"]
        if verified:
            result.keep[verified[0].id] = "newest verified"
        usable = [m for m in ordered if m.status != "failed"]
        _slots(usable, keep_daily, lambda m: m.started.date().isoformat(), "daily", result)
        _slots(
            usable, keep_weekly, lambda m: "{}-W{:02d}".format(*m.started.isocalendar()[:2]), "weekly", result
        )
        result.delete += [m.id for m in ordered if m.id not in result.keep]
    return result


def _slots(
    ordered: list[Manifest], count: int, bucket: Callable[[Manifest], str], label: str, result: Plan
) -> None:
    seen: list[str] = []
    for m in ordered:
        key = bucket(m)
        if key in seen:
            continue
        if len(seen) >= count:
            break
        seen.append(key)
        result.keep.setdefault(m.id, f"{label} {key}")


@dataclass
class PruneResult:
    plan: Plan
    leftovers: list[str] = field(default_factory=list)
    """Files of interrupted runs removed (or, with ``dry_run``, that would be)."""
    freed: int = 0
    """Bytes removed (or that would be)."""
    dry_run: bool = False


def prune(directory: Path, *, keep_daily: int, keep_weekly: int, dry_run: bool = False) -> PruneResult:
    """Delete the backups ``plan`` does not keep, and stale leftovers; with ``dry_run`` only say so."""
    entries = scan(directory)
    complete = [e for e in entries if e.complete and e.manifest is not None]
    chosen = plan(
        [e.manifest for e in complete if e.manifest], keep_daily=keep_daily, keep_weekly=keep_weekly
    )
    result = PruneResult(plan=chosen, dry_run=dry_run)
    doomed = set(chosen.delete)
    for entry in complete:
        if entry.id in doomed:
            assert entry.manifest is not None
            result.freed += _drop(
                [directory / entry.manifest.file, directory / f"{entry.id}{MANIFEST_SUFFIX}"], dry_run
            )
    result.leftovers = _leftovers(directory, entries)
    result.freed += _drop([directory / name for name in result.leftovers], dry_run)
    return result


def _leftovers(directory: Path, entries: list[Entry]) -> list[str]:
    cutoff = time.time() - LEFTOVER_AGE
    ids = {e.id for e in entries if not e.complete and e.manifest is None}
    names: list[str] = []
    for path in sorted(directory.iterdir()):
        name = path.name
        ident = name[1:].split(".", 1)[0] if name.startswith(TEMP_PREFIX) else name.split(".", 1)[0]
        is_temp = name.startswith(TEMP_PREFIX) and name.endswith(".tmp")
        is_orphan = name.endswith(ARCHIVE_SUFFIX) and ident in ids
        with contextlib.suppress(OSError):
            if (is_temp or is_orphan) and path.is_file() and path.stat().st_mtime < cutoff:
                names.append(name)
    return names


def _drop(paths: list[Path], dry_run: bool) -> int:
    freed = 0
    for path in paths:
        with contextlib.suppress(OSError):
            freed += path.stat().st_size
            if not dry_run:
                path.unlink()
    return freed
