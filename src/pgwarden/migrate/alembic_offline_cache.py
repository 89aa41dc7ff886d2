"""What each Alembic revision changes, as offline mode renders it, kept between ``migrate status`` runs.

Rendering a chain offline runs every revision's ``upgrade()`` through Alembic (about a second on
200 revisions); its result depends only on the revision files (ids and checksums, in order), the
installed Alembic and SQLAlchemy, and pgwarden's own reading of the SQL. Those make the key, like
the expected-schema cache's. A chain that cannot render offline (a revision reading the database)
is never kept: status says why each time. ``PGWARDEN_NO_CACHE=1`` turns it off. The directory is
``$XDG_CACHE_HOME/pgwarden/alembic-offline`` (default ``~/.cache``), private (0700); entries are JSON.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..paths import private_dir
from .alembic_fastchain import FastChain
from .alembic_scripts import Chain
from .alembic_sql import offline_changes

__all__ = ["KEEP", "cached_offline_changes", "directory"]

KEEP = 16
"""Entries kept; the least recently written go first."""

_FORMAT = "pgwarden-alembic-offline-1"


def directory() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "pgwarden" / "alembic-offline"


def _version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _code() -> list[tuple[str, int, int]]:
    """The modules that turn rendered SQL into phrases: an edit of them is a new key."""
    here = Path(__file__).resolve().parent
    stamp = []
    for name in ("alembic_sql.py", "touched.py", "alembic_offline_cache.py"):
        st = (here / name).stat()
        stamp.append((name, st.st_size, st.st_mtime_ns))
    return stamp


def _key(chain: Chain | FastChain) -> str:
    head = {
        "format": _FORMAT,
        "version": __version__,
        "code": _code(),
        "alembic": _version("alembic"),
        "sqlalchemy": _version("sqlalchemy"),
        "where": str(Path(chain.where).resolve()),
        "revisions": [(r.id, r.checksum, str(r.path)) for r in chain.revisions],
    }
    return hashlib.sha256(json.dumps(head, sort_keys=True).encode()).hexdigest()


def cached_offline_changes(
    read: Chain | FastChain, chain: Callable[[], Chain]
) -> tuple[dict[str, list[str]], str | None]:
    """:func:`offline_changes`, read back when the same chain was rendered before. ``read``: the chain as
    read for the key (without Alembic when its files are plain literals); ``chain``: Alembic's, on a miss."""
    where = None if os.environ.get("PGWARDEN_NO_CACHE") == "1" else private_dir(directory())
    key = _key(read) if where is not None else ""
    if where is not None:
        try:
            data = json.loads((where / f"{key}.json").read_text(encoding="utf-8"))
            if isinstance(data, dict) and all(
                isinstance(v, list) and all(isinstance(p, str) for p in v) for v in data.values()
            ):
                return {str(k): list(v) for k, v in data.items()}, None
        except (OSError, ValueError):
            pass  # missing or unreadable: render afresh
    found, why = offline_changes(chain())
    if where is not None and why is None:
        _store(where, key, found)
    return found, why


def _store(where: Path, key: str, found: dict[str, list[str]]) -> None:
    try:
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".entry-")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(found, out)
        os.replace(tmp, where / f"{key}.json")
        entries = sorted(where.glob("*.json"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs the next status its speed
