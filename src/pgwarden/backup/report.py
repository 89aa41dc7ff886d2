"""Presenting backups to people and scripts: sizes, ages, list rows (pure, no I/O)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .manifest import Entry

__all__ = ["age", "entry_dict", "size"]


def size(n: int) -> str:
    """``1536`` -> ``1.5 kB``; powers of 1024, one decimal below 10."""
    value = float(n)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return (
                f"{int(value)} {unit}"
                if unit == "B"
                else f"{value:.1f} {unit}"
                if value < 10
                else f"{value:.0f} {unit}"
            )
        value /= 1024
    raise AssertionError("unreachable")


def age(seconds: float) -> str:
    """``90`` -> ``1m``, ``7200`` -> ``2h``, ``200000`` -> ``2d7h``."""
    s = max(0, int(seconds))
    if s < 60:
        return f"{s}s"
    if s < 3600:
        return f"{s // 60}m"
    if s < 86400:
        return f"{s // 3600}h{(s % 3600) // 60:02d}m" if s < 36000 else f"{s // 3600}h"
    return f"{s // 86400}d{(s % 86400) // 3600}h"


def entry_dict(entry: Entry, now: datetime) -> dict[str, Any]:
    """One backup as ``backup list --format json`` shows it."""
    m = entry.manifest
    doc: dict[str, Any] = {
        "id": entry.id,
        "status": entry.status,
        "complete": entry.complete,
        "problem": entry.problem,
    }
    if m is not None:
        doc.update(
            {
                "database": m.database,
                "file": m.file,
                "size": m.size,
                "started_at": m.started_at,
                "age_s": round((now - m.started).total_seconds()),
                "duration_s": m.duration_s,
                "server_version": m.server_version,
                "system_identifier": m.system_identifier,
                "tables": len(m.tables),
                "verified_at": m.verification.at if m.verification else None,
                "scheduled": m.scheduled,
            }
        )
    return doc
