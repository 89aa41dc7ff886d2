"""A cluster ``initdb`` made once, copied by later scratch clusters: a copy costs a fraction of initdb.

The template is the data folder a first ``initdb`` wrote, kept in pgwarden's private cache folder
(``cache_dir()/clusters/<key>``) under a key made of the binaries' identity (folder, major version,
size and time of ``postgres``, ``initdb`` and the extension folders), the ``initdb`` options and
what decides the time zone initdb picks. A cluster that trusts every local connection must not be
a way in for another local user (issue 21), so a template is used only when:

* the cache folder and the template are this user's alone (0700, not writable by group or others,
  owned by this user): a folder that is not is refused, a template that is not is rebuilt;
* it holds no symbolic link and says which identity it was made for (written last, then the whole
  folder renamed into place: a concurrent first run sees a complete template or none);
* the copy gets configuration files written here: ``pg_hba.conf``, ``pg_ident.conf`` and
  ``postgresql.auto.conf`` from the cluster's own options, ``postgresql.conf`` with only the
  settings initdb chose that are on a short list, each a plain value (nothing that loads a
  library, runs a command or includes a file).

Copies share the template's ``system_identifier`` (initdb sets it, and the WAL carries it): a
scratch cluster is never a backup's source nor a pinned live server. ``PGWARDEN_NO_CACHE=1`` turns
the template off: every cluster runs initdb and gets an identifier of its own.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import shutil
import stat
import subprocess
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path

from .paths import cache_dir, private_dir

__all__ = ["copy", "find", "identity", "keep", "keep_later", "write_settings"]

log = logging.getLogger("pgwarden.scratch")

FORMAT = "pgwarden-initdb-template-1"
KEEP = 3
"""Templates kept (one per PostgreSQL installation in use is the usual need); the oldest go first."""
_MARK = "identity"

CARRIED = (
    "max_connections",
    "shared_buffers",
    "dynamic_shared_memory_type",
    "max_wal_size",
    "min_wal_size",
    "log_timezone",
    "timezone",
    "datestyle",
    "lc_messages",
    "lc_monetary",
    "lc_numeric",
    "lc_time",
    "default_text_search_config",
)
"""The settings initdb writes from what it probed, carried from the template into the copy."""
_SETTING = re.compile(r"^([a-z_]+)\s*=\s*('[A-Za-z0-9_/+\-:., ]*'|[A-Za-z0-9_.]+)\s*(?:#.*)?$")


def enabled() -> bool:
    return os.environ.get("PGWARDEN_NO_CACHE", "") in ("", "0")


def identity(binaries_identity: str, initdb_args: Sequence[str], data: Path) -> str:
    """What a template depends on: the binaries, initdb's options (without the data folder), and the
    time zone initdb would pick (``$TZ``, else the system's ``/etc/localtime``)."""
    options = [a for a in initdb_args[1:] if a != str(data)]
    zone = os.environ.get("TZ", "")
    try:
        st = os.stat("/etc/localtime")
        zone += f"\0{os.path.realpath('/etc/localtime')}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        pass
    initdb = Path(initdb_args[0])
    try:
        st = initdb.stat()
        stamp = f"{initdb}:{st.st_size}:{st.st_mtime_ns}"
    except OSError:
        stamp = str(initdb)
    return "\0".join([FORMAT, binaries_identity, stamp, *options, zone])


def _folder(ident: str) -> Path | None:
    base = private_dir(cache_dir() / "clusters")
    if base is None:
        return None
    return base / hashlib.sha256(ident.encode()).hexdigest()[:32]


def find(ident: str) -> Path | None:
    """The data folder of the template made for ``ident``, when there is a safe one; an unsafe or
    incomplete one is removed (the caller runs initdb and keeps a new one)."""
    if not enabled():
        return None
    folder = _folder(ident)
    if folder is None or not folder.exists():
        return None
    problem = _unsafe(folder, ident)
    if problem is None:
        return folder / "data"
    log.warning("initdb template %s refused (%s); making a new one", folder, problem)
    shutil.rmtree(folder, ignore_errors=True)
    return None


def _unsafe(folder: Path, ident: str) -> str | None:
    """Why ``folder`` must not be used as a template, or ``None``."""
    try:
        if (folder / _MARK).read_text(encoding="utf-8") != ident:
            return "made for other binaries or options"
        for path in (folder, *folder.rglob("*")):
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                return f"{path.name} is a symbolic link"
            if st.st_uid != os.getuid():
                return f"{path.relative_to(folder)} is owned by uid {st.st_uid}"
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return f"{path.relative_to(folder)} is writable by others"
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable: {exc}"
    return None


def keep(ident: str, data: Path) -> None:
    """Keep a copy of ``data``, just made by initdb (the server never ran on it), as the template
    for ``ident``. Made in a temporary folder and renamed: of two first runs, one template wins."""
    if not enabled():
        return
    folder = _folder(ident)
    if folder is None or folder.exists():
        return
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=folder.parent))
    try:
        _copy_tree(data, staging / "data")
        (staging / _MARK).write_text(ident, encoding="utf-8")
        for path in (staging, *staging.rglob("*")):  # whatever the umask: 0700/0600 like initdb's
            path.chmod(0o700 if path.is_dir() else 0o600)
        os.rename(staging, folder)
        log.info("kept an initdb template in %s", folder)
    except OSError as exc:  # another run kept one first, or the disk is full: initdb next time
        log.info("no initdb template kept: %s", exc)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(folder.parent)


def keep_later(ident: str, data: Path, pristine: Path) -> threading.Thread | None:
    """``keep`` without making the first cluster wait for the cache's disk: ``data`` is copied to
    ``pristine`` (beside it, in memory for a schema cluster) now, and from there into the cache by
    a thread the caller joins before removing ``pristine``'s folder. ``None``: nothing to keep."""
    folder = _folder(ident) if enabled() else None
    if folder is None or folder.exists():
        return None
    try:
        _copy_tree(data, pristine)
    except OSError as exc:
        log.info("no initdb template kept: %s", exc)
        shutil.rmtree(pristine, ignore_errors=True)
        return None

    def run() -> None:
        try:
            keep(ident, pristine)
        finally:
            shutil.rmtree(pristine, ignore_errors=True)

    thread = threading.Thread(target=run, name="pgwarden-keep-template", daemon=True)
    thread.start()
    return thread


def _prune(base: Path) -> None:
    templates = sorted(
        (p for p in base.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in templates[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def copy(template: Path, data: Path, owner: tuple[int, int] | None) -> None:
    """Copy ``template`` to ``data`` (which must not exist), owned by ``owner`` when given."""
    _copy_tree(template, data)
    if owner:
        chown = shutil.which("chown")
        if os.name == "posix" and chown is not None:
            _command([chown, "-R", f"{owner[0]}:{owner[1]}", str(data)])
        else:
            for path in (data, *data.rglob("*")):
                os.chown(path, *owner)


def _copy_tree(source: Path, target: Path) -> None:
    """``cp -R`` where there is one: the copy runs in its own process, on another core than the
    models' import it overlaps with (``LazyScratch.prestart``); copying ~1,000 files in a thread
    here would wait for that import's hold on the interpreter at every file."""
    cp = shutil.which("cp")
    if os.name == "posix" and cp is not None:
        _command([cp, "-R", str(source), str(target)])
    else:
        shutil.copytree(source, target, symlinks=True)


def _command(args: list[str]) -> None:
    """Run ``args``; ``OSError`` with its message when it fails (the caller runs initdb instead)."""
    proc = subprocess.run(args, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise OSError(f"{Path(args[0]).name} failed: {proc.stderr.strip()[:300]}")


def write_settings(data: Path, initdb_args: Sequence[str]) -> None:
    """The configuration files of a cluster made from a template (or by initdb, alike), written here.

    ``pg_hba.conf`` from initdb's ``--auth-local``/``--auth-host``; ``postgresql.conf`` with the
    ``CARRIED`` settings the data folder had, when plain values; the other two files empty."""
    auth_local = _option(initdb_args, "--auth-local", "trust")
    auth_host = _option(initdb_args, "--auth-host", "reject")
    hba = [f"local all all {auth_local}", f"local replication all {auth_local}"]
    for network in ("127.0.0.1/32", "::1/128"):
        hba += [f"host all all {network} {auth_host}", f"host replication all {network} {auth_host}"]
    conf = data / "postgresql.conf"
    carried = []
    for line in conf.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _SETTING.match(line.strip())
        if match and match.group(1) in CARRIED:
            carried.append(f"{match.group(1)} = {match.group(2)}")
    _write(conf, ["# written by pgwarden for a scratch cluster", *carried])
    _write(data / "pg_hba.conf", ["# written by pgwarden: local connections only", *hba])
    _write(data / "pg_ident.conf", ["# written by pgwarden: no user name maps"])
    _write(data / "postgresql.auto.conf", ["# written by pgwarden: no ALTER SYSTEM settings"])


def _option(args: Sequence[str], name: str, default: str) -> str:
    value = next((a.split("=", 1)[1] for a in args if a.startswith(f"{name}=")), default)
    if not re.fullmatch(r"[a-z0-9-]+", value):
        raise ValueError(f"unexpected {name} value {value!r}")
    return value


def _write(path: Path, lines: list[str]) -> None:
    """Replace ``path``'s content, keeping its owner and mode (the server's user must read it)."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
