"""The instance registry ``pgwarden.instances``: who runs, where, which code version, in which role."""

from __future__ import annotations

import hashlib
import os
import socket
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from uuid import UUID, uuid4

from .leadership import AsyncConn

__all__ = ["Heartbeat", "Instance", "code_version", "heartbeat", "register", "stopped"]

_SKIP_DIRS = {".git", ".venv", "venv", "__pycache__", "node_modules", ".mypy_cache", ".ruff_cache", ".tox"}
_MAX_FILES = 5000


@dataclass(frozen=True)
class Instance:
    name: str
    code_version: str
    id: UUID = field(default_factory=uuid4)
    host: str = field(default_factory=socket.gethostname)
    pid: int = field(default_factory=os.getpid)
    ttl: float = 10.0
    """Seconds after which ``pgwarden status`` calls this instance silent."""


def code_version(root: Path | None = None) -> str:
    """``$PGWARDEN_CODE_VERSION``, else the git commit of ``root``, else a hash of its Python sources."""
    forced = os.environ.get("PGWARDEN_CODE_VERSION")
    if forced:
        return forced[:64]
    root = (root or Path.cwd()).resolve()
    commit = git_commit(root)
    if commit:
        return commit[:12]
    digest = hashlib.sha256()
    count = 0
    for path in _sources(root):
        digest.update(str(path.relative_to(root)).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            continue
        count += 1
        if count >= _MAX_FILES:
            break
    return f"src-{digest.hexdigest()[:12]}" if count else "unknown"


def git_commit(root: Path) -> str | None:
    """The commit ``HEAD`` points at, read from ``.git`` without running git."""
    for folder in (root, *root.parents):
        git = folder / ".git"
        if git.is_file():  # a worktree or submodule: "gitdir: <path>"
            text = git.read_text(encoding="utf-8", errors="replace").strip()
            if not text.startswith("gitdir:"):
                return None
            git = (folder / text.split(":", 1)[1].strip()).resolve()
        if git.is_dir():
            return _resolve_head(git)
    return None


def _resolve_head(git: Path) -> str | None:
    try:
        head = (git / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None
    if not head.startswith("ref:"):
        return head or None
    ref = head.split(":", 1)[1].strip()
    common = git
    commondir = git / "commondir"
    if commondir.is_file():
        common = (git / commondir.read_text(encoding="utf-8").strip()).resolve()
    for base in (git, common):
        loose = base / ref
        if loose.is_file():
            return loose.read_text(encoding="utf-8").strip() or None
    packed = common / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[1] == ref:
                return parts[0]
    return None


def _sources(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        for name in sorted(files):
            if name.endswith(".py"):
                yield Path(folder) / name


async def register(conn: AsyncConn, instance: Instance, *, role: str) -> None:
    await conn.execute(
        "INSERT INTO pgwarden.instances (id, name, host, pid, role, code_version, ttl) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (id) DO UPDATE SET role = excluded.role, last_seen = now(), stopped_at = NULL",
        (instance.id, instance.name, instance.host, instance.pid, role, instance.code_version, instance.ttl),
    )


async def heartbeat(
    conn: AsyncConn, instance: Instance, *, role: str, epoch: int | None, ready: bool, reasons: Sequence[str]
) -> None:
    cur = await conn.execute(
        "UPDATE pgwarden.instances SET role = %s, epoch = coalesce(%s, epoch), ready = %s, reasons = %s, "
        "last_seen = now() WHERE id = %s",
        (role, epoch, ready, list(reasons), instance.id),
    )
    if cur.rowcount == 0:  # the row was cleaned up (or the table recreated): register again
        await register(conn, instance, role=role)
        await heartbeat(conn, instance, role=role, epoch=epoch, ready=ready, reasons=reasons)


class Heartbeat:
    """Records ``instance`` in the registry at most every ``every`` seconds (``force``: now)."""

    def __init__(self, instance: Instance, every: float) -> None:
        self.instance = instance
        self.every = every
        self._next = 0.0

    async def beat(
        self,
        conn: AsyncConn,
        *,
        role: str,
        epoch: int | None,
        ready: bool,
        reasons: Sequence[str],
        force: bool = False,
    ) -> None:
        now = time.monotonic()
        if not force and now < self._next:
            return
        self._next = now + self.every
        await heartbeat(conn, self.instance, role=role, epoch=epoch, ready=ready, reasons=reasons)


async def stopped(conn: AsyncConn, instance: Instance) -> None:
    await conn.execute(
        "UPDATE pgwarden.instances SET role = 'stopped', stopped_at = now(), last_seen = now() WHERE id = %s",
        (instance.id,),
    )
