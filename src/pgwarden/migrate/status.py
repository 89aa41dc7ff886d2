"""``migrate status``: one line per version, from the folder and the ledger together; and ``migrate new``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from ..errors import UsageError
from .ledger import Applied
from .source import MigrationFile, show_path

__all__ = ["Line", "lines", "new_file"]


@dataclass(frozen=True)
class Line:
    version: int
    name: str
    state: str
    """``applied``, ``pending``, ``failed``, ``partial``, ``edited`` (checksum differs) or ``missing`` (no file)."""
    applied_at: datetime | None = None
    duration_ms: int | None = None
    applied_by: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "state": self.state,
            "applied_at": self.applied_at.isoformat() if self.applied_at else None,
            "duration_ms": self.duration_ms,
            "applied_by": self.applied_by,
        }


def lines(files: Sequence[MigrationFile], applied: dict[int, Applied]) -> list[Line]:
    by_version = {f.version: f for f in files}
    found: list[Line] = []
    for version in sorted(set(by_version) | set(applied)):
        file, row = by_version.get(version), applied.get(version)
        if row is None:
            assert file is not None
            found.append(Line(version, file.name, "pending"))
            continue
        if file is None:
            state = "missing"
        elif not row.success:
            state = "partial" if row.statements_done else "failed"
        elif row.checksum != file.checksum:
            state = "edited"
        else:
            state = "applied"
        who = row.applied_by
        by = f"{who.get('host', '?')} pid {who.get('pid', '?')}" + (
            f" ({who['app_version']})" if who.get("app_version") else ""
        )
        if "tool" in who:
            by = f"{who['tool']}'s ledger {who.get('table', '')}".rstrip()
        found.append(Line(version, row.name, state, row.applied_at, row.duration_ms, by))
    return found


_NAME = re.compile(r"[a-z0-9_]+")


def new_file(folder: Path, files: Sequence[MigrationFile], name: str) -> Path:
    """Create the next migration file: the next number in the folder's width, or a UTC timestamp."""
    slug = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")
    if not slug or not _NAME.fullmatch(slug):
        raise UsageError(f"Migration name {name!r} has no letters or digits: e.g. `add_jobs_chat_id`.")
    if not folder.is_dir():
        raise UsageError(f"Migrations folder {show_path(folder)} does not exist: create it first.")
    last = files[-1] if files else None
    digits = len(last.filename.split("_", 1)[0]) if last else 3
    if last is not None and digits >= 14:
        version = max(int(datetime.now(timezone.utc).strftime("%Y%m%d%H%M%S")), last.version + 1)
        stem = str(version)
    else:
        version = (last.version if last else 0) + 1
        stem = str(version).zfill(digits)
    path = folder / f"{stem}_{slug}.sql"
    path.write_text(f"-- {slug.replace('_', ' ')}\n\n", encoding="utf-8")
    return path
