"""A cluster ``initdb`` made once, copied by later scratch clusters: a copy costs a fraction of initdb.

The template is the data folder a first ``initdb`` wrote, kept as one ``tar`` archive in pgwarden's
private cache folder (``cache_dir()/clusters/<key>/data.tar``) under a key made of the binaries'
identity (folder, major version, size and time of ``postgres``, ``initdb`` and the extension
folders), the ``initdb`` options and what decides the time zone initdb picks. One file instead of
~1,000 small ones: writing them to a disk file system was most of a first run's system CPU. A
cluster that trusts every local connection must not be a way in for another local user (issue 21),
so a template is used only when:

* the cache folder and the template are this user's alone (0700, not writable by group or others,
  owned by this user): a folder that is not is refused, a template that is not is rebuilt;
* its folder holds no symbolic link, its archive is a plain file, and it says which identity it
  was made for (written last, then the whole folder renamed into place: a concurrent first run
  sees a complete template or none);
* the copy is unpacked by ``tar`` running as the cluster's user (as root: ``postgres``), into a
  new folder, and gets configuration files written here: ``pg_hba.conf``, ``pg_ident.conf`` and
  ``postgresql.auto.conf`` from the cluster's own options, ``postgresql.conf`` with only the
  settings initdb chose that are on a short list, each a plain value (nothing that loads a
  library, runs a command or includes a file).

Copies share the template's ``system_identifier`` (initdb sets it, and the WAL carries it): a
scratch cluster is never a backup's source nor a pinned live server. ``PGWARDEN_NO_CACHE=1`` turns
the template off: every cluster runs initdb and gets an identifier of its own; so does a system
without a ``tar`` program.
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
from collections.abc import Sequence
from pathlib import Path

from .paths import cache_dir, cache_enabled, private_dir

__all__ = ["copy", "find", "identity", "keep", "write_settings"]

log = logging.getLogger("pgwarden.scratch")

FORMAT = "pgwarden-initdb-template-2"
KEEP = 3
"""Templates kept (one per PostgreSQL installation in use is the usual need); the oldest go first."""
_MARK = "identity"
_ARCHIVE = "data.tar"

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
    return cache_enabled()


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
    """The archive of the template made for ``ident``, when there is a safe one; an unsafe or
    incomplete one is removed (the caller runs initdb and keeps a new one)."""
    if not enabled() or _tar() is None:
        return None
    folder = _folder(ident)
    if folder is None or not folder.exists():
        return None
    problem = _unsafe(folder, ident)
    if problem is None:
        return folder / _ARCHIVE
    log.warning("initdb template %s refused (%s); making a new one", folder, problem)
    shutil.rmtree(folder, ignore_errors=True)
    return None


def _unsafe(folder: Path, ident: str) -> str | None:
    """Why ``folder`` must not be used as a template, or ``None``."""
    try:
        if (folder / _MARK).read_text(encoding="utf-8") != ident:
            return "made for other binaries or options"
        if not stat.S_ISREG((folder / _ARCHIVE).lstat().st_mode):
            return f"{_ARCHIVE} is not a plain file"
        for path in (folder, *folder.iterdir()):
            st = path.lstat()
            if stat.S_ISLNK(st.st_mode):
                return f"{path.name} is a symbolic link"
            if st.st_uid != os.getuid():
                return f"{path.relative_to(folder.parent)} is owned by uid {st.st_uid}"
            if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
                return f"{path.relative_to(folder.parent)} is writable by others"
    except (OSError, UnicodeDecodeError) as exc:
        return f"unreadable: {exc}"
    return None


def keep(ident: str, data: Path) -> None:
    """Keep ``data``, just made by initdb (the server never ran on it), as the template for ``ident``:
    one archive file, written in a temporary folder that is then renamed (of two first runs, one
    template wins). One file costs the cache's disk a fraction of ~1,000 small ones (on an ext4 VM
    0.03 s instead of 0.15-0.6 s of system CPU), so the first cluster waits for it instead of a
    thread copying a folder while the run goes on."""
    tar = _tar()
    if not enabled() or tar is None:
        return
    folder = _folder(ident)
    if folder is None or folder.exists():
        return
    staging = Path(tempfile.mkdtemp(prefix=".new-", dir=folder.parent))
    try:
        archive = staging / _ARCHIVE
        _command([tar, "-cf", str(archive), "-C", str(data), "."])
        (staging / _MARK).write_text(ident, encoding="utf-8")
        for path in (staging, archive, staging / _MARK):  # whatever the umask: this user's alone
            path.chmod(0o700 if path.is_dir() else 0o600)
        os.rename(staging, folder)
        log.info("kept an initdb template in %s", folder)
    except OSError as exc:  # another run kept one first, or the disk is full: initdb next time
        log.info("no initdb template kept: %s", exc)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(folder.parent)


def _prune(base: Path) -> None:
    templates = sorted(
        (p for p in base.iterdir() if not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for old in templates[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)


def copy(template: Path, data: Path, owner: tuple[int, int] | None) -> None:
    """Unpack the archive ``template`` into ``data`` (which must not exist), owned by ``owner`` when
    given: ``tar`` runs as that user, reading the archive (this user's alone) from a file pgwarden
    opened, so every file is the owner's as it is written and modes are the archive's (initdb's)."""
    tar = _tar()
    if tar is None:
        raise OSError("no tar program to unpack the initdb template")
    data.mkdir(mode=0o700)
    if owner:
        os.chown(data, *owner)
    uid, gid = owner if owner else (None, None)
    with open(template, "rb") as archive:
        proc = subprocess.run(
            [tar, "-xpf", "-", "-C", str(data)],
            stdin=archive,
            cwd=data,  # the cluster's user may not enter pgwarden's working folder
            capture_output=True,
            text=True,
            check=False,
            user=uid,
            group=gid,
            extra_groups=[] if owner else None,
        )
    if proc.returncode != 0:
        raise OSError(f"tar failed: {proc.stderr.strip()[:300]}")


def _tar() -> str | None:
    """The ``tar`` program (GNU tar or bsdtar: only ``-c``, ``-x``, ``-f``, ``-p`` and ``-C`` are used);
    without one no template is kept and every cluster runs initdb."""
    return shutil.which("tar")


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
