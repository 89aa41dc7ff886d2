"""Paths: how pgwarden names a file in a message, and the private folders its caches live in."""

from __future__ import annotations

import os
import stat
from pathlib import Path


def cache_dir() -> Path:
    """``$PGWARDEN_CACHE_DIR``, else ``$XDG_CACHE_HOME/pgwarden``, else ``~/.cache/pgwarden``."""
    explicit = os.environ.get("PGWARDEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pgwarden"


def cache_enabled() -> bool:
    """Whether pgwarden's caches are on (``PGWARDEN_NO_CACHE=1`` turns them off)."""
    return os.environ.get("PGWARDEN_NO_CACHE", "") in ("", "0")


def cache_holds_entries(kind: str) -> bool:
    """Whether the cache's folder for ``kind`` (``cache_dir()/kind``: ``schemas``...) holds an entry
    (a name without a leading dot: those are being written); found without importing what reads them."""
    try:
        with os.scandir(cache_dir() / kind) as entries:
            return any(not e.name.startswith(".") for e in entries)
    except OSError:
        return False


def show_path(path: Path) -> str:
    """``path`` relative to the current directory when it lies below it, else as given."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)


def private_dir(where: Path) -> Path | None:
    """``where``, created 0700 if missing; ``None`` when it is not this user's alone (another owner,
    or writable by group or others), so that nothing is cached there."""
    try:
        where.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = where.stat()
    except OSError:
        return None
    if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        return None
    return where
