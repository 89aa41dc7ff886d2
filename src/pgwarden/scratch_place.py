"""Where a scratch cluster lives: a new 0700 folder, in memory when it builds only a schema, and the
OS user its server runs as.

A cluster that only builds a schema from models or migrations writes a few dozen MB that nobody
reads after the run. On a disk file system that is journal and block allocation work for every one
of the ~1,000 files of a data folder (0.5-0.7 s of system CPU per run on an ext4 VM, most of a
rebuild's system time); on a memory file system (``tmpfs``: ``$XDG_RUNTIME_DIR``, ``/dev/shm``) it
is a page copy. Such a folder is used only when it has ``MEMORY_MIN_FREE`` bytes free, so a small
``/dev/shm`` (64 MB in a default Docker container) is never filled: the cluster then goes to the
temporary folder like any other. A cluster that may hold real data (``backup verify`` restores a
backup) never asks for memory.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import ScratchError

__all__ = ["MEMORY_MIN_FREE", "SOCKET_PORT", "memory_parent", "private_dir", "run_as"]

SOCKET_PORT = 5432
"""The socket lives in the cluster's private folder, so the port only names the socket file
(.s.PGSQL.5432): no two clusters share a folder, and no free TCP port has to be found."""
_SOCKET_PATH_MAX = 100  # sun_path is 108 bytes on Linux, 104 on macOS; leave room for the file name
MEMORY_MIN_FREE = 1 << 30
"""Free bytes a memory file system needs before a cluster goes there (a schema build uses ~40 MB;
the margin is for migrations that also write data, and for everything else that uses the folder)."""


def run_as() -> tuple[int, int] | None:
    """(uid, gid) to drop to when running as root, else ``None``."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd  # POSIX only: the module does not exist on Windows

    for name in ("postgres", "nobody"):
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            continue
        return entry.pw_uid, entry.pw_gid
    raise ScratchError(
        "Running as root and neither a `postgres` nor a `nobody` user exists to run a throwaway "
        "PostgreSQL as; create one (useradd postgres) or pass --dev-url."
    )


def memory_parent(owner: tuple[int, int] | None) -> str | None:
    """A memory file system to make the cluster's folder in, or ``None`` (the temporary folder).

    ``$XDG_RUNTIME_DIR`` is this user's own; as root the server runs as ``owner``, who cannot enter
    root's, so only the shared ``/dev/shm`` (sticky, like ``/tmp``) serves then."""
    candidates = ["/dev/shm"]
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime and owner is None:
        candidates.insert(0, runtime)
    for candidate in candidates:
        try:
            if not os.path.isdir(candidate) or not os.access(candidate, os.W_OK | os.X_OK):
                continue
            st = os.statvfs(candidate)
        except OSError:
            continue
        if st.f_bavail * st.f_frsize >= MEMORY_MIN_FREE:
            return candidate
    return None


def private_dir(*, memory: bool = False, owner: tuple[int, int] | None = None) -> Path:
    """A new 0700 folder whose path is short enough for a Unix socket inside it; in memory when
    ``memory`` and a memory file system has room (``memory_parent``)."""
    parent = memory_parent(owner) if memory else None
    folder = Path(tempfile.mkdtemp(prefix="pgwarden-pg-", dir=parent))
    too_long = len(str(folder)) + len(f"/.s.PGSQL.{SOCKET_PORT}.lock") > _SOCKET_PATH_MAX
    if too_long and Path("/tmp").is_dir():
        folder.rmdir()
        folder = Path(tempfile.mkdtemp(prefix="pgwarden-pg-", dir="/tmp"))
    return folder
