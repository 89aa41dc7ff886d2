"""Expected schemas kept between runs, so an unchanged project needs no scratch database.

Building the schema of migrations or models means starting a scratch PostgreSQL, applying every
migration (or the models' DDL) and inspecting the result: seconds, on every ``check``. The result
depends only on its inputs, so it is stored under a key made of them:

* what the source is made of (the ordered checksums of the migrations; the models' DDL; the
  settings that shape the inspection: ``schemas``, ``ignore``, declared extensions),
* the scratch server that builds it (binaries and their extension folders, or the version a
  ``--dev-url`` server reports; found without starting a server),
* this pgwarden (its version and the size and modification time of every one of its source files:
  an edit of the inspection code is a new key).

An entry may also name files whose content it depends on beyond the key (the project modules the
models import); it is served only while each still has the content it had. Entries are written to
a temporary file and renamed into place, so concurrent runs read a whole entry or none; they are
read as JSON (nothing in them is executed), from a folder only this user may write to
(``cache_dir()/schemas``, 0700). ``PGWARDEN_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import __version__
from ..catalog import serialize
from ..catalog.model import Schema
from ..errors import SourceError
from ..paths import cache_enabled, private_dir
from ..scratch import Scratch
from .export import cache_dir

__all__ = [
    "Entry",
    "directory",
    "enabled",
    "key",
    "load",
    "module_files",
    "project_files",
    "read_doc",
    "server_of",
    "store",
    "write_doc",
]

log = logging.getLogger("pgwarden.contract")

FORMAT = "pgwarden-schema-cache-1"
KEEP = 64
"""Entries kept; the least recently written go first."""

_PACKAGE = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Entry:
    schema: Schema
    attributes: Mapping[str, str] = field(default_factory=dict)


def enabled() -> bool:
    return cache_enabled()


def directory(kind: str = "schemas") -> Path:
    """The cache's folder for ``kind`` entries (expected schemas; ``fixes``: fix verifications)."""
    return cache_dir() / kind


def server_of(scratch: Scratch | Callable[[], Scratch]) -> str | None:
    """The identity of the scratch server ``scratch`` stands for, without starting one; ``None``
    when it cannot be told (then nothing is cached)."""
    identity = getattr(scratch, "identity", None)
    if not callable(identity):
        return None
    found = identity()
    return found if isinstance(found, str) else None


def key(kind: str, server: str, inputs: Mapping[str, Any]) -> str:
    """The key of the schema a ``kind`` source with ``inputs`` builds on ``server``."""
    head = {
        "format": FORMAT,
        "version": __version__,
        "package": str(_PACKAGE),
        "code": _code_stamp(),
        "kind": kind,
        "server": server,
        "inputs": inputs,
    }
    return hashlib.sha256(json.dumps(head, sort_keys=True, default=str).encode()).hexdigest()


def load(entry_key: str) -> Entry | None:
    """The entry stored under ``entry_key`` when the files it names are unchanged, else ``None``."""
    doc = read_doc("schemas", entry_key)
    if doc is None:
        return None
    path = directory() / f"{entry_key}.json"
    try:
        files: dict[str, str] = doc["files"]
        attributes: dict[str, str] = doc["attributes"]
        if doc["format"] != FORMAT or not isinstance(files, dict) or not isinstance(attributes, dict):
            return None
        if any(_digest(name) != digest for name, digest in files.items()):
            return None
        schema = serialize.loads(doc["snapshot"], path=path)
        schema = dataclasses.replace(schema, privileges_read=doc["privileges_read"] is True)
    except (ValueError, KeyError, TypeError, SourceError):
        return None  # damaged or from another format: build afresh
    log.info("expected schema from the cache (%s), no scratch database needed", path.name[:12])
    return Entry(schema=schema, attributes=attributes)


def read_doc(kind: str, entry_key: str) -> dict[str, Any] | None:
    """The JSON document stored under ``entry_key`` in ``kind``'s folder; ``None`` when there is none,
    it is damaged, or caching is off or unsafe."""
    where = _private(directory(kind))
    if where is None:
        return None
    try:
        doc = json.loads((where / f"{entry_key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return doc if isinstance(doc, dict) else None


def store(entry_key: str, entry: Entry, *, files: Iterable[str] = ()) -> None:
    """Keep ``entry`` under ``entry_key``, valid while every file in ``files`` keeps its content."""
    digests = {name: _digest(name) for name in files}
    if None in digests.values():
        return  # a file that cannot be read cannot vouch for the entry
    doc = {
        "format": FORMAT,
        "files": digests,
        "attributes": dict(entry.attributes),
        "privileges_read": entry.schema.privileges_read,
        "snapshot": serialize.dumps(entry.schema),
    }
    write_doc("schemas", entry_key, doc)


def write_doc(kind: str, entry_key: str, doc: Mapping[str, Any]) -> None:
    """Keep ``doc`` under ``entry_key`` in ``kind``'s folder: written whole or not at all, the oldest
    entries beyond ``KEEP`` removed."""
    where = _private(directory(kind))
    if where is None:
        return
    try:
        fd, tmp = tempfile.mkstemp(dir=where, prefix=".entry-", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(doc, out)
            os.replace(tmp, where / f"{entry_key}.json")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        entries = sorted(where.glob("*.json"), key=_mtime, reverse=True)
        for old in entries[KEEP:]:
            old.unlink(missing_ok=True)
    except OSError:
        pass  # a cache that cannot be written only costs the next run its speed


def module_files(names: Iterable[str]) -> list[str]:
    """The files of the modules ``names`` in ``sys.modules`` (built-in ones have none)."""
    files = (getattr(sys.modules.get(name), "__file__", None) for name in names)
    return [f for f in files if isinstance(f, str)]


def project_files(root: Path, files: Iterable[str]) -> list[str]:
    """Those of ``files`` (module files) under ``root``, pgwarden's, installed packages and the
    interpreter's own library left out."""
    base = os.path.realpath(root)
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    found = set()
    for path in files:
        real = os.path.realpath(path)
        if not real.startswith(base + os.sep) or "site-packages" in real:
            continue
        if any(real.startswith(p + os.sep) for p in prefixes) or real.startswith(str(_PACKAGE) + os.sep):
            continue
        found.add(real)
    return sorted(found)


@functools.cache
def _code_stamp() -> tuple[tuple[str, int, int], ...]:
    """(file, size, mtime) of every source file of pgwarden, read once per process.

    Every warm ``check`` pays for it (~430 files): one ``scandir`` per folder, no path arithmetic."""
    stamp: list[tuple[str, int, int]] = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as found:
            entries = sorted(found, key=lambda e: e.name)
        for entry in entries:
            if entry.name.endswith((".py", ".sql", ".json")) and not entry.is_dir():
                st = entry.stat()
                stamp.append((prefix + entry.name, st.st_size, st.st_mtime_ns))
        for entry in entries:
            if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                walk(entry.path, prefix + entry.name + os.sep)

    walk(str(_PACKAGE), "")
    return tuple(stamp)


def _digest(name: str) -> str | None:
    try:
        return hashlib.sha256(Path(name).read_bytes()).hexdigest()
    except OSError:
        return None


def _mtime(path: Path) -> int:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return 0


def _private(where: Path) -> Path | None:
    """``where`` when caching is on and the folder is this user's alone, else ``None``."""
    return private_dir(where) if enabled() else None
