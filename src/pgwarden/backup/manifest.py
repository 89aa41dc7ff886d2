"""The JSON manifest beside each archive, atomic file writes, and reading a backup directory.

A backup ``<id>`` is ``<id>.dump`` (pg_dump custom format) plus ``<id>.json``. The archive
is written under a temporary name and renamed, then the manifest is written the same way,
so a backup whose manifest is readable and whose archive has the recorded size is complete;
anything else found in the directory is listed as incomplete, never as a backup.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "FORMAT",
    "Entry",
    "Manifest",
    "TableCount",
    "Verification",
    "atomic_write",
    "read_manifest",
    "scan",
    "write_manifest",
]

FORMAT = "pgwarden-backup"
VERSION = 1
ARCHIVE_SUFFIX = ".dump"
MANIFEST_SUFFIX = ".json"
TEMP_PREFIX = "."
"""Files being written start with a dot and end in ``.tmp``; they are never a backup."""
_NOT_BACKUPS = frozenset({"probe", "pgwarden-backup-state"})
"""Temporary files of the writability probe and of the scheduled-run record."""


@dataclass(frozen=True)
class TableCount:
    rows: int
    exact: bool


@dataclass
class Verification:
    status: str
    """``verified`` or ``failed``."""
    at: str
    duration_s: float
    scratch: str
    """The server the archive was restored on (``127.0.0.1:5433 (PostgreSQL 16)``)."""
    problems: list[dict[str, Any]] = field(default_factory=list)
    """Findings that failed the backup (checksum, restore, schema fingerprint, row counts)."""
    contract: list[dict[str, Any]] = field(default_factory=list)
    """Findings of the contract check and invariants run on the restored copy."""
    rows: dict[str, int] = field(default_factory=dict)
    """Exact row counts of the restored copy."""


@dataclass
class Manifest:
    id: str
    file: str
    database: str
    """Where it came from, without a password (``bot@db:5432/app``)."""
    dbname: str
    size: int
    sha256: str
    server_version: str
    server_version_num: int
    system_identifier: str | None
    dump_version: str
    dump_major: int
    schema_fingerprint: str
    tables: dict[str, TableCount]
    pgwarden_version: str
    started_at: str
    finished_at: str
    duration_s: float
    schema_fingerprint_portable: str = ""
    """The fingerprint without view definitions, for a copy restored on another major."""
    scheduled: bool = False
    verification: Verification | None = None

    @property
    def started(self) -> datetime:
        return parse_time(self.started_at)

    @property
    def server_major(self) -> int:
        return self.server_version_num // 10000 if self.server_version_num >= 100000 else 9

    @property
    def status(self) -> str:
        return self.verification.status if self.verification else "unverified"

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"format": FORMAT, "version": VERSION, **asdict(self)}
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Manifest:
        """Raises ``ValueError`` naming what is wrong with the document."""
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a {FORMAT} manifest")
        if doc.get("version") != VERSION:
            raise ValueError(f"manifest version {doc.get('version')!r}; this pgwarden reads {VERSION}")
        body = {k: v for k, v in doc.items() if k not in ("format", "version")}
        try:
            body["tables"] = {name: TableCount(**count) for name, count in body["tables"].items()}
            if body.get("verification") is not None:
                body["verification"] = Verification(**body["verification"])
            manifest = cls(**body)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"missing or unexpected field ({exc})") from None
        for name, kind in (("size", int), ("sha256", str), ("file", str), ("id", str)):
            if not isinstance(getattr(manifest, name), kind):
                raise ValueError(f"`{name}` has the wrong type")
        parse_time(manifest.started_at)
        return manifest


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def format_time(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def parse_time(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it over ``path``."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def write_manifest(directory: Path, manifest: Manifest) -> Path:
    path = directory / f"{manifest.id}{MANIFEST_SUFFIX}"
    atomic_write(path, (json.dumps(manifest.to_dict(), indent=2) + "\n").encode())
    return path


def read_manifest(path: Path) -> Manifest:
    """The manifest at ``path``; ``ValueError`` when it is unreadable or malformed."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"cannot read it ({exc})") from None
    return Manifest.from_dict(doc)


@dataclass
class Entry:
    """One thing found in a backup directory: a complete backup, or something that is not one."""

    id: str
    manifest: Manifest | None
    archive: Path | None
    problem: str | None = None
    """Why this is not a complete backup (``None`` when it is one)."""
    damaged: bool = False
    """Manifest and archive are both there, but the archive no longer has the recorded size."""

    @property
    def complete(self) -> bool:
        return self.manifest is not None and self.problem is None

    @property
    def status(self) -> str:
        if self.damaged:
            return "damaged"
        if self.manifest is None or self.problem is not None:
            return "incomplete"
        return self.manifest.status


def scan(directory: Path) -> list[Entry]:
    """Every backup in ``directory``, oldest first, incomplete ones (interrupted, damaged) included."""
    if not directory.is_dir():
        return []
    entries: dict[str, Entry] = {}
    for path in _files(directory):
        name = path.name
        if name.startswith(TEMP_PREFIX):
            ident = name[1:].split(".", 1)[0]  # ids have no dots
            if name.endswith(".tmp") and ident and ident not in _NOT_BACKUPS:
                entries.setdefault(
                    ident, Entry(ident, None, None, "interrupted or still being written (temporary file)")
                )
            continue
        if name.endswith(MANIFEST_SUFFIX):
            ident = name[: -len(MANIFEST_SUFFIX)]
            archive = directory / f"{ident}{ARCHIVE_SUFFIX}"
            try:
                manifest = read_manifest(path)
            except ValueError as exc:
                entries[ident] = Entry(ident, None, archive if archive.exists() else None, f"manifest: {exc}")
                continue
            problem = _archive_problem(archive, manifest)
            damaged = problem is not None and archive.exists()
            entries[ident] = Entry(ident, manifest, archive, problem, damaged)
        elif name.endswith(ARCHIVE_SUFFIX):
            ident = name[: -len(ARCHIVE_SUFFIX)]
            if not (directory / f"{ident}{MANIFEST_SUFFIX}").exists():
                entries[ident] = Entry(ident, None, path, "archive without a manifest (interrupted create)")
    return sorted(entries.values(), key=_order)


def _files(directory: Path) -> Iterator[Path]:
    with os.scandir(directory) as it:
        for item in it:
            if item.is_file(follow_symlinks=False):
                yield Path(item.path)


def _archive_problem(archive: Path, manifest: Manifest) -> str | None:
    try:
        size = archive.stat().st_size
    except OSError:
        return f"archive {archive.name} is missing"
    if size != manifest.size:
        return f"archive {archive.name} has {size} bytes, the manifest says {manifest.size}"
    return None


def _order(entry: Entry) -> tuple[str, str]:
    started = entry.manifest.started_at if entry.manifest else ""
    return (format_time(parse_time(started)) if started else "", entry.id)
